/* SPDX-License-Identifier: MIT */
/* output/plots.h: gnuplot scripts over a run's time series, in DIR/plots:
 * load, instances by state, latency quantiles against the SLO, and
 * utilization per service over time. When gnuplot is on the PATH they are
 * rendered to PNG and SVG; without it the scripts and their data stay, to
 * be rendered later with `gnuplot *.gp` in DIR/plots.
 * Ownership: nothing is kept. */
#ifndef OUTPUT_PLOTS_H
#define OUTPUT_PLOTS_H

#include "models/run.h"
#include "sim/err.h"

#include <stdbool.h>

/* Writes the scripts and their data (CSV with a header row); renders them if
 * gnuplot is found (*rendered says whether it was). slo_p95 (s, 0: none)
 * draws the target; quiet silences gnuplot's own messages. Returns 0, or
 * SIM_EIO with d when a file cannot be written, gnuplot exits non-zero, or an
 * image it should have drawn is empty. */
int out_plots_write(const struct run_summary *s, const char *dir, double slo_p95, bool quiet,
                    bool *rendered, struct sim_diag *d);

/* True if gnuplot is on the PATH. */
bool out_gnuplot_found(void);
/* Runs gnuplot on script in directory dir; its messages go to stderr
 * unless quiet. Returns its exit status, or -1 if it could not run. */
int out_gnuplot_run(const char *dir, const char *script, bool quiet);

#endif
