/* SPDX-License-Identifier: MIT */
/* models/balancer.c: what happens to a request sent to a service: the
 * network carries it, the balancer picks a ready instance with room
 * (round-robin, random, power-of-two choices or least outstanding), queues
 * it when every instance is at maxconn (or none is ready yet), and refuses
 * it when the queue limit (maxqueue) is reached: the caller then gets an
 * error reply and the request counts as dropped. */
#include "models/models_int.h"

#include "sim/rng.h"
#include "sim/units.h"
#include "sim/xalloc.h"

#include <gsl/gsl_rng.h>
#include <limits.h>

/* The most requests instance in may hold (0: no limit). */
static int room_cap(const struct svc_service *s)
{
    return s->def->maxconn ? s->def->maxconn : s->def->maxqueue;
}

static bool has_room(const struct svc_instance *in, int cap)
{
    return in->state == INST_READY && (cap == 0 || in->outstanding < cap);
}

static bool slot_has_room(const struct ready_slot *r, int cap)
{
    return cap == 0 || r->outstanding < cap;
}

/* ---- the balancer's draws, made ahead ----
 * With many ready instances, a pick that reads instances where the draws
 * fall waits on memory for longer than the rest of a request takes. So the
 * balancer's stream (xoshiro256**, used by nothing else) is drawn a few
 * picks ahead into a ring (svc_service.ahead) and a pick takes its values
 * from there: the same values in the same order as drawn on the spot, so
 * nothing a run computes changes, while what later picks will read is known
 * now and is fetched from memory in the meantime (lb_prefetch). */

/* Above this many ready instances their records no longer stay in the
 * processor's caches between requests. */
#define PREFETCH_READY 1024
/* How many picks ahead: the ready slots of a pick are fetched SLOT_AHEAD
 * picks before it, and the record of the instance it will choose (as those
 * slots say then) INST_AHEAD picks before it. At 10^5 instances under
 * power-of-two, one pick for the record left the pick waiting on memory. */
#define INST_AHEAD 3
#define SLOT_AHEAD 5
static_assert(SLOT_AHEAD * 2 <= LB_AHEAD, "the ring holds the draws of SLOT_AHEAD picks of two");

static uint64_t lb_next(struct svc_service *s)
{
    struct lb_ahead *a = &s->ahead;
    if (a->len == 0)
        return sim_xoshiro_next(s->rng_lb->state);
    uint64_t v = a->v[a->head];
    a->head = (a->head + 1) % LB_AHEAD;
    a->len--;
    return v;
}

/* gsl_rng_uniform_int(s->rng_lb, n), value for value. */
static unsigned long lb_uniform(struct svc_service *s, unsigned long n)
{
    if (s->rng_lb->type != sim_rng_xoshiro256ss)
        return gsl_rng_uniform_int(s->rng_lb, n);
    unsigned long scale = ULONG_MAX / n, k; /* as GSL: max - min is ULONG_MAX */
    do
        k = (unsigned long)lb_next(s) / scale;
    while (k >= n);
    return k;
}

/* Where lb_uniform() will put a value v among n ready instances, or next to
 * it (a guess for fetching ahead: no division). */
static unsigned long lb_guess(uint64_t v, unsigned long n)
{
    return (unsigned long)((v >> 32) * n >> 32);
}

/* After a pick of `draws` draws: fills the ring to SLOT_AHEAD picks and
 * fetches the ready slots of the new draws, and the record of the instance
 * that the pick INST_AHEAD on will choose, as its slots (fetched earlier)
 * say now. A guess made wrong by a change in between costs a wasted fetch.
 * Always inlined: as a function of its own that only prefetches, the
 * compiler finds it has no effect and drops the calls. */
static inline __attribute__((always_inline)) void lb_prefetch(struct svc_service *s, int draws)
{
    if (s->nready < PREFETCH_READY || s->rng_lb->type != sim_rng_xoshiro256ss)
        return;
    struct lb_ahead *a = &s->ahead;
    unsigned long n = (unsigned long)s->nready;
    unsigned want = (unsigned)(SLOT_AHEAD * draws), from = (unsigned)((INST_AHEAD - 1) * draws);
    if (a->len >= from + (unsigned)draws) {
        const struct ready_slot *best = NULL;
        for (unsigned k = 0; k < (unsigned)draws; k++) {
            unsigned long i = lb_guess(a->v[(a->head + from + k) % LB_AHEAD], n);
            if (!best || s->ready[i].outstanding < best->outstanding)
                best = &s->ready[i];
        }
        for (size_t b = 0; b < SVC_INSTANCE_HOT; b += 64)
            __builtin_prefetch((const char *)best->in + b);
    }
    while (a->len < want) {
        uint64_t v = sim_xoshiro_next(s->rng_lb->state);
        a->v[(a->head + a->len++) % LB_AHEAD] = v;
        __builtin_prefetch(&s->ready[lb_guess(v, n)]);
    }
}

