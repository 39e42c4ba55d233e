/* SPDX-License-Identifier: MIT */
/* policies/plugin.c: policies in shared objects (include/uksim/policy.h).
 * The object is opened with dlopen, its uksim_policy checked for the
 * interface version and size, and each view is copied into the public,
 * versioned structures, so that uksim's own can change without breaking a
 * plugin. */
#include "policies/plugin.h"

#include "sim/strbuf.h"
#include "sim/xalloc.h"
#include "uksim/policy.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct plugin {
    void *handle;
    const struct uksim_policy *p;
    void *state;
    const struct pol_params *params; /* during init only */
    struct sim_diag *diag;
    int param_err;
    /* The public view, rebuilt each decision. */
    struct uksim_service *svcs;
    struct uksim_instance **inst;
    size_t *inst_cap;
    int nsvcs;
    const char **names;
    int *min, *max;
};

static int param(const struct uksim_policy_args *a, const char *key, double def, double lo,
                 double hi, double *out)
{
    struct plugin *pl = a->priv;
    if (!pl->params || !key) {
        *out = def;
        return -1;
    }
    int err = pol_param(pl->params, key, def, lo, hi, out, pl->diag);
    if (err && !pl->param_err)
        pl->param_err = err;
    return err ? -1 : 0;
}

static int init(void **state, const struct pol_params *p, struct sim_diag *d)
{
    struct plugin *pl = *state; /* opened by pol_plugin_open() */
    pl->params = p;
    pl->diag = d;
    pl->nsvcs = p->nsvcs;
    pl->names = xcalloc((size_t)p->nsvcs + 1, sizeof *pl->names);
    pl->min = xcalloc((size_t)p->nsvcs + 1, sizeof *pl->min);
    pl->max = xcalloc((size_t)p->nsvcs + 1, sizeof *pl->max);
    for (int i = 0; i < p->nsvcs; i++) {
        pl->names[i] = p->model->services[i].name;
        pl->min[i] = p->model->services[i].min;
        pl->max[i] = p->model->services[i].max;
    }
    pl->svcs = xcalloc((size_t)p->nsvcs + 1, sizeof *pl->svcs);
    pl->inst = xcalloc((size_t)p->nsvcs + 1, sizeof *pl->inst);
    pl->inst_cap = xcalloc((size_t)p->nsvcs + 1, sizeof *pl->inst_cap);
    struct uksim_policy_args args = {
        .nsvcs = p->nsvcs,
        .names = pl->names,
        .min = pl->min,
        .max = pl->max,
        .period = p->policy->period,
        .slo_p95 = p->slo->latency_p95,
        .param = param,
        .priv = pl,
    };
    char err[512] = "";
    int rc = pl->p->init(&pl->state, &args, err, sizeof err);
    pl->params = NULL;
    if (pl->param_err)
        return pl->param_err; /* the diagnostic names the file and line */
    if (rc)                   /* fini() still gets what init() left in its state */
        return sim_diag_set(d, SIM_ECONFIG, p->file, p->policy->plugin_line, "plugin policy %s: %s",
                            pl->p->name, err[0] ? err : "init failed");
    return 0;
}

