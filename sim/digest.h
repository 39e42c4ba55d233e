/* SPDX-License-Identifier: MIT */
/* sim/digest.h: a 128-bit FNV-1a digest, for telling whether two inputs
 * (a resolved model, a sweep point) are the same. It detects changes; it is
 * not meant to resist someone forging a collision.
 * Ownership: struct sim_digest is caller storage. */
#ifndef SIM_DIGEST_H
#define SIM_DIGEST_H

#include <stddef.h>

struct sim_digest {
    unsigned __int128 h;
};

void sim_digest_init(struct sim_digest *d);
void sim_digest_add(struct sim_digest *d, const void *data, size_t n);
void sim_digest_str(struct sim_digest *d, const char *s); /* with its NUL */
/* 32 lowercase hex digits and a NUL. */
void sim_digest_hex(const struct sim_digest *d, char out[33]);

#endif
