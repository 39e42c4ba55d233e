/* SPDX-License-Identifier: MIT */
/* models/step_draw.c: the draws of a handler step (models/step.h), shared
 * by the simulator's scheduler (models/lwt.c) and the testbed's
 * (testbed/svc_lwt.c), so that both draw the same values from the same
 * streams in the same order. */
#include "models/step.h"

#include <gsl/gsl_rng.h>

struct step_draws step_draw(const struct mdl_step *st, double speed, gsl_rng *branch,
                            gsl_rng *compute)
{
    struct step_draws d = {.runs = true};
    if (st->p < 1.0 && !(gsl_rng_uniform(branch) < st->p)) {
        d.runs = false;
        return d;
    }
    if (st->kind == MDL_STEP_COMPUTE) {
        d.demand = st->compute.kind == SIM_DIST_CONST ? st->compute.p1
                                                      : sim_dist_sample(&st->compute, compute);
        if (speed != 1.0) /* x / 1 is x: no division on the common path */
            d.demand /= speed;
    } else if (st->pick)
        d.pick = step_pick_index(st, gsl_rng_uniform(branch));
    return d;
}
