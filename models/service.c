/* SPDX-License-Identifier: MIT */
/* models/service.c: service instances, the balancer in front of them, and the
 * two CPU schedulers.
 *
 * A visit walks its service's handler steps in bursts: a burst runs compute
 * slices back to back on the instance's single CPU, without preemption, until
 * a yield point (a compute step with yield_points = k runs as k + 1 equal
 * slices with a yield between them; yield_every = q yields after each q of
 * CPU), a call step (the calls are sent and the handler blocks) or the end of
 * the handler (the reply is sent).
 *
 * The "lwt" scheduler is Lwt's event loop (DESIGN.md; research s6): packets
 * that arrive wait in the instance's NIC ring. Each loop iteration polls once,
 * reading every packet that has arrived: a request starts its handler at once,
 * a reply resumes the handler waiting for it at once, each running until its
 * first yield or block. Then every thread that had yielded before this
 * iteration's wake phase resumes for one burst; threads that yield meanwhile
 * wait for the next iteration. With no packet and no yielded thread the loop
 * sleeps until a packet arrives. So while the CPU is busy, packets, replies
 * included, wait in the ring: a CPU bottleneck looks like network time to
 * callers unless packets are timestamped on arrival.
 *
 * The "fifo" scheduler is an idealised server for validation against
 * queueing theory: compute bursts queue first-come first-served (a yield
 * requeues at the tail), and messages are handled on arrival without the CPU.
 *
 * Each visit drives the real tracing core (tracecore/) with virtual time; the
 * request context and the response value travel as encoded header bytes, and
 * tracing.hook_cost is charged to the CPU per hook of a sampled request. */
#include "models/models_int.h"

#include "sim/rng.h"
#include "sim/units.h"
#include "sim/xalloc.h"

#include <assert.h>
#include <math.h>
#include <gsl/gsl_rng.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void q_push(struct visit **head, struct visit **tail, struct visit *v)
{
    v->next = NULL;
    if (*tail)
        (*tail)->next = v;
    else
        *head = v;
    *tail = v;
}

static struct visit *q_pop(struct visit **head, struct visit **tail)
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

static uint64_t ns(int64_t t)
{
    return (uint64_t)t;
}

/* ---- Instance lifecycle ---- */

int svc_booting(const struct svc_service *s)
{
    return s->count[INST_PENDING] + s->count[INST_BOOTING] + s->count[INST_REGISTERING];
}

int svc_live(const struct svc_service *s)
{
    return svc_booting(s) + s->count[INST_READY];
}

/* Adds the part of [from, to) after warm-up, in seconds. */
static double after_warmup(const struct svc_world *w, int64_t from, int64_t to)
{
    if (from < w->warmup_ns)
        from = w->warmup_ns;
    return to > from ? sim_ns_to_sec(to - from) : 0.0;
}

static int serving(const struct svc_service *s)
{
    return s->count[INST_READY] + s->count[INST_DRAINING];
}

/* Integrates the serving count over time up to now, for the window. */
static void serving_mark(struct svc_service *s)
{
    int64_t now = sim_now_ns(s->world->eng);
    double add = serving(s) * sim_ns_to_sec(now - s->serving_mark);
    for (int k = 0; k < NACC; k++)
        s->acc[k].serving += add;
    s->serving_mark = now;
}

static void set_state(struct svc_instance *in, enum inst_state st)
{
    serving_mark(in->svc);
    in->svc->count[in->state]--;
    in->svc->count[st]++;
    in->state = st;
}

/* A new instance in state st (READY at time 0, else BOOTING), reusing a
 * stopped slot if there is one. */
static struct svc_instance *instance_new(struct svc_service *s, enum inst_state st)
{
    struct svc_instance *in = NULL;
    for (int k = 0; k < s->ninst && !in; k++)
        if (s->inst[k]->state == INST_STOPPED)
            in = s->inst[k];
    if (in) {
        int index = in->index;
        s->count[INST_STOPPED]--;
        memset(in, 0, sizeof *in);
        in->index = index;
    } else {
        if (s->ninst == s->inst_cap) {
            s->inst_cap = s->inst_cap ? 2 * s->inst_cap : 4;
            s->inst = xrealloc(s->inst, (size_t)s->inst_cap * sizeof *s->inst);
        }
        in = xcalloc(1, sizeof *in);
        in->index = s->ninst;
        s->inst[s->ninst++] = in;
    }
    int64_t now = sim_now_ns(s->world->eng);
    serving_mark(s);
    in->svc = s;
    in->state = st;
    in->since = now;
    in->serving_since = now;
    s->count[st]++;
    return in;
}

static void dispatch_queued(struct svc_service *s);

