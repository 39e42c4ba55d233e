/* SPDX-License-Identifier: MIT */
/* models/workload.h: open-loop request arrivals with a time-varying rate.
 * Rate profiles: const(r), step(r0, r1, t), ramp(r0, r1, t0, t1),
 * spike(base, peak, t, width), diurnal(mean, amplitude, period). A
 * non-homogeneous Poisson process is drawn by thinning (Lewis and Shedler)
 * against the profile's maximum rate.
 * Ownership: struct wl_spec is plain data; struct wl_arrivals is caller storage. */
#ifndef MODELS_WORKLOAD_H
#define MODELS_WORKLOAD_H

#include <gsl/gsl_rng.h>
#include <stddef.h>
#include <stdint.h>

enum wl_rate_kind {
    WL_RATE_CONST,
    WL_RATE_STEP,
    WL_RATE_RAMP,
    WL_RATE_SPIKE,
    WL_RATE_DIURNAL,
};

struct wl_rate {
    enum wl_rate_kind kind;
    double p[4]; /* rates in 1/s, times in s, as written */
};

struct wl_spec {
    int entry;           /* service index */
    int line;            /* where the workload is written */
    struct wl_rate rate;
};

/* Parses a rate profile; returns 0 or SIM_EINVAL with a reason in err. */
int wl_rate_parse(struct wl_rate *r, const char *text, char *err, size_t errlen);
/* The rate at time t seconds, and an upper bound over all t. */
double wl_rate_at(const struct wl_rate *r, double t);
double wl_rate_max(const struct wl_rate *r);

/* Draws the next arrival time (s) strictly after t, or INFINITY if the rate is
 * zero from t on. */
double wl_next_arrival(const struct wl_rate *r, double t, gsl_rng *rng);

#endif
