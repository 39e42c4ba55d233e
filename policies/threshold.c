/* SPDX-License-Identifier: MIT */
/* policies/threshold.c: utilization rules with hysteresis. Above `up` a
 * service gains `step` instances, below `down` it loses `step`; between
 * the two nothing changes (the gap is the hysteresis). */
#include "policies/policies_int.h"

#include "sim/xalloc.h"

#include <math.h>
#include <stdlib.h>

struct state {
    double up, down, step;
};

static int init(void **state, const struct pol_params *p, struct sim_diag *d)
{
    struct state *s = xcalloc(1, sizeof *s);
    *state = s;
    int err;
    if ((err = pol_param(p, "up", 0.8, 0, 1, &s->up, d)) ||
        (err = pol_param(p, "down", 0.3, 0, 1, &s->down, d)) ||
        (err = pol_param(p, "step", 1, 1, 1000, &s->step, d)))
        return err;
    if (!(s->down < s->up))
        return sim_diag_set(d, SIM_ECONFIG, p->file, p->policy->line,
                            "policy threshold: down must be below up");
    return 0;
}

static void decide(void *state, const struct pol_view *v, struct pol_action *out)
{
    const struct state *s = state;
    for (int i = 0; i < v->nsvcs; i++) {
        const struct pol_svc_view *sv = &v->svcs[i];
        if (isnan(sv->utilization))
            continue;
        if (sv->utilization > s->up)
            out->target[i] = pol_live(sv) + (int)s->step;
        else if (sv->utilization < s->down && sv->booting == 0 && pol_live(sv) > 1)
            out->target[i] = pol_live(sv) - (int)s->step;
    }
}

static void fini(void *state)
{
    free(state);
}

const struct pol_ops pol_threshold_ops = {
    .name = "threshold",
    .summary = "utilization rules with hysteresis: up (0.8), down (0.3), step (1)",
    .init = init,
    .decide = decide,
    .fini = fini,
};
