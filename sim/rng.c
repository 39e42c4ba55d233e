/* SPDX-License-Identifier: MIT */
/* sim/rng.c: named stream seeding, and xoshiro256** (Blackman and Vigna,
 * "Scrambled linear pseudorandom number generators", 2021) registered as a
 * gsl_rng_type, so that every GSL distribution draws from it: 32 bytes of
 * state per stream (MT19937 has 2.5 KB) and no table refill. Its 256-bit
 * state is filled from the 64-bit seed by splitmix64, as its authors
 * recommend; doubles are the top 53 bits times 2^-53. */
#include "sim/rng.h"

#include "sim/xalloc.h"

#include <limits.h>
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

void sim_xoshiro_seed_state(void *state, const uint64_t s[4])
{
    struct sim_xoshiro *x = state;
    for (int i = 0; i < 4; i++)
        x->s[i] = s[i];
}

static void xoshiro_set(void *state, unsigned long seed)
{
    struct sim_xoshiro *x = state;
    uint64_t z = seed;
    for (int i = 0; i < 4; i++) {
        z += 0x9e3779b97f4a7c15ULL; /* splitmix64, kept in step */
        uint64_t y = z;
        y = (y ^ (y >> 30)) * 0xbf58476d1ce4e5b9ULL;
        y = (y ^ (y >> 27)) * 0x94d049bb133111ebULL;
        x->s[i] = y ^ (y >> 31);
    }
}

static unsigned long xoshiro_get(void *state)
{
    return (unsigned long)sim_xoshiro_next(state);
}

static double xoshiro_get_double(void *state)
{
    return sim_xoshiro_double(state);
}

static const gsl_rng_type xoshiro_type = {
    "xoshiro256**",             /* name */
    ULONG_MAX,                  /* max */
    0,                          /* min */
    sizeof(struct sim_xoshiro), /* size of the state */
    xoshiro_set,
    xoshiro_get,
    xoshiro_get_double,
};

const gsl_rng_type *sim_rng_xoshiro256ss = &xoshiro_type;

gsl_rng *sim_rng_create(uint64_t master, const char *name)
{
    gsl_rng *r = gsl_rng_alloc(sim_rng_xoshiro256ss);
    if (!r) {
        fprintf(stderr, "uksim: out of memory (random stream)\n");
        exit(1);
    }
    gsl_rng_set(r, (unsigned long)sim_rng_derive(master, name));
    return r;
}
