/* SPDX-License-Identifier: MIT */
/* cli/sweep_file.c: the sweep file (doc/sweeps.md): its keys and their
 * types, the points of its grid, and the check of every point before any
 * run. */
#include "config.h"

#include "cli/sweep_int.h"
#include "models/model.h"
#include "policies/policy.h"
#include "sim/digest.h"
#include "sim/revision.h"
#include "sim/strbuf.h"
#include "sim/xalloc.h"

#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (line > 0)
        fprintf(stderr, "uksim: %s:%d: ", file, line);
    else
        fprintf(stderr, "uksim: %s: ", file);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 2;
}

static int line_of(const config_setting_t *s)
{
    return s ? (int)config_setting_source_line(s) : 0;
}

/* A value of a libconfig setting as text for --set: strings as they are,
 * numbers in full precision. */
static char *value_text(const config_setting_t *s)
{
    struct sim_buf b = {0};
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_STRING: return xstrdup(config_setting_get_string(s));
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64: sim_buf_printf(&b, "%lld", config_setting_get_int64(s)); break;
    case CONFIG_TYPE_FLOAT: {
        /* The shortest text that reads back as the same number. */
        double v = config_setting_get_float(s);
        for (int prec = 15; prec <= 17; prec++) {
            free(b.p);
            b = (struct sim_buf){0};
            sim_buf_printf(&b, "%.*g", prec, v);
            if (strtod(b.p, NULL) == v)
                break;
        }
        break;
    }
    case CONFIG_TYPE_BOOL:
        sim_buf_printf(&b, "%s", config_setting_get_bool(s) ? "true" : "false");
        break;
    default: return NULL;
    }
    return b.p;
}

static int load_axis(struct sweep *w, const config_setting_t *e, const char *what)
{
    const char *key = NULL;
    const config_setting_t *vals = config_setting_get_member(e, "values");
    int line = line_of(e);
    if (!config_setting_is_group(e) || !config_setting_lookup_string(e, "key", &key) || !vals ||
        !config_setting_is_aggregate(vals) || config_setting_length(vals) == 0)
        return fail(w->file, line, "each %s entry is { key = \"model.path\"; values = (...); }",
                    what);
    if (w->nkeys == SWEEP_MAX_PARAMS)
        return fail(w->file, line, "at most %d varied keys", SWEEP_MAX_PARAMS);
    size_t n = (size_t)config_setting_length(vals);
    size_t k = w->nkeys++;
    w->keys[k] = xstrdup(key);
    w->values[k] = xcalloc(n, sizeof **w->values);
    w->nvalues[k] = n;
    w->value_line[k] = line_of(vals);
    for (size_t i = 0; i < n; i++) {
        w->values[k][i] = value_text(config_setting_get_elem(vals, (unsigned)i));
        if (!w->values[k][i])
            return fail(w->file, line, "values of %s must be strings, numbers or booleans", key);
    }
    return 0;
}

void sweep_free(struct sweep *w)
{
    free(w->model);
    for (size_t i = 0; i < w->nfixed; i++)
        free(w->fixed[i]);
    free(w->fixed);
    for (size_t k = 0; k < w->nkeys; k++) {
        for (size_t i = 0; i < w->nvalues[k]; i++)
            free(w->values[k][i]);
        free(w->values[k]);
        free(w->keys[k]);
    }
    for (size_t i = 0; i < w->nmetrics; i++)
        free(w->metrics[i]);
    free(w->metrics);
    free(w->digest);
    memset(w, 0, sizeof *w);
}

/* An integer key of the right type and range (absent: *out unchanged). */
static int get_int(struct sweep *w, const config_setting_t *g, const char *key, long long lo,
                   long long hi, long long *out)
{
    const config_setting_t *s = config_setting_get_member(g, key);
    if (!s)
        return 0;
    int t = config_setting_type(s);
    if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
        return fail(w->file, line_of(s), "%s must be an integer (not quoted), e.g. %s = %lld;", key,
                    key, lo);
    long long v = config_setting_get_int64(s);
    if (v < lo || v > hi)
        return fail(w->file, line_of(s), "%s = %lld is out of range [%lld, %lld]", key, v, lo, hi);
    *out = v;
    return 0;
}