static void instance_ready(struct sim_engine *eng, void *arg)
{
    struct svc_instance *in = arg;
    if (in->state != INST_REGISTERING)
        return; /* drained before it was known */
    set_state(in, INST_READY);
    in->serving_since = sim_now_ns(eng);
    dispatch_queued(in->svc);
}

static void instance_booted(struct sim_engine *eng, void *arg)
{
    struct svc_instance *in = arg;
    (void)eng;
    if (in->state != INST_BOOTING)
        return;
    set_state(in, INST_REGISTERING);
    sim_schedule_in(in->svc->world->eng, in->svc->discovery_ns, instance_ready, in);
}

/* Appends in to the world's FIFO of instances waiting for a host slot. */
static struct svc_instance **xgrow_ring(struct svc_world *w, struct svc_instance *in)
{
    if (w->npending == w->pending_cap) {
        size_t cap = w->pending_cap ? 2 * w->pending_cap : 16;
        struct svc_instance **r = xmalloc(cap * sizeof *r);
        for (size_t i = 0; i < w->npending; i++)
            r[i] = w->pending[(w->pending_head + i) % w->pending_cap];
        free(w->pending);
        w->pending = r;
        w->pending_head = 0;
        w->pending_cap = cap;
    }
    w->pending[(w->pending_head + w->npending++) % w->pending_cap] = in;
    return w->pending;
}

/* Puts a requested instance on a host and boots it, or queues it for a slot. */
static void instance_boot(struct svc_world *w, struct svc_instance *in)
{
    if (w->host_free == 0) {
        if (in->state != INST_PENDING)
            set_state(in, INST_PENDING);
        w->pending = xgrow_ring(w, in);
        return;
    }
    if (w->host_free > 0)
        w->host_free--;
    int64_t now = sim_now_ns(w->eng);
    set_state(in, INST_BOOTING);
    in->since = now;
    in->serving_since = now;
    double boot = sim_dist_sample(&in->svc->def->boot, in->svc->rng_boot);
    sim_schedule_in(w->eng, sim_sec_to_ns(boot), instance_booted, in);
}

static void instance_stop(struct svc_instance *in)
{
    struct svc_world *w = in->svc->world;
    int64_t now = sim_now_ns(w->eng);
    bool had_slot = in->state != INST_PENDING;
    if (had_slot) {
        in->svc->st.inst_seconds += after_warmup(w, in->since, now);
        in->svc->st.serve_seconds += after_warmup(w, in->serving_since, now);
    }
    set_state(in, INST_STOPPED);
    if (!had_slot || w->host_free < 0)
        return;
    w->host_free++;
    /* The slot goes to the oldest instance still waiting for one. */
    while (w->npending) {
        struct svc_instance *next = w->pending[w->pending_head];
        w->pending_head = (w->pending_head + 1) % w->pending_cap;
        w->npending--;
        if (next->state == INST_PENDING) {
            instance_boot(w, next);
            break;
        }
    }
}

/* A draining instance stops once it holds nothing. */
static void maybe_stop(struct svc_instance *in)
{
    if (in->state == INST_DRAINING && in->outstanding == 0 && !in->running && !in->ring_head &&
        !in->yq_head && !in->rq_head)
        instance_stop(in);
}

int svc_scale_to(struct svc_world *w, struct svc_service *s, int target)
{
    if (target < s->def->min)
        target = s->def->min;
    if (target > s->def->max)
        target = s->def->max;
    int live = svc_live(s);
    for (; live < target; live++)
        instance_boot(w, instance_new(s, INST_PENDING));
    for (; live > target; live--) {
        /* Cancel a waiting or booting instance first (the newest), else
         * drain the least loaded ready one. */
        struct svc_instance *victim = NULL;
        for (int k = s->ninst - 1; k >= 0; k--) {
            struct svc_instance *in = s->inst[k];
            if (in->state == INST_PENDING) {
                victim = in;
                break;
            }
        }
        for (int k = s->ninst - 1; k >= 0 && !victim; k--)
            if (s->inst[k]->state == INST_BOOTING || s->inst[k]->state == INST_REGISTERING)
                victim = s->inst[k];
        for (int k = s->ninst - 1; k >= 0 && !(victim && victim->state != INST_READY); k--) {
            struct svc_instance *in = s->inst[k];
            if (in->state == INST_READY && (!victim || in->outstanding < victim->outstanding))
                victim = in;
        }
        if (victim->state == INST_READY) {
            set_state(victim, INST_DRAINING);
            maybe_stop(victim);
        } else {
            /* Never served: it costs its boot time only. */
            victim->serving_since = sim_now_ns(w->eng);
            instance_stop(victim);
        }
    }
    return target;
}

