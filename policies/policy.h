/* SPDX-License-Identifier: MIT */
/* policies/policy.h: scaling policies behind one small interface. A policy
 * reads a read-only view each decision period (models/view.h) and writes
 * target instance counts; the run applies them with boot latency, min/max
 * and cooldown. Policies never touch simulator internals.
 *
 * Adding a policy: write policies/<name>.c defining a `const struct pol_ops`,
 * declare it in policies/policies_int.h, and list it in policies/registry.c.
 * Its parameters are read in init() with pol_param(), which also documents
 * them: a key the policy does not read is reported as an error.
 * Ownership: init() allocates the state that fini() frees. */
#ifndef POLICIES_POLICY_H
#define POLICIES_POLICY_H

#include "models/model.h"
#include "models/run.h"
#include "models/view.h"
#include "sim/err.h"

#include <stdbool.h>
#include <stddef.h>

/* How instance CPU is sampled for the view (run_control): init() may ask
 * for samples by setting resolution > 0. */
struct pol_metrics {
    double resolution, window, lag; /* s */
};

/* The policy group of a model file. */
struct pol_params {
    const char *file;
    const struct mdl_policy *policy;
    const struct mdl_slo *slo;
    int nsvcs;
    bool *used; /* per parameter, set by pol_param() */
    const struct mdl_model *model;
    struct pol_metrics *metrics; /* zero unless init() asks */
};

/* Reads parameter key (default def when absent), checking lo <= value <= hi.
 * Returns 0, or SIM_ECONFIG with "file:line: policy NAME: KEY ..." in d. */
int pol_param(const struct pol_params *p, const char *key, double def, double lo, double hi,
              double *out, struct sim_diag *d);

struct pol_ops {
    const char *name;
    const char *summary; /* one line for help texts */
    int (*init)(void **state, const struct pol_params *p, struct sim_diag *d);
    void (*decide)(void *state, const struct pol_view *v, struct pol_action *out);
    /* Optional: a request reached service svc with no instance at all;
     * returns a target for it or -1. The view has no per-instance part
     * (ninst 0): this runs per such request. */
    int (*demand)(void *state, const struct pol_view *v, int svc);
    void (*fini)(void *state);
};

/* The policy called name, or NULL. */
const struct pol_ops *pol_find(const char *name);
/* Every policy, for help texts. */
const struct pol_ops *const *pol_all(size_t *n);

/* A policy bound to a run: fills ctl for run_model_ctl(). */
struct pol_control {
    const struct pol_ops *ops;
    void *state;
    struct run_control ctl;
};
/* Looks up m's policy, reads its parameters and fills pc. With no policy in
 * the model, pc->ops is NULL and there is nothing to run. Returns 0, or
 * SIM_ECONFIG with the problem in d. */
int pol_control_init(struct pol_control *pc, const struct mdl_model *m, struct sim_diag *d);
void pol_control_fini(struct pol_control *pc);

/* The HorizontalPodAutoscaler the hpa policy of pc runs for service svc, or
 * NULL when pc's policy is not hpa. */
struct hpa_spec;
const struct hpa_spec *pol_hpa_spec(const struct pol_control *pc, int svc);
/* Its controller settings (kube-controller-manager's flags), or NULL. */
struct hpa_config;
const struct hpa_config *pol_hpa_config(const struct pol_control *pc);

#endif
