/* SPDX-License-Identifier: MIT */
/* models/lwt.c: an instance's CPU, run by one of two schedulers; the
 * handler's steps are interpreted by the handler-step machine
 * (models/step.h), whose one caller in the simulator is burst().
 *
 * A visit walks its handler in bursts: a burst runs compute slices back to
 * back on the instance's single CPU, without preemption, until a yield, a
 * call step (the calls are sent and the handler blocks) or the end of the
 * handler (the reply is sent).
 *
 * The "lwt" scheduler is Lwt's event loop (DESIGN.md; research s6): packets
 * that arrive wait in the instance's NIC ring. Each loop iteration polls once,
 * reading the packets that have arrived (at most network.stack_batch: a
 * unikernel's device yields a frame per poll): a request starts its handler
 * at once, a reply resumes the handler waiting for it at once, each running
 * until its first yield or block. The network stack runs on the same CPU:
 * reading a packet, and sending what a burst sent, take network.stack_cost
 * (+ stack_byte_cost per byte) of CPU between bursts; a message leaves when
 * its sending is done. Then every thread that had yielded before this
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
 * tracing.hook_cost is charged to the CPU per hook of a sampled request. A
 * draining instance stops as soon as it holds nothing, whichever way its
 * last visit ended. */
#include "models/models_int.h"

#include "sim/units.h"

#include <assert.h>
#include <gsl/gsl_rng.h>
#include <string.h>

static uint64_t ns(int64_t t)
{
    return (uint64_t)t;
}

static double draw_bytes(const struct sim_dist *d, gsl_rng *r)
{
    return d->kind == SIM_DIST_CONST ? d->p1 : sim_dist_sample(d, r);
}

/* Makes the draws the step machine asks for, in the order the streams have
 * always been used: the step's probability, then its demand or its pick. */
static void draw_step(struct svc_world *w, struct visit *v, const struct mdl_step *st)
{
    struct svc_service *s = v->svc;
    struct step_draws d = step_draw(st, s->def->speed, s->rng_branch, s->rng_compute);
    int64_t demand = 0;
    if (d.runs && st->kind == MDL_STEP_COMPUTE)
        demand =
            SVC_TIME_NS(w, d.demand, "compute of service \"%s\" (line %d)", s->def->name, st->line);
    step_drawn(&v->hs, d.runs, demand, d.pick);
}

/* Advances v to the end of its next burst: returns the burst's CPU time and
 * sets v->end (and for a call, the callees to send to). */
static int64_t burst(struct svc_world *w, struct visit *v)
{
    int64_t d = 0;
    for (;;) {
        struct step_act a = step_next(&v->hs, &v->svc->step_cfg);
        switch (a.kind) {
        case STEP_DRAW: draw_step(w, v, a.step); continue;
        case STEP_COMPUTE:
            d += a.ns;
            if (a.yield_after) {
                v->end = BURST_YIELD;
                return d;
            }
            continue;
        case STEP_CALL:
            v->end = BURST_CALL;
            v->call_first = a.first;
            v->call_count = a.count;
            return d;
        case STEP_REPLY: v->end = BURST_REPLY; return d;
        }
    }
}

/* Number of tracing hooks the end of v's burst will call. */
static unsigned end_hooks(const struct visit *v)
{
    return v->end == BURST_CALL ? v->call_count + 1 : 1; /* sends + block; yield; reply */
}

static void visit_leave(struct svc_world *w, struct visit *v);
static void lwt_read(struct svc_world *w, struct svc_instance *in, struct visit *v);
static void lwt_loop(struct svc_world *w, struct svc_instance *in);

/* ---- The network stack on the instance's CPU ---- */

/* CPU time the network stack of in takes to receive or send a message of
 * `bytes` (network.stack_cost; none on the fifo scheduler). */
static int64_t stack_ns(struct svc_world *w, const struct svc_instance *in, double bytes)
{
    if (in->svc->def->sched != MDL_SCHED_LWT)
        return 0;
    if (w->stack_byte_ns == 0)
        return w->stack_msg_ns; /* already in ns: no round trip through seconds */
    double s = ((double)w->stack_msg_ns + w->stack_byte_ns * bytes) * 1e-9;
    return SVC_TIME_NS(w, s, "network stack work for a message of %g bytes", bytes);
}

