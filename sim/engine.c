/* SPDX-License-Identifier: MIT */
/* sim/engine.c: the future-event list is a 4-ary min-heap of 16-byte records
 * (time, slot), laid out so that the four children of a node share one cache
 * line. Event bodies live in a slot array; pos[] maps a slot to its heap index,
 * which makes cancellation O(log n). Equal times are ordered by the slot's
 * insertion sequence number, looked up only on ties. */
#include "sim/engine.h"

#include "sim/rng.h"
#include "sim/xalloc.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NO_POS UINT32_MAX

struct hent {
    int64_t t;
    uint32_t slot;
    uint32_t unused;
};

struct slot {
    sim_event_fn *fn;
    void *arg;
    sim_free_fn *free_fn;
    uint64_t seq;
    uint32_t gen;       /* bumped when the slot is freed: stale ids fail */
    uint32_t next_free; /* free-list link while unused */
};

struct stream {
    char *name;
    gsl_rng *rng;
};

struct sim_engine {
    struct hent *heap; /* heap[0] is the root; heap[1] is 64-byte aligned */
    void *heap_mem;
    size_t n, cap;
    struct slot *slots;
    uint32_t *pos;
    size_t nslots, slots_cap;
    uint32_t free_head;
    uint64_t seq;
    int64_t now;
    uint64_t events;
    uint64_t seed;
    bool stop;
    bool warm;
    struct stream *streams;
    size_t nstreams, streams_cap;
};

struct sim_engine *sim_engine_create(uint64_t seed)
{
    struct sim_engine *e = xcalloc(1, sizeof *e);
    e->seed = seed;
    e->free_head = NO_POS;
    e->warm = true;
    return e;
}

static void heap_grow(struct sim_engine *e)
{
    size_t cap = e->cap ? e->cap * 2 : 256;
    /* 48 bytes of lead so that &heap[1] sits on a 64-byte boundary. */
    size_t bytes = (cap * sizeof(struct hent) + 48 + 63) & ~(size_t)63;
    void *mem = aligned_alloc(64, bytes);
    if (!mem) {
        fprintf(stderr, "uksim: out of memory (event list)\n");
        abort();
    }
    struct hent *h = (struct hent *)((char *)mem + 48);
    if (e->n)
        memcpy(h, e->heap, e->n * sizeof *h);
    free(e->heap_mem);
    e->heap_mem = mem;
    e->heap = h;
    e->cap = cap;
}

void sim_engine_destroy(struct sim_engine *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->n; i++) {
        struct slot *s = &e->slots[e->heap[i].slot];
        if (s->free_fn)
            s->free_fn(s->arg);
    }
    for (size_t i = 0; i < e->nstreams; i++) {
        free(e->streams[i].name);
        gsl_rng_free(e->streams[i].rng);
    }
    free(e->streams);
    free(e->heap_mem);
    free(e->slots);
    free(e->pos);
    free(e);
}

int64_t sim_now_ns(const struct sim_engine *e) { return e->now; }
uint64_t sim_seed(const struct sim_engine *e) { return e->seed; }
size_t sim_pending(const struct sim_engine *e) { return e->n; }
uint64_t sim_events_run(const struct sim_engine *e) { return e->events; }
bool sim_warm(const struct sim_engine *e) { return e->warm; }
void sim_stop_request(struct sim_engine *e) { e->stop = true; }

static inline bool before(const struct sim_engine *e, const struct hent *a, const struct hent *b)
{
    if (a->t != b->t)
        return a->t < b->t;
    return e->slots[a->slot].seq < e->slots[b->slot].seq;
}

static inline void place(struct sim_engine *e, size_t i, struct hent x)
{
    e->heap[i] = x;
    e->pos[x.slot] = (uint32_t)i;
}

static void sift_up(struct sim_engine *e, size_t i, struct hent x)
{
    while (i > 0) {
        size_t p = (i - 1) / 4;
        if (!before(e, &x, &e->heap[p]))
            break;
        place(e, i, e->heap[p]);
        i = p;
    }
    place(e, i, x);
}

static void sift_down(struct sim_engine *e, size_t i, struct hent x)
{
    size_t n = e->n;
    for (;;) {
        size_t c = 4 * i + 1;
        if (c >= n)
            break;
        size_t end = c + 4 < n ? c + 4 : n;
        size_t m = c;
        for (size_t k = c + 1; k < end; k++)
            if (before(e, &e->heap[k], &e->heap[m]))
                m = k;
        if (!before(e, &e->heap[m], &x))
            break;
        place(e, i, e->heap[m]);
        i = m;
    }
    place(e, i, x);
}

static uint32_t slot_alloc(struct sim_engine *e)
{
    if (e->free_head != NO_POS) {
        uint32_t s = e->free_head;
        e->free_head = e->slots[s].next_free;
        return s;
    }
    assert(e->nslots < NO_POS);
    size_t cap = e->slots_cap;
    e->slots = xgrow(e->slots, &cap, e->nslots + 1, sizeof *e->slots);
    e->pos = xgrow(e->pos, &e->slots_cap, e->nslots + 1, sizeof *e->pos);
    uint32_t s = (uint32_t)e->nslots++;
    e->slots[s].gen = 1;
    return s;
}

