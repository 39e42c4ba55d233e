/* SPDX-License-Identifier: MIT */
/* testbed/driver.h: `uksim testbed run`: a model's services as real
 * processes on this machine, its workload sent to them, and what they
 * measured summarised in the simulator's schema (models/run.h).
 *
 * Each instance is a uksim-svc process on a free port of 127.0.0.1, in its
 * own process group, told its peers over its standard input; it exits when
 * that input closes. The driver waits until every instance is ready, runs
 * the load for run.duration, collects every instance's statistics, and
 * stops every process it started by its PID: by closing its input, then
 * SIGTERM, then SIGKILL, on every exit path.
 * Ownership: the summary is filled as run_model() fills it (names borrow
 * from the model); run_summary_fini() frees it. */
#ifndef TESTBED_DRIVER_H
#define TESTBED_DRIVER_H

#include "models/model.h"
#include "models/run.h"
#include "sim/err.h"

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Most instances the testbed starts (processes on this machine). */
#define TB_INSTANCES_MAX 256

struct tb_run_opts {
    const char *model_path;  /* the model file, as loaded */
    const char *const *sets; /* --set overrides, as loaded */
    size_t nsets;
    uint64_t seed;
    const char *compute;                    /* "hold" or "spin" */
    const char *svc_bin;                    /* the uksim-svc program */
    bool progress;                          /* a progress line on standard error */
    bool verbose;                           /* the entry instances' ports there */
    const volatile sig_atomic_t *interrupt; /* set by a signal handler: stop */
};

/* Why the testbed cannot run m (a feature it does not have), or 0. */
int tb_check_model(const struct mdl_model *m, struct sim_diag *d);

/* Runs m. Returns 0 (out filled; stop_reason "time" or "interrupted"), or
 * SIM_ECONFIG (the model asks for what the testbed lacks) or SIM_EIO (an
 * instance failed to start, crashed or hung) with d; every process started
 * is stopped either way. */
int tb_run(const struct mdl_model *m, const struct tb_run_opts *o, struct run_summary *out,
           struct sim_diag *d);

#endif
