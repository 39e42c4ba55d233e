/* SPDX-License-Identifier: MIT */
/* models/run.c: builds the world for one run, drives the open-loop workload,
 * records replies at the client, owns the visit pool, and summarises the
 * measured period. Latency quantiles are exact (all measured latencies are
 * kept). */
#include "models/models_int.h"

#include "models/elastic.h"

#include "sim/units.h"
#include "sim/xalloc.h"

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Events in a row at one instant after which a run is stuck (about two
 * seconds of work). */
#define RUN_MAX_SAME_TIME 20000000

static void user_thinks(struct svc_world *w, uint32_t id);

/* A root visit's reply reached the client: a completed request, or, if it
 * was refused somewhere (maxqueue), a failed one. */
static void client_reply(struct svc_world *w, struct visit *v)
{
    struct sim_engine *eng = w->eng;
    int64_t lat = sim_now_ns(eng) - v->t_sent;
    w->live_requests--;
    w->live_measured -= v->measured;
    if (v->failed) {
        for (int k = 0; k < NACC; k++)
            w->cacc[k].failed++;
        w->failed_requests += v->measured;
        if (w->model->workload.kind == WL_CLOSED)
            user_thinks(w, v->user);
        svc_visit_free_tree(w, v);
        return;
    }
    for (int k = 0; k < NACC; k++)
        w->cacc[k].completed++;
    /* Latencies go where they are read: the time series, and the policy's
     * period when there is a policy (the run's figures come from
     * lat_sketch below). */
    wt_sketch_add(&w->cacc[ACC_SERIES].lat, (uint64_t)lat);
    if (w->control)
        wt_sketch_add(&w->cacc[ACC_POLICY].lat, (uint64_t)lat);
    if (v->measured) {
        wt_sketch_add(&w->lat_sketch, (uint64_t)lat);
        w->lat_sum += sim_ns_to_sec(lat);
        w->lat_over += w->slo_ns > 0 && lat > w->slo_ns;
        if (w->model->run.exact_latency) {
            w->lat = xgrow(w->lat, &w->lat_cap, w->nlat + 1, sizeof *w->lat);
            w->lat[w->nlat++] = sim_ns_to_sec(lat);
        }
        w->completed++;
        if (w->max_requests && w->completed >= w->max_requests)
            sim_stop_request(eng);
    }
    if (w->model->workload.kind == WL_CLOSED)
        user_thinks(w, v->user);
    svc_visit_free_tree(w, v);
}

/* A client sends a request of a class drawn by share. */
static void send_request(struct svc_world *w, uint32_t user)
{
    const struct wl_spec *wl = &w->model->workload;
    int64_t now = sim_now_ns(w->eng);
    size_t c = wl_draw_class(wl, w->rng_class);
    const struct wl_class *cls = &wl->classes[c];
    struct visit *v = svc_visit_new(w);
    v->req_id = ++w->next_req;
    w->live_requests++;
    v->measured = now >= w->warmup_ns;
    v->cls = (uint32_t)c;
    v->user = user;
    v->bytes =
        cls->size.kind == SIM_DIST_CONST ? cls->size.p1 : sim_dist_sample(&cls->size, w->rng_class);
    w->sent += v->measured;
    w->live_measured += v->measured;
    for (int k = 0; k < NACC; k++)
        w->cacc[k].sent++;
    if (v->measured && w->exported < w->model->tracing.export_requests) {
        w->exported++;
        v->exported = 1;
        v->span_id = ++w->next_span_id;
    }
    svc_send(w, v, &w->svcs[cls->entry], wl->zone, NULL, 0);
}

static void arrival(struct sim_engine *eng, void *arg)
{
    struct svc_world *w = arg;
    send_request(w, 0);
    double next =
        wl_next_arrival(&w->model->workload.rate, sim_ns_to_sec(sim_now_ns(eng)), w->rng_arrivals);
    if (next <= w->model->run.duration)
        sim_schedule(eng, sim_sec_to_ns(next), arrival, w);
}

struct user {
    struct svc_world *w;
    uint32_t id;
};

static void user_sends(struct sim_engine *eng, void *arg)
{
    struct user *u = arg;
    (void)eng;
    send_request(u->w, u->id);
}

