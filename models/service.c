/* SPDX-License-Identifier: MIT */
/* models/service.c: the services of a world: their random streams (named
 * by service, so adding a service never changes another's draws), tracing
 * configuration and callee numbering, and their statistics per time-series
 * window, policy period and measured run. Instances live in
 * models/instance.c, the balancer in models/balancer.c, the CPU schedulers
 * in models/lwt.c. */
#include "models/models_int.h"

#include "sim/rng.h"
#include "sim/strbuf.h"
#include "sim/units.h"
#include "sim/xalloc.h"

#include <math.h>
#include <stdlib.h>

static uint64_t ns(int64_t t)
{
    return (uint64_t)t;
}

/* The stream "svc/<name>/<what>". */
static gsl_rng *stream(struct svc_world *w, const struct svc_service *s, const char *what)
{
    struct sim_buf name = {0};
    sim_buf_printf(&name, "svc/%s/%s", s->def->name, what);
    gsl_rng *r = sim_stream(w->eng, name.p);
    free(name.p);
    return r;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Numbers the services s calls 0, 1, ... in the order its handlers first
 * call them (the tracing core's per-callee statistics), and keeps the
 * callees sorted by service index for svc_callee_local(). mark is scratch of
 * nsvcs entries, all -1, and is left so. Memory is linear in the calls. */
static void number_callees(struct svc_service *s, int *mark)
{
    s->callee_global = xmalloc((mdl_service_ncalls(s->def) ? mdl_service_ncalls(s->def) : 1) *
                               sizeof *s->callee_global);
    s->ncallees = (int)mdl_service_callees(s->def, mark, s->callee_global);
    size_t nc = (size_t)s->ncallees;
    s->callee_sorted = xmalloc((nc ? nc : 1) * sizeof *s->callee_sorted);
    for (size_t i = 0; i < nc; i++)
        s->callee_sorted[i] = s->callee_global[i];
    qsort(s->callee_sorted, nc, sizeof *s->callee_sorted, cmp_int);
    s->callee_sorted_local = xmalloc((nc ? nc : 1) * sizeof *s->callee_sorted_local);
    for (size_t i = 0; i < nc; i++) {
        s->callee_sorted_local[i] = mark[s->callee_sorted[i]];
        mark[s->callee_sorted[i]] = -1;
    }
    s->edges = xcalloc(nc ? nc : 1, sizeof *s->edges);
}

int svc_callee_local(const struct svc_service *s, int callee)
{
    size_t lo = 0, hi = (size_t)s->ncallees;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->callee_sorted[mid] < callee)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < (size_t)s->ncallees && s->callee_sorted[lo] == callee ? s->callee_sorted_local[lo]
                                                                      : -1;
}

void svc_world_init_services(struct svc_world *w)
{
    int *mark = xmalloc((w->model->nservices ? w->model->nservices : 1) * sizeof *mark);
    for (size_t i = 0; i < w->model->nservices; i++)
        mark[i] = -1;
    const struct mdl_model *m = w->model;
    w->host_free = m->hosts.count > 0 ? (long)m->hosts.count * m->hosts.capacity : -1;
    const struct mdl_tracing *tr = &m->tracing;
    w->nsvcs = m->nservices;
    w->svcs = xcalloc(w->nsvcs, sizeof *w->svcs);
    for (size_t i = 0; i < w->nsvcs; i++) {
        struct svc_service *s = &w->svcs[i];
        s->def = &m->services[i];
        s->index = (int)i;
        s->world = w;
        s->discovery_ns = sim_sec_to_ns(s->def->discovery);
        s->step_cfg =
            (struct step_cfg){(uint32_t)s->def->yield_points, sim_sec_to_ns(s->def->yield_every)};
        s->rng_boot = stream(w, s, "boot");
        for (int k = 0; k < s->def->instances; k++)
            svc_instance_new(s, INST_READY);
        if (w->host_free >= 0)
            w->host_free -= s->def->instances; /* the loader checked that they fit */
        s->rng_compute = stream(w, s, "compute");
        s->rng_lb = stream(w, s, "lb");
        s->rng_branch = stream(w, s, "branch");
        s->rng_size = stream(w, s, "size");
        struct sim_buf name = {0};
        sim_buf_printf(&name, "svc/%s/trace", s->def->name);
        wt_service_init(&s->wt, sim_rng_derive(sim_seed(w->eng), name.p));
        free(name.p);
        mdl_tracing_apply(tr, &s->wt);
        number_callees(s, mark);
        /* Callee means fill in calls whose callee did not sample. */
        s->wt.est = xcalloc(s->ncallees ? (size_t)s->ncallees : 1, sizeof *s->wt.est);
        s->wt.nest = (uint32_t)s->ncallees;
        for (int k = 0; k < NACC; k++) {
            s->acc[k].callees =
                xcalloc(s->ncallees ? (size_t)s->ncallees : 1, sizeof *s->acc[k].callees);
            wt_window_init(&s->acc[k].win, 0, 0, s->acc[k].callees, (uint32_t)s->ncallees);
        }
    }
    free(mark);
}

void svc_world_fini_services(struct svc_world *w)
{
    for (size_t i = 0; i < w->nsvcs; i++) {
        svc_instances_fini(&w->svcs[i]);
        free(w->svcs[i].callee_global);
        free(w->svcs[i].callee_sorted);
        free(w->svcs[i].callee_sorted_local);
        free(w->svcs[i].edges);
        free(w->svcs[i].wt.est);
        for (int k = 0; k < NACC; k++)
            free(w->svcs[i].acc[k].callees);
    }
    free(w->svcs);
    free(w->pending);
}

/* ---- Time series ---- */

static double mean_calls(const struct svc_acc *a, int ncallees, int remote)
{
    uint64_t n = 0, sum = 0;
    for (int i = 0; i < ncallees; i++) {
        const struct wt_stat *k = remote ? &a->callees[i].remote_wait : &a->callees[i].net_wait;
        n += k->n;
        sum += k->sum;
    }
    return n ? (double)sum / (double)n * 1e-9 : NAN;
}

static double q_or_nan(const struct wt_sketch *k, double q)
{
    return k->n ? wt_sketch_quantile(k, q) * 1e-9 : NAN;
}

static double mean_or_nan(const struct wt_stat *k)
{
    return k->n ? wt_stat_mean(k) * 1e-9 : NAN;
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

static int by_index(const void *a, const void *b)
{
    int x = (*(struct svc_instance *const *)a)->index;
    int y = (*(struct svc_instance *const *)b)->index;
    return (x > y) - (x < y);
}

void svc_acc_close(struct svc_world *w, int k)
{
    int64_t now = sim_now_ns(w->eng), start = w->cacc[k].start;
    for (size_t i = 0; i < w->nsvcs; i++) {
        struct svc_service *s = &w->svcs[i];
        svc_serving_mark(s);
        /* The busy instances only, summed in instance order (as a scan of
         * every instance did: the same floating-point sum). */
        if (s->nbusy > 1)
            qsort(s->busy, (size_t)s->nbusy, sizeof *s->busy, by_index);
        for (int j = 0; j < s->nbusy; j++) {
            struct svc_instance *in = s->busy[j];
            in->busy_pos = j;
            int64_t from = in->run_start;
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
        a->arrivals = a->completions = a->drops = 0;
        a->busy = a->serving = 0;
        if (k == ACC_RUN) { /* the open series window holds visits from before */
            s->run_by_merge = false;
            s->run_visits = 0;
        }
    }
    struct client_acc *c = &w->cacc[k];
    wt_sketch_init(&c->lat);
    c->sent = c->completed = c->failed = 0;
    c->start = now;
}

/* Sampled visits in a window from which the next window's visits reach the
 * run's window by one merge rather than one add each. */
#define RUN_MERGE_MIN 32

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
            .drops = a->drops,
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
        /* The run's window: this window's visits, if they were left to it;
         * and for the next window, merging if this one was busy enough to
         * make a merge (the sketch's buckets, the callees) cheaper than an
         * add per visit. */
        if (s->run_by_merge)
            wt_window_merge(&s->acc[ACC_RUN].win, win);
        s->run_by_merge = win->requests >= RUN_MERGE_MIN;
    }
    w->crows = xgrow(w->crows, &w->crows_cap, w->ncrows + 1, sizeof *w->crows);
    w->crows[w->ncrows++] = (struct run_client_row){
        .t_start = sim_ns_to_sec(c->start),
        .t_end = sim_ns_to_sec(now),
        .sent = c->sent,
        .completed = c->completed,
        .failed = c->failed,
        .p50 = q_or_nan(&c->lat, 0.50),
        .p95 = q_or_nan(&c->lat, 0.95),
        .p99 = q_or_nan(&c->lat, 0.99),
        .mean = c->lat.n ? wt_sketch_mean(&c->lat) * 1e-9 : NAN,
    };
    svc_acc_reset(w, ACC_SERIES);
}
