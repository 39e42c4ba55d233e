/* SPDX-License-Identifier: MIT */
/* sim/ziggurat.h: exponential draws by the ziggurat method of Marsaglia and
 * Tsang (2000), 256 layers, on an xoshiro256** stream: 97.8% of draws take
 * one output, a table lookup and a multiplication, with no logarithm.
 * Ownership: the tables are the module's, computed once at load time and
 * read-only after. */
#ifndef SIM_ZIGGURAT_H
#define SIM_ZIGGURAT_H

#include "sim/rng.h"

#include <stdint.h>

#define SIM_ZIG_LAYERS 256

/* An exponential value of mean 1 from the stream x. Takes one output of x
 * most of the time, more in the wedges and the tail; every value >= 0. */
double sim_zig_exp(struct sim_xoshiro *x);

/* For tests: layer i's right edge x_i (i in 0..SIM_ZIG_LAYERS; x_0 is the
 * base layer's width, area / f(r), and x_SIM_ZIG_LAYERS = 0), and the layer
 * area every layer has. */
double sim_zig_edge(int i);
double sim_zig_area(void);

#endif
