/* SPDX-License-Identifier: MIT */
/* sim/digest.c: FNV-1a with the 128-bit offset basis and prime of the FNV
 * specification (Fowler, Noll, Vo; IETF draft-eastlake-fnv). */
#include "sim/digest.h"

#include <stdio.h>
#include <string.h>

#define FNV128_PRIME (((unsigned __int128)0x0000000001000000ULL << 64) | 0x000000000000013BULL)
#define FNV128_BASIS (((unsigned __int128)0x6c62272e07bb0142ULL << 64) | 0x62b821756295c58dULL)

void sim_digest_init(struct sim_digest *d)
{
    d->h = FNV128_BASIS;
}

void sim_digest_add(struct sim_digest *d, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        d->h ^= p[i];
        d->h *= FNV128_PRIME;
    }
}

void sim_digest_str(struct sim_digest *d, const char *s)
{
    sim_digest_add(d, s, strlen(s) + 1);
}

void sim_digest_hex(const struct sim_digest *d, char out[33])
{
    snprintf(out, 33, "%016llx%016llx", (unsigned long long)(d->h >> 64), (unsigned long long)d->h);
}
