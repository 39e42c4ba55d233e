/* SPDX-License-Identifier: MIT */
/* policies/plugin.h: loading a policy from a shared object
 * (include/uksim/policy.h is the interface plugins see).
 * Ownership: the returned state is freed by the ops' fini(), which also
 * closes the object. */
#ifndef POLICIES_PLUGIN_H
#define POLICIES_PLUGIN_H

#include "policies/policy.h"

/* Opens path and checks its uksim_policy (version, size, functions).
 * Returns 0 with ops and a state to pass to ops->init() (which reads the
 * parameters through it), and the plugin's name; or SIM_ECONFIG with
 * "model:line: plugin path: ..." in d. */
int pol_plugin_open(const char *path, const char *model, int line, void **state,
                    const struct pol_ops **ops, const char **name, struct sim_diag *d);

#endif
