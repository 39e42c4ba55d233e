/* SPDX-License-Identifier: MIT */
/* sim/xalloc.h: allocation that aborts on failure, for the simulator only.
 * The tracing core never uses these. Tests may install a failing hook. */
#ifndef SIM_XALLOC_H
#define SIM_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
/* n elements of size bytes at a multiple of align (a power of two),
 * uninitialised; free() releases them. */
void *xaligned_array(size_t align, size_t n, size_t size);
/* The same for a large array read at random (align at most XHUGE_ALIGN):
 * at a huge-page boundary and, where the system offers transparent huge
 * pages on request, backed by them, so that reading it at random does not
 * miss the TLB at every step. */
#define XHUGE_ALIGN ((size_t)2 << 20)
void *xhuge_array(size_t n, size_t size);
/* Grows an array of *cap elements of elem bytes to hold at least need elements. */
void *xgrow(void *p, size_t *cap, size_t need, size_t elem);
char *xstrdup(const char *s);
/* The first n bytes of s (or fewer, up to its end), terminated. */
char *xstrndup(const char *s, size_t n);

#endif
