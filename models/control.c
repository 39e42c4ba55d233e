/* SPDX-License-Identifier: MIT */
/* models/control.c: the control loop. Every period it closes the policy
 * accumulators into a read-only view (models/view.h), asks the controller
 * for targets, and applies them through svc_scale_to() with the boot and
 * discovery delays of the instances' platform. A change to a service is
 * ignored within `cooldown` of the previous one. */
#include "models/models_int.h"

#include "sim/units.h"
#include "sim/xalloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct control {
    const struct run_control *ctl;
    struct pol_svc_view *views;
    struct pol_inst_view **insts; /* per service */
    size_t *inst_cap;
    /* metrics-server: scrape g is at g * res_ns; usage over window scrapes,
     * read lag_ns later; each instance keeps its last ring scrapes. */
    int64_t res_ns, lag_ns, nscrapes;
    int window, ring;
    double **net, **rem;
    int *target;
    int64_t *last_change;
    int64_t period_start;
};

static double per_s(uint64_t n, double secs)
{
    return secs > 0 ? (double)n / secs : NAN;
}

static double ns_mean(const struct wt_stat *k)
{
    return k->n ? wt_stat_mean(k) * 1e-9 : NAN;
}

static int64_t busy_now(const struct svc_instance *in, int64_t now)
{
    return in->busy_ns + (in->running ? now - in->run_start : 0);
}

static void scrape(struct sim_engine *eng, void *arg)
{
    struct svc_world *w = arg;
    struct control *c = w->control;
    int64_t now = sim_now_ns(eng), g = c->nscrapes++;
    for (size_t i = 0; i < w->nsvcs; i++) {
        struct svc_service *s = &w->svcs[i];
        for (int k = 0; k < s->ninst; k++) {
            struct svc_instance *in = s->inst[k];
            if (in->state == INST_STOPPED)
                continue;
            if (!in->scrapes)
                in->scrapes = xmalloc((size_t)c->ring * sizeof *in->scrapes);
            if (in->first_scrape < 0)
                in->first_scrape = g;
            in->scrapes[g % c->ring] = busy_now(in, now);
        }
    }
    int64_t next = now + c->res_ns;
    if (next <= sim_sec_to_ns(w->model->run.duration))
        sim_schedule(eng, next, scrape, w);
}

/* The instances of s as a controller sees its pods. */
static void inst_views(struct svc_world *w, struct control *c, struct svc_service *s,
                       struct pol_svc_view *sv)
{
    int64_t now = sim_now_ns(w->eng);
    struct pol_inst_view **v = &c->insts[s->index];
    int64_t g = -1; /* the newest scrape the policy sees */
    if (c->res_ns > 0 && now - c->lag_ns >= 0)
        g = (now - c->lag_ns) / c->res_ns;
    if (g >= c->nscrapes)
        g = c->nscrapes - 1;
    int n = 0;
    for (int k = 0; k < s->ninst; k++) {
        const struct svc_instance *in = s->inst[k];
        if (in->state == INST_STOPPED)
            continue;
        if ((size_t)n == c->inst_cap[s->index])
            *v = xgrow(*v, &c->inst_cap[s->index], (size_t)n + 1, sizeof **v);
        bool served = in->state == INST_READY || in->state == INST_DRAINING;
        struct pol_inst_view *iv = &(*v)[n++];
        *iv = (struct pol_inst_view){
            .cpu = NAN,
            .sampled = NAN,
            .start = sim_ns_to_sec(in->created),
            .ready_change = sim_ns_to_sec(served ? in->serving_since : in->created),
            .ready = in->state == INST_READY,
            .pending = in->state == INST_PENDING,
            .draining = in->state == INST_DRAINING,
        };
        if (g >= 0 && in->first_scrape >= 0 && g - c->window >= in->first_scrape) {
            int64_t used = in->scrapes[g % c->ring] - in->scrapes[(g - c->window) % c->ring];
            iv->cpu = (double)used / (double)(c->window * c->res_ns);
            iv->sampled = sim_ns_to_sec(g * c->res_ns);
        }
    }
    sv->ninst = n;
    sv->inst = *v;
}

