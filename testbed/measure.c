/* SPDX-License-Identifier: MIT */
/* testbed/measure.c: a run summary from the testbed's measurements
 * (testbed/measure.h), computed as models/run.c computes the simulator's:
 * means per traced visit, verdicts from the merged windows, edges in
 * (caller, callee) index order, elasticity and SLO by el_compute(). */
#include "testbed/measure.h"

#include "models/elastic.h"
#include "sim/xalloc.h"

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

size_t tb_callees(const struct mdl_model *m, int s, int **out)
{
    const struct mdl_service *def = &m->services[s];
    size_t nc = mdl_service_ncalls(def);
    int *mark = xmalloc((m->nservices ? m->nservices : 1) * sizeof *mark);
    for (size_t i = 0; i < m->nservices; i++)
        mark[i] = -1;
    *out = xmalloc((nc ? nc : 1) * sizeof **out);
    size_t n = mdl_service_callees(def, mark, *out);
    free(mark);
    return n;
}

size_t tb_callee_count(const struct mdl_model *m, int s)
{
    int *c;
    size_t n = tb_callees(m, s, &c);
    free(c);
    return n;
}

static double mean_ns(uint64_t sum, uint64_t n)
{
    return n ? (double)sum / (double)n * 1e-9 : NAN;
}

static double q_or_nan(const struct wt_sketch *k, double q)
{
    return k->n ? wt_sketch_quantile(k, q) * 1e-9 : NAN;
}

static double stat_mean(const struct wt_stat *k)
{
    return k->n ? wt_stat_mean(k) * 1e-9 : NAN;
}

static void verdict(const struct wt_window *w, const int *glob, int *kind, int *callee,
                    double *wait)
{
    struct wt_verdict_opts o;
    wt_verdict_opts_init(&o);
    struct wt_window_verdict v = wt_window_verdict(w, &o);
    *kind = (int)v.kind;
    *callee = v.kind == WT_VERDICT_LINK || v.kind == WT_VERDICT_DELEGATE ? glob[v.callee] : -1;
    if (wait)
        *wait = (double)v.wait_ns * 1e-9;
}

/* Mean network (remote = 0) or remote wait per reported call, over callees. */
static double mean_calls(const struct wt_window *w, int remote)
{
    uint64_t n = 0, sum = 0;
    for (uint32_t i = 0; i < w->ncallees; i++) {
        const struct wt_stat *k = remote ? &w->callees[i].remote_wait : &w->callees[i].net_wait;
        n += k->n;
        sum += k->sum;
    }
    return n ? (double)sum / (double)n * 1e-9 : NAN;
}

static int cmp_pair(const void *a, const void *b)
{
    const int *x = a, *y = b;
    return (x[0] > y[0]) - (x[0] < y[0]);
}

static void services(const struct mdl_model *m, struct tb_stats *st, const int *ninst,
                     double measured, int **glob, struct run_summary *out)
{
    out->nsvcs = m->nservices;
    out->svcs = xcalloc(m->nservices, sizeof *out->svcs);
    for (size_t i = 0; i < m->nservices; i++) {
        const struct tb_stats *s = &st[i];
        struct run_svc_summary *o = &out->svcs[i];
        o->name = m->services[i].name;
        o->visits = s->visits;
        o->traced = s->traced;
        o->cpu = mean_ns(s->cpu_ns, s->traced);
        o->local_wait = mean_ns(s->wait_ns, s->traced);
        o->call_time = mean_ns(s->call_ns, s->traced);
        o->nic_wait = mean_ns(s->nic_ns, s->visits);
        o->instance_seconds = ninst[i] * measured;
        o->utilization =
            o->instance_seconds > 0 ? (double)s->run.busy_ns * 1e-9 / o->instance_seconds : NAN;
        o->dropped = s->dropped;
        verdict(&s->run.win, glob[i], &o->verdict, &o->verdict_callee, &o->verdict_wait);
    }
    for (size_t i = 0; i < m->nservices; i++)
        for (uint32_t j = 0; j < st[i].ncallees; j++)
            out->nedges += st[i].edges[j].calls > 0;
    out->edges = xcalloc(out->nedges ? out->nedges : 1, sizeof *out->edges);
    size_t k = 0;
    for (size_t i = 0; i < m->nservices; i++) {
        uint32_t nc = st[i].ncallees;
        int(*order)[2] = xmalloc((nc ? nc : 1) * sizeof *order);
        for (uint32_t j = 0; j < nc; j++) {
            order[j][0] = glob[i][j];
            order[j][1] = (int)j;
        }
        qsort(order, nc, sizeof *order, cmp_pair);
        for (uint32_t j = 0; j < nc; j++) {
            const struct tb_edge *e = &st[i].edges[order[j][1]];
            if (!e->calls)
                continue;
            out->edges[k++] = (struct run_edge_summary){
                .caller = m->services[i].name,
                .callee = m->services[order[j][0]].name,
                .calls = e->calls,
                .network_wait = mean_ns(e->net_ns, e->calls),
                .remote_wait = mean_ns(e->remote_ns, e->calls),
            };
        }
        free(order);
    }
}

