/* SPDX-License-Identifier: MIT */
/* cli/cli_int.h: what the command-line files share: exit statuses, the stop
 * signal, the run command's arguments, one run with its outputs, and the
 * built-in scenario.
 * Ownership: struct run_args' sets array is the caller's to free. */
#ifndef CLI_INT_H
#define CLI_INT_H

#include "models/model.h"
#include "sim/err.h"

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { EXIT_DONE = 0, EXIT_RUNFAIL = 1, EXIT_USAGE = 2 };

/* The signal that asked the run to stop (SIGINT, SIGTERM), or 0. The run
 * stops after its current event and writes what it has, marked
 * "interrupted"; a second signal ends the process at once. */
extern volatile sig_atomic_t cli_stop_signal;
void cli_catch_stop_signals(void);

/* "uksim: file:line: message" on standard error. */
void cli_print_diag(const struct sim_diag *d);
/* "uksim CMD: " and fmt with arg (one %s) on standard error, then where the
 * help is; returns EXIT_USAGE. cmd may be NULL. */
int cli_usage_error(const char *cmd, const char *fmt, const char *arg);

struct run_args {
    const char *model; /* NULL: the built-in scenario */
    const char *outdir;
    bool have_seed;
    unsigned long long seed;
    const char **sets; /* --set overrides, with room for the caller's own */
    size_t nsets;
    bool quiet;
    bool no_timing;
};

/* Loads a's model (or the built-in one) with its overrides, printing any
 * problem. Returns an exit status. */
int cli_load(const struct run_args *a, struct mdl_model *m);

/* What a comparison shows of one run. */
struct column {
    const char *label;
    double p95;            /* whole-run client p95, s */
    double window_p95_p95; /* p95 over the measured windows of their p95, s */
    double violated;       /* share of windows over the SLO */
    double cost;           /* instance-seconds */
    double scale_out, recovery;
    double tau_u, tau_o, theta_u, theta_o;
    uint64_t completed;
};

/* Loads the model with a's overrides and nextra more, runs it and, unless
 * outdir is NULL, writes outdir's outputs (verbose: and a report on
 * standard output). col (may be NULL) receives the run's figures. Returns an
 * exit status. */
int cli_run_one(struct run_args *a, const char *const *extra, size_t nextra, const char *outdir,
                bool verbose, struct column *col);

/* Writes a run's outputs (summary.json, services.csv, requests.csv,
 * trace.json, plots, graph) into the staging directory and commits it;
 * wall < 0 leaves the wall time out. Returns an exit status (the problem
 * printed, the staging directory removed). */
struct out_stage;
struct run_summary;
int cli_write_run(const struct run_summary *s, const struct mdl_model *m, struct out_stage *stage,
                  double wall, bool quiet, bool *plotted);
/* The report `uksim run` prints after writing outdir. */
void cli_report_run(const struct run_summary *s, const struct mdl_model *m, double wall,
                    const char *outdir, bool plotted);

/* `uksim run` without a model (cli/scenario.c). */
int cli_scenario(struct run_args *a);

#endif
