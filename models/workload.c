/* SPDX-License-Identifier: MIT */
/* models/workload.c: rate profiles and thinning. The majorant used at time t is
 * the profile's maximum over [t, inf), which never increases with t, so
 * thinning stays exact and ends when the rate drops to zero for good. */
#include "models/workload.h"

#include "sim/err.h"
#include "sim/datafile.h"
#include "sim/strbuf.h"
#include "sim/units.h"
#include "sim/xalloc.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Indexed by enum wl_rate_kind. */
static const struct sim_call_sig sigs[] = {
    [WL_RATE_CONST] = {"const", 1, "const(r)"},
    [WL_RATE_STEP] = {"step", 3, "step(r0, r1, t)"},
    [WL_RATE_RAMP] = {"ramp", 4, "ramp(r0, r1, t0, t1)"},
    [WL_RATE_SPIKE] = {"spike", 4, "spike(base, peak, t, width)"},
    [WL_RATE_DIURNAL] = {"diurnal", 3, "diurnal(mean, amplitude, period)"},
    [WL_RATE_TRACE] = {"trace", 1, "trace(\"file.csv\")"},
};
/* Per argument: 'r' a rate, 't' a time. */
static const char *const arg_kinds[] = {"r", "rrt", "rrtt", "rrtt", "rrt"};

static int load_trace(struct wl_rate *r, const char *file, const char *base_dir, char *err,
                      size_t errlen)
{
    char *path = sim_path_join_new(base_dir, file);
    char why[300];
    FILE *f = sim_data_open(path, why, sizeof why);
    if (!f) {
        snprintf(err, errlen, "trace: %s", why);
        free(path);
        return SIM_EIO;
    }
    char *line = NULL;
    size_t line_cap = 0;
    size_t cap = 0, cap2 = 0;
    int lineno = 0;
    while (sim_data_line(f, &line, &line_cap)) {
        lineno++;
        char *h = strchr(line, '#');
        if (h)
            *h = '\0';
        char *comma = strchr(line, ',');
        char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s || *s == '\n' || *s == '\r')
            continue;
        double t, v;
        if (comma)
            *comma = '\0';
        char *rate = comma ? comma + 1 : NULL;
        if (rate) {
            size_t len = strlen(rate);
            while (len && (rate[len - 1] == '\n' || rate[len - 1] == '\r'))
                rate[--len] = '\0';
        }
        if (!rate || sim_parse_duration(s, &t) || sim_parse_number(rate, &v) || !(v >= 0) ||
            !(v <= WL_RATE_MAX) || !(t <= 1e9)) {
            if (r->n == 0 && lineno == 1)
                continue; /* a header row */
            snprintf(err, errlen,
                     "%s:%d: expected \"time,rate\" with a duration (at most 1e9 s) and a "
                     "rate in [0, 1e9] requests/s",
                     path, lineno);
            fclose(f);
            free(line);
            free(path);
            return SIM_EINVAL;
        }
        if (r->n && !(t > r->t[r->n - 1])) {
            snprintf(err, errlen, "%s:%d: times must increase", path, lineno);
            fclose(f);
            free(line);
            free(path);
            return SIM_EINVAL;
        }
        r->t = xgrow(r->t, &cap, r->n + 1, sizeof *r->t);
        r->r = xgrow(r->r, &cap2, r->n + 1, sizeof *r->r);
        r->t[r->n] = t;
        r->r[r->n++] = v;
    }
    fclose(f);
    free(line);
    if (r->n == 0) {
        snprintf(err, errlen, "%s: no rows", path);
        free(path);
        return SIM_EINVAL;
    }
    free(path);
    r->suffix = xmalloc(r->n * sizeof *r->suffix);
    for (size_t i = r->n; i-- > 0;)
        r->suffix[i] = i + 1 < r->n && r->suffix[i + 1] > r->r[i] ? r->suffix[i + 1] : r->r[i];
    return 0;
}

