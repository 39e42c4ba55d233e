/* SPDX-License-Identifier: MIT */
/* models/elastic.h: the SPEC Research Group elasticity metrics (Herbst et
 * al., "Ready for Rain?", arXiv 1604.03470) and SLO metrics of a run,
 * computed from its time series after warm-up. Demand is the number of
 * instances the offered load needs per service: the offered request rate
 * of the window times the expected visits per request and the mean CPU per
 * visit (from the model's handlers, probabilities included), over
 * slo.max_utilization, rounded up, and at least 1 when there is load.
 * Supply is the mean number of instances serving over the window.
 * Ownership: plain data in struct run_summary. */
#ifndef MODELS_ELASTIC_H
#define MODELS_ELASTIC_H

#include "models/model.h"
#include "models/run.h"

/* Per service, over the request classes weighted by their shares: the
 * expected visits per client request (visits[s]) and the expected CPU
 * seconds per client request (work[s]). Linear in the model's size. */
void el_expected_load(const struct mdl_model *m, double *visits, double *work);

/* Fills s->demand of every row and the elasticity and SLO fields of s.
 * lat (sorted, n) are the measured latencies. */
void el_compute(const struct mdl_model *m, struct run_summary *s);

#endif
