/* SPDX-License-Identifier: MIT */
/* sim/rng.c: named stream seeding. MT19937 takes a 32-bit seed, so the derived
 * 64-bit value is folded; with a few thousand streams the chance that two share
 * a seed is below 1e-3 per million runs, which we accept for simplicity. */
#include "sim/rng.h"

#include "sim/xalloc.h"

#include <stdio.h>
#include <stdlib.h>

static uint64_t splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

uint64_t sim_rng_derive(uint64_t master, const char *name)
{
    uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ULL;
    }
    return splitmix64(splitmix64(master) ^ h);
}

gsl_rng *sim_rng_create(uint64_t master, const char *name)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!r) {
        fprintf(stderr, "uksim: out of memory (random stream)\n");
        abort();
    }
    uint64_t s = sim_rng_derive(master, name);
    gsl_rng_set(r, (unsigned long)((s ^ (s >> 32)) & 0xffffffffUL));
    return r;
}
