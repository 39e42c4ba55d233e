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
/* A Mersenne Twister (gsl_rng_mt19937) stream seeded by sim_rng_derive(). */
gsl_rng *sim_rng_create(uint64_t master, const char *name);

#endif
