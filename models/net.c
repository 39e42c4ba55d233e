/* SPDX-License-Identifier: MIT */
/* models/net.c: message delay. This version draws the one-way latency from the
 * model's distribution for every message; bandwidth, shared links and zones
 * come later. */
#include "models/models_int.h"

#include "sim/units.h"

int64_t net_delay_ns(struct svc_world *w)
{
    const struct sim_dist *lat = &w->model->net.latency;
    if (lat->kind == SIM_DIST_CONST)
        return sim_sec_to_ns(lat->p1);
    return sim_sec_to_ns(sim_dist_sample(lat, w->rng_net));
}