/* Closed loop: a user thinks, then sends its next request. */
static void user_thinks(struct svc_world *w, uint32_t id)
{
    int64_t think = svc_time_ns(w, sim_dist_sample(&w->model->workload.think, w->rng_think),
                                "workload think time");
    int64_t at = sim_now_ns(w->eng) + think;
    if (at <= sim_sec_to_ns(w->model->run.duration))
        sim_schedule(w->eng, at, user_sends, &w->users[id]);
}

struct scale_event {
    struct svc_world *w;
    struct svc_service *s;
    int instances;
};

static void scripted_scale(struct sim_engine *eng, void *arg)
{
    (void)eng;
    struct scale_event *e = arg;
    svc_scale_to(e->w, e->s, e->instances);
}

/* The run's own statistics start at the end of the warm-up. */
static void warmup_ends(struct sim_engine *eng, void *arg)
{
    (void)eng;
    svc_acc_reset(arg, ACC_RUN);
}

static void window_tick(struct sim_engine *eng, void *arg)
{
    struct svc_world *w = arg;
    svc_window_flush(w);
    int64_t next = sim_now_ns(eng) + w->window_ns;
    if (next <= sim_sec_to_ns(w->model->run.duration))
        sim_schedule(eng, next, window_tick, w);
}

static double mean_or_nan(double sum, uint64_t n)
{
    return n ? sum / (double)n : NAN;
}

void run_summary_entries(const struct mdl_model *m, struct run_summary *out)
{
    out->entry = m->workload.classes[0].entry;
    out->entries = xcalloc(m->workload.nclasses, sizeof *out->entries);
    out->nentries = 0;
    for (size_t c = 0; c < m->workload.nclasses; c++) {
        int e = m->workload.classes[c].entry;
        bool seen = false;
        for (size_t j = 0; j < out->nentries && !seen; j++)
            seen = out->entries[j] == e;
        if (!seen)
            out->entries[out->nentries++] = e;
    }
}

static void summarise(struct svc_world *w, enum sim_stop_reason why, struct run_summary *out)
{
    const struct mdl_model *m = w->model;
    int64_t end = sim_now_ns(w->eng);
    double measured = sim_ns_to_sec(end > w->warmup_ns ? end - w->warmup_ns : 0);
    static const char *const reasons[] = {"idle",     "time",        "events",
                                          "requests", "interrupted", "stuck"};
    out->seed = sim_seed(w->eng);
    out->model = m->source;
    out->model_digest = m->digest;
    run_summary_entries(m, out);
    out->stop_reason = reasons[why];
    out->sim_seconds = sim_ns_to_sec(end);
    out->measured_seconds = measured;
    out->events = sim_events_run(w->eng);
    out->sent = w->sent;
    out->completed = w->completed;
    out->in_flight = w->live_measured;
    out->failed = w->failed_requests;
    out->lat_over = w->lat_over;
    out->lat_mean = out->lat_p50 = out->lat_p95 = out->lat_p99 = NAN;
    if (w->completed)
        out->lat_mean = w->lat_sum / (double)w->completed;
    if (w->nlat) {
        gsl_sort(w->lat, 1, w->nlat);
        out->lat_p50 = gsl_stats_quantile_from_sorted_data(w->lat, 1, w->nlat, 0.50);
        out->lat_p95 = gsl_stats_quantile_from_sorted_data(w->lat, 1, w->nlat, 0.95);
        out->lat_p99 = gsl_stats_quantile_from_sorted_data(w->lat, 1, w->nlat, 0.99);
    } else if (w->completed) {
        out->lat_p50 = wt_sketch_quantile(&w->lat_sketch, 0.50) * 1e-9;
        out->lat_p95 = wt_sketch_quantile(&w->lat_sketch, 0.95) * 1e-9;
        out->lat_p99 = wt_sketch_quantile(&w->lat_sketch, 0.99) * 1e-9;
    }
    out->nsvcs = w->nsvcs;
    out->svcs = xcalloc(w->nsvcs, sizeof *out->svcs);
    for (size_t i = 0; i < w->nsvcs; i++) {
        const struct svc_service *s = &w->svcs[i];
        struct run_svc_summary *o = &out->svcs[i];
        o->name = s->def->name;
        o->visits = s->st.visits;
        o->traced = s->st.traced;
        o->cpu = mean_or_nan(s->st.cpu, s->st.traced);
        o->local_wait = mean_or_nan(s->st.wait, s->st.traced);
        o->call_time = mean_or_nan(s->st.call, s->st.traced);
        o->nic_wait = mean_or_nan(s->st.nic_wait, s->st.visits);
        o->instance_seconds = s->st.inst_seconds;
        o->scale_ups = s->st.scale_ups;
        svc_verdict(s, ACC_RUN, &o->verdict, &o->verdict_callee, &o->verdict_wait);
        o->scale_downs = s->st.scale_downs;
        o->dropped = s->st.dropped;
        o->draining_at_end = s->count[INST_DRAINING];
        o->utilization = s->st.serve_seconds > 0 ? s->st.busy / s->st.serve_seconds : NAN;
    }
    /* Edges in (caller, callee) index order. */
    for (size_t i = 0; i < w->nsvcs; i++)
        for (int j = 0; j < w->svcs[i].ncallees; j++)
            out->nedges += w->svcs[i].edges[j].calls > 0;
    out->edges = xcalloc(out->nedges ? out->nedges : 1, sizeof *out->edges);
    size_t k = 0;
    for (size_t i = 0; i < w->nsvcs; i++) {
        const struct svc_service *s = &w->svcs[i];
        for (int j = 0; j < s->ncallees; j++) {
            const struct edge_stats *es = &s->edges[s->callee_sorted_local[j]];
            if (!es->calls)
                continue;
            struct run_edge_summary *e = &out->edges[k++];
            e->caller = s->def->name;
            e->callee = w->svcs[s->callee_sorted[j]].def->name;
            e->calls = es->calls;
            e->network_wait = es->network_wait / (double)e->calls;
            e->remote_wait = es->remote_wait / (double)e->calls;
        }
    }
}

