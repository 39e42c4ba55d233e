/* SPDX-License-Identifier: MIT */
/* sim/engine.c: events live in a slot array; the future-event list (sim/fel.h)
 * orders 16-byte (time, key) records, key = sequence number << 24 | slot, so
 * ties run in scheduling order. Cancellation is O(1) and lazy: the slot
 * forgets its key, and the stale record is dropped when it reaches the front,
 * or by an O(n) sweep once stale records outnumber live ones, so memory stays
 * within about twice the live events. We chose lazy deletion over a position
 * index because the index must follow every record the list moves.
 * Limits: 2^24 - 1 pending events (the run aborts with a message beyond);
 * after 2^40 events the pending records are renumbered, keeping their order. */
#include "sim/engine.h"

#include "sim/fel.h"
#include "sim/rng.h"
#include "sim/strmap.h"
#include "sim/xalloc.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOT_BITS 24
#define SLOT_MASK ((1u << SLOT_BITS) - 1)
#define SEQ_LIMIT (UINT64_C(1) << (64 - SLOT_BITS))
/* Never a slot (slot_alloc stops short of it): marks a now-queue record
 * while renumbering. */
#define NO_SLOT SLOT_MASK

struct slot {
    sim_event_fn *fn;
    void *arg;
    sim_free_fn *free_fn;
    uint64_t key; /* key of the pending record; 0 when the slot holds none */
    uint32_t gen; /* bumped when the event fires or is cancelled: ids go stale */
};

/* An event of sim_schedule_now(): due at the current time, ordered by seq
 * against the list's records of the same time. */
struct now_rec {
    uint64_t seq;
    sim_event_fn *fn;
    void *arg;
};

struct stream {
    char *name;
    gsl_rng *rng;
};

struct sim_engine {
    struct sim_fel fel;
    size_t live; /* scheduled events not yet fired or cancelled */
    struct slot *slots;
    size_t nslots, slots_cap;
    uint32_t *free; /* stack of free slots: the last freed is reused first */
    size_t nfree, free_cap;
    /* Events due now without a slot, in seq order; all are due at `now`
     * (time never moves while one is pending). */
    struct now_rec *nowq;
    size_t now_head, now_n, now_cap;
    uint64_t seq; /* next sequence number, >= 1 so that no key is 0 */
    int64_t now;
    uint64_t events;
    uint64_t seed;
    bool stop;
    bool warm;
    struct stream *streams;
    size_t nstreams, streams_cap;
    struct sim_strmap stream_names; /* name -> index in streams */
};

struct sim_engine *sim_engine_create(uint64_t seed)
{
    struct sim_engine *e = xcalloc(1, sizeof *e);
    sim_fel_init(&e->fel);
    e->seed = seed;
    e->seq = 1;
    e->warm = true;
    return e;
}

static inline struct slot *slot_of(struct sim_engine *e, const struct sim_fel_rec *r)
{
    return &e->slots[r->key & SLOT_MASK];
}

static inline bool is_live(struct sim_engine *e, const struct sim_fel_rec *r)
{
    return slot_of(e, r)->key == r->key;
}

/* sim_fel_filter callback used at destruction: runs free_fn of live events. */
static bool free_live(const struct sim_fel_rec *r, void *ctx)
{
    struct sim_engine *e = ctx;
    struct slot *s = slot_of(e, r);
    if (s->key == r->key && s->free_fn)
        s->free_fn(s->arg);
    return false;
}

void sim_engine_destroy(struct sim_engine *e)
{
    if (!e)
        return;
    sim_fel_filter(&e->fel, free_live, e);
    sim_fel_fini(&e->fel);
    for (size_t i = 0; i < e->nstreams; i++) {
        free(e->streams[i].name);
        gsl_rng_free(e->streams[i].rng);
    }
    free(e->streams);
    sim_strmap_fini(&e->stream_names);
    free(e->slots);
    free(e->free);
    free(e->nowq);
    free(e);
}

int64_t sim_now_ns(const struct sim_engine *e)
{
    return e->now;
}
uint64_t sim_seed(const struct sim_engine *e)
{
    return e->seed;
}
size_t sim_pending(const struct sim_engine *e)
{
    return e->live + (e->now_n - e->now_head);
}
uint64_t sim_events_run(const struct sim_engine *e)
{
    return e->events;
}
bool sim_warm(const struct sim_engine *e)
{
    return e->warm;
}
void sim_stop_request(struct sim_engine *e)
{
    e->stop = true;
}