static void decide(void *state, const struct pol_view *v, struct pol_action *out)
{
    struct plugin *pl = state;
    int n = v->nsvcs < pl->nsvcs ? v->nsvcs : pl->nsvcs;
    for (int i = 0; i < n; i++) {
        const struct pol_svc_view *s = &v->svcs[i];
        if ((size_t)s->ninst > pl->inst_cap[i])
            pl->inst[i] =
                xgrow(pl->inst[i], &pl->inst_cap[i], (size_t)s->ninst, sizeof *pl->inst[i]);
        for (int k = 0; k < s->ninst; k++) {
            const struct pol_inst_view *iv = &s->inst[k];
            pl->inst[i][k] =
                (struct uksim_instance){iv->cpu,   iv->sampled, iv->start,   iv->ready_change,
                                        iv->ready, iv->pending, iv->draining};
        }
        pl->svcs[i] = (struct uksim_service){
            .name = s->name,
            .ready = s->ready,
            .booting = s->booting,
            .draining = s->draining,
            .min = s->min,
            .max = s->max,
            .utilization = s->utilization,
            .arrival_rate = s->arrival_rate,
            .completion_rate = s->completion_rate,
            .cpu = s->cpu,
            .latency_mean = s->latency_mean,
            .latency_p95 = s->latency_p95,
            .local_wait = s->local_wait,
            .ncallees = s->ncallees,
            .callees = s->callees,
            .net_wait = s->net_wait,
            .remote_wait = s->remote_wait,
            .traced = s->traced,
            .verdict = (int)s->verdict,
            .verdict_callee = s->verdict_callee,
            .verdict_wait = s->verdict_wait,
            .queued = s->queued,
            .idle = s->idle,
            .since_change = s->since_change,
            .ninst = s->ninst,
            .inst = pl->inst[i],
        };
    }
    struct uksim_view pv = {
        .now = v->now,
        .period = v->period,
        .nsvcs = n,
        .svcs = pl->svcs,
        .root = v->root,
        .client_rate = v->client_rate,
        .client_mean = v->client_mean,
        .client_p95 = v->client_p95,
        .slo_p95 = v->slo_p95,
    };
    pl->p->decide(pl->state, &pv, out->target);
}

static void fini(void *state)
{
    struct plugin *pl = state;
    if (!pl)
        return;
    if (pl->state && pl->p->fini)
        pl->p->fini(pl->state);
    for (int i = 0; pl->inst && i < pl->nsvcs; i++)
        free(pl->inst[i]);
    free(pl->inst);
    free(pl->inst_cap);
    free(pl->svcs);
    free(pl->names);
    free(pl->min);
    free(pl->max);
    if (pl->handle)
        dlclose(pl->handle);
    free(pl);
}

static const struct pol_ops plugin_ops = {
    .name = "plugin",
    .summary = "a policy in a shared object (policy.plugin; include/uksim/policy.h)",
    .init = init,
    .decide = decide,
    .fini = fini,
};

int pol_plugin_open(const char *path, const char *model, int line, void **state,
                    const struct pol_ops **ops, const char **name, struct sim_diag *d)
{
    /* A name without a slash would be searched for in the library path. */
    char *p = strchr(path, '/') ? xstrdup(path) : sim_path_join_new(".", path);
    dlerror();
    void *h = dlopen(p, RTLD_NOW | RTLD_LOCAL);
    free(p);
    if (!h)
        return sim_diag_set(d, SIM_ECONFIG, model, line, "plugin %s: cannot load: %s", path,
                            dlerror());
    const struct uksim_policy *pol = dlsym(h, "uksim_policy");
    int err = 0;
    if (!pol)
        err = sim_diag_set(d, SIM_ECONFIG, model, line,
                           "plugin %s: no uksim_policy symbol (define a const struct "
                           "uksim_policy uksim_policy, see uksim/policy.h)",
                           path);
    else if (pol->api_version != UKSIM_POLICY_API_VERSION)
        err = sim_diag_set(d, SIM_ECONFIG, model, line,
                           "plugin %s was built for policy interface version %u; this uksim has "
                           "version %u: rebuild it against this uksim's uksim/policy.h",
                           path, pol->api_version, UKSIM_POLICY_API_VERSION);
    else if (pol->struct_size != sizeof(struct uksim_policy))
        err = sim_diag_set(d, SIM_ECONFIG, model, line,
                           "plugin %s: struct uksim_policy is %zu bytes, expected %zu: rebuild "
                           "it against this uksim's uksim/policy.h",
                           path, pol->struct_size, sizeof(struct uksim_policy));
    else if (!pol->name || !pol->init || !pol->decide)
        err = sim_diag_set(d, SIM_ECONFIG, model, line,
                           "plugin %s: uksim_policy needs a name, init and decide", path);
    if (err) {
        dlclose(h);
        return err;
    }
    struct plugin *pl = xcalloc(1, sizeof *pl);
    pl->handle = h;
    pl->p = pol;
    *state = pl;
    *ops = &plugin_ops;
    *name = pol->name;
    return 0;
}