void svc_world_init_services(struct svc_world *w)
{
    const struct mdl_model *m = w->model;
    w->host_free = m->hosts.count > 0 ? (long)m->hosts.count * m->hosts.capacity : -1;
    const struct mdl_tracing *tr = &m->tracing;
    w->nsvcs = m->nservices;
    w->svcs = xcalloc(w->nsvcs, sizeof *w->svcs);
    char name[300];
    for (size_t i = 0; i < w->nsvcs; i++) {
        struct svc_service *s = &w->svcs[i];
        s->def = &m->services[i];
        s->index = (int)i;
        s->world = w;
        s->discovery_ns = sim_sec_to_ns(s->def->discovery);
        snprintf(name, sizeof name, "svc/%s/boot", s->def->name);
        s->rng_boot = sim_stream(w->eng, name);
        for (int k = 0; k < s->def->instances; k++)
            instance_new(s, INST_READY);
        if (w->host_free >= 0)
            w->host_free -= s->def->instances; /* the loader checked that they fit */
        snprintf(name, sizeof name, "svc/%s/compute", s->def->name);
        s->rng_compute = sim_stream(w->eng, name);
        snprintf(name, sizeof name, "svc/%s/lb", s->def->name);
        s->rng_lb = sim_stream(w->eng, name);
        snprintf(name, sizeof name, "svc/%s/branch", s->def->name);
        s->rng_branch = sim_stream(w->eng, name);
        snprintf(name, sizeof name, "svc/%s/size", s->def->name);
        s->rng_size = sim_stream(w->eng, name);
        snprintf(name, sizeof name, "svc/%s/trace", s->def->name);
        wt_service_init(&s->wt, sim_rng_derive(sim_seed(w->eng), name));
        s->wt.sample_every = tr->sampling;
        s->wt.sampling = tr->per_service ? WT_SAMPLE_SERVICE : WT_SAMPLE_ROOT;
        s->wt.packet_timestamps = tr->packet_timestamps;
        s->wt.fold = tr->fold == MDL_FOLD_SUM   ? WT_FOLD_SUM
                     : tr->fold == MDL_FOLD_MIN ? WT_FOLD_MIN
                                                : WT_FOLD_MAX;
        s->callee_local = xmalloc(w->nsvcs * sizeof *s->callee_local);
        s->callee_global = xmalloc(w->nsvcs * sizeof *s->callee_global);
        for (size_t j = 0; j < w->nsvcs; j++)
            s->callee_local[j] = -1;
        for (size_t h = 0; h <= s->def->nhandlers; h++) {
            struct mdl_handler hd = h == 0 ? (struct mdl_handler){s->def->steps, s->def->nsteps}
                                           : s->def->handlers[h - 1];
            for (size_t k = 0; k < hd.nsteps; k++) {
                const struct mdl_step *st = &hd.steps[k];
                for (size_t c = 0; st->kind == MDL_STEP_CALL && c < st->ncallees; c++) {
                    if (s->callee_local[st->callees[c]] < 0) {
                        s->callee_local[st->callees[c]] = s->ncallees;
                        s->callee_global[s->ncallees++] = st->callees[c];
                    }
                }
            }
        }
        for (int k = 0; k < NACC; k++) {
            s->acc[k].callees =
                xcalloc(s->ncallees ? (size_t)s->ncallees : 1, sizeof *s->acc[k].callees);
            wt_window_init(&s->acc[k].win, 0, 0, s->acc[k].callees, (uint32_t)s->ncallees);
        }
    }
}

void svc_world_fini_services(struct svc_world *w)
{
    for (size_t i = 0; i < w->nsvcs; i++) {
        for (int k = 0; k < w->svcs[i].ninst; k++)
            free(w->svcs[i].inst[k]);
        free(w->svcs[i].inst);
        free(w->svcs[i].callee_local);
        free(w->svcs[i].callee_global);
        for (int k = 0; k < NACC; k++)
            free(w->svcs[i].acc[k].callees);
    }
    free(w->svcs);
    free(w->pending);
}

/* ---- Balancer ---- */

/* Chooses an instance with room, or NULL if every instance is at maxconn. */
static struct svc_instance *lb_pick(struct svc_service *s)
{
    int cap = s->def->maxconn;
    int n = s->ninst;
#define HAS_ROOM(i)                                                                                \
    (s->inst[(i)]->state == INST_READY && (cap == 0 || s->inst[(i)]->outstanding < cap))
    switch (s->def->lb) {
    case MDL_LB_ROUND_ROBIN:
        for (int k = 0; k < n; k++) {
            int i = (s->rr + k) % n;
            if (HAS_ROOM(i)) {
                s->rr = (i + 1) % n;
                return s->inst[i];
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
                    if (!best || s->inst[i]->outstanding < best->outstanding)
                        best = s->inst[i];
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
            if (HAS_ROOM(i) && (!best || s->inst[i]->outstanding < best->outstanding))
                best = s->inst[i];
        }
        if (best)
            s->rr = (best->index + 1) % n;
        return best;
    }
    }
#undef HAS_ROOM
    return NULL;
}

