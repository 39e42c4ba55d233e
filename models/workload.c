/* SPDX-License-Identifier: MIT */
/* models/workload.c: rate profiles and thinning. The majorant used at time t is
 * the profile's maximum over [t, inf), which never increases with t, so
 * thinning stays exact and ends when the rate drops to zero for good. */
#include "models/workload.h"

#include "sim/err.h"
#include "sim/units.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

struct rate_info {
    const char *name;
    enum wl_rate_kind kind;
    int nargs;
    const char *usage;
    const char *is_time; /* per argument: 'r' rate, 't' time */
};

static const struct rate_info rates[] = {
    {"const", WL_RATE_CONST, 1, "const(r)", "r"},
    {"step", WL_RATE_STEP, 3, "step(r0, r1, t)", "rrt"},
    {"ramp", WL_RATE_RAMP, 4, "ramp(r0, r1, t0, t1)", "rrtt"},
    {"spike", WL_RATE_SPIKE, 4, "spike(base, peak, t, width)", "rrtt"},
    {"diurnal", WL_RATE_DIURNAL, 3, "diurnal(mean, amplitude, period)", "rrt"},
};

int wl_rate_parse(struct wl_rate *r, const char *text, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    struct sim_call c;
    if (sim_call_parse(text, &c, err, errlen))
        return SIM_EINVAL;
    const struct rate_info *k = NULL;
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++)
        if (strcmp(rates[i].name, c.name) == 0)
            k = &rates[i];
    if (!k) {
        if (strcmp(c.name, "trace") == 0)
            snprintf(err, errlen, "trace(\"file.csv\") rate profiles are not supported yet");
        else
            snprintf(err, errlen,
                     "unknown rate profile \"%s\" (expected const, step, ramp, spike or diurnal)",
                     c.name);
        return SIM_EINVAL;
    }
    if (c.nargs != k->nargs) {
        snprintf(err, errlen, "%s takes %d argument%s: %s", k->name, k->nargs,
                 k->nargs == 1 ? "" : "s", k->usage);
        return SIM_EINVAL;
    }
    r->kind = k->kind;
    for (int i = 0; i < k->nargs; i++) {
        int bad = k->is_time[i] == 't' ? sim_parse_duration(c.args[i], &r->p[i])
                                       : sim_parse_number(c.args[i], &r->p[i]);
        if (bad || r->p[i] < 0) {
            snprintf(err, errlen, "%s: \"%s\" is not a non-negative %s", k->usage, c.args[i],
                     k->is_time[i] == 't' ? "duration" : "rate");
            return SIM_EINVAL;
        }
    }
    if (k->kind == WL_RATE_RAMP && !(r->p[3] > r->p[2])) {
        snprintf(err, errlen, "ramp(r0, r1, t0, t1): need t1 > t0");
        return SIM_EINVAL;
    }
    if (k->kind == WL_RATE_DIURNAL && (r->p[1] > r->p[0] || !(r->p[2] > 0))) {
        snprintf(err, errlen, "diurnal(mean, amplitude, period): need amplitude <= mean and "
                              "period > 0");
        return SIM_EINVAL;
    }
    return 0;
}

double wl_rate_at(const struct wl_rate *r, double t)
{
    const double *p = r->p;
    switch (r->kind) {
    case WL_RATE_CONST: return p[0];
    case WL_RATE_STEP: return t < p[2] ? p[0] : p[1];
    case WL_RATE_RAMP:
        if (t <= p[2])
            return p[0];
        if (t >= p[3])
            return p[1];
        return p[0] + (p[1] - p[0]) * (t - p[2]) / (p[3] - p[2]);
    case WL_RATE_SPIKE: return (t >= p[2] && t < p[2] + p[3]) ? p[1] : p[0];
    case WL_RATE_DIURNAL: return p[0] + p[1] * sin(2.0 * M_PI * t / p[2]);
    }
    return 0;
}

/* The maximum of the rate over [t, inf). */
static double max_from(const struct wl_rate *r, double t)
{
    const double *p = r->p;
    switch (r->kind) {
    case WL_RATE_CONST: return p[0];
    case WL_RATE_STEP: return t < p[2] ? fmax(p[0], p[1]) : p[1];
    case WL_RATE_RAMP: return t < p[3] ? fmax(wl_rate_at(r, t), p[1]) : p[1];
    case WL_RATE_SPIKE: return t < p[2] + p[3] ? fmax(p[0], p[1]) : p[0];
    case WL_RATE_DIURNAL: return p[0] + p[1];
    }
    return 0;
}

double wl_rate_max(const struct wl_rate *r) { return max_from(r, -INFINITY); }

double wl_next_arrival(const struct wl_rate *r, double t, gsl_rng *rng)
{
    for (;;) {
        double lmax = max_from(r, t);
        if (!(lmax > 0))
            return INFINITY;
        t += gsl_ran_exponential(rng, 1.0 / lmax);
        if (r->kind == WL_RATE_CONST || gsl_rng_uniform(rng) * lmax < wl_rate_at(r, t))
            return t;
    }
}