static uint32_t slot_alloc(struct sim_engine *e)
{
    if (e->nfree)
        return e->free[--e->nfree];
    if (e->nslots >= SLOT_MASK) {
        fprintf(stderr, "uksim: more than %u pending events\n", SLOT_MASK);
        abort();
    }
    e->slots = xgrow(e->slots, &e->slots_cap, e->nslots + 1, sizeof *e->slots);
    uint32_t s = (uint32_t)e->nslots++;
    e->slots[s].gen = 1;
    e->slots[s].key = 0;
    return s;
}

static inline void slot_free(struct sim_engine *e, struct slot *sl)
{
    uint32_t s = (uint32_t)(sl->key & SLOT_MASK);
    sl->key = 0;
    sl->gen = sl->gen + 1 ? sl->gen + 1 : 1;
    if (e->nfree == e->free_cap)
        e->free = xgrow(e->free, &e->free_cap, e->nfree + 1, sizeof *e->free);
    e->free[e->nfree++] = s;
    e->live--;
}

struct collect {
    struct sim_engine *e;
    struct sim_fel_rec *v;
    size_t n;
};

static bool collect_live(const struct sim_fel_rec *r, void *ctx)
{
    struct collect *c = ctx;
    if (is_live(c->e, r))
        c->v[c->n++] = *r;
    return false;
}

static int rec_cmp(const void *a, const void *b)
{
    const struct sim_fel_rec *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return (x->key > y->key) - (x->key < y->key);
}

/* Gives the pending records, the now-queue's included, sequence numbers
 * 1..n in their current order. */
static void renumber(struct sim_engine *e)
{
    size_t nnow = e->now_n - e->now_head;
    struct collect c = {e, xmalloc((e->live + nnow + 1) * sizeof *c.v), 0};
    sim_fel_filter(&e->fel, collect_live, &c);
    for (size_t i = e->now_head; i < e->now_n; i++)
        c.v[c.n++] = (struct sim_fel_rec){e->now, (e->nowq[i].seq << SLOT_BITS) | NO_SLOT};
    qsort(c.v, c.n, sizeof *c.v, rec_cmp);
    e->seq = 1;
    size_t k = e->now_head;
    for (size_t i = 0; i < c.n; i++) {
        if ((c.v[i].key & SLOT_MASK) == NO_SLOT) { /* sorted among themselves as before */
            e->nowq[k++].seq = e->seq++;
            continue;
        }
        struct slot *sl = slot_of(e, &c.v[i]);
        c.v[i].key = (e->seq++ << SLOT_BITS) | (c.v[i].key & SLOT_MASK);
        sl->key = c.v[i].key;
        sim_fel_push(&e->fel, c.v[i]);
    }
    free(c.v);
}

void sim_engine_test_set_seq(struct sim_engine *e, uint64_t seq)
{
    assert(seq >= e->seq && seq < SEQ_LIMIT);
    e->seq = seq;
}

uint64_t sim_schedule_owned(struct sim_engine *e, int64_t at_ns, sim_event_fn *fn, void *arg,
                            sim_free_fn *free_fn)
{
    assert(at_ns >= e->now && "scheduling in the past");
    assert(fn);
    if (e->seq >= SEQ_LIMIT)
        renumber(e);
    uint32_t s = slot_alloc(e);
    struct slot *sl = &e->slots[s];
    sl->fn = fn;
    sl->arg = arg;
    sl->free_fn = free_fn;
    sl->key = (e->seq++ << SLOT_BITS) | s;
    e->live++;
    sim_fel_push(&e->fel, (struct sim_fel_rec){at_ns, sl->key});
    return ((uint64_t)sl->gen << 32) | s;
}

void sim_schedule_now(struct sim_engine *e, sim_event_fn *fn, void *arg)
{
    assert(fn);
    if (e->seq >= SEQ_LIMIT)
        renumber(e);
    if (e->now_head == e->now_n)
        e->now_head = e->now_n = 0;
    if (e->now_n == e->now_cap)
        e->nowq = xgrow(e->nowq, &e->now_cap, e->now_n + 1, sizeof *e->nowq);
    e->nowq[e->now_n++] = (struct now_rec){e->seq++, fn, arg};
}

void sim_schedule_in_fixed(struct sim_engine *e, int64_t delay_ns, sim_event_fn *fn, void *arg)
{
    if (delay_ns == 0)
        sim_schedule_now(e, fn, arg);
    else
        sim_schedule_in(e, delay_ns, fn, arg);
}

uint64_t sim_schedule(struct sim_engine *e, int64_t at_ns, sim_event_fn *fn, void *arg)
{
    return sim_schedule_owned(e, at_ns, fn, arg, NULL);
}