/* ---- Bursts ---- */

/* Length of the next slice of the current compute step. */
static int64_t slice_len(const struct mdl_service *def, const struct visit *v, int64_t q_ns)
{
    int64_t left = v->step_ns - v->step_done_ns;
    if (def->yield_points > 0) {
        int64_t per = v->step_ns / (def->yield_points + 1);
        return v->sub + 1 >= (uint32_t)def->yield_points + 1 ? left : per;
    }
    if (q_ns > 0)
        return left < q_ns ? left : q_ns;
    return left;
}

/* Makes the draws of v's current step: whether it runs (p), its CPU demand,
 * or which callee it picks. Returns false if the step is skipped. */
static bool enter_step(struct visit *v, const struct mdl_step *st)
{
    struct svc_service *s = v->svc;
    v->entered = 1;
    v->sub = 0;
    if (st->p < 1.0 && !(gsl_rng_uniform(s->rng_branch) < st->p))
        return false;
    if (st->kind == MDL_STEP_COMPUTE) {
        v->step_ns = sim_sec_to_ns(sim_dist_sample(&st->compute, s->rng_compute));
        v->step_done_ns = 0;
    } else if (st->pick) {
        double u = gsl_rng_uniform(s->rng_branch);
        uint16_t i = 0;
        while ((size_t)i + 1 < st->ncallees && !(u < st->pick[i]))
            i++;
        v->pick = i;
    }
    return true;
}

static void next_step(struct visit *v)
{
    v->step++;
    v->entered = 0;
}

/* Advances v from its position to the end of its next burst: returns the
 * burst's CPU time and sets v->end. Call steps are left in place (v->step
 * moves past one only when all its replies are in). */
static int64_t next_burst(struct visit *v)
{
    const struct mdl_service *def = v->svc->def;
    int64_t q_ns = sim_sec_to_ns(def->yield_every);
    int64_t d = 0;
    for (;;) {
        if (v->step >= v->nsteps) {
            v->end = BURST_REPLY;
            return d;
        }
        const struct mdl_step *st = &v->steps[v->step];
        if (!v->entered && !enter_step(v, st)) {
            next_step(v);
            continue;
        }
        if (st->kind == MDL_STEP_CALL) {
            v->end = BURST_CALL;
            return d;
        }
        int64_t len = slice_len(def, v, q_ns);
        d += len;
        v->step_done_ns += len;
        v->sub++;
        bool more = def->yield_points > 0 ? v->sub < (uint32_t)def->yield_points + 1
                                          : v->step_done_ns < v->step_ns;
        if (more) {
            v->end = BURST_YIELD;
            return d;
        }
        next_step(v);
    }
}

/* A reply to v's current call step came in: true if the step is complete
 * (and v has moved past it). */
static bool call_step_done(struct visit *v)
{
    const struct mdl_step *st = &v->steps[v->step];
    if (--v->pending > 0)
        return false;
    if (st->parallel || st->pick || v->sub >= st->ncallees)
        next_step(v);
    return true;
}

/* Number of tracing hooks the end of v's burst will call. */
static unsigned end_hooks(const struct visit *v)
{
    if (v->end != BURST_CALL)
        return 1; /* yield or reply */
    const struct mdl_step *st = &v->steps[v->step];
    return (st->parallel ? (unsigned)st->ncallees : 1u) + 1; /* sends + block */
}

/* Adds the part of [from, to) after warm-up to the service's busy time. */
static void add_busy(struct svc_world *w, struct svc_service *s, int64_t from, int64_t to)
{
    for (int k = 0; k < NACC; k++) {
        int64_t start = w->cacc[k].start, wf = from < start ? start : from;
        if (to > wf)
            s->acc[k].busy += sim_ns_to_sec(to - wf);
    }
    if (from < w->warmup_ns)
        from = w->warmup_ns;
    if (to > from)
        s->st.busy += sim_ns_to_sec(to - from);
}

void svc_close_busy(struct svc_world *w, int64_t now)
{
    for (size_t i = 0; i < w->nsvcs; i++) {
        struct svc_service *s = &w->svcs[i];
        for (int k = 0; k < s->ninst; k++) {
            struct svc_instance *in = s->inst[k];
            if (in->running)
                add_busy(w, s, in->run_start, now);
            if (in->state == INST_STOPPED)
                continue;
            s->st.inst_seconds += after_warmup(w, in->since, now);
            if (in->state == INST_READY || in->state == INST_DRAINING)
                s->st.serve_seconds += after_warmup(w, in->serving_since, now);
        }
    }
}

