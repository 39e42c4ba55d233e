/* SPDX-License-Identifier: MIT */
/* output/trace.h: the exported requests' timelines in the Chrome trace-event
 * JSON format (opens in Perfetto and chrome://tracing): a process per
 * service, a thread (track) per instance; each visit is a span, with its CPU
 * bursts, local waits, calls and NIC-ring waits nested inside it.
 * Ownership: nothing is kept. */
#ifndef OUTPUT_TRACE_H
#define OUTPUT_TRACE_H

#include "models/run.h"
#include "sim/err.h"

/* Writes DIR/trace.json atomically. Returns 0 or SIM_EIO with d. */
int out_trace_write(const struct run_summary *s, const char *dir, struct sim_diag *d);

#endif
