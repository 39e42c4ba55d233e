/* SPDX-License-Identifier: MIT */
/* models/service.c: service instances with one CPU each, and the balancer in
 * front of them. A visit walks its service's handler steps: a compute step
 * queues FIFO for the instance's CPU and runs to completion without
 * preemption; consecutive compute steps run as one burst; a call step sends
 * its calls (all at once if parallel) and the CPU serves others meanwhile.
 * Sending and receiving messages costs no CPU in this model. Invariant per
 * visit: total = cpu + local wait + call time. */
#include "models/models_int.h"

#include "sim/units.h"
#include "sim/xalloc.h"

#include <assert.h>
#include <gsl/gsl_rng.h>
#include <stdio.h>
#include <stdlib.h>

static void advance(struct svc_world *w, struct visit *v);
static void cpu_dispatch(struct svc_instance *in);
static void cpu_run(struct svc_instance *in, struct visit *v);

static void rq_push(struct visit **head, struct visit **tail, struct visit *v)
{
    v->next = NULL;
    if (*tail)
        (*tail)->next = v;
    else
        *head = v;
    *tail = v;
}

static struct visit *rq_pop(struct visit **head, struct visit **tail)
{
    struct visit *v = *head;
    if (v) {
        *head = v->next;
        if (!*head)
            *tail = NULL;
        v->next = NULL;
    }
    return v;
}

void svc_world_init_services(struct svc_world *w)
{
    const struct mdl_model *m = w->model;
    w->nsvcs = m->nservices;
    w->svcs = xcalloc(w->nsvcs, sizeof *w->svcs);
    char name[300];
    for (size_t i = 0; i < w->nsvcs; i++) {
        struct svc_service *s = &w->svcs[i];
        s->def = &m->services[i];
        s->index = (int)i;
        s->world = w;
        s->ninst = s->def->instances;
        s->inst = xcalloc((size_t)s->ninst, sizeof *s->inst);
        for (int k = 0; k < s->ninst; k++) {
            s->inst[k].svc = s;
            s->inst[k].index = k;
        }
        snprintf(name, sizeof name, "svc/%s/compute", s->def->name);
        s->rng_compute = sim_stream(w->eng, name);
        snprintf(name, sizeof name, "svc/%s/lb", s->def->name);
        s->rng_lb = sim_stream(w->eng, name);
    }
}

void svc_world_fini_services(struct svc_world *w)
{
    for (size_t i = 0; i < w->nsvcs; i++)
        free(w->svcs[i].inst);
    free(w->svcs);
}

/* Chooses an instance with room, or NULL if every instance is at maxconn. */
static struct svc_instance *lb_pick(struct svc_service *s)
{
    int cap = s->def->maxconn;
    int n = s->ninst;
#define HAS_ROOM(i) (cap == 0 || s->inst[(i)].outstanding < cap)
    switch (s->def->lb) {
    case MDL_LB_ROUND_ROBIN:
        for (int k = 0; k < n; k++) {
            int i = (s->rr + k) % n;
            if (HAS_ROOM(i)) {
                s->rr = (i + 1) % n;
                return &s->inst[i];
            }
        }
        return NULL;
    case MDL_LB_RANDOM:
    case MDL_LB_POWER_OF_TWO: {
        /* Draw among instances with room: one, or the better of two. */
        int room = 0;
        for (int i = 0; i < n; i++)
            room += HAS_ROOM(i);
        if (room == 0)
            return NULL;
        int draws = s->def->lb == MDL_LB_RANDOM || room == 1 ? 1 : 2;
        struct svc_instance *best = NULL;
        for (int d = 0; d < draws; d++) {
            unsigned long r = gsl_rng_uniform_int(s->rng_lb, (unsigned long)room);
            for (int i = 0; i < n; i++) {
                if (HAS_ROOM(i) && r-- == 0) {
                    if (!best || s->inst[i].outstanding < best->outstanding)
                        best = &s->inst[i];
                    break;
                }
            }
        }
        return best;
    }
    case MDL_LB_LEAST_OUTSTANDING: {
        /* Ties go to the next instance in round-robin order. */
        struct svc_instance *best = NULL;
        for (int k = 0; k < n; k++) {
            int i = (s->rr + k) % n;
            if (HAS_ROOM(i) && (!best || s->inst[i].outstanding < best->outstanding))
                best = &s->inst[i];
        }
        if (best)
            s->rr = (best->index + 1) % n;
        return best;
    }
    }
#undef HAS_ROOM
    return NULL;
}

static void start_visit(struct svc_instance *in, struct visit *v)
{
    struct svc_world *w = in->svc->world;
    v->inst = in;
    v->t_arrive = sim_now_ns(w->eng);
    in->outstanding++;
    advance(w, v);
}

void svc_deliver(struct svc_service *s, struct visit *v)
{
    v->svc = s;
    struct svc_instance *in = lb_pick(s);
    if (in)
        start_visit(in, v);
    else
        rq_push(&s->q_head, &s->q_tail, v);
}

/* Adds the part of [from, to) after warm-up to the service's busy time. */
static void add_busy(struct svc_world *w, struct svc_service *s, int64_t from, int64_t to)
{
    if (from < w->warmup_ns)
        from = w->warmup_ns;
    if (to > from)
        s->st.busy += sim_ns_to_sec(to - from);
}