static void svc_deliver(struct svc_service *s, struct visit *v);

static void deliver_call(struct sim_engine *eng, void *arg)
{
    (void)eng;
    struct visit *v = arg;
    svc_deliver(v->svc, v);
}

void svc_send(struct svc_world *w, struct visit *v, struct svc_service *to, int from_zone,
              struct svc_instance *link)
{
    const struct mdl_service *def = to->def;
    v->svc = to;
    v->t_sent = sim_now_ns(w->eng);
    const struct mdl_handler *h = def->by_class ? &def->by_class[v->cls] : NULL;
    v->steps = h && h->nsteps ? h->steps : def->steps;
    v->nsteps = (uint32_t)(h && h->nsteps ? h->nsteps : def->nsteps);
    v->step = 0;
    v->entered = 0;
    sim_schedule_in(w->eng, net_delay_ns(w, from_zone, def->zone, v->bytes, link), deliver_call, v);
}

static double draw_bytes(const struct sim_dist *d, gsl_rng *r)
{
    return d->kind == SIM_DIST_CONST ? d->p1 : sim_dist_sample(d, r);
}

static void visit_leave(struct svc_world *w, struct visit *v);

/* Runs the actions at the end of v's burst, at the current time. */
static void burst_end(struct svc_world *w, struct visit *v)
{
    uint64_t now = ns(sim_now_ns(w->eng));
    struct svc_instance *in = v->inst;
    switch ((enum burst_end)v->end) {
    case BURST_YIELD:
        wt_req_yield(&v->wt, now);
        v->t_mark = (int64_t)now;
        if (in->svc->def->sched == MDL_SCHED_LWT) {
            q_push(&in->yq_head, &in->yq_tail, v);
            in->yq_len++;
        } else {
            q_push(&in->rq_head, &in->rq_tail, v);
        }
        return;
    case BURST_CALL: {
        const struct mdl_step *st = &v->steps[v->step];
        v->t_call = (int64_t)now;
        uint32_t n = st->parallel ? (uint32_t)st->ncallees : 1;
        v->pending = n;
        for (uint32_t k = 0; k < n; k++) {
            int callee = st->callees[st->parallel ? k : st->pick ? v->pick : v->sub];
            struct visit *c = run_visit_new(w);
            c->parent = v;
            c->req_id = v->req_id;
            c->measured = v->measured;
            c->cls = v->cls;
            c->bytes = draw_bytes(&st->size, v->svc->rng_size);
            if (v->exported) {
                c->exported = 1;
                c->span_id = ++w->next_span_id;
            }
            struct wt_ctx ctx;
            wt_call_send(&v->wt, &c->wt_call, (uint32_t)v->svc->callee_local[callee], now, &ctx);
            wt_ctx_encode(&ctx, c->ctx_hdr, sizeof c->ctx_hdr);
            svc_send(w, c, &w->svcs[callee], v->svc->def->zone, in);
        }
        if (!st->parallel && !st->pick)
            v->sub++;
        wt_req_block(&v->wt, now);
        v->t_mark = (int64_t)now;
        return;
    }
    case BURST_REPLY:
        wt_req_reply(&v->wt, now);
        wt_resp_encode(&v->wt, v->resp_hdr, sizeof v->resp_hdr);
        visit_leave(w, v);
        return;
    }
}

static void burst_done(struct sim_engine *eng, void *arg);

/* Starts v's next burst on in's CPU at the current time. Returns true if the
 * CPU is now busy; a burst of no CPU time ends at once. */
static bool burst_start(struct svc_world *w, struct svc_instance *in, struct visit *v)
{
    int64_t now = sim_now_ns(w->eng);
    int64_t d = next_burst(v);
    if (v->wt.sampled)
        d += (int64_t)(v->hooks + 1 + end_hooks(v)) * w->hook_ns; /* + run */
    v->hooks = 0;
    wt_req_run(&v->wt, ns(now));
    span_add(w, v, SPAN_WAIT, v->t_mark, now);
    v->t_mark = now;
    if (d == 0) {
        burst_end(w, v);
        return false;
    }
    v->slice_ns = d;
    in->running = v;
    in->run_start = now;
    sim_schedule_in(w->eng, d, burst_done, in);
    return true;
}

/* The reply v reached its caller's instance at `arrived` and was read now;
 * the tracing core sees it at `seen` (the NIC time with packet timestamps).
 * Returns true when the caller's call step is complete: it is runnable. */
