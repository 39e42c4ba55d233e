/* SPDX-License-Identifier: MIT */
/* models/net.c: message delay = latency (a distribution; per zone pair when
 * the network has zones) + size / bandwidth. With queueing, messages leaving
 * an instance serialise first-come first-served on its egress link, so a
 * busy link adds waiting time. network.host_latency adds to every message. */
#include "models/models_int.h"

#include "sim/units.h"
#include "sim/xalloc.h"

void net_init(struct svc_world *w)
{
    const struct mdl_network *n = &w->model->net;
    size_t pairs = n->nzones ? n->nzones * n->nzones : 1;
    w->latency_ns = xmalloc(pairs * sizeof *w->latency_ns);
    for (size_t k = 0; k < pairs; k++) {
        const struct sim_dist *d = n->nzones ? &n->zone_latency[k] : &n->latency;
        /* Out of range: left to the draw, which stops the run saying so. */
        bool whole = d->kind == SIM_DIST_CONST && d->p1 >= 0 && d->p1 <= MDL_TIME_MAX;
        w->latency_ns[k] = whole ? sim_sec_to_ns(d->p1) : -1;
    }
}

void net_fini(struct svc_world *w)
{
    free(w->latency_ns);
    w->latency_ns = NULL;
}

int64_t net_delay_ns(struct svc_world *w, int from, int to, double bytes, struct svc_instance *link)
{
    const struct mdl_network *n = &w->model->net;
    size_t pair = n->nzones ? (size_t)from * n->nzones + (size_t)to : 0;
    int64_t d = w->latency_ns[pair];
    if (d < 0) {
        double s = sim_dist_sample(n->nzones ? &n->zone_latency[pair] : &n->latency, w->rng_net);
        d = SVC_TIME_NS(w, s, "network latency");
    }
    d += w->host_latency_ns;
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