static void windows(const struct mdl_model *m, struct tb_stats *st, const int *ninst,
                    const struct tb_load_result *lr, double ran, int **glob,
                    struct run_summary *out)
{
    double w = m->run.window;
    size_t nw = w > 0 ? (size_t)ceil(ran / w - 1e-9) : 0;
    out->nrows = nw * m->nservices;
    out->rows = xcalloc(out->nrows ? out->nrows : 1, sizeof *out->rows);
    out->ncrows = nw;
    out->crows = xcalloc(nw ? nw : 1, sizeof *out->crows);
    for (size_t k = 0; k < nw; k++) {
        double a = (double)k * w, b = fmin((double)(k + 1) * w, ran);
        for (size_t i = 0; i < m->nservices; i++) {
            const struct tb_win *x = k < st[i].nwins ? &st[i].wins[k] : NULL;
            struct run_window_row *r = &out->rows[k * m->nservices + i];
            *r = (struct run_window_row){
                .t_start = a,
                .t_end = b,
                .svc = (int)i,
                .ready = ninst[i],
                .serving = ninst[i],
                .utilization = NAN,
                .p50 = NAN,
                .p95 = NAN,
                .p99 = NAN,
                .cpu = NAN,
                .local_wait = NAN,
                .call_time = NAN,
                .network_wait = NAN,
                .remote_wait = NAN,
                .verdict_callee = -1,
            };
            if (!x)
                continue;
            const struct wt_window *win = &x->win;
            r->utilization = b > a ? (double)x->busy_ns * 1e-9 / (ninst[i] * (b - a)) : NAN;
            r->arrivals = x->arrivals;
            r->completions = x->completions;
            r->drops = x->drops;
            r->p50 = q_or_nan(&win->total, 0.50);
            r->p95 = q_or_nan(&win->total, 0.95);
            r->p99 = q_or_nan(&win->total, 0.99);
            r->cpu = stat_mean(&win->cpu);
            r->local_wait = stat_mean(&win->local_wait);
            r->call_time = stat_mean(&win->call_time);
            r->network_wait = mean_calls(win, 0);
            r->remote_wait = mean_calls(win, 1);
            verdict(win, glob[i], &r->verdict, &r->verdict_callee, NULL);
        }
        struct run_client_row *c = &out->crows[k];
        *c = (struct run_client_row){
            .t_start = a, .t_end = b, .p50 = NAN, .p95 = NAN, .p99 = NAN, .mean = NAN};
        if (k < lr->nwins) {
            const struct tb_load_win *x = &lr->wins[k];
            c->sent = x->sent;
            c->completed = x->completed;
            c->failed = x->failed;
            c->p50 = q_or_nan(&x->lat, 0.50);
            c->p95 = q_or_nan(&x->lat, 0.95);
            c->p99 = q_or_nan(&x->lat, 0.99);
            c->mean = x->lat.n ? wt_sketch_mean(&x->lat) * 1e-9 : NAN;
        }
    }
}

void tb_summarise(const struct mdl_model *m, uint64_t seed, struct tb_stats *svc_st,
                  const int *ninst, const struct tb_load_result *lr, double ran, bool interrupted,
                  const char *compute, struct run_summary *out)
{
    memset(out, 0, sizeof *out);
    double measured = ran > m->run.warmup ? ran - m->run.warmup : 0;
    out->seed = seed;
    out->model = m->source;
    out->model_digest = m->digest;
    out->source = "measured";
    out->compute_mode = compute;
    out->stop_reason = interrupted ? "interrupted" : "time";
    out->sim_seconds = ran;
    out->measured_seconds = measured;
    run_summary_entries(m, out);
    out->sent = lr->sent;
    out->completed = lr->completed;
    out->failed = lr->failed;
    out->in_flight = lr->in_flight;
    out->lat_over = lr->lat_over;
    out->events = lr->sent;
    out->lat_mean = lr->completed ? lr->lat_sum / (double)lr->completed : NAN;
    out->lat_p50 = out->lat_p95 = out->lat_p99 = NAN;
    if (lr->nexact) {
        gsl_sort(lr->lat_exact, 1, lr->nexact);
        out->lat_p50 = gsl_stats_quantile_from_sorted_data(lr->lat_exact, 1, lr->nexact, 0.50);
        out->lat_p95 = gsl_stats_quantile_from_sorted_data(lr->lat_exact, 1, lr->nexact, 0.95);
        out->lat_p99 = gsl_stats_quantile_from_sorted_data(lr->lat_exact, 1, lr->nexact, 0.99);
    } else if (lr->completed) {
        out->lat_p50 = q_or_nan(&lr->lat, 0.50);
        out->lat_p95 = q_or_nan(&lr->lat, 0.95);
        out->lat_p99 = q_or_nan(&lr->lat, 0.99);
    }
    struct wt_stat err, late;
    wt_stat_init(&err);
    wt_stat_init(&late);
    int **glob = xcalloc(m->nservices, sizeof *glob);
    for (size_t i = 0; i < m->nservices; i++) {
        tb_callees(m, (int)i, &glob[i]);
        wt_stat_merge(&err, &svc_st[i].compute_err);
        wt_stat_merge(&late, &svc_st[i].wire_late);
    }
    out->compute_err_mean = err.n ? wt_stat_mean(&err) * 1e-9 : NAN;
    out->compute_err_max = err.n ? (double)err.max * 1e-9 : NAN;
    out->wire_late_mean = late.n ? wt_stat_mean(&late) * 1e-9 : NAN;
    out->wire_late_max = late.n ? (double)late.max * 1e-9 : NAN;
    uint64_t loop = 0, handlers = 0, msgs = 0;
    for (size_t i = 0; i < m->nservices; i++) {
        loop += svc_st[i].loop_busy_ns;
        msgs += svc_st[i].messages;
        for (size_t k = 0; k < svc_st[i].nwins; k++)
            handlers += svc_st[i].wins[k].busy_ns;
    }
    out->loop_msg_cost =
        msgs && loop > handlers ? (double)(loop - handlers) * 1e-9 / (double)msgs : NAN;
    services(m, svc_st, ninst, measured, glob, out);
    windows(m, svc_st, ninst, lr, ran, glob, out);
    for (size_t i = 0; i < m->nservices; i++)
        free(glob[i]);
    free(glob);
    el_compute(m, out);
}
