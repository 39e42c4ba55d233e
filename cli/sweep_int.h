/* SPDX-License-Identifier: MIT */
/* cli/sweep_int.h: private to `uksim sweep` (cli/sweep*.c), and to `uksim
 * blame`, which reads its results. A sweep is a list of points (every
 * combination of the grid's values, each combined with every row of the
 * zipped lists), each run for `replications` seeds seed, seed+1, ... (the
 * same seeds at every point: common random numbers). Every (point,
 * replication) is a task whose result is a JSON record in DIR/runs, keyed
 * by a digest of what produced it: the resolved model, the seed, the uksim
 * version and its results revision. A result whose digest does not match is
 * stale and is run again.
 * Ownership: sweep_free() frees what sweep_load() and sweep_prepare() put in
 * struct sweep. */
#ifndef CLI_SWEEP_INT_H
#define CLI_SWEEP_INT_H

#include "models/run.h"

#include <jansson.h>

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
/* How a record is written: one line (newlines in strings escaped), keys in
 * order, every double to the last bit. */
#define SWEEP_RECORD_JSON (JSON_PRESERVE_ORDER | JSON_COMPACT | JSON_REAL_PRECISION(17))
/* The record of task (p, rep) as one line of JSON (no newline; the caller
 * frees it): its metrics from s, or the error message if s is NULL. NULL
 * if it cannot be encoded. */
char *sweep_record_encode(const struct sweep *w, size_t p, int rep, const struct run_summary *s,
                          const char *error, double wall);

/* What a record read back says about the sweep. */
enum sweep_record_kind {
    SWEEP_RECORD_OTHER, /* not a task of this sweep (no or out-of-range point) */
    SWEEP_RECORD_STALE, /* a task of this sweep, made by something else */
    SWEEP_RECORD_VALID  /* digest matches and every metric is there, or an error */
};
/* Classifies record o; *task is its task index (point * reps + replication)
 * unless the record is OTHER. */
enum sweep_record_kind sweep_record_check(const struct sweep *w, json_t *o, size_t *task);

/* The results of a sweep as read from DIR/runs. */
enum sweep_state { SWEEP_NONE, SWEEP_STALE_ONLY, SWEEP_DONE };
struct sweep_table {
    size_t ntasks, nmetrics;
    unsigned char *state; /* per task: enum sweep_state */
    double *val;          /* ntasks x nmetrics; NAN: no sample or no result */
    char **error;         /* per task: the failed run's message, or NULL */
};
/* The value of metric i (its index in the sweep's list) of task t. */
static inline double sweep_table_value(const struct sweep_table *t, size_t task, size_t i)
{
    return t->val[task * t->nmetrics + i];
}
void sweep_table_fini(struct sweep_table *t);
/* Rebuilds raw.csv and results.csv from the table. Returns the number of
 * tasks without a valid result; those of this shard (or all, shard < 0) are
 * listed on stderr when list is true. *rc becomes 1 on a write error. */
size_t sweep_results_write(const struct sweep *w, const struct sweep_table *t, const char *dir,
                           bool list, int *rc, size_t *failed);

/* sweep_store.c: results on disk, in DIR/runs.
 * - Each worker appends its records, a line of JSON each, written by one
 *   write(2), to a file of its own, w-<host>-<pid>-<stamp>.jsonl. A line
 *   counts only if it ends in a newline, so a worker killed mid-write leaves
 *   a torn line that is ignored, and nothing else.
 * - p<point>-r<replication>.json files (one record each, as earlier uksim
 *   versions wrote them) are read too.
 * - After a sweep has run, the files of this host whose writer is gone are
 *   compacted into one: records made stale by a newer valid one, copies,
 *   and torn lines are dropped; nothing else is. */
struct sweep_writer {
    const char *dir;
    char *path;    /* the file, once open */
    int fd;        /* -1: not open yet */
    long long off; /* bytes written so far: a failed write is cut back here */
};
void sweep_writer_init(struct sweep_writer *wr, const char *dir);
/* Appends a record (a line without its newline). Returns 0, or 1 with the
 * reason printed. */
int sweep_writer_add(struct sweep_writer *wr, const char *record);
void sweep_writer_close(struct sweep_writer *wr);
/* Reads every record in DIR/runs into t. A task with several valid
 * records takes the first in file-name order (they are equal but for
 * wall_seconds). Returns 0, or 1 if DIR/runs cannot be read (printed). */
int sweep_table_load(struct sweep_table *t, const struct sweep *w, const char *dir);
/* Compacts the record files of this host whose writer is gone (see above).
 * Returns 0, or 1 with the reason printed (every record is still there). */
int sweep_compact(const struct sweep *w, const char *dir, const struct sweep_table *t);
/* Removes temporary files in DIR/runs left by processes of this host that
 * no longer exist; never those of another host or of a live process. */
void sweep_clean_stale(const char *dir);

/* sweep.c */
struct sweep_opts {
    int jobs;
    long shard, nshards;
    const char *dir;
    bool quiet, merge, no_rerun;
};
/* Runs the sweep file as `uksim sweep` does with these options; returns its
 * exit status. If table is not NULL, it receives the results (the caller
 * frees them with sweep_table_fini()) when the status is 0 or 1. */
int sweep_main(const char *file, const struct sweep_opts *o, struct sweep_table *table);

#endif
