/* SPDX-License-Identifier: MIT */
/* models/workload.h: open-loop request arrivals with a time-varying rate.
 * Rate profiles: const(r), step(r0, r1, t), ramp(r0, r1, t0, t1),
 * spike(base, peak, t, width), diurnal(mean, amplitude, period),
 * trace("file.csv") (rows "time,rate": each rate holds from its time to the
 * next row's, the last one forever, and the rate is 0 before the first). A
 * non-homogeneous Poisson process is drawn by thinning (Lewis and Shedler)
 * against the profile's maximum rate.
 * Ownership: struct wl_spec is plain data; struct wl_arrivals is caller storage. */
#ifndef MODELS_WORKLOAD_H
#define MODELS_WORKLOAD_H

#include "sim/dist.h"

#include <gsl/gsl_rng.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum wl_rate_kind {
    WL_RATE_CONST,
    WL_RATE_STEP,
    WL_RATE_RAMP,
    WL_RATE_SPIKE,
    WL_RATE_DIURNAL,
    WL_RATE_TRACE,
};

/* Highest rate a profile may reach: one request per nanosecond. */
#define WL_RATE_MAX 1e9

struct wl_rate {
    enum wl_rate_kind kind;
    double p[4];    /* rates in 1/s, times in s, as written */
    double *t, *r;  /* trace rows, times increasing */
    double *suffix; /* max of r[i..] */
    size_t n;
};

/* A request class: its entry service, share of the load and request size. */
struct wl_class {
    char *name;
    int entry;            /* service index */
    double share;         /* normalised: the shares sum to 1 */
    struct sim_dist size; /* bytes of the client's request */
    int line;
};

enum wl_kind { WL_OPEN, WL_CLOSED };

struct wl_spec {
    int line; /* where the workload is written */
    enum wl_kind kind;
    struct wl_rate rate; /* WL_OPEN: total arrival rate */
    uint32_t users;      /* WL_CLOSED: users, each sending after a think time */
    struct sim_dist think;
    struct wl_class *classes; /* at least one */
    size_t nclasses;
    int zone; /* where the clients are */
};

/* Parses a rate profile; base_dir (may be NULL) resolves a trace file.
 * Returns 0 or SIM_EINVAL / SIM_EIO with a reason in err (file:line for a
 * bad trace row). */
int wl_rate_parse(struct wl_rate *r, const char *text, const char *base_dir, char *err,
                  size_t errlen);
void wl_rate_fini(struct wl_rate *r);
/* The rate at time t seconds, and an upper bound over all t. */
double wl_rate_at(const struct wl_rate *r, double t);
double wl_rate_max(const struct wl_rate *r);

/* The class of the next request, drawn by share from r (no draw with one
 * class). */
size_t wl_draw_class(const struct wl_spec *wl, gsl_rng *r);

/* Draws the next arrival time (s) strictly after t, or INFINITY if the rate is
 * zero from t on. */
double wl_next_arrival(const struct wl_rate *r, double t, gsl_rng *rng);

#endif
