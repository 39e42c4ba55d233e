/* SPDX-License-Identifier: MIT */
/* cli/sweep_results.c: a task's result as a record, a line of JSON. A
 * record counts only if it carries the digest of what produced it and
 * every metric asked for; metrics are stored by name, so adding one never
 * shifts another. raw.csv and results.csv are rebuilt from the valid
 * results (cli/sweep_store.c reads them). */
#include "config.h"

#include "cli/sweep_int.h"
#include "output/files.h"
#include "sim/revision.h"
#include "sim/strbuf.h"
#include "sim/units.h"
#include "sim/xalloc.h"

#include <gsl/gsl_cdf.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

char *sweep_record_encode(const struct sweep *w, size_t p, int rep, const struct run_summary *s,
                          const char *error, double wall)
{
    char digest[33];
    sweep_task_digest(w, p, rep, digest);
    json_t *o = json_object();
    json_object_set_new(o, "uksim_version", json_string(PACKAGE_VERSION));
    json_object_set_new(o, "results_revision", json_string(SIM_RESULTS_REVISION));
    json_object_set_new(o, "digest", json_string(digest));
    json_object_set_new(o, "point", json_integer((json_int_t)p));
    json_object_set_new(o, "replication", json_integer(rep));
    json_object_set_new(o, "seed", json_integer((json_int_t)(w->seed + (unsigned long long)rep)));
    json_t *params = json_object();
    for (size_t k = 0; k < w->nkeys; k++)
        json_object_set_new(params, w->keys[k], json_string(w->values[k][sweep_value_at(w, p, k)]));
    json_object_set_new(o, "params", params);
    json_t *ms = json_object();
    for (size_t i = 0; s && i < w->nmetrics; i++)
        json_object_set_new(ms, w->metrics[i], num(sweep_metric(s, w->metrics[i])));
    json_object_set_new(o, "metrics", ms);
    if (error)
        json_object_set_new(o, "error", json_string(error));
    json_object_set_new(o, "wall_seconds", num(wall));
    /* Compact: one line, newlines in strings escaped. */
    char *text = json_dumps(o, SWEEP_RECORD_JSON);
    json_decref(o);
    return text;
}

enum sweep_record_kind sweep_record_check(const struct sweep *w, json_t *o, size_t *task)
{
    json_t *pj = json_object_get(o, "point"), *rj = json_object_get(o, "replication");
    if (!json_is_object(o) || !json_is_integer(pj) || !json_is_integer(rj))
        return SWEEP_RECORD_OTHER;
    json_int_t p = json_integer_value(pj), r = json_integer_value(rj);
    if (p < 0 || (unsigned long long)p >= w->npoints || r < 0 || r >= w->reps)
        return SWEEP_RECORD_OTHER;
    *task = (size_t)p * (size_t)w->reps + (size_t)r;
    char digest[33];
    sweep_task_digest(w, (size_t)p, (int)r, digest);
    json_t *dg = json_object_get(o, "digest"), *ms = json_object_get(o, "metrics");
    bool ok = json_is_string(dg) && !strcmp(json_string_value(dg), digest) && json_is_object(ms);
    bool failed = json_is_string(json_object_get(o, "error"));
    for (size_t i = 0; ok && !failed && i < w->nmetrics; i++) {
        json_t *v = json_object_get(ms, w->metrics[i]);
        ok = v && (json_is_number(v) || json_is_null(v));
    }
    return ok ? SWEEP_RECORD_VALID : SWEEP_RECORD_STALE;
}

/* CSV field: quoted when it holds a comma, quote or newline. */
static void put_field(struct sim_buf *b, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        sim_buf_printf(b, "%s", s);
        return;
    }
    sim_buf_printf(b, "\"");
    for (const char *c = s; *c; c++)
        sim_buf_printf(b, *c == '"' ? "\"\"" : "%c", *c);
    sim_buf_printf(b, "\"");
}

/* A varied key is written as a number of seconds, with "_s" added to its
 * column's name, when every value of it is a duration and one has a unit. */
static bool is_duration_key(const struct sweep *w, size_t k)
{
    bool unit = false;
    for (size_t i = 0; i < w->nvalues[k]; i++) {
        double v;
        const char *s = w->values[k][i];
        if (sim_parse_duration(s, &v))
            return false;
        unit = unit || strpbrk(s, "hmnsu") != NULL;
    }
    return unit;
}

/* The value of key k at point p as written in a CSV. */
static void put_value(struct sim_buf *b, const struct sweep *w, size_t k, size_t p, bool dur)
{
    const char *s = w->values[k][sweep_value_at(w, p, k)];
    double v;
    if (dur && sim_parse_duration(s, &v) == 0)
        sim_buf_printf(b, "%.17g", v);
    else
        put_field(b, s);
}