static bool reply_read(struct svc_world *w, struct visit *v, int64_t arrived, int64_t seen)
{
    struct visit *p = v->parent;
    int64_t now = sim_now_ns(w->eng);
    wt_call_done(&p->wt, &v->wt_call, v->resp_hdr, strlen(v->resp_hdr), ns(seen));
    p->hooks++;
    v->sibling = p->done_children;
    p->done_children = v;
    if (!call_step_done(p))
        return false;
    wt_req_runnable(&p->wt, ns(seen));
    p->hooks++;
    span_add(w, p, SPAN_CALLS, p->t_mark, arrived);
    span_add(w, p, SPAN_RING, arrived, now);
    p->t_mark = now;
    return true;
}

/* ---- Lwt event loop ---- */

static void lwt_loop(struct svc_world *w, struct svc_instance *in);

/* A packet taken from the NIC ring by the poll: a request starts its handler,
 * a reply resumes its caller's handler. */
static void lwt_read(struct svc_world *w, struct svc_instance *in, struct visit *v)
{
    int64_t now = sim_now_ns(w->eng);
    bool pts = w->model->tracing.packet_timestamps;
    if (!v->is_reply) {
        v->nic_wait_ns += now - v->t_nic;
        struct wt_ctx ctx;
        bool have = v->parent && wt_ctx_decode(&ctx, v->ctx_hdr, WT_CTX_LEN) == WT_OK;
        wt_req_arrive(&v->wt, &v->svc->wt, have ? &ctx : NULL, ns(v->t_nic), ns(now));
        v->hooks++;
        span_add(w, v, SPAN_RING, v->t_nic, now);
        v->t_mark = now;
        burst_start(w, in, v);
        return;
    }
    struct visit *p = v->parent;
    p->nic_wait_ns += now - v->t_nic;
    if (reply_read(w, v, v->t_nic, pts ? v->t_nic : now))
        burst_start(w, in, p);
}

static void lwt_loop(struct svc_world *w, struct svc_instance *in)
{
    while (!in->running) {
        if (in->batch_left) {
            in->batch_left--;
            in->ring_len--;
            lwt_read(w, in, q_pop(&in->ring_head, &in->ring_tail));
        } else if (in->wake_pending) {
            in->wake_pending = false;
            in->wake_left = in->yq_len;
        } else if (in->wake_left) {
            in->wake_left--;
            in->yq_len--;
            burst_start(w, in, q_pop(&in->yq_head, &in->yq_tail));
        } else if (in->ring_len || in->yq_len) {
            /* A new iteration: poll once, then wake the yielded threads. */
            in->batch_left = in->ring_len;
            in->wake_pending = true;
        } else {
            return; /* sleep until a packet arrives */
        }
    }
}

static void lwt_packet(struct svc_world *w, struct svc_instance *in, struct visit *v)
{
    v->t_nic = sim_now_ns(w->eng);
    q_push(&in->ring_head, &in->ring_tail, v);
    in->ring_len++;
    if (!in->running)
        lwt_loop(w, in);
}

/* ---- FIFO scheduler ---- */

static void fifo_dispatch(struct svc_world *w, struct svc_instance *in)
{
    while (!in->running && in->rq_head) {
        burst_start(w, in, q_pop(&in->rq_head, &in->rq_tail));
    }
}

/* v is runnable: it runs now if it needs no CPU or the CPU is free. */
static void fifo_ready(struct svc_world *w, struct svc_instance *in, struct visit *v)
{
    if (!in->running && !in->rq_head) {
        burst_start(w, in, v);
        fifo_dispatch(w, in);
        return;
    }
    /* Sending calls or the reply needs no CPU here: it happens at once. */
    if (v->step >= v->nsteps || v->steps[v->step].kind == MDL_STEP_CALL) {
        burst_start(w, in, v);
        return;
    }
    q_push(&in->rq_head, &in->rq_tail, v);
}

static void fifo_reply(struct svc_world *w, struct svc_instance *in, struct visit *v)
{
    int64_t now = sim_now_ns(w->eng);
    if (reply_read(w, v, now, now))
        fifo_ready(w, in, v->parent);
}

/* ---- Instances ---- */

static void burst_done(struct sim_engine *eng, void *arg)
{
    struct svc_instance *in = arg;
    struct svc_world *w = in->svc->world;
    struct visit *v = in->running;
    add_busy(w, in->svc, in->run_start, sim_now_ns(eng));
    span_add(w, v, SPAN_CPU, in->run_start, sim_now_ns(eng));
    v->t_mark = sim_now_ns(eng);
    in->running = NULL;
    burst_end(w, v);
    if (in->svc->def->sched == MDL_SCHED_LWT)
        lwt_loop(w, in);
    else
        fifo_dispatch(w, in);
    maybe_stop(in);
}

