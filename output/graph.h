/* SPDX-License-Identifier: MIT */
/* output/graph.h: topology and bottleneck graphs of a finished run, drawn
 * with Graphviz's libraries (cgraph, gvc) as DOT, SVG and PNG. Services are
 * nodes labelled with their instances, utilization and local wait, filled
 * redder the larger their local wait's share of their time; calls are edges
 * labelled with their rate and network wait; what the tracing core blames
 * (a service's CPU, a link) is drawn in thick red.
 * Ownership: nothing is kept. */
#ifndef OUTPUT_GRAPH_H
#define OUTPUT_GRAPH_H

#include "sim/err.h"

/* Reads DIR/summary.json (and DIR/services.csv for windows) and writes
 * DIR/graph.{dot,svg,png}, and for each time in windows (nwindows of them)
 * the graph of the window containing it, DIR/graph-<t_start>.{dot,svg,png}.
 * Returns 0, SIM_EIO or SIM_EINVAL with the problem in d. */
int out_render(const char *dir, const double *windows, int nwindows, struct sim_diag *d);

#endif
