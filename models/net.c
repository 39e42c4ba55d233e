/* SPDX-License-Identifier: MIT */
/* models/net.c: message delay = latency (a distribution; per zone pair when
 * the network has zones) + size / bandwidth. With queueing, messages leaving
 * an instance serialise first-come first-served on its egress link, so a
 * busy link adds waiting time. network.host_latency adds to every message. */
#include "models/models_int.h"

#include "sim/units.h"

static int64_t draw(struct svc_world *w, const struct sim_dist *d, gsl_rng *r)
{
    double s = d->kind == SIM_DIST_CONST ? d->p1 : sim_dist_sample(d, r);
    return SVC_TIME_NS(w, s, "network latency");
}

int64_t net_delay_ns(struct svc_world *w, int from, int to, double bytes, struct svc_instance *link)
{
    const struct mdl_network *n = &w->model->net;
    const struct sim_dist *lat =
        n->nzones ? &n->zone_latency[(size_t)from * n->nzones + (size_t)to] : &n->latency;
    int64_t d = draw(w, lat, w->rng_net) + w->host_latency_ns;
    if (!(n->bandwidth > 0) || !(bytes > 0))
        return d;
    double s = bytes * 8.0 / n->bandwidth;
    int64_t ser = SVC_TIME_NS(w, s, "sending a message of %g bytes", bytes);
    if (!n->queueing || !link)
        return d + ser;
    int64_t now = sim_now_ns(w->eng);
    int64_t start = link->link_free > now ? link->link_free : now;
    if (start - now > sim_sec_to_ns(MDL_TIME_MAX) - ser) {
        svc_fail(w, "the link of an instance of service \"%s\" has a backlog beyond %g s",
                 link->svc->def->name, MDL_TIME_MAX);
        return 0;
    }
    link->link_free = start + ser;
    return (link->link_free - now) + d;
}