void wl_rate_fini(struct wl_rate *r)
{
    free(r->t);
    free(r->r);
    free(r->suffix);
    r->t = r->r = r->suffix = NULL;
    r->n = 0;
}

/* Index of the trace row in force at t, or -1 before the first. */
static long trace_row(const struct wl_rate *r, double t)
{
    size_t lo = 0, hi = r->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (r->t[mid] <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (long)lo - 1;
}

int wl_rate_parse(struct wl_rate *r, const char *text, const char *base_dir, char *err,
                  size_t errlen)
{
    memset(r, 0, sizeof *r);
    struct sim_call c;
    int idx = sim_call_parse_sig(text, sigs, sizeof sigs / sizeof sigs[0], "rate profile", &c, err,
                                 errlen);
    if (idx < 0)
        return SIM_EINVAL;
    if (idx == WL_RATE_TRACE) {
        r->kind = WL_RATE_TRACE;
        return load_trace(r, c.args[0], base_dir, err, errlen);
    }
    const struct sim_call_sig *k = &sigs[idx];
    const char *is_time = arg_kinds[idx];
    r->kind = (enum wl_rate_kind)idx;
    for (int i = 0; i < k->nargs; i++) {
        int bad = is_time[i] == 't' ? sim_parse_duration(c.args[i], &r->p[i])
                                    : sim_parse_number(c.args[i], &r->p[i]);
        if (bad || !(r->p[i] >= 0) || !isfinite(r->p[i])) {
            snprintf(err, errlen, "%s: \"%s\" is not a non-negative %s", k->usage, c.args[i],
                     is_time[i] == 't' ? "duration" : "rate");
            return SIM_EINVAL;
        }
        if (is_time[i] != 't' && r->p[i] > WL_RATE_MAX) {
            snprintf(err, errlen,
                     "%s: %s requests/s is beyond %g, one per nanosecond (the clock's "
                     "resolution)",
                     k->usage, c.args[i], WL_RATE_MAX);
            return SIM_EINVAL;
        }
        if (is_time[i] == 't' && r->p[i] > 1e9) {
            snprintf(err, errlen, "%s: %s is beyond 1e9 s", k->usage, c.args[i]);
            return SIM_EINVAL;
        }
    }
    if (r->kind == WL_RATE_RAMP && !(r->p[3] > r->p[2])) {
        snprintf(err, errlen, "ramp(r0, r1, t0, t1): need t1 > t0");
        return SIM_EINVAL;
    }
    if (r->kind == WL_RATE_DIURNAL && (r->p[1] > r->p[0] || !(r->p[2] > 0))) {
        snprintf(err, errlen,
                 "diurnal(mean, amplitude, period): need amplitude <= mean and "
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
    case WL_RATE_TRACE: {
        long i = trace_row(r, t);
        return i < 0 ? 0.0 : r->r[i];
    }
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
    case WL_RATE_TRACE: {
        long i = trace_row(r, t);
        return r->suffix[i < 0 ? 0 : i];
    }
    }
    return 0;
}

double wl_rate_max(const struct wl_rate *r)
{
    return max_from(r, -INFINITY);
}

double wl_next_arrival(const struct wl_rate *r, double t, gsl_rng *rng)
{
    for (;;) {
        double lmax = max_from(r, t);
        if (!(lmax > 0))
            return INFINITY;
        t += sim_exp_draw(rng, 1.0 / lmax);
        if (r->kind == WL_RATE_CONST || gsl_rng_uniform(rng) * lmax < wl_rate_at(r, t))
            return t;
    }
}

size_t wl_draw_class(const struct wl_spec *wl, gsl_rng *r)
{
    size_t c = 0;
    if (wl->nclasses > 1) {
        double u = gsl_rng_uniform(r), acc = 0;
        for (c = 0; c + 1 < wl->nclasses; c++) {
            acc += wl->classes[c].share;
            if (u < acc)
                break;
        }
    }
    return c;
}