static void accept(struct svc_instance *in, struct visit *v)
{
    struct svc_world *w = in->svc->world;
    int64_t now = sim_now_ns(w->eng);
    v->inst = in;
    v->t_arrive = now;
    in->outstanding++;
    if (in->svc->def->sched == MDL_SCHED_LWT) {
        lwt_packet(w, in, v);
        return;
    }
    struct wt_ctx ctx;
    bool have = v->parent && wt_ctx_decode(&ctx, v->ctx_hdr, WT_CTX_LEN) == WT_OK;
    wt_req_arrive(&v->wt, &v->svc->wt, have ? &ctx : NULL, ns(now), ns(now));
    v->hooks++;
    v->t_nic = v->t_mark = now;
    fifo_ready(w, in, v);
}

static void svc_deliver(struct svc_service *s, struct visit *v)
{
    v->svc = s;
    for (int k = 0; k < NACC; k++)
        s->acc[k].arrivals++;
    s->last_arrival = sim_now_ns(s->world->eng);
    struct svc_instance *in = lb_pick(s);
    if (in) {
        accept(in, v);
        return;
    }
    q_push(&s->q_head, &s->q_tail, v);
    if (svc_live(s) == 0)
        ctl_demand(s->world, s);
}

static void reply_arrived(struct sim_engine *eng, void *arg)
{
    struct visit *v = arg;
    struct svc_world *w = v->svc->world;
    (void)eng;
    if (!v->parent) {
        run_client_reply(w, v);
        return;
    }
    struct svc_instance *in = v->parent->inst;
    if (in->svc->def->sched == MDL_SCHED_LWT) {
        v->is_reply = 1;
        lwt_packet(w, in, v);
    } else {
        fifo_reply(w, in, v);
    }
}

/* v's handler replied: account for it, free its slot at the instance, take a
 * queued request, and send the reply. */
static void visit_leave(struct svc_world *w, struct visit *v)
{
    struct svc_instance *in = v->inst;
    struct svc_service *s = v->svc;
    in->outstanding--;
    span_add(w, v, SPAN_VISIT, v->t_nic, sim_now_ns(w->eng));
    for (int k = 0; k < NACC; k++) {
        s->acc[k].completions++;
        /* Without a policy nobody reads the policy period's statistics. */
        if (v->wt.sampled && (k != ACC_POLICY || w->control))
            wt_window_add(&s->acc[k].win, &v->wt);
    }
    /* The tracing core's books close: every hook came in order, and its
     * total (= cpu + local wait + call time) spans arrival to reply. */
    assert(!v->wt.sampled || v->wt.errors == 0);
    assert(!v->wt.sampled || v->wt.total == (uint64_t)sim_now_ns(w->eng) - v->wt.start_ns);
    if (v->measured) {
        s->st.visits++;
        s->st.nic_wait += sim_ns_to_sec(v->nic_wait_ns);
        if (v->wt.sampled) {
            s->st.traced++;
            s->st.cpu += sim_ns_to_sec((int64_t)v->wt.cpu);
            s->st.wait += sim_ns_to_sec((int64_t)v->wt.local_wait);
            s->st.call += sim_ns_to_sec((int64_t)v->wt.call_time);
            for (const struct wt_call *c = v->wt.calls; c; c = c->next) {
                struct edge_stats *e =
                    &w->edges[(size_t)s->index * w->nsvcs + (size_t)s->callee_global[c->callee]];
                e->calls++;
                e->network_wait += sim_ns_to_sec((int64_t)c->net_wait);
                e->remote_wait += sim_ns_to_sec((int64_t)c->remote_wait);
            }
        }
    }
    /* The calls' records have been folded: return the children. */
    while (v->done_children) {
        struct visit *c = v->done_children;
        v->done_children = c->sibling;
        run_visit_free_tree(w, c);
    }
    v->bytes = draw_bytes(&s->def->response_size, s->rng_size);
    int to_zone = v->parent ? v->parent->svc->def->zone : w->model->workload.zone;
    sim_schedule_in(w->eng, net_delay_ns(w, s->def->zone, to_zone, v->bytes, in), reply_arrived, v);
    dispatch_queued(s);
}

/* Hands requests waiting at the balancer to instances with room. */
static void dispatch_queued(struct svc_service *s)
{
    struct svc_instance *next;
    while (s->q_head && (next = lb_pick(s)))
        accept(next, q_pop(&s->q_head, &s->q_tail));
}

/* ---- Time series ---- */

