/* SPDX-License-Identifier: MIT */
/* output/timeseries.h: the per-window time series of a run as CSV:
 * DIR/services.csv (a row per window and service) and DIR/requests.csv (a
 * row per window, the client's view). Empty fields mean "no sample".
 * Files are written atomically. Ownership: nothing is kept. */
#ifndef OUTPUT_TIMESERIES_H
#define OUTPUT_TIMESERIES_H

#include "models/run.h"
#include "sim/err.h"

/* Returns 0, or SIM_EIO with the reason in d. */
int out_timeseries_write(const struct run_summary *s, const char *dir, struct sim_diag *d);

#endif
