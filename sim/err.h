/* SPDX-License-Identifier: MIT */
/* sim/err.h: error codes and diagnostics shared by every module.
 * A function that can fail returns 0 or one of the negative codes below; a
 * loader also fills an optional struct sim_diag with the file, line and message.
 * Ownership: struct sim_diag is caller storage; nothing here allocates. */
#ifndef SIM_ERR_H
#define SIM_ERR_H

#include <stdarg.h>

enum {
    SIM_OK = 0,
    SIM_EINVAL = -1,  /* invalid argument or value */
    SIM_ENOMEM = -2,  /* out of memory where the caller can recover */
    SIM_ECONFIG = -3, /* model file could not be read or parsed */
    SIM_EIO = -4,     /* reading or writing a file failed */
    SIM_ERANGE = -5,  /* value out of range */
    SIM_EGSL = -6,    /* a GSL routine reported an error */
};

/* Returns a static, human-readable explanation of an error code. */
const char *sim_strerror(int err);

/* Where and why an input was rejected. line 0 means "no line". */
struct sim_diag {
    char file[256];
    int line;
    char msg[512];
};

/* Fills d (if not NULL) with file, line and a printf-style message; returns err
 * so a caller can write `return sim_diag_set(d, SIM_ECONFIG, ...)`. */
int sim_diag_set(struct sim_diag *d, int err, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Formats d as "file:line: message" (or "file: message" without a line) into buf. */
void sim_diag_format(const struct sim_diag *d, char *buf, unsigned long size);

#endif