static int parse(struct sweep *w, config_t *cfg)
{
    const char *file = w->file;
    const config_setting_t *g = config_lookup(cfg, "sweep");
    static const char *const keys[] = {"model", "replications", "seed",    "set",
                                       "grid",  "zip",          "metrics", NULL};
    if (!g || !config_setting_is_group(g))
        return fail(file, 0, "expected sweep = { model = \"...\"; grid = (...); ... };");
    for (int i = 0; i < config_setting_length(g); i++) {
        const config_setting_t *e = config_setting_get_elem(g, (unsigned)i);
        bool ok = false;
        for (const char *const *k = keys; *k; k++)
            ok = ok || !strcmp(*k, config_setting_name(e));
        if (!ok)
            return fail(file, line_of(e),
                        "unknown key \"%s\" in sweep (known: model, replications, seed, set, "
                        "grid, zip, metrics)",
                        config_setting_name(e));
    }
    const char *model = NULL;
    const config_setting_t *ms = config_setting_get_member(g, "model");
    if (!ms || config_setting_type(ms) != CONFIG_TYPE_STRING)
        return fail(file, line_of(ms ? ms : g), "sweep needs model = \"file.cfg\"; (a string)");
    model = config_setting_get_string(ms);
    /* A relative model path is relative to the sweep file. */
    const char *slash = strrchr(file, '/');
    char *dir = slash ? xstrndup(file, (size_t)(slash - file)) : NULL;
    w->model = sim_path_join_new(dir, model);
    free(dir);
    long long v = 1;
    int rc;
    if ((rc = get_int(w, g, "replications", 1, 100000, &v)))
        return rc;
    w->reps = (int)v;
    v = 1;
    if ((rc = get_int(w, g, "seed", 0, LLONG_MAX, &v)))
        return rc;
    w->seed = (unsigned long long)v;
    const config_setting_t *set = config_setting_get_member(g, "set");
    if (set) {
        if (!config_setting_is_aggregate(set) || config_setting_type(set) == CONFIG_TYPE_GROUP)
            return fail(file, line_of(set), "set lists \"path=value\" strings");
        w->fixed = xcalloc((size_t)config_setting_length(set) + 1, sizeof *w->fixed);
        for (int i = 0; i < config_setting_length(set); i++) {
            const char *t = config_setting_get_string_elem(set, i);
            if (!t || !strchr(t, '='))
                return fail(file, line_of(set), "set lists \"path=value\" strings");
            w->fixed[w->nfixed++] = xstrdup(t);
        }
    }
    const config_setting_t *grid = config_setting_get_member(g, "grid");
    if (grid &&
        (!config_setting_is_aggregate(grid) || config_setting_type(grid) == CONFIG_TYPE_GROUP))
        return fail(file, line_of(grid), "grid is a list: ( { key = ...; values = (...); }, ... )");
    for (int i = 0; grid && i < config_setting_length(grid); i++)
        if ((rc = load_axis(w, config_setting_get_elem(grid, (unsigned)i), "grid")))
            return rc;
    w->ngrid = w->nkeys;
    const config_setting_t *zip = config_setting_get_member(g, "zip");
    if (zip && (!config_setting_is_aggregate(zip) || config_setting_type(zip) == CONFIG_TYPE_GROUP))
        return fail(file, line_of(zip), "zip is a list: ( { key = ...; values = (...); }, ... )");
    for (int i = 0; zip && i < config_setting_length(zip); i++) {
        if ((rc = load_axis(w, config_setting_get_elem(zip, (unsigned)i), "zip")))
            return rc;
        if (w->zip_len && w->nvalues[w->nkeys - 1] != w->zip_len)
            return fail(file, line_of(zip), "zipped lists must have the same length");
        w->zip_len = w->nvalues[w->nkeys - 1];
    }
    const config_setting_t *mt = config_setting_get_member(g, "metrics");
    static const char *const defaults[] = {"requests.latency.p95", "requests.latency.mean",
                                           "instance_seconds", "slo.windows_violated"};
    if (mt) {
        if (!config_setting_is_aggregate(mt) || config_setting_type(mt) == CONFIG_TYPE_GROUP ||
            config_setting_length(mt) == 0)
            return fail(file, line_of(mt),
                        "metrics lists metric names, e.g. "
                        "(\"requests.latency.p95\")");
        w->metrics_line = line_of(mt);
        w->metrics = xcalloc((size_t)config_setting_length(mt), sizeof *w->metrics);
        for (int i = 0; i < config_setting_length(mt); i++) {
            const char *t = config_setting_get_string_elem(mt, i);
            if (!t)
                return fail(file, line_of(mt), "metrics lists names as strings");
            w->metrics[w->nmetrics++] = xstrdup(t);
        }
    } else {
        size_t n = sizeof defaults / sizeof defaults[0];
        w->metrics = xcalloc(n, sizeof *w->metrics);
        for (size_t i = 0; i < n; i++)
            w->metrics[w->nmetrics++] = xstrdup(defaults[i]);
    }
    w->npoints = 1;
    for (size_t k = 0; k < w->ngrid; k++) {
        if (w->npoints > 10000000 / w->nvalues[k])
            return fail(file, line_of(grid), "the grid has more than 10^7 points");
        w->npoints *= w->nvalues[k];
    }
    if (w->zip_len) {
        if (w->npoints > 10000000 / w->zip_len)
            return fail(file, line_of(zip), "the grid has more than 10^7 points");
        w->npoints *= w->zip_len;
    }
    if (w->npoints > 1000000)
        return fail(file, line_of(grid ? grid : zip), "the grid has %zu points; the limit is 10^6",
                    w->npoints);
    if (w->npoints > 10000000 / (size_t)w->reps)
        return fail(file, 0, "%zu points x %d replications: more than 10^7 runs", w->npoints,
                    w->reps);
    return 0;
}

