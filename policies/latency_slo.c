/* SPDX-License-Identifier: MIT */
/* policies/latency_slo.c: the naive reaction the tracing model is meant to
 * beat. When the client's p95 latency exceeds `trigger` x SLO (0.8, the
 * dissertation's example), every service whose own p95 total per visit
 * exceeds its share of the SLO (`share`, 0.5) gains instances in proportion
 * to the excess (at most doubling per period); when the SLO is met, services
 * below `low` utilization shrink by one. A service's total includes the time it waits on its
 * callees, so callers of a slow service are scaled too. */
#include "policies/policies_int.h"

#include "sim/xalloc.h"

#include <math.h>
#include <stdlib.h>

struct state {
    double slo, trigger, share, low;
};

static int init(void **state, const struct pol_params *p, struct sim_diag *d)
{
    struct state *s = xcalloc(1, sizeof *s);
    *state = s;
    int err;
    if ((err = pol_param(p, "slo", p->slo->latency_p95, 0, 3600, &s->slo, d)) ||
        (err = pol_param(p, "trigger", 0.8, 0.01, 10, &s->trigger, d)) ||
        (err = pol_param(p, "share", 0.5, 0.001, 1, &s->share, d)) ||
        (err = pol_param(p, "low", 0.2, 0, 1, &s->low, d)))
        return err;
    if (!(s->slo > 0))
        return sim_diag_set(d, SIM_ECONFIG, p->file, p->policy->line,
                            "policy latency-slo needs an SLO: slo = { latency_p95 = ...; }");
    return 0;
}

static void decide(void *state, const struct pol_view *v, struct pol_action *out)
{
    const struct state *s = state;
    bool hot = v->client_p95 > s->trigger * s->slo;
    for (int i = 0; i < v->nsvcs; i++) {
        const struct pol_svc_view *sv = &v->svcs[i];
        int live = pol_live(sv);
        if (hot && sv->latency_p95 > s->share * s->slo) {
            /* In proportion to the excess, at most doubling per period. */
            double f = fmin(sv->latency_p95 / (s->share * s->slo), 2.0);
            int t = (int)ceil(live * f);
            out->target[i] = t > live ? t : live + 1;
        } else if (!hot && sv->utilization < s->low && sv->booting == 0 && live > 1) {
            out->target[i] = live - 1;
        }
    }
}

static void fini(void *state)
{
    free(state);
}

const struct pol_ops pol_latency_slo_ops = {
    .name = "latency-slo",
    .summary = "scale every service over its share of the SLO: slo (slo.latency_p95), "
               "trigger (0.8), share (0.5), low (0.2)",
    .init = init,
    .decide = decide,
    .fini = fini,
};
