/* SPDX-License-Identifier: MIT */
/* models/load_network.c: the network section: latency, bandwidth, link
 * queueing, zones and the inter-zone latency matrix. */
#include "models/load_int.h"

#include "sim/units.h"
#include "sim/xalloc.h"

#include <stdio.h>
#include <string.h>

int ld_network(struct loader *L, const config_setting_t *root)
{
    static const char *const keys[] = {
        "latency",    "bandwidth",       "queueing",    "zones",        "zone_latency",
        "stack_cost", "stack_byte_cost", "stack_batch", "host_latency", NULL};
    struct mdl_network *n = &L->m->net;
    sim_dist_init_const(&n->latency, 0.0);
    n->stack_cost = MDL_STACK_COST_DEFAULT;
    n->stack_byte_cost = 0;
    n->stack_batch = MDL_STACK_BATCH_DEFAULT;
    int err;
    const config_setting_t *g = ld_group(L, root, "network", &err);
    if (err || !g)
        return err;
    if ((err = ld_check_keys(L, g, "network", keys)))
        return err;
    if ((err = ld_duration(L, g, "stack_cost", &n->stack_cost)) ||
        (err = ld_duration(L, g, "stack_byte_cost", &n->stack_byte_cost)) ||
        (err = ld_duration(L, g, "host_latency", &n->host_latency)))
        return err;
    if (n->host_latency > 1.0)
        return ld_fail(L, config_setting_get_member(g, "host_latency"),
                       "host_latency = %g s per message is beyond 1 s", n->host_latency);
    long long batch = n->stack_batch;
    if ((err = ld_int(L, g, "stack_batch", 0, 1000000, &batch)))
        return err;
    n->stack_batch = (uint32_t)batch;
    if (n->stack_cost > 1.0)
        return ld_fail(L, config_setting_get_member(g, "stack_cost"),
                       "stack_cost = %g s per message is beyond 1 s", n->stack_cost);
    if (n->stack_byte_cost > 1e-3)
        return ld_fail(L, config_setting_get_member(g, "stack_byte_cost"),
                       "stack_byte_cost = %g s per byte is beyond 1 ms", n->stack_byte_cost);
    if (config_setting_get_member(g, "latency") && (err = ld_dist(L, g, "latency", &n->latency)))
        return err;
    const char *bw = NULL;
    const config_setting_t *where;
    if ((err = ld_string(L, g, "bandwidth", &bw, &where)))
        return err;
    if (bw && sim_parse_bandwidth(bw, &n->bandwidth))
        return ld_fail(L, where, "bandwidth: \"%s\" is not a bandwidth (e.g. \"10Gbps\")", bw);
    if (bw && !(n->bandwidth >= 1e3 && n->bandwidth <= 1e15))
        return ld_fail(L, where, "bandwidth = \"%s\" is outside [1kbps, 1Pbps]", bw);
    if ((err = ld_bool(L, g, "queueing", &n->queueing)))
        return err;
    if (n->queueing && !bw)
        return ld_fail(L, config_setting_get_member(g, "queueing"),
                       "queueing needs a link bandwidth: bandwidth = \"1Gbps\";");
    const config_setting_t *z = config_setting_get_member(g, "zones");
    const config_setting_t *zl = config_setting_get_member(g, "zone_latency");
    if (!z && !zl)
        return 0;
    if (!z || !zl)
        return ld_fail(L, z ? z : zl, "zones and zone_latency go together");
    if (config_setting_type(z) != CONFIG_TYPE_LIST && config_setting_type(z) != CONFIG_TYPE_ARRAY)
        return ld_fail(L, z, "zones must list names: zones = (\"edge\", \"cloud\");");
    size_t nz = (size_t)config_setting_length(z);
    if (nz == 0)
        return ld_fail(L, z, "zones lists no zone");
    n->zones = xcalloc(nz, sizeof *n->zones);
    for (size_t i = 0; i < nz; i++) {
        const char *name = config_setting_get_string_elem(z, (int)i);
        if (!name)
            return ld_fail(L, z, "zones must list names as strings");
        if ((err = ld_name(L, z, "zone name", name)))
            return err;
        for (size_t j = 0; j < i; j++)
            if (strcmp(n->zones[j], name) == 0)
                return ld_fail(L, z, "zone \"%s\" is listed twice", name);
        n->zones[i] = xstrdup(name);
        n->nzones = i + 1;
    }
    if (config_setting_type(zl) != CONFIG_TYPE_LIST || (size_t)config_setting_length(zl) != nz)
        return ld_fail(L, zl, "zone_latency must be a list of %zu rows, one per zone", nz);
    n->zone_latency = xcalloc(nz * nz, sizeof *n->zone_latency);
    for (size_t i = 0; i < nz * nz; i++)
        sim_dist_init_const(&n->zone_latency[i], 0.0);
    for (size_t i = 0; i < nz; i++) {
        const config_setting_t *row = config_setting_get_elem(zl, (unsigned)i);
        if (!config_setting_is_aggregate(row) || config_setting_type(row) == CONFIG_TYPE_GROUP ||
            (size_t)config_setting_length(row) != nz)
            return ld_fail(L, row, "row %zu of zone_latency must have %zu entries", i + 1, nz);
        for (size_t j = 0; j < nz; j++) {
            const char *txt = config_setting_get_string_elem(row, (int)j);
            char why[300];
            double v;
            if (!txt)
                return ld_fail(L, row, "zone_latency entries are strings such as \"10ms\"");
            if (sim_parse_duration(txt, &v) == 0 && v <= MDL_TIME_MAX)
                sim_dist_init_const(&n->zone_latency[i * nz + j], v);
            else if (sim_parse_duration(txt, &v) == 0)
                return ld_fail(L, row, "zone_latency from %s to %s is beyond %g s", n->zones[i],
                               n->zones[j], MDL_TIME_MAX);
            else if (sim_dist_init_parse(&n->zone_latency[i * nz + j], txt, SIM_DIST_SECONDS,
                                         L->dir, why, sizeof why))
                return ld_fail(L, row, "zone_latency from %s to %s: %s", n->zones[i], n->zones[j],
                               why);
        }
    }
    return 0;
}