static void stack_done(struct sim_engine *eng, void *arg)
{
    struct svc_instance *in = arg;
    struct svc_world *w = in->svc->world;
    svc_add_busy(w, in, in->run_start, sim_now_ns(eng));
    svc_cpu_set(in, NULL);
    struct visit *v = in->stack_rx;
    in->stack_rx = NULL;
    if (v)
        lwt_read(w, in, v);
    lwt_loop(w, in);
    svc_instance_maybe_stop(in);
}

/* The idle CPU of in runs the network stack for d ns: reading packet rx, or
 * (rx NULL) sending what the last burst sent. */
static void stack_start(struct svc_world *w, struct svc_instance *in, int64_t d, struct visit *rx)
{
    assert(!in->running);
    svc_cpu_set(in, &w->stack_work);
    in->run_start = sim_now_ns(w->eng);
    in->stack_rx = rx;
    sim_schedule_in(w->eng, d, stack_done, in);
}

/* Sends the calls of the call step ending v's burst; returns the network
 * stack's CPU time for them (each call leaves when its turn is done). */
static int64_t send_calls(struct svc_world *w, struct visit *v, uint64_t now)
{
    const struct mdl_step *st = &v->hs.steps[v->hs.step];
    int64_t tx = 0;
    for (uint32_t k = 0; k < v->call_count; k++) {
        int callee = st->callees[v->call_first + k];
        struct visit *c = svc_visit_new(w);
        c->parent = v;
        c->caller = v->inst; /* read on the reply without a trip through v */
        c->req_id = v->req_id;
        c->measured = v->measured;
        c->cls = v->cls;
        c->bytes = draw_bytes(&st->size, v->svc->rng_size);
        if (v->exported) {
            c->exported = 1;
            c->span_id = ++w->next_span_id;
        }
        struct wt_ctx ctx;
        wt_call_send(&v->wt, &c->wt_call, (uint32_t)svc_callee_local(v->svc, callee), now, &ctx);
        wt_ctx_encode(&ctx, c->ctx_hdr, sizeof c->ctx_hdr);
        tx += stack_ns(w, v->inst, c->bytes);
        svc_send(w, c, &w->svcs[callee], v->svc->def->zone, v->inst, tx);
    }
    return tx;
}

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
        v->t_call = (int64_t)now;
        int64_t tx = send_calls(w, v, now);
        wt_req_block(&v->wt, now);
        v->t_mark = (int64_t)now;
        if (tx > 0)
            stack_start(w, in, tx, NULL);
        return;
    }
    case BURST_REPLY:
        wt_req_reply(&v->wt, now);
        if (v->parent) /* the client reads no response header */
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
    int64_t d = burst(w, v);
    /* Tracing's CPU on Lwt's loop (fifo is the idealised server: its
     * message steps take no CPU): every hook carries the context, a sampled
     * request's hooks also record; the decision and parse once per request. */
    if (in->svc->def->sched == MDL_SCHED_LWT) {
        int64_t per_hook = w->propagate_ns + (v->wt.sampled ? w->hook_ns : 0);
        d += (int64_t)(v->hooks + 1 + end_hooks(v)) * per_hook; /* + run */
        if (v->first_burst)
            d += w->request_ns;
    }
    v->first_burst = 0;
    v->hooks = 0;
    wt_req_run(&v->wt, ns(now));
    span_add(w, v, SPAN_WAIT, v->t_mark, now);
    v->t_mark = now;
    if (d == 0) {
        burst_end(w, v);
        return false;
    }
    v->slice_ns = d;
    svc_cpu_set(in, v);
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
    p->failed |= v->failed;
    v->sibling = p->done_children;
    p->done_children = v;
    if (!step_reply(&p->hs))
        return false;
    wt_req_runnable(&p->wt, ns(seen));
    p->hooks++;
    span_add(w, p, SPAN_CALLS, p->t_mark, arrived);
    span_add(w, p, SPAN_RING, arrived, now);
    p->t_mark = now;
    return true;
}

