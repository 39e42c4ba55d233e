/* SPDX-License-Identifier: MIT */
/* models/load_policy.c: the policy section: name, period, cooldown and the
 * policy's own parameters (numbers or durations; the policy checks them). */
#include "models/load_int.h"

#include "sim/strbuf.h"
#include "sim/units.h"
#include "sim/xalloc.h"

#include <math.h>
#include <string.h>

/* manifests = ("a.yaml", ...) and plugin = "x.so": paths beside the model. */
static int ld_policy_files(struct loader *L, const config_setting_t *g, struct mdl_policy *p)
{
    const config_setting_t *man = config_setting_get_member(g, "manifests");
    if (man) {
        p->manifests_line = (int)config_setting_source_line(man);
        bool one = config_setting_type(man) == CONFIG_TYPE_STRING;
        if (!one && !config_setting_is_aggregate(man))
            return ld_fail(L, man, "manifests must be a list of file names, e.g. (\"hpa.yaml\")");
        int n = one ? 1 : config_setting_length(man);
        if (n == 0)
            return ld_fail(L, man, "manifests is empty");
        p->manifests = xcalloc((size_t)n, sizeof *p->manifests);
        for (int i = 0; i < n; i++) {
            const config_setting_t *e = one ? man : config_setting_get_elem(man, (unsigned)i);
            const char *f = config_setting_get_string(e);
            if (!f || !*f)
                return ld_fail(L, e, "manifests: each entry must be a file name");
            p->manifests[p->nmanifests++] = sim_path_join_new(L->dir, f);
        }
    }
    const config_setting_t *plug = config_setting_get_member(g, "plugin");
    if (plug) {
        const char *f = config_setting_get_string(plug);
        if (!f || !*f)
            return ld_fail(L, plug, "plugin must be the file name of a shared object");
        p->plugin_line = (int)config_setting_source_line(plug);
        p->plugin = sim_path_join_new(L->dir, f);
    }
    return 0;
}

/* Groups of the documented schema that later versions model. */
int ld_policy(struct loader *L, const config_setting_t *root)
{
    struct mdl_policy *p = &L->m->policy;
    p->period = 15.0; /* Kubernetes HPA's sync period */
    p->cooldown = 0.0;
    int err;
    const config_setting_t *g = ld_group(L, root, "policy", &err);
    if (err || !g)
        return err;
    p->line = (int)config_setting_source_line(g);
    const char *name = NULL;
    const config_setting_t *where;
    if ((err = ld_string(L, g, "name", &name, &where)) || (err = ld_policy_files(L, g, p)))
        return err;
    if (!name && !p->plugin)
        return ld_fail(L, g, "policy needs a name, e.g. name = \"hpa\";");
    p->name = xstrdup(name ? name : "plugin");
    if ((err = ld_duration(L, g, "period", &p->period)) ||
        (err = ld_duration(L, g, "cooldown", &p->cooldown)))
        return err;
    if (!(p->period >= MDL_MIN_PERIOD))
        return ld_fail(L, config_setting_get_member(g, "period"),
                       "period = %g s is shorter than the minimum of 1us", p->period);
    if (L->m->run.duration / p->period > 1e8)
        return ld_fail(L, config_setting_get_member(g, "period"),
                       "period = %g s makes %.3g decisions over the run; the limit is 1e8",
                       p->period, L->m->run.duration / p->period);
    int n = config_setting_length(g);
    p->params = xcalloc((size_t)n + 1, sizeof *p->params);
    for (int i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(g, (unsigned)i);
        const char *key = config_setting_name(e);
        if (!strcmp(key, "name") || !strcmp(key, "period") || !strcmp(key, "cooldown") ||
            !strcmp(key, "manifests") || !strcmp(key, "plugin"))
            continue;
        struct mdl_param *q = &p->params[p->nparams];
        int t = config_setting_type(e);
        if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
            q->value = (double)config_setting_get_int64(e);
        else if (t == CONFIG_TYPE_FLOAT)
            q->value = config_setting_get_float(e);
        else if (t == CONFIG_TYPE_BOOL)
            q->value = config_setting_get_bool(e);
        else if (t == CONFIG_TYPE_STRING) {
            if (sim_parse_duration(config_setting_get_string(e), &q->value))
                return ld_fail(L, e, "policy %s: \"%s\" is not a number or a duration", key,
                               config_setting_get_string(e));
        } else
            return ld_fail(L, e, "policy %s must be a number, a duration or a boolean", key);
        if (!isfinite(q->value))
            return ld_fail(L, e, "policy %s is not a finite number", key);
        q->key = xstrdup(key);
        q->line = (int)config_setting_source_line(e);
        p->nparams++;
    }
    return 0;
}
