/* SPDX-License-Identifier: MIT */
/* models/world.c: what every part of the simulated world shares: the visit
 * pool (visits in flight are counted, and the run stops as overloaded past
 * run.max_in_flight), the exported request timelines, and run errors: a
 * drawn time outside the run's range stops the run with a message naming
 * the element that drew it, rather than overflowing the clock. */
#include "models/models_int.h"

#include "sim/units.h"
#include "sim/xalloc.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

#define CHUNK 256

struct visit_chunk {
    struct visit_chunk *next;
    struct visit v[CHUNK];
};

void svc_fail(struct svc_world *w, const char *fmt, ...)
{
    if (w->failed)
        return;
    va_list ap;
    va_start(ap, fmt);
    char msg[sizeof w->diag.msg];
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sim_diag_set(&w->diag, SIM_ERANGE, w->model->source, 0, "at %.6f s simulated: %s",
                 sim_ns_to_sec(sim_now_ns(w->eng)), msg);
    w->failed = true;
    sim_stop_request(w->eng);
}

int64_t svc_time_ns(struct svc_world *w, double s, const char *what, ...)
{
    if (s >= 0 && s <= MDL_TIME_MAX)
        return sim_sec_to_ns(s);
    char el[300];
    va_list ap;
    va_start(ap, what);
    vsnprintf(el, sizeof el, what, ap);
    va_end(ap);
    svc_fail(w, "%s drew %g s, outside the run's time range [0, %g s]", el, s, MDL_TIME_MAX);
    return 0;
}

static void overloaded(struct svc_world *w)
{
    const struct client_acc *c = &w->cacc[ACC_SERIES];
    double dt = sim_ns_to_sec(sim_now_ns(w->eng) - c->start);
    char rates[200] = "";
    if (dt > 0 && c->completed > 0)
        snprintf(rates, sizeof rates,
                 "; in the current window %.4g requests/s arrived and %.4g/s completed (%.3gx)",
                 (double)c->sent / dt, (double)c->completed / dt,
                 (double)c->sent / (double)c->completed);
    else if (dt > 0)
        snprintf(rates, sizeof rates,
                 "; in the current window %.4g requests/s arrived and none completed",
                 (double)c->sent / dt);
    svc_fail(w,
             "overloaded: %llu requests and calls in flight (run.max_in_flight = %llu), "
             "from %llu client requests not yet answered%s",
             (unsigned long long)w->live_visits, (unsigned long long)w->model->run.max_in_flight,
             (unsigned long long)w->live_requests, rates);
}

struct visit *svc_visit_new(struct svc_world *w)
{
    if (!w->free_visits) {
        struct visit_chunk *c = xmalloc(sizeof *c);
        c->next = w->chunks;
        w->chunks = c;
        for (int i = 0; i < CHUNK; i++) {
            c->v[i].next = w->free_visits;
            w->free_visits = &c->v[i];
        }
    }
    struct visit *v = w->free_visits;
    w->free_visits = v->next;
    /* The header buffers and the tracing records are written before they
     * are read (wt_req_arrive, wt_call_send); only the rest is cleared. */
    memset(v, 0, offsetof(struct visit, ctx_hdr));
    v->ctx_hdr[0] = v->resp_hdr[0] = '\0';
    v->wt.sampled = 0;
    v->wt.calls = NULL;
    if (++w->live_visits > w->model->run.max_in_flight)
        overloaded(w);
    return v;
}

void svc_visit_free_tree(struct svc_world *w, struct visit *v)
{
    /* Iterative: a call tree may be as deep as the model's call chains. */
    struct visit *stack = v;
    v->next = NULL;
    while (stack) {
        struct visit *x = stack;
        stack = x->next;
        while (x->done_children) {
            struct visit *c = x->done_children;
            x->done_children = c->sibling;
            c->next = stack;
            stack = c;
        }
        x->next = w->free_visits;
        w->free_visits = x;
        w->live_visits--;
    }
}

void svc_visit_pool_fini(struct svc_world *w)
{
    while (w->chunks) {
        struct visit_chunk *c = w->chunks;
        w->chunks = c->next;
        free(c);
    }
    w->free_visits = NULL;
}

void span_record(struct svc_world *w, const struct visit *v, int kind, int64_t from, int64_t to)
{
    if (!v->exported || (to <= from && kind != SPAN_VISIT))
        return;
    w->spans = xgrow(w->spans, &w->spans_cap, w->nspans + 1, sizeof *w->spans);
    w->spans[w->nspans++] = (struct run_span){
        .kind = kind,
        .svc = v->svc->index,
        .inst = v->inst ? v->inst->index : 0,
        .ts = sim_ns_to_sec(from),
        .dur = sim_ns_to_sec(to - from),
        .req = v->req_id,
        .visit = v->span_id,
        .parent = v->parent ? v->parent->span_id : 0,
        .cpu = sim_ns_to_sec((int64_t)v->wt.cpu),
        .local_wait = sim_ns_to_sec((int64_t)v->wt.local_wait),
        .call_time = sim_ns_to_sec((int64_t)v->wt.call_time),
    };
}
