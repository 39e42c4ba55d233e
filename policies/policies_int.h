/* SPDX-License-Identifier: MIT */
/* policies/policies_int.h: the policies the registry lists, and helpers
 * they share. */
#ifndef POLICIES_INT_H
#define POLICIES_INT_H

#include "policies/policy.h"

extern const struct pol_ops pol_static_ops, pol_threshold_ops, pol_hpa_ops, pol_latency_slo_ops,
    pol_wait_local_ops, pol_wait_central_ops, pol_jit_ops;

/* Instances booting or ready: what a target is compared with. */
static inline int pol_live(const struct pol_svc_view *s)
{
    return s->ready + s->booting;
}

/* Instances needed to serve rate visits/s of cpu s each at utilization u. */
int pol_needed(double rate, double cpu, double u);

#endif