size_t sweep_results_write(const struct sweep *w, const struct sweep_table *t, const char *dir,
                           bool list, int *rc, size_t *failed)
{
    size_t nm = w->nmetrics, missing = 0, listed = 0;
    *failed = 0;
    double *vals = xmalloc((size_t)w->reps * (nm ? nm : 1) * sizeof *vals);
    struct sim_buf raw = {0}, res = {0};
    sim_buf_printf(&raw, "point,replication,seed");
    sim_buf_printf(&res, "point");
    bool dur[SWEEP_MAX_PARAMS];
    for (size_t k = 0; k < w->nkeys; k++) {
        dur[k] = is_duration_key(w, k);
        struct sim_buf name = {0};
        sim_buf_printf(&name, "%s%s", w->keys[k], dur[k] ? "_s" : "");
        sim_buf_printf(&raw, ",");
        put_field(&raw, name.p);
        sim_buf_printf(&res, ",");
        put_field(&res, name.p);
        free(name.p);
    }
    for (size_t i = 0; i < nm; i++) {
        sim_buf_printf(&raw, ",");
        put_field(&raw, w->metrics[i]);
        struct sim_buf h = {0};
        sim_buf_printf(&h, "%s.mean,%s.ci95,%s.n", w->metrics[i], w->metrics[i], w->metrics[i]);
        sim_buf_printf(&res, ",%s", h.p);
        free(h.p);
    }
    sim_buf_printf(&raw, ",error\n");
    sim_buf_printf(&res, "\n");
    for (size_t p = 0; p < w->npoints; p++) {
        for (int r = 0; r < w->reps; r++) {
            for (size_t i = 0; i < nm; i++)
                vals[(size_t)r * nm + i] = NAN;
            size_t task = p * (size_t)w->reps + (size_t)r;
            if (t->state[task] != SWEEP_DONE) {
                missing++;
                if (list && listed++ < 20)
                    fprintf(stderr, "uksim sweep: missing: point %zu replication %d\n", p, r);
                continue;
            }
            sim_buf_printf(&raw, "%zu,%d,%llu", p, r, w->seed + (unsigned long long)r);
            for (size_t k = 0; k < w->nkeys; k++) {
                sim_buf_printf(&raw, ",");
                put_value(&raw, w, k, p, dur[k]);
            }
            for (size_t i = 0; i < nm; i++) {
                double v = sweep_table_value(t, task, i);
                vals[(size_t)r * nm + i] = v;
                if (isfinite(v))
                    sim_buf_printf(&raw, ",%.17g", v);
                else
                    sim_buf_printf(&raw, ",");
            }
            sim_buf_printf(&raw, ",");
            if (t->error[task]) {
                put_field(&raw, t->error[task]);
                ++*failed;
            }
            sim_buf_printf(&raw, "\n");
        }
        sim_buf_printf(&res, "%zu", p);
        for (size_t k = 0; k < w->nkeys; k++) {
            sim_buf_printf(&res, ",");
            put_value(&res, w, k, p, dur[k]);
        }
        for (size_t i = 0; i < nm; i++) {
            double sum = 0, sq = 0;
            int n = 0;
            for (int r = 0; r < w->reps; r++) {
                double v = vals[(size_t)r * nm + i];
                if (isfinite(v)) {
                    sum += v;
                    n++;
                }
            }
            double mean = n ? sum / n : NAN;
            for (int r = 0; r < w->reps; r++) {
                double v = vals[(size_t)r * nm + i];
                if (isfinite(v))
                    sq += (v - mean) * (v - mean);
            }
            double half =
                n > 1 ? gsl_cdf_tdist_Pinv(0.975, n - 1) * sqrt(sq / (n - 1)) / sqrt(n) : NAN;
            if (n)
                sim_buf_printf(&res, ",%.9g", mean);
            else
                sim_buf_printf(&res, ",");
            if (isfinite(half))
                sim_buf_printf(&res, ",%.9g", half);
            else
                sim_buf_printf(&res, ",");
            sim_buf_printf(&res, ",%d", n);
        }
        sim_buf_printf(&res, "\n");
    }
    if (list && listed > 20)
        fprintf(stderr, "uksim sweep: ... and %zu more missing\n", listed - 20);
    struct sim_diag d = {0};
    char *path = sim_path_join_new(dir, "raw.csv");
    if (out_write_atomic(path, raw.p, &d)) {
        fprintf(stderr, "uksim: %s: %s\n", path, d.msg);
        *rc = 1;
    }
    free(path);
    path = sim_path_join_new(dir, "results.csv");
    if (out_write_atomic(path, res.p, &d)) {
        fprintf(stderr, "uksim: %s: %s\n", path, d.msg);
        *rc = 1;
    }
    free(path);
    free(raw.p);
    free(res.p);
    free(vals);
    return missing;
}
