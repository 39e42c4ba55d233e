/* SPDX-License-Identifier: MIT */
/* cli/sweep.h: `uksim sweep`: parameter grids with replications, run in
 * worker processes, resumable, shardable. doc/sweeps.md has the file format.
 * Returns an exit status (0 done, 1 failed while running, 2 bad usage). */
#ifndef CLI_SWEEP_H
#define CLI_SWEEP_H

int cli_sweep(int argc, char **argv);

#endif