/* Builds the view of the period that started at c->period_start; with
 * instances, each service's instances too (O(instances), so not for the
 * demand hook, which runs per request to a service with none). */
static void build_view(struct svc_world *w, struct control *c, struct pol_view *v, bool instances)
{
    int64_t now = sim_now_ns(w->eng);
    double secs = sim_ns_to_sec(now - c->period_start);
    svc_acc_close(w, ACC_POLICY);
    for (size_t i = 0; i < w->nsvcs; i++) {
        struct svc_service *s = &w->svcs[i];
        const struct svc_acc *a = &s->acc[ACC_POLICY];
        struct pol_svc_view *sv = &c->views[i];
        for (int j = 0; j < s->ncallees; j++) {
            c->net[i][j] = ns_mean(&a->callees[j].net_wait);
            c->rem[i][j] = ns_mean(&a->callees[j].remote_wait);
        }
        int kind, callee;
        double wait;
        svc_verdict(s, ACC_POLICY, &kind, &callee, &wait);
        uint64_t queued = s->q_len;
        *sv = (struct pol_svc_view){
            .name = s->def->name,
            .ready = s->count[INST_READY],
            .booting = svc_booting(s),
            .draining = s->count[INST_DRAINING],
            .min = s->def->min,
            .max = s->def->max,
            .utilization = a->serving > 0 ? a->busy / a->serving : NAN,
            .arrival_rate = per_s(a->arrivals, secs),
            .completion_rate = per_s(a->completions, secs),
            .cpu = ns_mean(&a->win.cpu),
            .latency_mean = a->win.total.n ? wt_sketch_mean(&a->win.total) * 1e-9 : NAN,
            .latency_p95 = a->win.total.n ? wt_sketch_quantile(&a->win.total, 0.95) * 1e-9 : NAN,
            .local_wait = ns_mean(&a->win.local_wait),
            .ncallees = s->ncallees,
            .callees = s->callee_global,
            .net_wait = c->net[i],
            .remote_wait = c->rem[i],
            .traced = a->win.requests,
            .verdict = (enum wt_verdict)kind,
            .verdict_callee = callee,
            .verdict_wait = wait,
            .queued = queued,
            .idle = sim_ns_to_sec(now - s->last_arrival),
            .since_change = sim_ns_to_sec(now - c->last_change[i]),
        };
        if (instances)
            inst_views(w, c, s, sv);
    }
    const struct client_acc *ca = &w->cacc[ACC_POLICY];
    *v = (struct pol_view){
        .now = sim_ns_to_sec(now),
        .period = secs,
        .nsvcs = (int)w->nsvcs,
        .svcs = c->views,
        .root = w->model->workload.classes[0].entry,
        .client_rate = per_s(ca->sent, secs),
        .client_mean = ca->lat.n ? wt_sketch_mean(&ca->lat) * 1e-9 : NAN,
        .client_p95 = ca->lat.n ? wt_sketch_quantile(&ca->lat, 0.95) * 1e-9 : NAN,
        .slo_p95 = w->model->slo.latency_p95,
    };
}

static void apply(struct svc_world *w, struct control *c, size_t i, int target)
{
    struct svc_service *s = &w->svcs[i];
    if (target < 0)
        return;
    int live = svc_live(s);
    int64_t now = sim_now_ns(w->eng);
    int clamped = target < s->def->min ? s->def->min : target > s->def->max ? s->def->max : target;
    if (clamped == live)
        return;
    if (now - c->last_change[i] < sim_sec_to_ns(c->ctl->cooldown) && c->last_change[i] > 0)
        return;
    svc_scale_to(w, s, clamped);
    c->last_change[i] = now;
    if (clamped > live)
        s->st.scale_ups++;
    else
        s->st.scale_downs++;
}

static void tick(struct sim_engine *eng, void *arg)
{
    struct svc_world *w = arg;
    struct control *c = w->control;
    struct pol_view v;
    build_view(w, c, &v, true);
    for (size_t i = 0; i < w->nsvcs; i++)
        c->target[i] = -1;
    struct pol_action a = {c->target};
    c->ctl->decide(c->ctl->ctx, &v, &a);
    for (size_t i = 0; i < w->nsvcs; i++)
        apply(w, c, i, c->target[i]);
    svc_acc_reset(w, ACC_POLICY);
    c->period_start = sim_now_ns(eng);
    int64_t next = c->period_start + sim_sec_to_ns(c->ctl->period);
    if (next <= sim_sec_to_ns(w->model->run.duration))
        sim_schedule(eng, next, tick, w);
}