static double mean_calls(const struct svc_acc *a, int ncallees, int remote)
{
    uint64_t n = 0, sum = 0;
    for (int i = 0; i < ncallees; i++) {
        const struct wt_sketch *k = remote ? &a->callees[i].remote_wait : &a->callees[i].net_wait;
        n += k->n;
        sum += k->sum;
    }
    return n ? (double)sum / (double)n * 1e-9 : NAN;
}

static double q_or_nan(const struct wt_sketch *k, double q)
{
    return k->n ? wt_sketch_quantile(k, q) * 1e-9 : NAN;
}

static double mean_or_nan(const struct wt_sketch *k)
{
    return k->n ? wt_sketch_mean(k) * 1e-9 : NAN;
}

void svc_verdict(const struct svc_service *s, int k, int *kind, int *callee, double *wait)
{
    struct wt_verdict_opts o;
    wt_verdict_opts_init(&o);
    struct wt_window_verdict v = wt_window_verdict(&s->acc[k].win, &o);
    *kind = (int)v.kind;
    *callee = (v.kind == WT_VERDICT_LINK || v.kind == WT_VERDICT_DELEGATE)
                  ? s->callee_global[v.callee]
                  : -1;
    if (wait)
        *wait = (double)v.wait_ns * 1e-9;
}

void svc_acc_close(struct svc_world *w, int k)
{
    int64_t now = sim_now_ns(w->eng), start = w->cacc[k].start;
    for (size_t i = 0; i < w->nsvcs; i++) {
        struct svc_service *s = &w->svcs[i];
        serving_mark(s);
        for (int j = 0; j < s->ninst; j++)
            if (s->inst[j]->running) {
                int64_t from = s->inst[j]->run_start;
                s->acc[k].busy += sim_ns_to_sec(now - (from < start ? start : from));
            }
    }
}

void svc_acc_reset(struct svc_world *w, int k)
{
    int64_t now = sim_now_ns(w->eng);
    for (size_t i = 0; i < w->nsvcs; i++) {
        struct svc_service *s = &w->svcs[i];
        struct svc_acc *a = &s->acc[k];
        wt_window_init(&a->win, ns(now), ns(now), a->callees, (uint32_t)s->ncallees);
        a->arrivals = a->completions = 0;
        a->busy = a->serving = 0;
    }
    struct client_acc *c = &w->cacc[k];
    wt_sketch_init(&c->lat);
    c->sent = c->completed = 0;
    c->start = now;
}

void svc_window_flush(struct svc_world *w)
{
    int64_t now = sim_now_ns(w->eng);
    struct client_acc *c = &w->cacc[ACC_SERIES];
    if (now <= c->start)
        return;
    svc_acc_close(w, ACC_SERIES);
    for (size_t i = 0; i < w->nsvcs; i++) {
        struct svc_service *s = &w->svcs[i];
        const struct svc_acc *a = &s->acc[ACC_SERIES];
        w->rows = xgrow(w->rows, &w->rows_cap, w->nrows + 1, sizeof *w->rows);
        struct run_window_row *r = &w->rows[w->nrows++];
        const struct wt_window *win = &a->win;
        *r = (struct run_window_row){
            .t_start = sim_ns_to_sec(c->start),
            .t_end = sim_ns_to_sec(now),
            .svc = (int)i,
            .ready = s->count[INST_READY],
            .booting = svc_booting(s),
            .draining = s->count[INST_DRAINING],
            .serving = a->serving / sim_ns_to_sec(now - c->start),
            .utilization = a->serving > 0 ? a->busy / a->serving : NAN,
            .arrivals = a->arrivals,
            .completions = a->completions,
            .p50 = q_or_nan(&win->total, 0.50),
            .p95 = q_or_nan(&win->total, 0.95),
            .p99 = q_or_nan(&win->total, 0.99),
            .cpu = mean_or_nan(&win->cpu),
            .local_wait = mean_or_nan(&win->local_wait),
            .call_time = mean_or_nan(&win->call_time),
            .network_wait = mean_calls(a, s->ncallees, 0),
            .remote_wait = mean_calls(a, s->ncallees, 1),
        };
        svc_verdict(s, ACC_SERIES, &r->verdict, &r->verdict_callee, NULL);
    }
    w->crows = xgrow(w->crows, &w->crows_cap, w->ncrows + 1, sizeof *w->crows);
    w->crows[w->ncrows++] = (struct run_client_row){
        .t_start = sim_ns_to_sec(c->start),
        .t_end = sim_ns_to_sec(now),
        .sent = c->sent,
        .completed = c->completed,
        .p50 = q_or_nan(&c->lat, 0.50),
        .p95 = q_or_nan(&c->lat, 0.95),
        .p99 = q_or_nan(&c->lat, 0.99),
    };
    svc_acc_reset(w, ACC_SERIES);
}
