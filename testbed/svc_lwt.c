/* SPDX-License-Identifier: MIT */
/* testbed/svc_lwt.c: Lwt's loop in real time (testbed/svc.h). The handler
 * is the model's, run by the handler-step machine (models/step.h), with
 * the draws made as the simulator makes them (models/lwt.c: the step's
 * probability, then its demand or its pick). The tracing core sees the same
 * hooks at the same points: arrive when a request is read, run at each
 * burst's start, yield, send and block at its end, done and runnable when
 * a reply is read, reply at the end.
 *
 * Requests name their class, whether they are measured and the caller's
 * zone in the path: POST /<class>/<m|w>/<zone>. Any other path (curl, wrk)
 * is class 0, measured, from the clients' zone. GET /_uksim/stats returns
 * the instance's statistics (testbed/stats.h). */
#define _GNU_SOURCE
#include "testbed/svc.h"

#include "sim/dist.h"
#include "sim/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- Compute ---- */

/* Spends a compute slice. A hold (or spin) ends a little after its
 * deadline; the lateness is paid back from the instance's next slices, so
 * that over a run the CPU is held for the demand drawn, not for the demand
 * plus the timer's error (at utilization 0.9, 4% more service time would
 * double the queueing). Records the raw lateness. Returns the time it
 * ended, where the next slice of the same burst starts. */
static uint64_t spend(struct tb_svc *s, uint64_t from, int64_t ns)
{
    if (ns <= 0)
        return from;
    int64_t pay = s->debt_ns < (uint64_t)ns ? (int64_t)s->debt_ns : ns;
    s->debt_ns -= (uint64_t)pay;
    uint64_t late;
    uint64_t deadline = tb_compute(s->compute, from, ns - pay, &late);
    s->debt_ns += late;
    wt_stat_add(&s->st.compute_err, late);
    s->st.compute_ns += deadline + late - from;
    return deadline + late;
}

static void draw_step(struct tb_svc *s, struct tb_visit *v, const struct mdl_step *st)
{
    struct step_draws d = step_draw(st, s->def->speed, s->rng_branch, s->rng_compute);
    int64_t demand = d.demand > 0 ? (int64_t)(d.demand * 1e9 + 0.5) : 0;
    step_drawn(&v->hs, d.runs, demand, d.pick);
}

static double draw_bytes(const struct sim_dist *d, gsl_rng *r)
{
    double b = d->kind == SIM_DIST_CONST ? d->p1 : sim_dist_sample(d, r);
    return b > 0 ? b : 0;
}

/* A message: head, then `bytes` of body. Returns its length in *len. */
static char *message(const char *head, int hlen, double bytes, size_t *len)
{
    size_t body = (size_t)bytes;
    char *p = xmalloc((size_t)hlen + body + 1);
    memcpy(p, head, (size_t)hlen);
    memset(p + hlen, 'x', body);
    *len = (size_t)hlen + body;
    return p;
}

/* ---- Visits ---- */

static void run_burst(struct tb_svc *s, struct tb_visit *v);

static void idle_cb(uv_idle_t *h)
{
    (void)h; /* only keeps the poll from sleeping while handlers wait to resume */
}

static int local_callee(const struct tb_svc *s, int svc)
{
    for (uint32_t j = 0; j < s->ncallees; j++)
        if (s->callees[j].svc == svc)
            return (int)j;
    return -1;
}

/* The instance of callee j a call goes to, by the service's balancer as
 * this caller sees it (its own calls in flight). */