/* A ready instance with room drawn uniformly: by rejection from the ready
 * set (O(1) while most have room), else by a scan over those with room. */
static const struct ready_slot *draw_ready(struct svc_service *s, int cap)
{
    if (s->nready == 0)
        return NULL;
    for (int tries = 0; tries < 8; tries++) {
        const struct ready_slot *r = &s->ready[lb_uniform(s, (unsigned long)s->nready)];
        if (slot_has_room(r, cap))
            return r;
    }
    int room = 0;
    for (int i = 0; i < s->nready; i++)
        room += slot_has_room(&s->ready[i], cap);
    if (room == 0)
        return NULL;
    unsigned long r = lb_uniform(s, (unsigned long)room);
    for (int i = 0; i < s->nready; i++)
        if (slot_has_room(&s->ready[i], cap) && r-- == 0)
            return &s->ready[i];
    return NULL;
}

/* ---- least outstanding: an indexed binary min-heap ---- */

static bool lo_less(const struct lo_entry *a, const struct lo_entry *b)
{
    return a->outstanding != b->outstanding ? a->outstanding < b->outstanding : a->stamp < b->stamp;
}

static void lo_set(struct svc_service *s, int i, struct lo_entry e)
{
    s->lo[i] = e;
    e.in->lo_pos = i;
}

