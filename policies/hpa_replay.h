/* SPDX-License-Identifier: MIT */
/* policies/hpa_replay.h: recorded observations through the HPA controller
 * with no simulation (`uksim policy replay FILE`). FILE is JSON Lines:
 *
 *   line 1: {"hpa": <HorizontalPodAutoscaler object>, "controller":
 *            {"sync_period": 15, "tolerance": 0.1,
 *             "cpu_initialization_period": 300, "initial_readiness_delay": 30,
 *             "downscale_stabilization": 300, "metric_window": 60}}
 *           (controller values in seconds, all optional; other top-level
 *           fields are ignored);
 *   then one sync per line: {"t": s, "replicas": N, "pods": [{"cpu": percent
 *           of the request or null, "ready": bool, "start": s,
 *           "ready_change": s, "deleting": bool, "phase":
 *           "Running"|"Pending"|"Failed"}, ...]}
 *           (a pod without ready is not ready; ready_change defaults to
 *           start; CPU samples are taken at the sync time).
 *
 * Output: one line per sync, {"t": s, "desired": N}, the replica count the
 * controller writes at that sync (the current count when it leaves it).
 * Ownership: out is the caller's; nothing else outlives the call. */
#ifndef POLICIES_HPA_REPLAY_H
#define POLICIES_HPA_REPLAY_H

#include "sim/err.h"
#include "sim/strbuf.h"

#include <stdio.h>

/* Replays in (named name in messages) into out. Returns 0, or SIM_ECONFIG
 * (bad input: file, line and field in d) or SIM_EIO. */
int pol_hpa_replay(FILE *in, const char *name, struct sim_buf *out, struct sim_diag *d);

#endif
