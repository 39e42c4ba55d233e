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

#endif
