/* SPDX-License-Identifier: MIT */
/* sim/rng.h: derivation of independent random streams from one master seed.
 * A stream's seed depends only on the master seed and the stream's name, so
 * policies compared on one seed see the same arrivals (common random numbers).
 * Ownership: the caller frees what sim_rng_create() returns with gsl_rng_free(). */
#ifndef SIM_RNG_H
#define SIM_RNG_H

#include <gsl/gsl_rng.h>
#include <stdint.h>

/* A 64-bit seed for stream `name` under `master` (splitmix64 over FNV-1a). */
uint64_t sim_rng_derive(uint64_t master, const char *name);
/* xoshiro256** as a GSL generator type (64-bit outputs; gsl_rng_set()
 * fills the state from the seed with splitmix64). */
extern const gsl_rng_type *sim_rng_xoshiro256ss;
/* For tests: sets a xoshiro256** stream's state words directly. */
void sim_xoshiro_seed_state(void *state, const uint64_t s[4]);
/* An xoshiro256** stream seeded by sim_rng_derive(). */
gsl_rng *sim_rng_create(uint64_t master, const char *name);

/* xoshiro256**'s state and step, shared by the gsl_rng_type in rng.c and
 * the code that draws from a stream's state directly (the ziggurat, the
 * balancer's draws made ahead). */
struct sim_xoshiro {
    uint64_t s[4];
};

static inline uint64_t sim_xoshiro_next(struct sim_xoshiro *x)
{
    uint64_t *s = x->s;
    uint64_t r1 = s[1] * 5, result = ((r1 << 7) | (r1 >> 57)) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return result;
}

/* A double in [0, 1): the top 53 bits of the next output times 2^-53. */
static inline double sim_xoshiro_double(struct sim_xoshiro *x)
{
    return (double)(sim_xoshiro_next(x) >> 11) * 0x1.0p-53;
}

#endif