void svc_close_busy(struct svc_world *w, int64_t now)
{
    for (size_t i = 0; i < w->nsvcs; i++)
        for (int k = 0; k < w->svcs[i].ninst; k++)
            if (w->svcs[i].inst[k].running)
                add_busy(w, &w->svcs[i], w->svcs[i].inst[k].run_start, now);
}

static void cpu_done(struct sim_engine *eng, void *arg)
{
    struct svc_instance *in = arg;
    struct visit *v = in->running;
    struct svc_world *w = in->svc->world;
    int64_t now = sim_now_ns(eng);
    add_busy(w, in->svc, in->run_start, now);
    v->cpu_ns += v->slice_ns;
    in->running = NULL;
    v->step++;
    const struct mdl_service *def = v->svc->def;
    if (v->step < def->nsteps && def->steps[v->step].kind == MDL_STEP_COMPUTE) {
        /* A consecutive compute step continues the burst: no yield between. */
        v->slice_ns = sim_sec_to_ns(sim_dist_sample(&def->steps[v->step].compute,
                                                    v->svc->rng_compute));
        cpu_run(in, v);
        return;
    }
    advance(w, v);
    if (!in->running)
        cpu_dispatch(in);
}

static void cpu_run(struct svc_instance *in, struct visit *v)
{
    struct sim_engine *eng = in->svc->world->eng;
    in->running = v;
    in->run_start = sim_now_ns(eng);
    sim_schedule_in(eng, v->slice_ns, cpu_done, in);
}

static void cpu_dispatch(struct svc_instance *in)
{
    struct visit *v = rq_pop(&in->rq_head, &in->rq_tail);
    if (!v)
        return;
    v->wait_ns += sim_now_ns(in->svc->world->eng) - v->t_ready;
    cpu_run(in, v);
}

static void send_call(struct svc_world *w, struct visit *parent, int callee);

/* The instance's visit v left the handler: free its slot and take the next
 * queued call, if any. */
static void visit_leave(struct svc_world *w, struct visit *v)
{
    struct svc_instance *in = v->inst;
    struct svc_service *s = v->svc;
    in->outstanding--;
    v->total_ns = sim_now_ns(w->eng) - v->t_arrive;
    assert(v->total_ns == v->cpu_ns + v->wait_ns + v->call_ns);
    if (v->measured) {
        s->st.visits++;
        s->st.cpu += sim_ns_to_sec(v->cpu_ns);
        s->st.wait += sim_ns_to_sec(v->wait_ns);
        s->st.call += sim_ns_to_sec(v->call_ns);
    }
    run_visit_done(w, v);
    if (s->q_head) {
        struct svc_instance *next = lb_pick(s);
        if (next)
            start_visit(next, rq_pop(&s->q_head, &s->q_tail));
    }
}

/* Runs the visit's handler from its current step until it needs the CPU, waits
 * for replies, or ends. */
static void advance(struct svc_world *w, struct visit *v)
{
    const struct mdl_service *def = v->svc->def;
    struct svc_instance *in = v->inst;
    if (v->step >= def->nsteps) {
        visit_leave(w, v);
        return;
    }
    const struct mdl_step *st = &def->steps[v->step];
    if (st->kind == MDL_STEP_COMPUTE) {
        v->slice_ns = sim_sec_to_ns(sim_dist_sample(&st->compute, v->svc->rng_compute));
        if (in->running == NULL && in->rq_head == NULL) {
            cpu_run(in, v);
        } else {
            v->t_ready = sim_now_ns(w->eng);
            rq_push(&in->rq_head, &in->rq_tail, v);
        }
        return;
    }
    v->t_call = sim_now_ns(w->eng);
    if (st->parallel) {
        v->pending = (uint32_t)st->ncallees;
        for (size_t c = 0; c < st->ncallees; c++)
            send_call(w, v, st->callees[c]);
    } else {
        v->pending = 1;
        v->sub = 1;
        send_call(w, v, st->callees[0]);
    }
}

static void deliver_call(struct sim_engine *eng, void *arg)
{
    (void)eng;
    struct visit *v = arg;
    svc_deliver(v->svc, v);
}

void svc_send(struct svc_world *w, struct visit *v, struct svc_service *to)
{
    v->svc = to;
    v->t_sent = sim_now_ns(w->eng);
    sim_schedule_in(w->eng, net_delay_ns(w), deliver_call, v);
}

static void send_call(struct svc_world *w, struct visit *parent, int callee)
{
    struct visit *v = run_visit_new(w);
    v->parent = parent;
    v->req_id = parent->req_id;
    v->measured = parent->measured;
    svc_send(w, v, &w->svcs[callee]);
}

/* A reply from child reached its caller parent. */
void svc_reply_arrived(struct svc_world *w, struct visit *parent, struct visit *child)
{
    int64_t now = sim_now_ns(w->eng);
    if (child->measured) {
        struct edge_stats *e = &w->edges[(size_t)parent->svc->index * w->nsvcs +
                                         (size_t)child->svc->index];
        e->calls++;
        e->network_wait += sim_ns_to_sec((now - child->t_sent) - child->total_ns);
    }
    const struct mdl_step *st = &parent->svc->def->steps[parent->step];
    if (--parent->pending > 0)
        return;
    if (!st->parallel && parent->sub < st->ncallees) {
        parent->pending = 1;
        send_call(w, parent, st->callees[parent->sub++]);
        return;
    }
    parent->call_ns += now - parent->t_call;
    parent->step++;
    advance(w, parent);
}
