/* SPDX-License-Identifier: MIT */
/* cli/sweep_int.h: private to `uksim sweep` (cli/sweep*.c), and to `uksim
 * blame`, which reads its results. A sweep is a list of points (every
 * combination of the grid's values, each combined with every row of the
 * zipped lists), each run for `replications` seeds seed, seed+1, ... (the
 * same seeds at every point: common random numbers). Every (point,
 * replication) is a task whose result is a JSON file in DIR/runs, keyed by
 * a digest of what produced it: the resolved model, the seed and
 * the uksim version. A result whose digest does not match is stale and is
 * run again.
 * Ownership: sweep_free() frees what sweep_load() and sweep_prepare() put in
 * struct sweep. */
#ifndef CLI_SWEEP_INT_H
#define CLI_SWEEP_INT_H

#include "models/run.h"

#include <stdbool.h>
#include <stddef.h>

#define SWEEP_MAX_PARAMS 32

struct sweep {
    const char *file;
    char *model; /* path of the base model, resolved against the sweep file */
    int reps;
    unsigned long long seed;
    char **fixed; /* "path=value" applied to every point */
    size_t nfixed;
    char *keys[SWEEP_MAX_PARAMS];    /* varied keys, grid first then zipped */
    char **values[SWEEP_MAX_PARAMS]; /* per key, its values */
    int value_line[SWEEP_MAX_PARAMS];
    size_t nvalues[SWEEP_MAX_PARAMS];
    size_t nkeys, ngrid; /* keys[0..ngrid) are grid axes */
    size_t zip_len;      /* rows of the zipped lists (0: none) */
    char **metrics;
    size_t nmetrics;
    int metrics_line;
    size_t npoints;
    char (*digest)[33]; /* per point: the resolved model's digest (sweep_prepare) */
};

/* Reads and checks a sweep file. Returns 0 or 2 (the message printed as
 * file:line: message). */
int sweep_load(struct sweep *w, const char *file);
/* The same from text; name stands for the file (model paths resolve
 * against its directory). */
int sweep_load_string(struct sweep *w, const char *text, const char *name);
void sweep_free(struct sweep *w);
/* The value index of key k at point p. */
size_t sweep_value_at(const struct sweep *w, size_t p, size_t k);
/* The overrides of point p ("path=value"; fixed ones first): n of them, in
 * a NULL-terminated array the caller frees with sweep_sets_free(). */
char **sweep_sets(const struct sweep *w, size_t p, size_t *n);
void sweep_sets_free(char **sets, size_t n);
/* Loads the model at every point before anything runs: a bad value anywhere
 * is reported (exit 2) before any run starts. Fills w->digest, and checks
 * the metrics against the base model's services. Returns 0 or 2. */
int sweep_prepare(struct sweep *w);
/* The digest a task's result must carry (hex). */
void sweep_task_digest(const struct sweep *w, size_t p, int rep, char out[33]);

/* sweep_metrics.c */
/* 0 if name is a metric of a model with these services; else prints why
 * (with the valid names) as file:line and returns 2. */
int sweep_metric_check(const struct sweep *w, const char *name, const struct mdl_model *m);
double sweep_metric(const struct run_summary *s, const char *name);

/* sweep_results.c */
/* The result file of task (p, rep), allocated. */
char *sweep_task_path(const char *dir, size_t p, int rep);
/* Writes the result of task (p, rep): its metrics from s, or the error
 * message if s is NULL. Returns 0 or 1 (printed). */
int sweep_result_write(const struct sweep *w, const char *dir, size_t p, int rep,
                       const struct run_summary *s, const char *error, double wall);
/* True if task (p, rep) has a valid result: whole JSON, matching digest,
 * every metric present (or a recorded error). */
bool sweep_result_ok(const struct sweep *w, const char *dir, size_t p, int rep);
/* Rebuilds raw.csv and results.csv from DIR/runs. Returns the number of
 * tasks without a valid result; those of this shard (or all, shard < 0) are
 * listed on stderr when list is true. *rc becomes 1 on a write error. */
size_t sweep_results_write(const struct sweep *w, const char *dir, bool list, int *rc,
                           size_t *failed);
/* Removes temporary files in DIR/runs left by processes of this host that
 * no longer exist; never those of another host or of a live process. */
void sweep_clean_stale(const char *dir);

#endif