static int pick_instance(struct tb_svc *s, struct tb_callee *ce)
{
    int n = ce->ninst;
    if (n <= 1)
        return 0;
    switch (s->m->services[ce->svc].lb) {
    case MDL_LB_RANDOM: return (int)gsl_rng_uniform_int(s->rng_lb, (unsigned long)n);
    case MDL_LB_POWER_OF_TWO: {
        int a = (int)gsl_rng_uniform_int(s->rng_lb, (unsigned long)n);
        int b = (int)gsl_rng_uniform_int(s->rng_lb, (unsigned long)n - 1);
        b += b >= a;
        return ce->outstanding[b] < ce->outstanding[a] ? b : a;
    }
    case MDL_LB_LEAST_OUTSTANDING: {
        int best = (int)(ce->rr++ % (uint32_t)n); /* ties: rotate */
        for (int k = 0; k < n; k++)
            if (ce->outstanding[k] < ce->outstanding[best])
                best = k;
        return best;
    }
    case MDL_LB_ROUND_ROBIN:
    default: return (int)(ce->rr++ % (uint32_t)n);
    }
}

/* A reply to call c was read at `seen` (the tracing core's time for it). */
static void call_done(struct tb_svc *s, struct tb_call *c, const char *agg, bool failed,
                      uint64_t seen)
{
    struct tb_visit *v = c->v;
    wt_call_done(&v->wt, &c->wc, agg, strlen(agg), seen);
    v->failed |= failed;
    if (!step_reply(&v->hs))
        return;
    wt_req_runnable(&v->wt, seen);
    run_burst(s, v);
}

/* Sends the calls of v's call step; calls that cannot even be sent are
 * returned in *failed (answered once v is blocked). */
static void send_calls(struct tb_svc *s, struct tb_visit *v, const struct step_act *a, uint64_t now,
                       struct tb_call **failed)
{
    const struct mdl_step *st = &v->hs.steps[v->hs.step];
    for (uint32_t k = 0; k < a->count; k++) {
        int callee = st->callees[a->first + k];
        int j = local_callee(s, callee);
        struct tb_callee *ce = &s->callees[j];
        struct tb_call *c = xcalloc(1, sizeof *c);
        c->v = v;
        struct wt_ctx ctx;
        wt_call_send(&v->wt, &c->wc, (uint32_t)j, now, &ctx);
        char cbuf[WT_CTX_LEN + 1];
        wt_ctx_encode(&ctx, cbuf, sizeof cbuf);
        double bytes = draw_bytes(&st->size, s->rng_size);
        int inst = pick_instance(s, ce);
        struct tb_conn *conn = tb_net_call_conn(s, j, inst);
        if (!conn) {
            c->next = *failed;
            *failed = c;
            continue;
        }
        c->next = v->calls;
        v->calls = c;
        conn->call = c;
        ce->outstanding[inst]++;
        char path[64], head[512];
        snprintf(path, sizeof path, "/%u/%c/%d", v->cls, v->measured ? 'm' : 'w', s->def->zone);
        int hl = tb_http_request_head(head, sizeof head, path, cbuf, (uint64_t)bytes);
        size_t len;
        char *msg = message(head, hl, bytes, &len);
        tb_net_send(s, conn, msg, len, bytes, s->m->services[callee].zone);
        free(msg);
    }
}

/* Writes the replies at the head of c's visits that are ready, in order. */
static void flush_replies(struct tb_svc *s, struct tb_conn *c)
{
    struct tb_visit *v;
    while ((v = c->vhead) && v->replied) {
        c->vhead = v->conn_next;
        if (!c->vhead)
            c->vtail = NULL;
        if (v->reply) {
            tb_net_send(s, c, v->reply, v->reply_len, (double)v->reply_len, v->from_zone);
            free(v->reply);
        }
        free(v);
        tb_conn_unref(c);
    }
}

/* v's reply is ready: status, the aggregate (sampled requests) and the
 * response's bytes. */
static void visit_reply(struct tb_svc *s, struct tb_visit *v, int status, const char *agg)
{
    char head[512];
    double bytes = draw_bytes(&s->def->response_size, s->rng_size);
    int hl = tb_http_response_head(head, sizeof head, status, agg, (uint64_t)bytes, true);
    v->reply = message(head, hl, bytes, &v->reply_len);
    v->replied = true;
    flush_replies(s, v->conn);
}

