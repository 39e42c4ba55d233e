/* SPDX-License-Identifier: MIT */
/* policies/static.c: no scaling; the instance counts stay as written. */
#include "policies/policies_int.h"

static int init(void **state, const struct pol_params *p, struct sim_diag *d)
{
    (void)p;
    (void)d;
    *state = NULL;
    return 0;
}

static void decide(void *state, const struct pol_view *v, struct pol_action *out)
{
    (void)state;
    (void)v;
    (void)out;
}

static void fini(void *state)
{
    (void)state;
}

const struct pol_ops pol_static_ops = {
    .name = "static",
    .summary = "no scaling",
    .init = init,
    .decide = decide,
    .fini = fini,
};
