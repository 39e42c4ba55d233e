/* SPDX-License-Identifier: MIT */
/* policies/wait_central.c: centralised root-cause scaling from the merged
 * aggregates. When the client's p95 exceeds `trigger` x SLO (or, without an
 * SLO, when the root's largest wait is at least `min_wait`), it starts at
 * the root and follows the services' verdicts: DELEGATE moves to that callee,
 * SELF blames the service's CPU, LINK blames a network link (which no number
 * of instances fixes, so nothing is scaled). The blamed service is sized by
 * a queueing estimate: enough instances to serve its arrival rate at
 * utilization `target`, at least one more. Services far below `low`
 * utilization shrink to their estimate. */
#include "policies/policies_int.h"

#include "sim/xalloc.h"

#include <math.h>
#include <stdlib.h>

struct state {
    double slo, trigger, min_wait, target, low;
    int nsvcs;
};

static int init(void **state, const struct pol_params *p, struct sim_diag *d)
{
    struct state *s = xcalloc(1, sizeof *s);
    *state = s;
    s->nsvcs = p->nsvcs;
    int err;
    if ((err = pol_param(p, "slo", p->slo->latency_p95, 0, 3600, &s->slo, d)) ||
        (err = pol_param(p, "trigger", 0.8, 0.01, 10, &s->trigger, d)) ||
        (err = pol_param(p, "min_wait", 0.001, 0, 3600, &s->min_wait, d)) ||
        (err = pol_param(p, "target", 0.7, 0.01, 1, &s->target, d)) ||
        (err = pol_param(p, "low", 0.3, 0, 1, &s->low, d)))
        return err;
    return 0;
}

/* The service the verdicts lead to from the root, or -1 (none, or a link). */
static int blamed(const struct pol_view *v)
{
    int at = v->root;
    for (int hops = 0; hops <= v->nsvcs; hops++) {
        const struct pol_svc_view *sv = &v->svcs[at];
        if (sv->verdict == WT_VERDICT_SELF)
            return at;
        if (sv->verdict != WT_VERDICT_DELEGATE || sv->verdict_callee < 0)
            return -1;
        at = sv->verdict_callee;
    }
    return -1;
}

static void decide(void *state, const struct pol_view *v, struct pol_action *out)
{
    const struct state *s = state;
    const struct pol_svc_view *root = &v->svcs[v->root];
    bool hot = s->slo > 0 ? v->client_p95 > s->trigger * s->slo
                          : root->verdict != WT_VERDICT_NONE && root->verdict_wait >= s->min_wait;
    int b = hot ? blamed(v) : -1;
    for (int i = 0; i < v->nsvcs; i++) {
        const struct pol_svc_view *sv = &v->svcs[i];
        int live = pol_live(sv);
        int need = pol_needed(sv->arrival_rate, sv->cpu, s->target);
        if (i == b) {
            if (sv->booting == 0)
                out->target[i] = need > live ? need : live + 1;
        } else if (!hot && sv->utilization < s->low && sv->booting == 0 && need < live) {
            out->target[i] = need > 1 ? need : 1;
        }
    }
}

static void fini(void *state)
{
    free(state);
}

const struct pol_ops pol_wait_central_ops = {
    .name = "wait-central",
    .summary = "follow the trace's verdicts from the root and scale the root cause: slo, "
               "trigger (0.8), min_wait (1ms), target (0.7), low (0.3)",
    .init = init,
    .decide = decide,
    .fini = fini,
};
