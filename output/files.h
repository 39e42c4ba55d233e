/* SPDX-License-Identifier: MIT */
/* output/files.h: writing results so that they are whole or absent, and
 * never damage what they were not asked to write.
 * - A single file is written under a temporary name in its directory and
 *   renamed into place. A path that exists and is not a regular file (a
 *   device, a FIFO) is written through, never replaced; a symbolic link is
 *   followed. "-" is standard output.
 * - A run's directory is built as a hidden staging directory beside it and
 *   renamed into place when complete; an existing one is replaced only then,
 *   and only if it holds uksim results (or nothing).
 * Every write, flush and close is checked.
 * Ownership: struct out_stage holds strings it frees in out_stage_abort()
 * or out_stage_commit(). */
#ifndef OUTPUT_FILES_H
#define OUTPUT_FILES_H

#include "sim/err.h"

#include <stdbool.h>
#include <stddef.h>

/* mkdir -p: creates path and its missing parents. Returns 0 or an errno
 * value (ENOTDIR if path exists and is not a directory). */
int out_make_dirs(const char *path);

/* Writes text to path as described above. Returns 0 or SIM_EIO with the
 * reason in d. */
int out_write_atomic(const char *path, const char *text, struct sim_diag *d);
/* The same without waiting for the disk (no fsync): for files that are
 * checked when read back, such as a sweep's per-run results, where a file
 * torn by a crash is found invalid and made again. */
int out_write_replace(const char *path, const char *text, struct sim_diag *d);

/* Creates path, which must not exist yet, with text: for files inside a
 * staging directory, which is renamed into place as a whole. Returns 0 or
 * SIM_EIO with d (and nothing is left at path). */
int out_write_new(const char *path, const char *text, struct sim_diag *d);

/* Writes all of text to fd, again after a short write or EINTR. Returns 0
 * or an errno value. */
int out_write_all(int fd, const char *text, size_t len);

/* Flushes standard output and checks that everything written to it arrived.
 * Returns 0 or SIM_EIO with d. */
int out_stdout_check(struct sim_diag *d);

/* Removes path and everything below it (no symlink is followed). Returns 0
 * or an errno value. */
int out_remove_tree(const char *path);

/* This host's name as it appears in temporary file names (letters, digits
 * and dots; others become '_'). */
void out_host_name(char *out, size_t size);
/* If name is a temporary file of this kind ("tmp": single files), its
 * writer's host and pid. Temporary names are ".uksim-<kind>-<host>-<pid>-<n>",
 * so a process can tell its own from others'. */
bool out_tmp_owner(const char *name, const char *kind, char *host, size_t hsize, long *pid);
/* The host and pid of an owned name's tail "<host>-<pid>-<n>" (the len
 * bytes at s; the pid is the number between the last two '-'), as in
 * temporary names and a sweep's records files. */
bool out_owner_parse(const char *s, size_t len, char *host, size_t hsize, long *pid);

struct out_stage {
    char *dir;   /* the directory asked for */
    char *tmp;   /* where the run writes meanwhile */
    bool exists; /* dir exists: it is replaced at commit */
};

/* Prepares to write the directory dir: checks that it may be replaced and
 * creates the staging directory (and dir's missing parents). Returns 0 or
 * SIM_EIO with d. */
int out_stage_begin(struct out_stage *st, const char *dir, struct sim_diag *d);
/* Moves the staging directory into place. Returns 0 or SIM_EIO with d (the
 * staging directory is then removed and dir left as it was). */
int out_stage_commit(struct out_stage *st, struct sim_diag *d);
/* Removes the staging directory; dir is left as it was. */
void out_stage_abort(struct out_stage *st);

#endif