int sweep_load(struct sweep *w, const char *file)
{
    memset(w, 0, sizeof *w);
    w->file = file;
    config_t cfg;
    config_init(&cfg);
    int rc;
    errno = 0;
    if (config_read_file(&cfg, file) != CONFIG_TRUE)
        rc = config_error_type(&cfg) == CONFIG_ERR_FILE_IO
                 ? fail(file, 0, "cannot read sweep file: %s", strerror(errno ? errno : EIO))
                 : fail(config_error_file(&cfg) ? config_error_file(&cfg) : file,
                        config_error_line(&cfg), "%s", config_error_text(&cfg));
    else
        rc = parse(w, &cfg);
    config_destroy(&cfg);
    return rc;
}

int sweep_load_string(struct sweep *w, const char *text, const char *name)
{
    memset(w, 0, sizeof *w);
    w->file = name;
    config_t cfg;
    config_init(&cfg);
    int rc = config_read_string(&cfg, text) != CONFIG_TRUE
                 ? fail(name, config_error_line(&cfg), "%s", config_error_text(&cfg))
                 : parse(w, &cfg);
    config_destroy(&cfg);
    return rc;
}

size_t sweep_value_at(const struct sweep *w, size_t p, size_t k)
{
    size_t rest = p;
    if (w->zip_len) {
        if (k >= w->ngrid)
            return rest % w->zip_len;
        rest /= w->zip_len;
    }
    for (size_t j = w->ngrid; j-- > 0;) {
        if (j == k)
            return rest % w->nvalues[j];
        rest /= w->nvalues[j];
    }
    return 0;
}

/* Appends to sets[*n] the overrides of one value of the key "set": a list
 * of PATH=VALUE separated by ';' (empty: none). */