/* Frees the world (the time series and spans may have moved to a summary). */
static void world_fini(struct svc_world *w)
{
    sim_engine_destroy(w->eng);
    ctl_stop(w);
    svc_world_fini_services(w);
    svc_visit_pool_fini(w);
    net_fini(w);
    free(w->lat);
    free(w->users);
}

int run_model(const struct mdl_model *m, uint64_t seed, struct run_summary *out)
{
    return run_model_ctl(m, seed, NULL, out);
}

/* A run that stopped on an error: its reason in out, nothing else kept. */
static int run_failed(struct svc_world *w, struct run_summary *out)
{
    out->error = w->diag;
    world_fini(w);
    free(w->rows);
    free(w->crows);
    free(w->spans);
    return SIM_ERANGE;
}

int run_model_ctl(const struct mdl_model *m, uint64_t seed, const struct run_control *ctl,
                  struct run_summary *out)
{
    memset(out, 0, sizeof *out);
    struct svc_world w = {0};
    w.eng = sim_engine_create(seed);
    w.model = m;
    w.warmup_ns = sim_sec_to_ns(m->run.warmup);
    w.max_requests = m->run.max_requests;
    /* Tracing costs CPU only when it is on. */
    bool tracing = m->tracing.sampling > 0;
    w.hook_ns = tracing ? sim_sec_to_ns(m->tracing.hook_cost) : 0;
    w.propagate_ns = tracing ? sim_sec_to_ns(m->tracing.propagate_cost) : 0;
    w.request_ns = tracing ? sim_sec_to_ns(m->tracing.request_cost) : 0;
    w.stack_msg_ns = sim_sec_to_ns(m->net.stack_cost);
    w.host_latency_ns = sim_sec_to_ns(m->net.host_latency);
    w.stack_byte_ns = m->net.stack_byte_cost * 1e9;
    net_init(&w);
    w.rng_net = sim_stream(w.eng, "net/latency");
    w.rng_arrivals = sim_stream(w.eng, "workload/arrivals");
    w.rng_class = sim_stream(w.eng, "workload/class");
    w.rng_think = sim_stream(w.eng, "workload/think");
    svc_world_init_services(&w);
    w.on_client_reply = client_reply;
    for (size_t i = 0; i < w.nsvcs; i++) {
        const struct mdl_service *def = w.svcs[i].def;
        for (size_t k = 0; k < def->nscale; k++) {
            struct scale_event *e = xmalloc(sizeof *e);
            *e = (struct scale_event){&w, &w.svcs[i], def->scale_at[k].instances};
            sim_schedule_owned(w.eng, sim_sec_to_ns(def->scale_at[k].at), scripted_scale, e, free);
        }
    }
    w.window_ns = sim_sec_to_ns(m->run.window);
    if (w.window_ns < 1)
        w.window_ns = 1;
    for (int k = 0; k < NACC; k++)
        wt_sketch_init(&w.cacc[k].lat);
    wt_sketch_init(&w.lat_sketch);
    double slo = m->slo.latency_p95 > 0 ? m->slo.latency_p95 : m->slo.latency_p99;
    w.slo_ns = slo > 0 ? sim_sec_to_ns(slo) : 0;
    if (w.window_ns <= sim_sec_to_ns(m->run.duration))
        sim_schedule(w.eng, w.window_ns, window_tick, &w);
    if (m->workload.kind == WL_OPEN) {
        double first = wl_next_arrival(&m->workload.rate, 0.0, w.rng_arrivals);
        if (first <= m->run.duration)
            sim_schedule(w.eng, sim_sec_to_ns(first), arrival, &w);
    } else {
        w.users = xcalloc(m->workload.users, sizeof *w.users);
        for (uint32_t u = 0; u < m->workload.users; u++) {
            w.users[u] = (struct user){&w, u};
            user_thinks(&w, u); /* users start after a first think time */
        }
    }
    ctl_start(&w, ctl);
    struct sim_run_opts opts = {
        .until_ns = sim_sec_to_ns(m->run.duration),
        .max_events = m->run.max_events,
        .warmup_ns = w.warmup_ns,
        .on_warmup = warmup_ends,
        .warmup_arg = &w,
        .interrupt = ctl ? ctl->interrupt : NULL,
        .max_same_time = RUN_MAX_SAME_TIME,
    };
    enum sim_stop_reason why = sim_run(w.eng, &opts);
    if (why == SIM_STOP_STUCK)
        svc_fail(&w,
                 "no simulated time passes: %llu events in a row at this instant (a loop of "
                 "zero delays, such as closed-loop users with no think time calling services "
                 "that take no time)",
                 (unsigned long long)RUN_MAX_SAME_TIME);
    if (w.failed)
        return run_failed(&w, out);
    svc_window_flush(&w); /* the last, partial window */
    svc_close_busy(&w, sim_now_ns(w.eng));
    svc_check_invariants(&w);
    if (w.failed)
        return run_failed(&w, out);
    summarise(&w, why, out);
    out->rows = w.rows;
    out->nrows = w.nrows;
    out->crows = w.crows;
    out->ncrows = w.ncrows;
    out->spans = w.spans;
    out->nspans = w.nspans;
    el_compute(m, out);
    world_fini(&w);
    return 0;
}

