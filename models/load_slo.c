/* SPDX-License-Identifier: MIT */
/* models/load_slo.c: the slo section: latency targets and the utilization
 * that defines demand for the elasticity metrics. */
#include "models/load_int.h"

int ld_slo(struct loader *L, const config_setting_t *root)
{
    static const char *const keys[] = {"latency_p95", "latency_p99", "latency_mean",
                                       "max_utilization", NULL};
    struct mdl_slo *o = &L->m->slo;
    o->max_utilization = 0.8;
    int err;
    const config_setting_t *g = ld_group(L, root, "slo", &err);
    if (err || !g)
        return err;
    if ((err = ld_check_keys(L, g, "slo", keys)) ||
        (err = ld_duration(L, g, "latency_p95", &o->latency_p95)) ||
        (err = ld_duration(L, g, "latency_p99", &o->latency_p99)) ||
        (err = ld_duration(L, g, "latency_mean", &o->latency_mean)))
        return err;
    const config_setting_t *mu = config_setting_get_member(g, "max_utilization");
    if (mu) {
        int t = config_setting_type(mu);
        if (t != CONFIG_TYPE_FLOAT && t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
            return ld_fail(L, mu, "max_utilization must be a number in (0, 1]");
        o->max_utilization = t == CONFIG_TYPE_FLOAT ? config_setting_get_float(mu)
                                                    : (double)config_setting_get_int64(mu);
        if (!(o->max_utilization > 0 && o->max_utilization <= 1))
            return ld_fail(L, mu, "max_utilization must be in (0, 1]");
    }
    return 0;
}