static void split_set(const char *v, char ***sets, size_t *n, size_t *cap)
{
    while (*v) {
        const char *end = strchr(v, ';');
        size_t len = end ? (size_t)(end - v) : strlen(v);
        while (len && (*v == ' ' || *v == '\t'))
            v++, len--;
        while (len && (v[len - 1] == ' ' || v[len - 1] == '\t'))
            len--;
        if (len) {
            *sets = xgrow(*sets, cap, *n + 2, sizeof **sets);
            (*sets)[(*n)++] = xstrndup(v, len);
        }
        if (!end)
            break;
        v = end + 1;
    }
}

char **sweep_sets(const struct sweep *w, size_t p, size_t *n)
{
    size_t cap = w->nfixed + w->nkeys + 1;
    char **sets = xcalloc(cap, sizeof *sets);
    *n = 0;
    for (size_t i = 0; i < w->nfixed; i++)
        sets[(*n)++] = xstrdup(w->fixed[i]);
    for (size_t k = 0; k < w->nkeys; k++) {
        const char *v = w->values[k][sweep_value_at(w, p, k)];
        if (strcmp(w->keys[k], "set") == 0) {
            split_set(v, &sets, n, &cap);
            continue;
        }
        struct sim_buf b = {0};
        sim_buf_printf(&b, "%s=%s", w->keys[k], v);
        sets = xgrow(sets, &cap, *n + 2, sizeof *sets);
        sets[(*n)++] = b.p;
    }
    sets[*n] = NULL;
    return sets;
}

void sweep_sets_free(char **sets, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(sets[i]);
    free(sets);
}

/* Names the varied values of point p, for messages. */
static char *point_name(const struct sweep *w, size_t p)
{
    struct sim_buf b = {0};
    sim_buf_printf(&b, "point %zu", p);
    for (size_t k = 0; k < w->nkeys; k++)
        sim_buf_printf(&b, "%s %s=%s", k ? "," : " (", w->keys[k],
                       w->values[k][sweep_value_at(w, p, k)]);
    if (w->nkeys)
        sim_buf_printf(&b, ")");
    return b.p;
}

int sweep_prepare(struct sweep *w)
{
    w->digest = xcalloc(w->npoints ? w->npoints : 1, sizeof *w->digest);
    int rc = 0;
    for (size_t p = 0; p < w->npoints && !rc; p++) {
        size_t n;
        char **sets = sweep_sets(w, p, &n);
        struct mdl_model m;
        struct sim_diag d = {0};
        char msg[900];
        if (mdl_load_file(&m, w->model, (const char *const *)sets, n, &d)) {
            sim_diag_format(&d, msg, sizeof msg);
            char *name = point_name(w, p);
            fprintf(stderr, "uksim: %s: %s: %s%s\n", w->file, name, msg,
                    d.line == 0 && !strcmp(d.file, w->model)
                        ? " (a relative model path is relative to the sweep file)"
                        : "");
            free(name);
            rc = 2;
        } else {
            struct pol_control pc;
            if (pol_control_init(&pc, &m, &d)) {
                sim_diag_format(&d, msg, sizeof msg);
                char *name = point_name(w, p);
                fprintf(stderr, "uksim: %s: %s: %s\n", w->file, name, msg);
                free(name);
                rc = 2;
            } else {
                pol_control_fini(&pc);
            }
            memcpy(w->digest[p], m.digest, sizeof w->digest[p]);
            for (size_t i = 0; p == 0 && !rc && i < w->nmetrics; i++)
                rc = sweep_metric_check(w, w->metrics[i], &m);
            mdl_model_fini(&m);
        }
        sweep_sets_free(sets, n);
    }
    return rc;
}

void sweep_task_digest(const struct sweep *w, size_t p, int rep, char out[33])
{
    struct sim_digest d;
    sim_digest_init(&d);
    sim_digest_str(&d, "uksim " PACKAGE_VERSION " results " SIM_RESULTS_REVISION);
    sim_digest_str(&d, w->digest[p]);
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", w->seed + (unsigned long long)rep);
    sim_digest_str(&d, seed);
    sim_digest_hex(&d, out);
}
