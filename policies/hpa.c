/* SPDX-License-Identifier: MIT */
/* policies/hpa.c: Kubernetes' Horizontal Pod Autoscaler on CPU utilization
 * (kubernetes/website, horizontal-pod-autoscale.md; research s5.2):
 *   desired = ceil(current * metric / target), skipped when the ratio is
 *   within the tolerance (0.1) of 1. The metric averages ready instances;
 *   when scaling up, instances not yet ready count at 0%, and if that
 *   reverses the direction or lands within tolerance nothing happens.
 *   Scale-up is limited per period to the larger of +100% and +4 instances;
 *   scale-down takes the highest recommendation of the stabilisation window
 *   (300 s). The sync period is the policy period (15 s by default). */
#include "policies/policies_int.h"

#include "sim/xalloc.h"

#include <math.h>
#include <stdlib.h>

int pol_hpa_desired(int ready, int booting, double util, double target, double tolerance)
{
    int current = ready + booting;
    if (ready == 0 || isnan(util))
        return current;
    double ratio = util / target;
    if (fabs(ratio - 1.0) <= tolerance)
        return current;
    int desired = (int)ceil(ready * ratio - 1e-9);
    if (desired > current && booting > 0) {
        /* Not-yet-ready instances count as 0% of target on scale-up. */
        double r2 = util * ready / (double)current / target;
        if (r2 <= 1.0 || fabs(r2 - 1.0) <= tolerance)
            return current;
        desired = (int)ceil(current * r2 - 1e-9);
    }
    if (desired < current && ratio > 1.0)
        return current;
    return desired;
}

struct rec {
    double t;
    int n;
};

struct state {
    double target, tolerance, window;
    int nsvcs;
    struct rec **hist; /* per service, recommendations in the window */
    int *nhist, *caphist;
};

static int init(void **state, const struct pol_params *p, struct sim_diag *d)
{
    struct state *s = xcalloc(1, sizeof *s);
    *state = s;
    int err;
    if ((err = pol_param(p, "target", 0.5, 0.01, 1, &s->target, d)) ||
        (err = pol_param(p, "tolerance", 0.1, 0, 1, &s->tolerance, d)) ||
        (err = pol_param(p, "stabilization", 300, 0, 86400, &s->window, d)))
        return err;
    s->nsvcs = p->nsvcs;
    s->hist = xcalloc((size_t)p->nsvcs, sizeof *s->hist);
    s->nhist = xcalloc((size_t)p->nsvcs, sizeof *s->nhist);
    s->caphist = xcalloc((size_t)p->nsvcs, sizeof *s->caphist);
    return 0;
}

static void decide(void *state, const struct pol_view *v, struct pol_action *out)
{
    struct state *s = state;
    for (int i = 0; i < v->nsvcs && i < s->nsvcs; i++) {
        const struct pol_svc_view *sv = &v->svcs[i];
        int current = pol_live(sv);
        int desired =
            pol_hpa_desired(sv->ready, sv->booting, sv->utilization, s->target, s->tolerance);
        /* Scale-up rate: at most max(+100%, +4) per period. */
        int cap = current * 2 > current + 4 ? current * 2 : current + 4;
        if (desired > cap)
            desired = cap;
        /* Scale-down stabilisation: the highest recommendation in the window. */
        int n = s->nhist[i], k = 0;
        for (int j = 0; j < n; j++)
            if (v->now - s->hist[i][j].t < s->window)
                s->hist[i][k++] = s->hist[i][j];
        s->nhist[i] = k;
        if (s->nhist[i] == s->caphist[i]) {
            s->caphist[i] = s->caphist[i] ? 2 * s->caphist[i] : 16;
            s->hist[i] = xrealloc(s->hist[i], (size_t)s->caphist[i] * sizeof **s->hist);
        }
        s->hist[i][s->nhist[i]++] = (struct rec){v->now, desired};
        if (desired < current) {
            int best = desired;
            for (int j = 0; j < s->nhist[i]; j++)
                if (s->hist[i][j].n > best)
                    best = s->hist[i][j].n;
            desired = best < current ? best : current;
        }
        if (desired != current)
            out->target[i] = desired;
    }
}

static void fini(void *state)
{
    struct state *s = state;
    for (int i = 0; s->hist && i < s->nsvcs; i++)
        free(s->hist[i]);
    free(s->hist);
    free(s->nhist);
    free(s->caphist);
    free(s);
}

const struct pol_ops pol_hpa_ops = {
    .name = "hpa",
    .summary = "Kubernetes HPA on CPU: target (0.5), tolerance (0.1), stabilization (300s)",
    .init = init,
    .decide = decide,
    .fini = fini,
};
