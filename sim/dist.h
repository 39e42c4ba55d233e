/* SPDX-License-Identifier: MIT */
/* sim/dist.h: random distributions as written in model files:
 * const(x), exp(mean), uniform(a, b), lognormal(mean, cv), gamma(mean, cv),
 * pareto(mean, alpha), empirical("file.csv"), and sum(d1, d2, ...) of up to
 * SIM_DIST_PARTS of those, drawn independently and added (a boot made of
 * phases, each measured on its own).
 * Ownership: sim_dist_init_parse() fills caller storage; sim_dist_fini() frees
 * the empirical table and the terms of a sum it may hold. */
#ifndef SIM_DIST_H
#define SIM_DIST_H

#include <gsl/gsl_rng.h>
#include <stddef.h>

enum sim_dist_kind {
    SIM_DIST_CONST,
    SIM_DIST_EXP,
    SIM_DIST_UNIFORM,
    SIM_DIST_LOGNORMAL,
    SIM_DIST_GAMMA,
    SIM_DIST_PARETO,
    SIM_DIST_EMPIRICAL,
    SIM_DIST_SUM,
};

#define SIM_DIST_PARTS 8

/* What the arguments of a distribution measure. */
enum sim_dist_unit {
    SIM_DIST_SECONDS, /* durations: "2ms", or bare seconds */
    SIM_DIST_PLAIN,   /* plain numbers */
    SIM_DIST_BYTES,   /* sizes: "1KiB", or bare bytes */
};

struct sim_dist {
    enum sim_dist_kind kind;
    double p1, p2; /* kind-specific parameters, in base units */
    double mean;   /* the distribution's mean */
    double *table; /* empirical values, sorted */
    size_t ntable;
    struct sim_dist *parts; /* sum: the terms */
    size_t nparts;
};

/* Parses text into d. base_dir (may be NULL) resolves a relative empirical
 * file. Returns 0, or SIM_EINVAL / SIM_EIO with a reason in err (which names
 * the empirical file and line when that file is at fault). */
int sim_dist_init_parse(struct sim_dist *d, const char *text, enum sim_dist_unit unit,
                        const char *base_dir, char *err, size_t errlen);
/* A constant distribution. */
void sim_dist_init_const(struct sim_dist *d, double value);
void sim_dist_fini(struct sim_dist *d);

/* An exponential draw: by the ziggurat (sim/ziggurat.h) on an xoshiro256**
 * stream (every stream of the engine), by inversion, -mean log(U) with U
 * uniform on (0, 1], on any other. */
double sim_exp_draw(gsl_rng *r, double mean);

/* Draws one value (>= 0 for every kind above with valid parameters). */
double sim_dist_sample(const struct sim_dist *d, gsl_rng *r);

#endif