uint64_t sim_schedule_in(struct sim_engine *e, int64_t delay_ns, sim_event_fn *fn, void *arg)
{
    assert(delay_ns >= 0);
    /* Saturates: an event past the end of representable time never runs. */
    int64_t at = delay_ns > INT64_MAX - e->now ? INT64_MAX : e->now + delay_ns;
    return sim_schedule_owned(e, at, fn, arg, NULL);
}

static bool keep_live(const struct sim_fel_rec *r, void *ctx)
{
    return is_live(ctx, r);
}

bool sim_cancel(struct sim_engine *e, uint64_t id)
{
    uint32_t s = (uint32_t)id;
    uint32_t gen = (uint32_t)(id >> 32);
    if (gen == 0 || s >= e->nslots || e->slots[s].gen != gen || e->slots[s].key == 0)
        return false;
    struct slot copy = e->slots[s];
    slot_free(e, &e->slots[s]);
    if (sim_fel_size(&e->fel) > 1024 && sim_fel_size(&e->fel) > 2 * e->live)
        sim_fel_filter(&e->fel, keep_live, e);
    if (copy.free_fn)
        copy.free_fn(copy.arg);
    return true;
}

gsl_rng *sim_stream(struct sim_engine *e, const char *name)
{
    e->streams = xgrow(e->streams, &e->streams_cap, e->nstreams + 1, sizeof *e->streams);
    struct stream *st = &e->streams[e->nstreams];
    st->name = xstrdup(name);
    bool fresh = sim_strmap_put(&e->stream_names, st->name, e->nstreams, NULL);
    assert(fresh && "stream requested twice");
    (void)fresh;
    e->nstreams++;
    st->rng = sim_rng_create(e->seed, name);
    return st->rng;
}

struct warmup_call {
    sim_event_fn *fn;
    void *arg;
};

static void warmup_fire(struct sim_engine *e, void *arg)
{
    struct warmup_call *w = arg;
    e->warm = true;
    if (w->fn)
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
        warm_id = sim_schedule(e, opts->warmup_ns, warmup_fire, &wc);
    }
    /* Limits as one comparison each per event. */
    int64_t until = opts->until_ns >= 0 ? opts->until_ns : INT64_MAX;
    uint64_t last_event = opts->max_events && opts->max_events < UINT64_MAX - e->events
                              ? e->events + opts->max_events
                              : UINT64_MAX;
    uint64_t max_same = opts->max_same_time ? opts->max_same_time : UINT64_MAX;
    enum sim_stop_reason why = SIM_STOP_EMPTY;
    e->stop = false;
    uint64_t same = 0;
    struct sim_fel_rec top;
    for (;;) {
        bool have = sim_fel_peek(&e->fel, &top);
        struct slot *sl = have ? slot_of(e, &top) : NULL;
        if (have && sl->key != top.key) { /* cancelled */
            sim_fel_pop(&e->fel);
            continue;
        }
        /* The now-queue's head runs first unless the list holds an event of
         * the same time scheduled before it. */
        bool now_first =
            e->now_head < e->now_n &&
            (!have || top.t > e->now || (top.key >> SLOT_BITS) > e->nowq[e->now_head].seq);
        if (!have && !now_first)
            break;
        int64_t t = now_first ? e->now : top.t;
        if (t > until) {
            why = SIM_STOP_TIME;
            break;
        }
        if (e->events >= last_event) {
            why = SIM_STOP_EVENTS;
            break;
        }
        if (opts->interrupt && *opts->interrupt) {
            why = SIM_STOP_INTERRUPTED;
            break;
        }
        same = t == e->now ? same + 1 : 0;
        if (same >= max_same) {
            why = SIM_STOP_STUCK;
            break;
        }
        sim_event_fn *fn;
        void *arg;
        sim_free_fn *free_fn = NULL;
        if (now_first) {
            const struct now_rec *n = &e->nowq[e->now_head++];
            fn = n->fn;
            arg = n->arg;
        } else {
            sim_fel_pop(&e->fel);
            /* Start loading the next event's slot while this one runs. */
            const struct sim_fel_rec *next = sim_fel_hint(&e->fel);
            if (next)
                __builtin_prefetch(slot_of(e, next));
            fn = sl->fn;
            arg = sl->arg;
            free_fn = sl->free_fn;
            slot_free(e, sl);
            e->now = t;
        }
        e->events++;
        fn(e, arg);
        if (free_fn)
            free_fn(arg);
        if (e->stop) {
            why = SIM_STOP_REQUESTED;
            break;
        }
    }
    /* The warm-up record lives on this stack frame: never leave it pending. */
    if (warm_id)
        sim_cancel(e, warm_id);
    if (why == SIM_STOP_TIME || (why == SIM_STOP_EMPTY && opts->until_ns > e->now))
        e->now = opts->until_ns;
    return why;
}
