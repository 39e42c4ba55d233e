/* SPDX-License-Identifier: MIT */
/* sim/xalloc.c: aborting allocators; out of memory in the simulator is fatal. */
#include "sim/xalloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static void oom(size_t size)
{
    fprintf(stderr, "uksim: out of memory (%zu bytes)\n", size);
    abort();
}

void *xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        oom(size);
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom(n * size);
    return p;
}

void *xrealloc(void *p, size_t size)
{
    void *q = realloc(p, size ? size : 1);
    if (!q)
        oom(size);
    return q;
}

/* The bytes xaligned_array() allocates: n * size rounded up to a multiple
 * of align (C11 asks for one), at least align. */
static size_t aligned_bytes(size_t align, size_t n, size_t size)
{
    if (n && size > (SIZE_MAX - align) / n)
        oom(SIZE_MAX);
    return n && size ? (n * size + align - 1) / align * align : align;
}

void *xaligned_array(size_t align, size_t n, size_t size)
{
    size_t bytes = aligned_bytes(align, n, size);
    void *p = aligned_alloc(align, bytes);
    if (!p)
        oom(bytes);
    return p;
}

void *xhuge_array(size_t n, size_t size)
{
    char *p = xaligned_array(XHUGE_ALIGN, n, size);
#ifdef MADV_HUGEPAGE
    /* A hint: without it, small pages. */
    (void)madvise(p, aligned_bytes(XHUGE_ALIGN, n, size), MADV_HUGEPAGE);
#endif
    return p;
}

void *xgrow(void *p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return p;
    size_t c = *cap ? *cap : 8;
    while (c < need)
        c *= 2;
    p = xrealloc(p, c * elem);
    *cap = c;
    return p;
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = xmalloc(n);
    memcpy(p, s, n);
    return p;
}

char *xstrndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = xmalloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}