/* ---- Lwt event loop ---- */

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
        v->first_burst = 1;
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
            struct visit *v = q_pop(&in->ring_head, &in->ring_tail);
            int64_t rx = stack_ns(w, in, v->bytes);
            if (rx > 0)
                stack_start(w, in, rx, v); /* read when the stack is done */
            else
                lwt_read(w, in, v);
        } else if (in->wake_pending) {
            in->wake_pending = false;
            in->wake_left = in->yq_len;
        } else if (in->wake_left) {
            in->wake_left--;
            in->yq_len--;
            burst_start(w, in, q_pop(&in->yq_head, &in->yq_tail));
        } else if (in->ring_len || in->yq_len) {
            /* A new iteration: poll once, then wake the yielded threads. */
            uint32_t batch = w->model->net.stack_batch;
            in->batch_left = batch && in->ring_len > batch ? batch : in->ring_len;
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
    while (!in->running && in->rq_head)
        burst_start(w, in, q_pop(&in->rq_head, &in->rq_tail));
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
    if (step_at_message(&v->hs)) {
        burst_start(w, in, v);
        return;
    }
    q_push(&in->rq_head, &in->rq_tail, v);
}

/* ---- Instances ---- */

static void burst_done(struct sim_engine *eng, void *arg)
{
    struct svc_instance *in = arg;
    struct svc_world *w = in->svc->world;
    struct visit *v = in->running;
    svc_add_busy(w, in, in->run_start, sim_now_ns(eng));
    span_add(w, v, SPAN_CPU, in->run_start, sim_now_ns(eng));
    v->t_mark = sim_now_ns(eng);
    svc_cpu_set(in, NULL);
    burst_end(w, v);
    if (in->svc->def->sched == MDL_SCHED_LWT)
        lwt_loop(w, in);
    else
        fifo_dispatch(w, in);
    svc_instance_maybe_stop(in);
}

void svc_accept(struct svc_instance *in, struct visit *v)
{
    struct svc_world *w = in->svc->world;
    int64_t now = sim_now_ns(w->eng);
    v->inst = in;
    v->t_arrive = now;
    in->outstanding++;
    svc_lb_changed(in);
    if (in->svc->def->sched == MDL_SCHED_LWT) {
        lwt_packet(w, in, v);
        return;
    }
    struct wt_ctx ctx;
    bool have = v->parent && wt_ctx_decode(&ctx, v->ctx_hdr, WT_CTX_LEN) == WT_OK;
    wt_req_arrive(&v->wt, &v->svc->wt, have ? &ctx : NULL, ns(now), ns(now));
    v->hooks++;
    v->first_burst = 1;
    v->t_nic = v->t_mark = now;
    fifo_ready(w, in, v);
}

static void reply_arrived(struct sim_engine *eng, void *arg)
{
    struct visit *v = arg;
    struct svc_world *w = v->svc->world;
    (void)eng;
    if (!v->parent) {
        w->on_client_reply(w, v);
        return;
    }
    struct svc_instance *in = v->caller;
    if (in->svc->def->sched == MDL_SCHED_LWT) {
        v->is_reply = 1;
        lwt_packet(w, in, v);
    } else {
        int64_t now = sim_now_ns(w->eng);
        if (reply_read(w, v, now, now))
            fifo_ready(w, in, v->parent);
    }
    /* The reply may have let the caller's last visit end without a burst
     * of CPU (a handler ending in a call): a draining instance stops. */
    svc_instance_maybe_stop(in);
}

void svc_reply_send(struct svc_world *w, struct visit *v, int64_t delay_ns)
{
    sim_schedule_in_fixed(w->eng, delay_ns, reply_arrived, v);
}

/* v's handler replied: account for it, free its slot at the instance, take a
 * queued request, and send the reply. */
static void visit_leave(struct svc_world *w, struct visit *v)
{
    struct svc_instance *in = v->inst;
    struct svc_service *s = v->svc;
    in->outstanding--;
    svc_lb_changed(in);
    span_add(w, v, SPAN_VISIT, v->t_nic, sim_now_ns(w->eng));
    s->run_visits += v->wt.sampled != 0;
    for (int k = 0; k < NACC; k++) {
        s->acc[k].completions++;
        /* Without a policy nobody reads the policy period's statistics;
         * the run's window may take this visit with its series window. */
        if (v->wt.sampled && (k != ACC_POLICY || w->control) && (k != ACC_RUN || !s->run_by_merge))
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
                struct edge_stats *e = &s->edges[c->callee];
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
        svc_visit_free_tree(w, c);
    }
    v->bytes = draw_bytes(&s->def->response_size, s->rng_size);
    int64_t tx = stack_ns(w, in, v->bytes);
    svc_reply_send(w, v, tx + net_delay_ns(w, s->def->zone, v->from_zone, v->bytes, in));
    if (tx > 0)
        stack_start(w, in, tx, NULL); /* before a queued request can take the CPU */
    svc_dispatch_queued(s);
}
