/* SPDX-License-Identifier: MIT */
/* sim/dist.c: distribution parsing and sampling on GSL. Parameters are stored
 * in the form GSL's samplers take, converted once at parse time. */
#include "sim/dist.h"

#include "sim/datafile.h"
#include "sim/err.h"
#include "sim/rng.h"
#include "sim/strbuf.h"
#include "sim/units.h"
#include "sim/xalloc.h"
#include "sim/ziggurat.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int arg_value(const char *text, enum sim_dist_unit unit, double *v)
{
    if (unit == SIM_DIST_SECONDS)
        return sim_parse_duration(text, v);
    if (unit == SIM_DIST_BYTES)
        return sim_parse_size(text, v);
    return sim_parse_number(text, v);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int load_empirical(struct sim_dist *d, const char *file, enum sim_dist_unit unit,
                          const char *base_dir, char *err, size_t errlen)
{
    char *path = sim_path_join_new(base_dir, file);
    char why[300];
    FILE *f = sim_data_open(path, why, sizeof why);
    if (!f) {
        snprintf(err, errlen, "empirical: %s", why);
        free(path);
        return SIM_EIO;
    }
    char *line = NULL;
    size_t line_cap = 0;
    size_t cap = 0, n = 0;
    double *t = NULL;
    int lineno = 0;
    while (sim_data_line(f, &line, &line_cap)) {
        lineno++;
        char *c = strchr(line, ',');
        if (c)
            *c = '\0';
        char *h = strchr(line, '#');
        if (h)
            *h = '\0';
        char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        size_t len = strlen(s);
        while (len && (s[len - 1] == '\n' || s[len - 1] == '\r' || s[len - 1] == ' '))
            s[--len] = '\0';
        if (!len)
            continue;
        double v;
        if (arg_value(s, unit, &v) || !(v >= 0) || !isfinite(v)) {
            if (n == 0 && lineno == 1)
                continue; /* a header row */
            snprintf(err, errlen, "%s:%d: not a non-negative value: \"%s\"", path, lineno, s);
            free(t);
            fclose(f);
            free(line);
            free(path);
            return SIM_EINVAL;
        }
        t = xgrow(t, &cap, n + 1, sizeof *t);
        t[n++] = v;
    }
    fclose(f);
    free(line);
    if (n == 0) {
        snprintf(err, errlen, "%s: no values", path);
        free(path);
        return SIM_EINVAL;
    }
    free(path);
    qsort(t, n, sizeof *t, cmp_double);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += t[i];
    d->table = t;
    d->ntable = n;
    d->mean = sum / (double)n;
    return 0;
}

/* Indexed by enum sim_dist_kind. */
static const struct sim_call_sig sigs[] = {
    [SIM_DIST_CONST] = {"const", 1, "const(x)"},
    [SIM_DIST_EXP] = {"exp", 1, "exp(mean)"},
    [SIM_DIST_UNIFORM] = {"uniform", 2, "uniform(a, b)"},
    [SIM_DIST_LOGNORMAL] = {"lognormal", 2, "lognormal(mean, cv)"},
    [SIM_DIST_GAMMA] = {"gamma", 2, "gamma(mean, cv)"},
    [SIM_DIST_PARETO] = {"pareto", 2, "pareto(mean, alpha)"},
    [SIM_DIST_EMPIRICAL] = {"empirical", 1, "empirical(\"file.csv\")"},
};

void sim_dist_init_const(struct sim_dist *d, double value)
{
    memset(d, 0, sizeof *d);
    d->kind = SIM_DIST_CONST;
    d->p1 = value;
    d->mean = value;
}

/* sum(d1, d2, ...): the terms split at the commas outside parentheses and
 * quotes; a term is any distribution but a sum. */
static int parse_sum(struct sim_dist *d, const char *text, enum sim_dist_unit unit,
                     const char *base_dir, char *err, size_t errlen)
{
    const char *open = strchr(text, '('), *close = strrchr(text, ')');
    const char *tail = close ? close + 1 : NULL;
    while (tail && (*tail == ' ' || *tail == '\t'))
        tail++;
    if (!open || !close || close < open || *tail) {
        snprintf(err, errlen, "sum(d1, d2, ...): expected distributions in parentheses");
        return SIM_EINVAL;
    }
    d->kind = SIM_DIST_SUM;
    d->parts = xcalloc(SIM_DIST_PARTS, sizeof *d->parts);
    const char *p = open + 1;
    for (;;) {
        int depth = 0;
        bool quoted = false;
        const char *q = p;
        for (; q < close && (depth > 0 || quoted || *q != ','); q++) {
            if (*q == '"')
                quoted = !quoted;
            else if (!quoted && *q == '(')
                depth++;
            else if (!quoted && *q == ')')
                depth--;
        }
        if (d->nparts == SIM_DIST_PARTS) {
            snprintf(err, errlen, "sum(...): at most %d terms", SIM_DIST_PARTS);
            return SIM_EINVAL;
        }
        char *term = xstrndup(p, (size_t)(q - p));
        const char *t = term;
        while (*t == ' ' || *t == '\t')
            t++;
        int rc = SIM_EINVAL;
        if (!strncmp(t, "sum", 3))
            snprintf(err, errlen, "sum(...): a term cannot be a sum");
        else
            rc = sim_dist_init_parse(&d->parts[d->nparts], term, unit, base_dir, err, errlen);
        free(term);
        if (rc)
            return rc;
        d->mean += d->parts[d->nparts++].mean;
        if (q >= close)
            break;
        p = q + 1;
    }
    return 0;
}

int sim_dist_init_parse(struct sim_dist *d, const char *text, enum sim_dist_unit unit,
                        const char *base_dir, char *err, size_t errlen)
{
    memset(d, 0, sizeof *d);
    const char *t = text;
    while (*t == ' ' || *t == '\t')
        t++;
    if (!strncmp(t, "sum", 3) && (t[3] == '(' || t[3] == ' ')) {
        int rc = parse_sum(d, t, unit, base_dir, err, errlen);
        if (rc)
            sim_dist_fini(d);
        return rc;
    }
    struct sim_call c;
    int idx = sim_call_parse_sig(text, sigs, sizeof sigs / sizeof sigs[0], "distribution", &c, err,
                                 errlen);
    if (idx < 0)
        return SIM_EINVAL;
    const struct sim_call_sig *k = &sigs[idx];
    d->kind = (enum sim_dist_kind)idx;
    if (d->kind == SIM_DIST_EMPIRICAL)
        return load_empirical(d, c.args[0], unit, base_dir, err, errlen);
    double a, b = 0;
    if (arg_value(c.args[0], unit, &a)) {
        snprintf(err, errlen, "%s: \"%s\" is not a %s", k->usage, c.args[0],
                 unit == SIM_DIST_SECONDS ? "non-negative duration"
                 : unit == SIM_DIST_BYTES ? "non-negative size"
                                          : "number");
        return SIM_EINVAL;
    }
    /* The second argument is a duration only for uniform(a, b). */
    enum sim_dist_unit u2 = d->kind == SIM_DIST_UNIFORM ? unit : SIM_DIST_PLAIN;
    if (k->nargs == 2 && arg_value(c.args[1], u2, &b)) {
        snprintf(err, errlen, "%s: \"%s\" is not a number", k->usage, c.args[1]);
        return SIM_EINVAL;
    }
    switch (d->kind) {
    case SIM_DIST_CONST:
        d->p1 = a;
        d->mean = a;
        break;
    case SIM_DIST_EXP:
        if (!(a > 0)) {
            snprintf(err, errlen, "exp(mean): mean must be > 0");
            return SIM_EINVAL;
        }
        d->p1 = a;
        d->mean = a;
        break;
    case SIM_DIST_UNIFORM:
        if (!(b >= a) || a < 0) {
            snprintf(err, errlen, "uniform(a, b): need 0 <= a <= b");
            return SIM_EINVAL;
        }
        d->p1 = a;
        d->p2 = b;
        d->mean = (a + b) / 2;
        break;
    case SIM_DIST_LOGNORMAL:
        if (!(a > 0) || !(b > 0)) {
            snprintf(err, errlen, "lognormal(mean, cv): mean and cv must be > 0");
            return SIM_EINVAL;
        }
        d->p2 = sqrt(log1p(b * b));           /* sigma */
        d->p1 = log(a) - d->p2 * d->p2 / 2.0; /* mu */
        d->mean = a;
        break;
    case SIM_DIST_GAMMA:
        if (!(a > 0) || !(b > 0)) {
            snprintf(err, errlen, "gamma(mean, cv): mean and cv must be > 0");
            return SIM_EINVAL;
        }
        d->p1 = 1.0 / (b * b); /* shape */
        d->p2 = a / d->p1;     /* scale */
        d->mean = a;
        break;
    case SIM_DIST_PARETO:
        if (!(a > 0) || !(b > 1)) {
            snprintf(err, errlen, "pareto(mean, alpha): mean must be > 0 and alpha > 1");
            return SIM_EINVAL;
        }
        d->p1 = b;                 /* alpha */
        d->p2 = a * (b - 1.0) / b; /* scale x_m */
        d->mean = a;
        break;
    case SIM_DIST_EMPIRICAL:
    case SIM_DIST_SUM: break;
    }
    return 0;
}

void sim_dist_fini(struct sim_dist *d)
{
    for (size_t i = 0; i < d->nparts; i++)
        sim_dist_fini(&d->parts[i]);
    free(d->parts);
    d->parts = NULL;
    d->nparts = 0;
    free(d->table);
    d->table = NULL;
    d->ntable = 0;
}

double sim_exp_draw(gsl_rng *r, double mean)
{
    if (r->type == sim_rng_xoshiro256ss)
        return mean * sim_zig_exp(r->state);
    /* 1 - U lies in (0, 1]: log() of it is finite, and faster than log1p(). */
    return -mean * log(1.0 - gsl_rng_uniform(r));
}

double sim_dist_sample(const struct sim_dist *d, gsl_rng *r)
{
    switch (d->kind) {
    case SIM_DIST_CONST: return d->p1;
    case SIM_DIST_EXP: return sim_exp_draw(r, d->p1);
    case SIM_DIST_UNIFORM: return gsl_ran_flat(r, d->p1, d->p2);
    case SIM_DIST_LOGNORMAL: return gsl_ran_lognormal(r, d->p1, d->p2);
    case SIM_DIST_GAMMA: return gsl_ran_gamma(r, d->p1, d->p2);
    case SIM_DIST_PARETO: return gsl_ran_pareto(r, d->p1, d->p2);
    case SIM_DIST_EMPIRICAL: return d->table[gsl_rng_uniform_int(r, d->ntable)];
    case SIM_DIST_SUM: {
        double x = 0;
        for (size_t i = 0; i < d->nparts; i++)
            x += sim_dist_sample(&d->parts[i], r);
        return x;
    }
    }
    return 0;
}
