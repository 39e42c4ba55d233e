/* SPDX-License-Identifier: MIT */
/* sim/strbuf.c: growable strings and path joining. */
#include "sim/strbuf.h"

#include "sim/xalloc.h"

#include <stdarg.h>
#include <stdio.h>

void sim_buf_printf(struct sim_buf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = b->cap - b->n;
        int k = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? room : 0, fmt, ap);
        va_end(ap);
        if (k < 0)
            return;
        if ((size_t)k < room) {
            b->n += (size_t)k;
            return;
        }
        b->p = xgrow(b->p, &b->cap, b->n + (size_t)k + 1 + 4096, 1);
    }
}

void sim_path_join(char *out, size_t size, const char *base, const char *file)
{
    if (file[0] == '/' || !base || !base[0])
        snprintf(out, size, "%s", file);
    else
        snprintf(out, size, "%s/%s", base, file);
}

char *sim_path_join_new(const char *base, const char *file)
{
    struct sim_buf b = {0};
    if (file[0] == '/' || !base || !base[0])
        sim_buf_printf(&b, "%s", file);
    else
        sim_buf_printf(&b, "%s/%s", base, file);
    return b.p ? b.p : xstrdup("");
}