void run_summary_fini(struct run_summary *s)
{
    free(s->svcs);
    free(s->edges);
    free(s->rows);
    free(s->crows);
    free(s->spans);
    free(s->entries);
    memset(s, 0, sizeof *s);
}

/* The end of the chain from service i, and the waiting it removes. */
static long long chain_end(const struct run_summary *s, int i, double *weight)
{
    long long n = (long long)s->nsvcs;
    for (long long hops = 0; i >= 0 && i < n && hops <= n; hops++) {
        const struct run_svc_summary *v = &s->svcs[i];
        *weight = v->verdict_wait * (double)v->visits;
        if (v->verdict == WT_VERDICT_SELF)
            return i;
        if (v->verdict == WT_VERDICT_LINK && v->verdict_callee >= 0)
            return n + (long long)i * n + v->verdict_callee;
        if (v->verdict != WT_VERDICT_DELEGATE)
            return -1;
        i = v->verdict_callee;
    }
    return -1;
}

long long run_blame_end(const struct run_summary *s)
{
    long long best = -1;
    double best_w = -1;
    for (size_t k = 0; k < (s->nentries ? s->nentries : 1); k++) {
        double w = 0;
        long long e = chain_end(s, s->nentries ? s->entries[k] : s->entry, &w);
        if (e >= 0 && w > best_w) {
            best = e;
            best_w = w;
        }
    }
    return best;
}
