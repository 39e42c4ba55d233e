/* SPDX-License-Identifier: MIT */
/* sim/err.c: error strings and diagnostic formatting. */
#include "sim/err.h"

#include <stdio.h>
#include <string.h>

const char *sim_strerror(int err)
{
    switch (err) {
    case SIM_OK: return "success";
    case SIM_EINVAL: return "invalid value";
    case SIM_ENOMEM: return "out of memory";
    case SIM_ECONFIG: return "bad model file";
    case SIM_EIO: return "input/output error";
    case SIM_ERANGE: return "value out of range";
    case SIM_EGSL: return "numerical library error";
    default: return "unknown error";
    }
}

int sim_diag_set(struct sim_diag *d, int err, const char *file, int line, const char *fmt, ...)
{
    if (!d)
        return err;
    snprintf(d->file, sizeof d->file, "%s", file ? file : "");
    d->line = line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->msg, sizeof d->msg, fmt, ap);
    va_end(ap);
    return err;
}

void sim_diag_format(const struct sim_diag *d, char *buf, unsigned long size)
{
    if (d->file[0] && d->line > 0)
        snprintf(buf, size, "%s:%d: %s", d->file, d->line, d->msg);
    else if (d->file[0])
        snprintf(buf, size, "%s: %s", d->file, d->msg);
    else
        snprintf(buf, size, "%s", d->msg);
}
