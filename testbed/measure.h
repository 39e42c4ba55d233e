/* SPDX-License-Identifier: MIT */
/* testbed/measure.h: the testbed's measurements as a run summary in the
 * simulator's schema (models/run.h), so that summary.json, services.csv,
 * requests.csv, the plots and `uksim render` read them unchanged.
 * Ownership: as run_model(): run_summary_fini() frees what is filled. */
#ifndef TESTBED_MEASURE_H
#define TESTBED_MEASURE_H

#include "models/model.h"
#include "models/run.h"
#include "testbed/loadgen.h"
#include "testbed/stats.h"

#include <stdbool.h>

/* Service indices of service s's callees by local number (as the tracing
 * core numbers them, mdl_service_callees()) in *out, to free; returns the
 * count. */
size_t tb_callees(const struct mdl_model *m, int s, int **out);
/* Their count. */
size_t tb_callee_count(const struct mdl_model *m, int s);

/* Fills out from each service's merged statistics, its instance counts, and
 * the clients' results; ran: seconds the load ran (run.duration unless
 * interrupted). */
void tb_summarise(const struct mdl_model *m, uint64_t seed, struct tb_stats *svc_st,
                  const int *ninst, const struct tb_load_result *lr, double ran, bool interrupted,
                  const char *compute, struct run_summary *out);

#endif
