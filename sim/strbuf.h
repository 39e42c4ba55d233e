/* SPDX-License-Identifier: MIT */
/* sim/strbuf.h: a growable string for building text outputs.
 * Ownership: the caller frees b->p when done (it may be NULL if empty). */
#ifndef SIM_STRBUF_H
#define SIM_STRBUF_H

#include <stddef.h>

struct sim_buf {
    char *p;
    size_t n, cap;
};

/* Appends printf-formatted text; aborts on out of memory (xalloc). */
void sim_buf_printf(struct sim_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Joins a file name to a base directory unless it is absolute or base is
 * empty or NULL; writes into out (truncating at size). */
void sim_path_join(char *out, size_t size, const char *base, const char *file);

/* The same, in a new string the caller frees. */
char *sim_path_join_new(const char *base, const char *file);

#endif
