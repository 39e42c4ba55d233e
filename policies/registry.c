/* SPDX-License-Identifier: MIT */
/* policies/registry.c: the table of policies, parameter reading, and the
 * binding of a policy to a run. */
#include "policies/policies_int.h"

#include "policies/plugin.h"

#include "sim/xalloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const struct pol_ops *const all[] = {
    &pol_static_ops,     &pol_threshold_ops,    &pol_hpa_ops, &pol_latency_slo_ops,
    &pol_wait_local_ops, &pol_wait_central_ops, &pol_jit_ops,
};

const struct pol_ops *pol_find(const char *name)
{
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strcmp(all[i]->name, name) == 0)
            return all[i];
    return NULL;
}

const struct pol_ops *const *pol_all(size_t *n)
{
    *n = sizeof all / sizeof all[0];
    return all;
}

int pol_needed(double rate, double cpu, double u)
{
    if (!(rate > 0) || !(cpu > 0) || !(u > 0))
        return 0;
    double c = ceil(rate * cpu / u - 1e-9);
    return c > 1e6 ? 1000000 : (int)c;
}

int pol_param(const struct pol_params *p, const char *key, double def, double lo, double hi,
              double *out, struct sim_diag *d)
{
    const struct mdl_policy *pol = p->policy;
    *out = def;
    for (size_t i = 0; i < pol->nparams; i++) {
        if (strcmp(pol->params[i].key, key) != 0)
            continue;
        p->used[i] = true;
        double v = pol->params[i].value;
        if (!(v >= lo && v <= hi))
            return sim_diag_set(d, SIM_ECONFIG, p->file, pol->params[i].line,
                                "policy %s: %s = %g is outside [%g, %g]", pol->name, key, v, lo,
                                hi);
        *out = v;
    }
    return 0;
}

static void decide(void *ctx, const struct pol_view *v, struct pol_action *a)
{
    struct pol_control *pc = ctx;
    pc->ops->decide(pc->state, v, a);
}

static int demand(void *ctx, const struct pol_view *v, int svc)
{
    struct pol_control *pc = ctx;
    return pc->ops->demand(pc->state, v, svc);
}

int pol_control_init(struct pol_control *pc, const struct mdl_model *m, struct sim_diag *d)
{
    memset(pc, 0, sizeof *pc);
    const struct mdl_policy *pol = &m->policy;
    if (!pol->name)
        return 0;
    const struct pol_ops *ops = pol_find(pol->name);
    void *plugin_state = NULL;
    if (!ops && pol->plugin) {
        const char *pname = NULL;
        int err = pol_plugin_open(pol->plugin, m->source, pol->plugin_line, &plugin_state, &ops,
                                  &pname, d);
        if (err)
            return err;
        if (strcmp(pol->name, "plugin") && strcmp(pol->name, pname)) {
            /* The name lives in the object: say it before closing it. */
            err = sim_diag_set(d, SIM_ECONFIG, m->source, pol->line,
                               "policy \"%s\" is neither built in nor the plugin's (%s calls "
                               "itself \"%s\")",
                               pol->name, pol->plugin, pname);
            ops->fini(plugin_state);
            return err;
        }
    }
    if (!ops) {
        char list[300] = "";
        for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
            strncat(list, all[i]->name, sizeof list - strlen(list) - 3);
            if (i + 1 < sizeof all / sizeof all[0])
                strncat(list, ", ", sizeof list - strlen(list) - 1);
        }
        return sim_diag_set(d, SIM_ECONFIG, m->source, pol->line,
                            "unknown policy \"%s\" (known: %s)", pol->name, list);
    }
    struct pol_metrics metrics = {0};
    struct pol_params p = {
        m->source, pol,     &m->slo, (int)m->nservices, xcalloc(pol->nparams + 1, sizeof(bool)),
        m,         &metrics};
    pc->state = plugin_state;
    int err = ops->init(&pc->state, &p, d);
    for (size_t i = 0; !err && i < pol->nparams; i++)
        if (!p.used[i])
            err = sim_diag_set(d, SIM_ECONFIG, m->source, pol->params[i].line,
                               "policy %s has no parameter \"%s\" (uksim help policies)", pol->name,
                               pol->params[i].key);
    free(p.used);
    if (err) {
        if (pc->state)
            ops->fini(pc->state);
        pc->state = NULL;
        return err;
    }
    pc->ops = ops;
    pc->ctl = (struct run_control){
        .period = pol->period,
        .cooldown = pol->cooldown,
        .decide = decide,
        .demand = ops->demand ? demand : NULL,
        .ctx = pc,
        .metric_resolution = metrics.resolution,
        .metric_window = metrics.window,
        .metric_lag = metrics.lag,
    };
    return 0;
}

void pol_control_fini(struct pol_control *pc)
{
    if (pc->ops && pc->state)
        pc->ops->fini(pc->state);
    memset(pc, 0, sizeof *pc);
}