static void visit_end(struct tb_svc *s, struct tb_visit *v, uint64_t now)
{
    wt_req_reply(&v->wt, now);
    char agg[WT_AGG_MAXLEN + 1] = "";
    if (wt_resp_encode(&v->wt, agg, sizeof agg) < 0)
        agg[0] = 0;
    tb_stats_reply(&s->st, &v->wt, now, v->measured, v->nic_ns);
    while (v->calls) {
        struct tb_call *c = v->calls;
        v->calls = c->next;
        free(c);
    }
    s->outstanding--;
    visit_reply(s, v, v->failed ? 503 : 200, agg);
}

/* Runs v from now to its next yield, call or reply. */
static void run_burst(struct tb_svc *s, struct tb_visit *v)
{
    uint64_t start = tb_now(), t = start;
    wt_req_run(&v->wt, start);
    for (;;) {
        struct step_act a = step_next(&v->hs, &s->cfg);
        switch (a.kind) {
        case STEP_DRAW: draw_step(s, v, a.step); continue;
        case STEP_COMPUTE:
            t = spend(s, t, a.ns);
            if (!a.yield_after)
                continue;
            t = tb_now();
            wt_req_yield(&v->wt, t);
            v->yq_next = NULL;
            if (s->yq_tail)
                s->yq_tail->yq_next = v;
            else
                s->yq_head = v;
            s->yq_tail = v;
            uv_idle_start(&s->idle, idle_cb);
            tb_stats_busy(&s->st, start, t);
            return;
        case STEP_CALL: {
            struct tb_call *failed = NULL;
            t = tb_now();
            send_calls(s, v, &a, t, &failed);
            wt_req_block(&v->wt, t);
            tb_stats_busy(&s->st, start, tb_now());
            while (failed) {
                struct tb_call *c = failed;
                failed = c->next;
                c->next = v->calls;
                v->calls = c;
                call_done(s, c, "", true, tb_now());
            }
            return;
        }
        case STEP_REPLY:
            t = tb_now();
            visit_end(s, v, t);
            tb_stats_busy(&s->st, start, tb_now());
            return;
        }
    }
}

static void check_cb(uv_check_t *h)
{
    struct tb_svc *s = h->data;
    /* Those that yielded before this phase resume once each. */
    struct tb_visit *v = s->yq_head, *last = s->yq_tail;
    s->yq_head = s->yq_tail = NULL;
    while (v) {
        struct tb_visit *next = v == last ? NULL : v->yq_next;
        run_burst(s, v);
        v = next;
    }
    if (!s->yq_head)
        uv_idle_stop(&s->idle);
}

void tb_lwt_init(struct tb_svc *s)
{
    uv_check_init(s->loop, &s->check);
    s->check.data = s;
    uv_check_start(&s->check, check_cb);
    uv_idle_init(s->loop, &s->idle);
    s->idle.data = s;
}

/* ---- Messages read ---- */

static void control(struct tb_svc *s, struct tb_conn *c, const struct tb_http_msg *msg)
{
    int status = 404;
    char *body = NULL;
    if (strcmp(msg->path, "/_uksim/stats") == 0) {
        uint64_t n, sum, max;
        tb_wire_late(s->wire, &n, &sum, &max);
        s->st.wire_late = (struct wt_stat){n, 0, max, sum};
        uint64_t idle = uv_metrics_idle_time(s->loop) - s->idle_start;
        uint64_t up = tb_now() - s->loop_start;
        s->st.loop_busy_ns = up > idle ? up - idle : 0;
        json_t *j = tb_stats_to_json(&s->st);
        json_object_set_new(j, "service", json_string(s->def->name));
        json_object_set_new(j, "instance", json_integer(s->index));
        json_object_set_new(j, "compute", json_string(s->compute == TB_HOLD ? "hold" : "spin"));
        body = json_dumps(j, JSON_COMPACT);
        json_decref(j);
        status = body ? 200 : 500;
    }
    size_t blen = body ? strlen(body) : 0;
    char head[256];
    int hl = tb_http_response_head(head, sizeof head, status, NULL, blen, msg->keep_alive);
    tb_net_write(c, head, (size_t)hl);
    if (blen)
        tb_net_write(c, body, blen);
    free(body);
}

