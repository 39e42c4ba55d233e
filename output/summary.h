/* SPDX-License-Identifier: MIT */
/* output/summary.h: writes a run's summary.json (schema in doc/model.md).
 * The file is written under a temporary name and renamed, so a reader never
 * sees half of it. Ownership: nothing is kept after the call returns. */
#ifndef OUTPUT_SUMMARY_H
#define OUTPUT_SUMMARY_H

#include "models/run.h"
#include "output/files.h"
#include "sim/err.h"

#include <stdbool.h>

/* Writes s to path. wall_seconds < 0 leaves that field out (reproducible output).
 * Returns 0 or SIM_EIO with the reason in d. */
int out_summary_write(const struct run_summary *s, double wall_seconds, const char *path,
                      struct sim_diag *d);

#endif
