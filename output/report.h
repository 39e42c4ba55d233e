/* SPDX-License-Identifier: MIT */
/* output/report.h: one self-contained HTML page over a run's results (or
 * over several runs side by side): the comparison table with an explanation
 * of each row, the bottleneck graph, the plots and the run's settings, with
 * every image inlined as SVG, so the page can be mailed or archived alone.
 * Ownership: nothing is kept. */
#ifndef OUTPUT_REPORT_H
#define OUTPUT_REPORT_H

#include "sim/err.h"

/* Writes DIR/report.html. DIR holds a run's results (summary.json), or runs
 * in its subfolders (as uksim run without a model writes them), compared in
 * one table. Draws the graphs first when they are missing. Returns 0, or
 * SIM_EINVAL / SIM_EIO with d. */
int out_report(const char *dir, struct sim_diag *d);

#endif