static void lo_up(struct svc_service *s, int i)
{
    struct lo_entry e = s->lo[i];
    while (i > 0 && lo_less(&e, &s->lo[(i - 1) / 2])) {
        lo_set(s, i, s->lo[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    lo_set(s, i, e);
}

static void lo_down(struct svc_service *s, int i)
{
    struct lo_entry e = s->lo[i];
    for (;;) {
        int c = 2 * i + 1;
        if (c >= s->nlo)
            break;
        if (c + 1 < s->nlo && lo_less(&s->lo[c + 1], &s->lo[c]))
            c++;
        if (!lo_less(&s->lo[c], &e))
            break;
        lo_set(s, i, s->lo[c]);
        i = c;
    }
    lo_set(s, i, e);
}

void svc_lb_ready(struct svc_instance *in)
{
    struct svc_service *s = in->svc;
    if (s->def->lb != MDL_LB_LEAST_OUTSTANDING)
        return;
    s->lo = xgrow(s->lo, &s->lo_cap, (size_t)s->nlo + 1, sizeof *s->lo);
    /* A new instance comes after those that wait as long. */
    lo_set(s, s->nlo++, (struct lo_entry){in, ++s->lo_clock, in->outstanding});
    lo_up(s, in->lo_pos);
}

void svc_lb_unready(struct svc_instance *in)
{
    struct svc_service *s = in->svc;
    if (s->def->lb != MDL_LB_LEAST_OUTSTANDING || in->lo_pos < 0)
        return;
    int i = in->lo_pos;
    struct lo_entry last = s->lo[--s->nlo];
    in->lo_pos = -1;
    if (last.in == in)
        return;
    lo_set(s, i, last);
    lo_up(s, i);
    lo_down(s, last.in->lo_pos);
}

void svc_lb_changed(struct svc_instance *in)
{
    struct svc_service *s = in->svc;
    switch (s->def->lb) {
    case MDL_LB_RANDOM:
    case MDL_LB_POWER_OF_TWO:
        if (in->state == INST_READY)
            s->ready[in->ready_pos].outstanding = in->outstanding;
        break;
    case MDL_LB_LEAST_OUTSTANDING:
        if (in->lo_pos >= 0) {
            s->lo[in->lo_pos].outstanding = in->outstanding;
            lo_up(s, in->lo_pos);
            lo_down(s, in->lo_pos);
        }
        break;
    case MDL_LB_ROUND_ROBIN: break;
    }
}

struct svc_instance *svc_lb_pick(struct svc_service *s)
{
    int cap = room_cap(s);
    int n = s->ninst;
    switch (s->def->lb) {
    case MDL_LB_ROUND_ROBIN: {
        /* (rr + k) % n without a division per step: two per request cost
         * more than the rest of the pick. */
        if (n == 0)
            return NULL;
        int start = s->rr < n ? s->rr : s->rr % n;
        for (int k = 0; k < n; k++) {
            int i = start + k < n ? start + k : start + k - n;
            if (has_room(s->inst[i], cap)) {
                s->rr = i + 1 < n ? i + 1 : 0;
                return s->inst[i];
            }
        }
        return NULL;
    }
    case MDL_LB_RANDOM: {
        const struct ready_slot *a = draw_ready(s, cap);
        lb_prefetch(s, 1);
        return a ? a->in : NULL;
    }
    case MDL_LB_POWER_OF_TWO: {
        /* The better of two draws (O(1) per request at any size). */
        const struct ready_slot *a = draw_ready(s, cap);
        const struct ready_slot *b = a && s->nready > 1 ? draw_ready(s, cap) : NULL;
        lb_prefetch(s, 2);
        if (!a)
            return NULL;
        return b && b->outstanding < a->outstanding ? b->in : a->in;
    }
    case MDL_LB_LEAST_OUTSTANDING: {
        /* The heap's top holds the fewest; ties go to the one picked least
         * recently. If it has no room, none has. */
        if (s->nlo == 0 || !has_room(s->lo[0].in, cap))
            return NULL;
        struct svc_instance *best = s->lo[0].in;
        s->lo[0].stamp = ++s->lo_clock;
        lo_down(s, 0);
        return best;
    }
    }
    return NULL;
}

/* The request cannot be taken: it is answered at once with an error. */
static void drop(struct svc_world *w, struct svc_service *s, struct visit *v)
{
    for (int k = 0; k < NACC; k++)
        s->acc[k].drops++;
    s->st.dropped += v->measured;
    v->failed = 1;
    v->resp_hdr[0] = '\0'; /* no aggregate: the callee never ran */
    svc_reply_send(w, v, net_delay_ns(w, s->def->zone, v->from_zone, 0.0, NULL));
}

static void deliver(struct svc_service *s, struct visit *v)
{
    struct svc_world *w = s->world;
    v->svc = s;
    for (int k = 0; k < NACC; k++)
        s->acc[k].arrivals++;
    s->last_arrival = sim_now_ns(w->eng);
    struct svc_instance *in = svc_lb_pick(s);
    if (in) {
        svc_accept(in, v);
        return;
    }
    /* Without maxconn, the balancer holds requests only while no instance
     * is ready; with it, while every instance is full. maxqueue bounds both. */
    const struct mdl_service *def = s->def;
    bool full = def->maxqueue > 0 &&
                ((def->maxconn == 0 && s->nready > 0) || s->q_len >= (uint64_t)def->maxqueue);
    if (full) {
        drop(w, s, v);
        return;
    }
    q_push(&s->q_head, &s->q_tail, v);
    s->q_len++;
    if (svc_live(s) == 0 && w->on_no_instance)
        w->on_no_instance(w, s);
}

static void deliver_call(struct sim_engine *eng, void *arg)
{
    (void)eng;
    struct visit *v = arg;
    deliver(v->svc, v);
}

void svc_send(struct svc_world *w, struct visit *v, struct svc_service *to, int from_zone,
              struct svc_instance *link, int64_t after_ns)
{
    const struct mdl_service *def = to->def;
    v->svc = to;
    v->from_zone = from_zone;
    v->t_sent = sim_now_ns(w->eng);
    const struct mdl_handler *h = def->by_class ? &def->by_class[v->cls] : NULL;
    if (h && h->nsteps)
        step_begin(&v->hs, h->steps, (uint32_t)h->nsteps);
    else
        step_begin(&v->hs, def->steps, (uint32_t)def->nsteps);
    sim_schedule_in_fixed(w->eng, after_ns + net_delay_ns(w, from_zone, def->zone, v->bytes, link),
                          deliver_call, v);
}

void svc_dispatch_queued(struct svc_service *s)
{
    struct svc_instance *next;
    while (s->q_head && (next = svc_lb_pick(s))) {
        s->q_len--;
        svc_accept(next, q_pop(&s->q_head, &s->q_tail));
    }
}
