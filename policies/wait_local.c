/* SPDX-License-Identifier: MIT */
/* policies/wait_local.c: decentralised wait-based scaling (the seed's idea).
 * Each service looks only at its own tracing verdict: when its local wait
 * dominates (the verdict is SELF: it is the root cause) and is at least
 * `min_wait`, it scales out to the instances a queueing estimate needs at
 * utilization `target`, at least one more; when idle (utilization below
 * `low`, and not the root cause) it scales in by one. Remote waits are
 * ignored: a slow callee is the callee's business. */
#include "policies/policies_int.h"

#include "sim/xalloc.h"

#include <math.h>
#include <stdlib.h>

struct state {
    double min_wait, target, low;
};

static int init(void **state, const struct pol_params *p, struct sim_diag *d)
{
    struct state *s = xcalloc(1, sizeof *s);
    *state = s;
    int err;
    if ((err = pol_param(p, "min_wait", 0.001, 0, 3600, &s->min_wait, d)) ||
        (err = pol_param(p, "target", 0.7, 0.01, 1, &s->target, d)) ||
        (err = pol_param(p, "low", 0.3, 0, 1, &s->low, d)))
        return err;
    return 0;
}

static void decide(void *state, const struct pol_view *v, struct pol_action *out)
{
    const struct state *s = state;
    for (int i = 0; i < v->nsvcs; i++) {
        const struct pol_svc_view *sv = &v->svcs[i];
        int live = pol_live(sv);
        if (sv->verdict == WT_VERDICT_SELF && sv->verdict_wait >= s->min_wait) {
            if (sv->booting > 0)
                continue; /* help is on its way */
            int need = pol_needed(sv->arrival_rate, sv->cpu, s->target);
            out->target[i] = need > live ? need : live + 1;
        } else if (sv->verdict != WT_VERDICT_SELF && sv->utilization < s->low && sv->booting == 0 &&
                   live > 1) {
            out->target[i] = live - 1;
        }
    }
}

static void fini(void *state)
{
    free(state);
}

const struct pol_ops pol_wait_local_ops = {
    .name = "wait-local",
    .summary = "each service scales itself when its own local wait dominates: min_wait (1ms), "
               "target (0.7), low (0.3)",
    .init = init,
    .decide = decide,
    .fini = fini,
};
