/* SPDX-License-Identifier: MIT */
/* policies/jit.c: just-in-time summoning, after Jitsu (NSDI'15): a service
 * has no instance until a request arrives for it; the request waits while
 * one boots; after `idle` seconds without a request the instance is
 * stopped again (the service's min must be 0 for that). */
#include "policies/policies_int.h"

#include "sim/xalloc.h"

#include <stdlib.h>

struct state {
    double idle;
};

static int init(void **state, const struct pol_params *p, struct sim_diag *d)
{
    struct state *s = xcalloc(1, sizeof *s);
    *state = s;
    return pol_param(p, "idle", 10, 0, 86400, &s->idle, d);
}

static void decide(void *state, const struct pol_view *v, struct pol_action *out)
{
    const struct state *s = state;
    for (int i = 0; i < v->nsvcs; i++) {
        const struct pol_svc_view *sv = &v->svcs[i];
        if (sv->ready > 0 && sv->booting == 0 && sv->queued == 0 && sv->idle >= s->idle)
            out->target[i] = 0;
    }
}

static int demand(void *state, const struct pol_view *v, int svc)
{
    (void)state;
    (void)v;
    (void)svc;
    return 1;
}

static void fini(void *state)
{
    free(state);
}

const struct pol_ops pol_jit_ops = {
    .name = "jit",
    .summary = "just-in-time summoning: boot on a request, stop after idle (10s)",
    .init = init,
    .decide = decide,
    .demand = demand,
    .fini = fini,
};
