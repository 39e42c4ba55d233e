/* SPDX-License-Identifier: MIT */
/* policies/hpa.c: Kubernetes' Horizontal Pod Autoscaler in the simulator.
 * Every sync period (the policy period, 15 s by default) each service's HPA
 * runs the controller's decision (policies/hpa_core.h) on its instances as
 * pods: per-instance CPU as metrics-server reports it (the rate between two
 * scrapes of the cumulative CPU counter, metric_resolution = 15 s apart, the
 * default of metrics-server's --metric-resolution, and seen one resolution
 * late), readiness and start times, draining instances as pods being
 * deleted, instances waiting for a host as pending pods. The request is one
 * vCPU, so utilization is the share of the instance's CPU.
 *
 * Settings come from the policy group (target, tolerance, stabilization,
 * cpu_initialization_period, initial_readiness_delay, metric_window,
 * metric_resolution) for every service, with the service's min and max, and
 * no spec.behavior (the controller's older path, as when a manifest leaves
 * behavior out); a HorizontalPodAutoscaler manifest listed in
 * `manifests` replaces them for the service its scaleTargetRef names. */
#include "policies/policies_int.h"

#include "policies/hpa_core.h"
#include "policies/hpa_spec.h"
#include "sim/xalloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct state {
    struct hpa_config cfg;
    int nsvcs;
    struct hpa_spec *spec;
    struct hpa_state *st;
    struct hpa_pod *pods;
    size_t cap;
};

/* The manifests of the policy group, each bound to its service. */
static int bind_manifests(struct state *s, const struct pol_params *p, struct sim_diag *d)
{
    const struct mdl_policy *pol = p->policy;
    if (!pol->nmanifests)
        return 0;
    struct hpa_manifests man;
    int err = hpa_manifests_load(&man, (const char *const *)pol->manifests, pol->nmanifests, d);
    if (err)
        return err;
    bool *seen = xcalloc((size_t)s->nsvcs + 1, sizeof *seen);
    for (size_t i = 0; !err && i < man.n; i++) {
        const struct hpa_spec *h = &man.specs[i];
        int svc = mdl_service_find(p->model, h->target);
        if (svc < 0)
            err = sim_diag_set(d, SIM_ECONFIG, p->file, pol->manifests_line,
                               "HorizontalPodAutoscaler \"%s\" scales \"%s\", which is not a "
                               "service of the model",
                               h->name, h->target);
        else if (seen[svc])
            err = sim_diag_set(d, SIM_ECONFIG, p->file, pol->manifests_line,
                               "two HorizontalPodAutoscalers scale service \"%s\"", h->target);
        else {
            seen[svc] = true;
            s->spec[svc] = *h;
        }
    }
    free(seen);
    hpa_manifests_fini(&man);
    return err;
}

static int init(void **state, const struct pol_params *p, struct sim_diag *d)
{
    struct state *s = xcalloc(1, sizeof *s);
    *state = s;
    hpa_config_default(&s->cfg);
    s->cfg.sync_period = p->policy->period;
    double target;
    int err;
    if ((err = pol_param(p, "target", 0.5, 0.01, 100, &target, d)) ||
        (err = pol_param(p, "tolerance", 0.1, 0, 1, &s->cfg.tolerance, d)) ||
        (err = pol_param(p, "stabilization", 300, 0, 86400, &s->cfg.downscale_window, d)) ||
        (err = pol_param(p, "cpu_initialization_period", 300, 0, 86400, &s->cfg.cpu_init, d)) ||
        (err = pol_param(p, "initial_readiness_delay", 30, 0, 86400, &s->cfg.readiness_delay, d)) ||
        (err = pol_param(p, "metric_resolution", 15, 1e-3, 3600, &s->cfg.metric_resolution, d)) ||
        (err = pol_param(p, "metric_window", 15, 1e-3, 86400, &s->cfg.metric_window, d)))
        return err;
    double resolution = s->cfg.metric_resolution;
    double ratio = s->cfg.metric_window / resolution;
    if (fabs(ratio - round(ratio)) > 1e-9 || ratio < 1)
        return sim_diag_set(d, SIM_ECONFIG, p->file, p->policy->line,
                            "policy hpa: metric_window (%g s) must be a multiple of "
                            "metric_resolution (%g s)",
                            s->cfg.metric_window, resolution);
    *p->metrics = (struct pol_metrics){resolution, s->cfg.metric_window, resolution};
    s->nsvcs = p->nsvcs;
    s->spec = xcalloc((size_t)p->nsvcs, sizeof *s->spec);
    s->st = xcalloc((size_t)p->nsvcs, sizeof *s->st);
    for (int i = 0; i < p->nsvcs; i++) {
        const struct mdl_service *def = &p->model->services[i];
        struct hpa_spec *h = &s->spec[i];
        hpa_spec_default(h);
        snprintf(h->name, sizeof h->name, "%s", def->name);
        snprintf(h->target, sizeof h->target, "%s", def->name);
        h->min = def->min;
        h->max = def->max;
        h->target_util = (int)lround(target * 100);
    }
    return bind_manifests(s, p, d);
}

static void decide(void *state, const struct pol_view *v, struct pol_action *out)
{
    struct state *s = state;
    for (int i = 0; i < v->nsvcs && i < s->nsvcs; i++) {
        const struct pol_svc_view *sv = &v->svcs[i];
        if ((size_t)sv->ninst > s->cap)
            s->pods = xgrow(s->pods, &s->cap, (size_t)sv->ninst, sizeof *s->pods);
        for (int k = 0; k < sv->ninst; k++) {
            const struct pol_inst_view *iv = &sv->inst[k];
            s->pods[k] = (struct hpa_pod){
                .cpu = iv->cpu * 100,
                .ready = iv->ready,
                .start = iv->start,
                .ready_change = iv->ready_change,
                .deleting = iv->draining,
                .phase = iv->pending ? HPA_PENDING : HPA_RUNNING,
                .sampled = iv->sampled,
            };
        }
        int replicas = pol_live(sv);
        int desired =
            hpa_sync(&s->st[i], &s->spec[i], &s->cfg, v->now, replicas, s->pods, (size_t)sv->ninst);
        if (desired != replicas)
            out->target[i] = desired;
    }
}

static void fini(void *state)
{
    struct state *s = state;
    for (int i = 0; s->st && i < s->nsvcs; i++)
        hpa_state_fini(&s->st[i]);
    free(s->st);
    free(s->spec);
    free(s->pods);
    free(s);
}

const struct pol_ops pol_hpa_ops = {
    .name = "hpa",
    .summary = "Kubernetes HPA (autoscaling/v2 controller) on per-instance CPU: target (0.5), "
               "tolerance (0.1), stabilization (300s), cpu_initialization_period (300s), "
               "initial_readiness_delay (30s), metric_resolution (15s), metric_window (15s); "
               "manifests = (\"hpa.yaml\") for per-service HorizontalPodAutoscalers",
    .init = init,
    .decide = decide,
    .fini = fini,
};

const struct hpa_spec *pol_hpa_spec(const struct pol_control *pc, int svc)
{
    if (pc->ops != &pol_hpa_ops)
        return NULL;
    const struct state *s = pc->state;
    return svc >= 0 && svc < s->nsvcs ? &s->spec[svc] : NULL;
}

const struct hpa_config *pol_hpa_config(const struct pol_control *pc)
{
    return pc->ops == &pol_hpa_ops ? &((const struct state *)pc->state)->cfg : NULL;
}