/* A request reached service s, which has no instance at all. */
static void demand(struct svc_world *w, struct svc_service *s)
{
    struct control *c = w->control;
    if (!c || !c->ctl->demand)
        return;
    struct pol_view v;
    build_view(w, c, &v, false);
    int t = c->ctl->demand(c->ctl->ctx, &v, s->index);
    /* On demand means now: the cooldown does not hold a cold start back. */
    if (t > 0 && t >= s->def->min) {
        int live = svc_live(s);
        if (t > live) {
            svc_scale_to(w, s, t);
            c->last_change[s->index] = sim_now_ns(w->eng);
            s->st.scale_ups++;
        }
    }
}

static void progress_tick(struct sim_engine *eng, void *arg)
{
    struct svc_world *w = arg;
    const struct run_control *ctl = w->progress_ctl;
    ctl->progress(ctl->pctx, sim_ns_to_sec(sim_now_ns(eng)), w->model->run.duration,
                  sim_events_run(eng));
    int64_t next = sim_now_ns(eng) + w->progress_step;
    if (next <= sim_sec_to_ns(w->model->run.duration))
        sim_schedule(eng, next, progress_tick, w);
}

void ctl_start(struct svc_world *w, const struct run_control *ctl)
{
    if (ctl && ctl->progress) {
        w->progress_ctl = ctl;
        w->progress_step = sim_sec_to_ns(w->model->run.duration) / 200;
        if (w->progress_step > 0)
            sim_schedule(w->eng, w->progress_step, progress_tick, w);
    }
    if (!ctl || !ctl->decide)
        return;
    struct control *c = xcalloc(1, sizeof *c);
    size_t n = w->nsvcs;
    c->ctl = ctl;
    c->views = xcalloc(n, sizeof *c->views);
    c->net = xcalloc(n, sizeof *c->net);
    c->rem = xcalloc(n, sizeof *c->rem);
    c->target = xcalloc(n, sizeof *c->target);
    c->last_change = xcalloc(n, sizeof *c->last_change);
    c->insts = xcalloc(n, sizeof *c->insts);
    c->inst_cap = xcalloc(n, sizeof *c->inst_cap);
    c->res_ns = sim_sec_to_ns(ctl->metric_resolution);
    if (c->res_ns > 0) {
        c->lag_ns = sim_sec_to_ns(ctl->metric_lag);
        c->window = (int)llround(ctl->metric_window / ctl->metric_resolution);
        if (c->window < 1)
            c->window = 1;
        c->ring = c->window + (int)(c->lag_ns / c->res_ns) + 2;
        sim_schedule(w->eng, 0, scrape, w);
    }
    for (size_t i = 0; i < n; i++) {
        size_t k = w->svcs[i].ncallees ? (size_t)w->svcs[i].ncallees : 1;
        c->net[i] = xcalloc(k, sizeof **c->net);
        c->rem[i] = xcalloc(k, sizeof **c->rem);
    }
    w->control = c;
    w->on_no_instance = demand;
    int64_t first = sim_sec_to_ns(ctl->period);
    if (first <= sim_sec_to_ns(w->model->run.duration))
        sim_schedule(w->eng, first, tick, w);
}

void ctl_stop(struct svc_world *w)
{
    struct control *c = w->control;
    if (!c)
        return;
    for (size_t i = 0; i < w->nsvcs; i++) {
        free(c->net[i]);
        free(c->rem[i]);
    }
    for (size_t i = 0; i < w->nsvcs; i++)
        free(c->insts[i]);
    free(c->insts);
    free(c->inst_cap);
    free(c->net);
    free(c->rem);
    free(c->views);
    free(c->target);
    free(c->last_change);
    free(c);
    w->control = NULL;
    w->on_no_instance = NULL;
}