static void slot_free(struct sim_engine *e, uint32_t s)
{
    struct slot *sl = &e->slots[s];
    sl->gen = sl->gen + 1 ? sl->gen + 1 : 1;
    sl->next_free = e->free_head;
    e->pos[s] = NO_POS;
    e->free_head = s;
}

uint64_t sim_schedule_owned(struct sim_engine *e, int64_t at_ns, sim_event_fn *fn, void *arg,
                            sim_free_fn *free_fn)
{
    assert(at_ns >= e->now && "scheduling in the past");
    assert(fn);
    if (e->n == e->cap)
        heap_grow(e);
    uint32_t s = slot_alloc(e);
    struct slot *sl = &e->slots[s];
    sl->fn = fn;
    sl->arg = arg;
    sl->free_fn = free_fn;
    sl->seq = e->seq++;
    struct hent x = {.t = at_ns, .slot = s};
    e->n++;
    sift_up(e, e->n - 1, x);
    return ((uint64_t)sl->gen << 32) | s;
}

uint64_t sim_schedule(struct sim_engine *e, int64_t at_ns, sim_event_fn *fn, void *arg)
{
    return sim_schedule_owned(e, at_ns, fn, arg, NULL);
}

uint64_t sim_schedule_in(struct sim_engine *e, int64_t delay_ns, sim_event_fn *fn, void *arg)
{
    assert(delay_ns >= 0);
    return sim_schedule_owned(e, e->now + delay_ns, fn, arg, NULL);
}

/* Removes heap entry i and restores the heap property. */
static void heap_remove(struct sim_engine *e, size_t i)
{
    struct hent last = e->heap[--e->n];
    if (i == e->n)
        return;
    if (i > 0 && before(e, &last, &e->heap[(i - 1) / 4]))
        sift_up(e, i, last);
    else
        sift_down(e, i, last);
}

bool sim_cancel(struct sim_engine *e, uint64_t id)
{
    uint32_t s = (uint32_t)id;
    uint32_t gen = (uint32_t)(id >> 32);
    if (gen == 0 || s >= e->nslots || e->slots[s].gen != gen || e->pos[s] == NO_POS)
        return false;
    heap_remove(e, e->pos[s]);
    struct slot sl = e->slots[s];
    slot_free(e, s);
    if (sl.free_fn)
        sl.free_fn(sl.arg);
    return true;
}

gsl_rng *sim_stream(struct sim_engine *e, const char *name)
{
    for (size_t i = 0; i < e->nstreams; i++)
        assert(strcmp(e->streams[i].name, name) != 0 && "stream requested twice");
    e->streams = xgrow(e->streams, &e->streams_cap, e->nstreams + 1, sizeof *e->streams);
    struct stream *st = &e->streams[e->nstreams++];
    st->name = xstrdup(name);
    st->rng = sim_rng_create(e->seed, name);
    return st->rng;
}

static void warmup_done(struct sim_engine *e, void *arg)
{
    (void)arg;
    e->warm = true;
}

struct warmup_call {
    sim_event_fn *fn;
    void *arg;
};

static void warmup_call_fire(struct sim_engine *e, void *arg)
{
    struct warmup_call *w = arg;
    e->warm = true;
    w->fn(e, w->arg);
}

enum sim_stop_reason sim_run(struct sim_engine *e, const struct sim_run_opts *opts)
{
    struct sim_run_opts none = {.until_ns = -1};
    if (!opts)
        opts = &none;
    struct warmup_call wc = {opts->on_warmup, opts->warmup_arg};
    uint64_t warm_id = 0;
    if (opts->warmup_ns > e->now) {
        e->warm = false;
        warm_id = opts->on_warmup ? sim_schedule(e, opts->warmup_ns, warmup_call_fire, &wc)
                                  : sim_schedule(e, opts->warmup_ns, warmup_done, NULL);
    }
    uint64_t budget = opts->max_events;
    uint64_t start = e->events;
    enum sim_stop_reason why = SIM_STOP_EMPTY;
    e->stop = false;
    while (e->n > 0) {
        struct hent top = e->heap[0];
        if (opts->until_ns >= 0 && top.t > opts->until_ns) {
            why = SIM_STOP_TIME;
            break;
        }
        if (budget && e->events - start >= budget) {
            why = SIM_STOP_EVENTS;
            break;
        }
        heap_remove(e, 0);
        struct slot sl = e->slots[top.slot];
        slot_free(e, top.slot);
        e->now = top.t;
        e->events++;
        sl.fn(e, sl.arg);
        if (sl.free_fn)
            sl.free_fn(sl.arg);
        if (e->stop) {
            why = SIM_STOP_REQUESTED;
            break;
        }
    }
    /* The warm-up record lives on this stack frame: never leave it pending. */
    if (warm_id)
        sim_cancel(e, warm_id);
    if (why == SIM_STOP_TIME || (why == SIM_STOP_EMPTY && opts->until_ns > e->now))
        e->now = opts->until_ns > e->now ? opts->until_ns : e->now;
    return why;
}
