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

/* A ready instance with room drawn uniformly: by rejection from the ready
 * set (O(1) while most have room), else by a scan over those with room. */
static struct svc_instance *draw_ready(struct svc_service *s, int cap)
{
    if (s->nready == 0)
        return NULL;
    for (int tries = 0; tries < 8; tries++) {
        struct svc_instance *in =
            s->ready[gsl_rng_uniform_int(s->rng_lb, (unsigned long)s->nready)];
        if (has_room(in, cap))
            return in;
    }
    int room = 0;
    for (int i = 0; i < s->nready; i++)
        room += has_room(s->ready[i], cap);
    if (room == 0)
        return NULL;
    unsigned long r = gsl_rng_uniform_int(s->rng_lb, (unsigned long)room);
    for (int i = 0; i < s->nready; i++)
        if (has_room(s->ready[i], cap) && r-- == 0)
            return s->ready[i];
    return NULL;
}

/* Above this many ready instances their records no longer stay in the
 * processor's caches between requests: a pick that reads two cold
 * instances waited on memory for longer than the rest of the request took. */
#define PREFETCH_READY 1024

/* Starts loading what later picks of s will read, while the rest of this
 * request runs (picks of `draws` draws each): the instances of the pick
 * after next (their ready[] entries were fetched one pick ago), and the
 * ready[] entries of the pick after that. An instance is thus fetched two
 * picks before it is read: at one, the pick still waited on memory (at
 * 10^5 instances, 237 ns a request instead of 218). The draws are those
 * gsl_rng_uniform_int() will make, from a copy of the stream's state: the
 * stream itself is untouched, so nothing the run computes changes. Always
 * inlined: as a function of its own that only prefetches, the compiler
 * finds it has no effect and drops the calls. */
static inline __attribute__((always_inline)) void prefetch_next_picks(const struct svc_service *s,
                                                                      int draws)
{
    if (s->nready < PREFETCH_READY || s->rng_lb->type != sim_rng_xoshiro256ss)
        return;
    struct sim_xoshiro x = *(const struct sim_xoshiro *)s->rng_lb->state;
    unsigned long scale = ULONG_MAX / (unsigned long)s->nready;
    for (int k = 0; k < draws; k++) /* the next pick */
        (void)sim_xoshiro_next(&x);
    for (int k = 0; k < draws; k++) {
        unsigned long i = (unsigned long)sim_xoshiro_next(&x) / scale;
        if (i < (unsigned long)s->nready)
            for (size_t b = 0; b < sizeof(struct svc_instance); b += 64)
                __builtin_prefetch((const char *)s->ready[i] + b);
    }
    for (int k = 0; k < draws; k++) {
        unsigned long i = (unsigned long)sim_xoshiro_next(&x) / scale;
        if (i < (unsigned long)s->nready)
            __builtin_prefetch(&s->ready[i]);
    }
}

/* ---- least outstanding: an indexed binary min-heap ---- */

static bool lo_less(const struct svc_instance *a, const struct svc_instance *b)
{
    return a->outstanding != b->outstanding ? a->outstanding < b->outstanding
                                            : a->lo_stamp < b->lo_stamp;
}

static void lo_set(struct svc_service *s, int i, struct svc_instance *in)
{
    s->lo[i] = in;
    in->lo_pos = i;
}

static void lo_up(struct svc_service *s, int i)
{
    struct svc_instance *in = s->lo[i];
    while (i > 0 && lo_less(in, s->lo[(i - 1) / 2])) {
        lo_set(s, i, s->lo[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    lo_set(s, i, in);
}

static void lo_down(struct svc_service *s, int i)
{
    struct svc_instance *in = s->lo[i];
    for (;;) {
        int c = 2 * i + 1;
        if (c >= s->nlo)
            break;
        if (c + 1 < s->nlo && lo_less(s->lo[c + 1], s->lo[c]))
            c++;
        if (!lo_less(s->lo[c], in))
            break;
        lo_set(s, i, s->lo[c]);
        i = c;
    }
    lo_set(s, i, in);
}

void svc_lb_ready(struct svc_instance *in)
{
    struct svc_service *s = in->svc;
    if (s->def->lb != MDL_LB_LEAST_OUTSTANDING)
        return;
    s->lo = xgrow(s->lo, &s->lo_cap, (size_t)s->nlo + 1, sizeof *s->lo);
    in->lo_stamp = ++s->lo_clock; /* a new instance comes after those that wait as long */
    lo_set(s, s->nlo++, in);
    lo_up(s, in->lo_pos);
}

void svc_lb_unready(struct svc_instance *in)
{
    struct svc_service *s = in->svc;
    if (s->def->lb != MDL_LB_LEAST_OUTSTANDING || in->lo_pos < 0)
        return;
    int i = in->lo_pos;
    struct svc_instance *last = s->lo[--s->nlo];
    in->lo_pos = -1;
    if (last == in)
        return;
    lo_set(s, i, last);
    lo_up(s, i);
    lo_down(s, last->lo_pos);
}

void svc_lb_changed(struct svc_instance *in)
{
    if (in->svc->def->lb != MDL_LB_LEAST_OUTSTANDING || in->lo_pos < 0)
        return;
    lo_up(in->svc, in->lo_pos);
    lo_down(in->svc, in->lo_pos);
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
        struct svc_instance *a = draw_ready(s, cap);
        prefetch_next_picks(s, 1);
        return a;
    }
    case MDL_LB_POWER_OF_TWO: {
        /* The better of two draws (O(1) per request at any size). */
        struct svc_instance *a = draw_ready(s, cap);
        struct svc_instance *b = a && s->nready > 1 ? draw_ready(s, cap) : NULL;
        prefetch_next_picks(s, 2);
        return b && b->outstanding < a->outstanding ? b : a;
    }
    case MDL_LB_LEAST_OUTSTANDING: {
        /* The heap's top holds the fewest; ties go to the one picked least
         * recently. If it has no room, none has. */
        if (s->nlo == 0 || !has_room(s->lo[0], cap))
            return NULL;
        struct svc_instance *best = s->lo[0];
        best->lo_stamp = ++s->lo_clock;
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
