/* SPDX-License-Identifier: MIT */
/* examples/policies/queue_aware.c: a scaling policy as a uksim plugin.
 *
 * Each period, for each service: enough instances to bring CPU utilization
 * to `target`, plus one per `queue_per_instance` requests waiting at the
 * balancer (a backlog utilization alone does not show), scaling down only
 * once fewer instances have been wanted for `down_delay` seconds.
 *
 * Build it against the installed header and run it:
 *   cc -shared -fPIC -O2 -I<prefix>/include queue_aware.c -o queue_aware.so
 *   policy = { plugin = "./queue_aware.so"; target = 0.6; };
 * doc/plugins.md walks through it. */
#include <uksim/policy.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

struct state {
    double target, queue_per_instance, down_delay;
    int nsvcs;
    double *low_since; /* per service: since when fewer instances are wanted; NaN: not */
};

static int init(void **out, const struct uksim_policy_args *a, char *err, size_t errlen)
{
    struct state *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    *out = s;
    if (a->param(a, "target", 0.6, 0.05, 1.0, &s->target) ||
        a->param(a, "queue_per_instance", 20, 1, 1e6, &s->queue_per_instance) ||
        a->param(a, "down_delay", 60, 0, 3600, &s->down_delay))
        return -1; /* uksim has the message, with the file and line */
    s->nsvcs = a->nsvcs;
    s->low_since = malloc((size_t)(a->nsvcs > 0 ? a->nsvcs : 1) * sizeof *s->low_since);
    if (!s->low_since) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int i = 0; i < a->nsvcs; i++)
        s->low_since[i] = NAN;
    return 0;
}

static void decide(void *state, const struct uksim_view *v, int *target)
{
    struct state *s = state;
    for (int i = 0; i < v->nsvcs && i < s->nsvcs; i++) {
        const struct uksim_service *sv = &v->svcs[i];
        int live = sv->ready + sv->booting;
        if (isnan(sv->utilization) || sv->ready == 0)
            continue; /* nothing measured yet */
        int want = (int)ceil(sv->ready * sv->utilization / s->target - 1e-9);
        want += (int)ceil((double)sv->queued / s->queue_per_instance);
        if (want < 1)
            want = 1;
        if (want > live) {
            target[i] = want;
            s->low_since[i] = NAN;
        } else if (want < live) {
            if (isnan(s->low_since[i]))
                s->low_since[i] = v->now;
            else if (v->now - s->low_since[i] >= s->down_delay)
                target[i] = want;
        } else {
            s->low_since[i] = NAN;
        }
    }
}

static void fini(void *state)
{
    struct state *s = state;
    free(s->low_since);
    free(s);
}

const struct uksim_policy uksim_policy = {
    .api_version = UKSIM_POLICY_API_VERSION,
    .struct_size = sizeof(struct uksim_policy),
    .name = "queue-aware",
    .summary = "CPU utilization to target plus the balancer's backlog; slow to scale down",
    .init = init,
    .decide = decide,
    .fini = fini,
};