void tb_lwt_request(struct tb_svc *s, struct tb_conn *c, const struct tb_http_msg *msg)
{
    uint64_t read_ns = c->last_read, nic = c->last_nic;
    if (strncmp(msg->path, "/_uksim/", 8) == 0) {
        control(s, c, msg);
        return;
    }
    s->st.messages += 2; /* the request and its reply */
    struct tb_visit *v = xcalloc(1, sizeof *v);
    unsigned cls = 0;
    char mw = 0;
    int zone = 0;
    if (sscanf(msg->path, "/%u/%c/%d", &cls, &mw, &zone) == 3 && cls < s->m->workload.nclasses &&
        (mw == 'm' || mw == 'w') && zone >= 0 &&
        (size_t)zone < (s->m->net.nzones ? s->m->net.nzones : 1)) {
        v->cls = cls;
        v->measured = mw == 'm';
        v->from_zone = zone;
    } else { /* a plain request */
        v->measured = true;
        v->from_zone = s->m->workload.zone;
    }
    v->conn = c;
    c->refs++;
    if (c->vtail)
        c->vtail->conn_next = v;
    else
        c->vhead = v;
    c->vtail = v;
    struct tb_win *w = tb_stats_win(&s->st, read_ns);
    if (w)
        w->arrivals++;
    if (s->def->maxqueue > 0 && s->outstanding >= (uint32_t)s->def->maxqueue) {
        if (w)
            w->drops++;
        s->st.dropped += v->measured;
        visit_reply(s, v, 503, NULL);
        return;
    }
    const struct mdl_handler *h = s->def->by_class ? &s->def->by_class[v->cls] : NULL;
    if (h && h->nsteps)
        step_begin(&v->hs, h->steps, (uint32_t)h->nsteps);
    else
        step_begin(&v->hs, s->def->steps, (uint32_t)s->def->nsteps);
    struct wt_ctx ctx;
    bool have = msg->ctx[0] && wt_ctx_decode(&ctx, msg->ctx, strlen(msg->ctx)) == WT_OK;
    wt_req_arrive(&v->wt, &s->wt, have ? &ctx : NULL, nic, read_ns);
    v->nic_ns = read_ns - nic;
    s->outstanding++;
    run_burst(s, v);
}

void tb_lwt_reply(struct tb_svc *s, struct tb_conn *c, const struct tb_http_msg *msg)
{
    struct tb_call *call = c->call;
    if (!call) {
        fprintf(stderr, "uksim-svc %s/%d: a reply nobody asked for\n", s->def->name, s->index);
        tb_conn_close(c);
        return;
    }
    struct tb_callee *ce = &s->callees[c->callee];
    ce->outstanding[c->inst]--;
    s->st.messages += 2; /* the call and its reply */
    call->v->nic_ns += c->last_read - c->last_nic;
    uint64_t seen = s->m->tracing.packet_timestamps ? c->last_nic : c->last_read;
    if (msg->keep_alive)
        tb_net_release(s, c);
    else {
        c->call = NULL;
        tb_conn_close(c);
    }
    call_done(s, call, msg->agg, msg->status != 200, seen);
}

void tb_lwt_call_failed(struct tb_svc *s, struct tb_conn *c)
{
    struct tb_call *call = c->call;
    c->call = NULL;
    s->callees[c->callee].outstanding[c->inst]--;
    call_done(s, call, "", true, tb_now());
}
