/* SPDX-License-Identifier: MIT */
/* models/balancer.c: what happens to a request sent to a service: the
 * network carries it, the balancer picks a ready instance with room
 * (round-robin, random, power-of-two choices or least outstanding), queues
 * it when every instance is at maxconn (or none is ready yet), and refuses
 * it when the queue limit (maxqueue) is reached: the caller then gets an
 * error reply and the request counts as dropped. */
#include "models/models_int.h"

#include "sim/units.h"

#include <gsl/gsl_rng.h>

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

struct svc_instance *svc_lb_pick(struct svc_service *s)
{
    int cap = room_cap(s);
    int n = s->ninst;
    switch (s->def->lb) {
    case MDL_LB_ROUND_ROBIN:
        for (int k = 0; k < n; k++) {
            int i = (s->rr + k) % n;
            if (has_room(s->inst[i], cap)) {
                s->rr = (i + 1) % n;
                return s->inst[i];
            }
        }
        return NULL;
    case MDL_LB_RANDOM: return draw_ready(s, cap);
    case MDL_LB_POWER_OF_TWO: {
        /* The better of two draws (O(1) per request at any size). */
        struct svc_instance *a = draw_ready(s, cap);
        struct svc_instance *b = a && s->nready > 1 ? draw_ready(s, cap) : NULL;
        return b && b->outstanding < a->outstanding ? b : a;
    }
    case MDL_LB_LEAST_OUTSTANDING: {
        /* Ties go to the next instance in round-robin order. */
        struct svc_instance *best = NULL;
        for (int k = 0; k < n; k++) {
            int i = (s->rr + k) % n;
            if (has_room(s->inst[i], cap) && (!best || s->inst[i]->outstanding < best->outstanding))
                best = s->inst[i];
        }
        if (best)
            s->rr = (best->index + 1) % n;
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
    int to_zone = v->parent ? v->parent->svc->def->zone : w->model->workload.zone;
    svc_reply_send(w, v, net_delay_ns(w, s->def->zone, to_zone, 0.0, NULL));
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
              struct svc_instance *link)
{
    const struct mdl_service *def = to->def;
    v->svc = to;
    v->t_sent = sim_now_ns(w->eng);
    const struct mdl_handler *h = def->by_class ? &def->by_class[v->cls] : NULL;
    if (h && h->nsteps)
        step_begin(&v->hs, h->steps, (uint32_t)h->nsteps);
    else
        step_begin(&v->hs, def->steps, (uint32_t)def->nsteps);
    sim_schedule_in(w->eng, net_delay_ns(w, from_zone, def->zone, v->bytes, link), deliver_call, v);
}

void svc_dispatch_queued(struct svc_service *s)
{
    struct svc_instance *next;
    while (s->q_head && (next = svc_lb_pick(s))) {
        s->q_len--;
        svc_accept(next, q_pop(&s->q_head, &s->q_tail));
    }
}
