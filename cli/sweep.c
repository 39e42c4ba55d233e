/* SPDX-License-Identifier: MIT */
/* cli/sweep.c: a sweep is a list of points (every combination of the grid's
 * values, each combined with every row of the zipped lists), each run for
 * `replications` seeds seed, seed+1, ... (the same seeds at every point:
 * common random numbers). Every (point, replication) is a task whose result
 * is written to DIR/runs/ under a temporary name and renamed, so a killed
 * sweep leaves only whole results; run again, it skips them. Workers are
 * forked processes taking tasks i with i % jobs == worker; --shard I/N keeps
 * tasks with i % N == I. results.csv and raw.csv are rebuilt from DIR/runs
 * after every invocation, so shards copied into one DIR merge exactly. */
#include "config.h"

#include "cli/sweep.h"
#include "models/model.h"
#include "models/run.h"
#include "output/summary.h"
#include "policies/policy.h"
#include "sim/err.h"
#include "sim/strbuf.h"
#include "sim/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <gsl/gsl_cdf.h>
#include <libconfig.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
    "Usage: uksim sweep SWEEP [-j N] [-o DIR] [--shard I/N] [--quiet]\n"
    "\n"
    "Runs the sweep file SWEEP (doc/sweeps.md): every point of its grid, each\n"
    "for its replications, in N worker processes. Writes DIR/results.csv (a row\n"
    "per point: each metric's mean, 95% confidence half-width and count) and\n"
    "DIR/raw.csv (a row per replication). Finished replications are kept in\n"
    "DIR/runs: run the same command again after a crash to finish the sweep.\n"
    "\n"
    "  -j, --jobs N       worker processes (default 1)\n"
    "  -o, --output DIR   results directory (default sweep-out)\n"
    "      --shard I/N    run only the I-th of N disjoint parts (0 <= I < N);\n"
    "                     copy every part's DIR/runs into one DIR and run\n"
    "                     --merge there to get the whole results\n"
    "      --merge        build results from DIR/runs without running anything\n"
    "  -q, --quiet        no progress line\n";

#define MAX_PARAMS 32
#define MAX_METRICS 64

struct sweep {
    char *file;
    char *model; /* path of the base model */
    int reps;
    unsigned long long seed;
    char **fixed; /* "path=value" applied to every point */
    size_t nfixed;
    char *keys[MAX_PARAMS];    /* varied keys, grid first then zipped */
    char **values[MAX_PARAMS]; /* per key, its values */
    size_t nvalues[MAX_PARAMS];
    size_t nkeys, ngrid; /* keys[0..ngrid) are grid axes */
    size_t zip_len;      /* rows of the zipped lists (0: none) */
    char *metrics[MAX_METRICS];
    size_t nmetrics;
    size_t npoints;
};

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

/* A value of a libconfig setting as text for --set: strings as they are,
 * numbers in full precision. */
static char *value_text(const config_setting_t *s)
{
    char buf[256];
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_STRING: return xstrdup(config_setting_get_string(s));
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64: snprintf(buf, sizeof buf, "%lld", config_setting_get_int64(s)); break;
    case CONFIG_TYPE_FLOAT: snprintf(buf, sizeof buf, "%.17g", config_setting_get_float(s)); break;
    case CONFIG_TYPE_BOOL:
        snprintf(buf, sizeof buf, "%s", config_setting_get_bool(s) ? "true" : "false");
        break;
    default: return NULL;
    }
    return xstrdup(buf);
}

static int load_axis(struct sweep *w, const config_setting_t *e, const char *what)
{
    const char *key = NULL;
    const config_setting_t *vals = config_setting_get_member(e, "values");
    int line = (int)config_setting_source_line(e);
    if (!config_setting_is_group(e) || !config_setting_lookup_string(e, "key", &key) || !vals ||
        !config_setting_is_aggregate(vals) || config_setting_length(vals) == 0)
        return fail(w->file, line, "each %s entry is { key = \"model.path\"; values = (...); }",
                    what);
    if (w->nkeys == MAX_PARAMS)
        return fail(w->file, line, "at most %d varied keys", MAX_PARAMS);
    size_t n = (size_t)config_setting_length(vals);
    size_t k = w->nkeys++;
    w->keys[k] = xstrdup(key);
    w->values[k] = xcalloc(n, sizeof **w->values);
    w->nvalues[k] = n;
    for (size_t i = 0; i < n; i++) {
        w->values[k][i] = value_text(config_setting_get_elem(vals, (unsigned)i));
        if (!w->values[k][i])
            return fail(w->file, line, "values of %s must be strings, numbers or booleans", key);
    }
    return 0;
}

static void sweep_free(struct sweep *w)
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
}

static bool metric_known(const char *name);

static int sweep_load(struct sweep *w, const char *file)
{
    memset(w, 0, sizeof *w);
    w->file = (char *)file;
    config_t cfg;
    config_init(&cfg);
    if (config_read_file(&cfg, file) != CONFIG_TRUE) {
        int rc = config_error_type(&cfg) == CONFIG_ERR_FILE_IO
                     ? fail(file, 0, "cannot read sweep file: %s", strerror(errno ? errno : EIO))
                     : fail(config_error_file(&cfg) ? config_error_file(&cfg) : file,
                            config_error_line(&cfg), "%s", config_error_text(&cfg));
        config_destroy(&cfg);
        return rc;
    }
    int rc = 0;
    const config_setting_t *g = config_lookup(&cfg, "sweep");
    static const char *const keys[] = {"model", "replications", "seed",    "set",
                                       "grid",  "zip",          "metrics", NULL};
    if (!g || !config_setting_is_group(g)) {
        rc = fail(file, 0, "expected sweep = { model = \"...\"; grid = (...); ... };");
        goto out;
    }
    for (int i = 0; i < config_setting_length(g); i++) {
        const config_setting_t *e = config_setting_get_elem(g, (unsigned)i);
        bool ok = false;
        for (const char *const *k = keys; *k; k++)
            ok = ok || !strcmp(*k, config_setting_name(e));
        if (!ok) {
            rc = fail(file, (int)config_setting_source_line(e),
                      "unknown key \"%s\" in sweep (known: model, replications, seed, set, grid, "
                      "zip, metrics)",
                      config_setting_name(e));
            goto out;
        }
    }
    const char *model = NULL;
    if (!config_setting_lookup_string(g, "model", &model)) {
        rc = fail(file, (int)config_setting_source_line(g), "sweep needs model = \"file.cfg\";");
        goto out;
    }
    const char *slash = strrchr(file, '/');
    if (model[0] != '/' && slash) {
        size_t n = (size_t)(slash - file) + strlen(model) + 2;
        w->model = xmalloc(n);
        snprintf(w->model, n, "%.*s/%s", (int)(slash - file), file, model);
    } else {
        w->model = xstrdup(model);
    }
    int reps = 1;
    config_setting_lookup_int(g, "replications", &reps);
    if (reps < 1 || reps > 100000) {
        rc = fail(file, (int)config_setting_source_line(g), "replications must be in [1, 100000]");
        goto out;
    }
    w->reps = reps;
    long long seed = 1;
    config_setting_lookup_int64(g, "seed", &seed);
    w->seed = (unsigned long long)seed;
    const config_setting_t *set = config_setting_get_member(g, "set");
    if (set) {
        w->nfixed = (size_t)config_setting_length(set);
        w->fixed = xcalloc(w->nfixed + 1, sizeof *w->fixed);
        for (size_t i = 0; i < w->nfixed; i++) {
            const char *t = config_setting_get_string_elem(set, (int)i);
            if (!t || !strchr(t, '=')) {
                rc = fail(file, (int)config_setting_source_line(set),
                          "set lists \"path=value\" strings");
                goto out;
            }
            w->fixed[i] = xstrdup(t);
        }
    }
    const config_setting_t *grid = config_setting_get_member(g, "grid");
    for (int i = 0; grid && i < config_setting_length(grid) && !rc; i++)
        rc = load_axis(w, config_setting_get_elem(grid, (unsigned)i), "grid");
    w->ngrid = w->nkeys;
    const config_setting_t *zip = config_setting_get_member(g, "zip");
    for (int i = 0; zip && i < config_setting_length(zip) && !rc; i++) {
        rc = load_axis(w, config_setting_get_elem(zip, (unsigned)i), "zip");
        if (!rc && w->zip_len && w->nvalues[w->nkeys - 1] != w->zip_len)
            rc = fail(file, (int)config_setting_source_line(zip),
                      "zipped lists must have the same length");
        if (!rc)
            w->zip_len = w->nvalues[w->nkeys - 1];
    }
    if (rc)
        goto out;
    const config_setting_t *ms = config_setting_get_member(g, "metrics");
    static const char *const defaults[] = {"requests.latency.p95", "requests.latency.mean",
                                           "instance_seconds", "slo.windows_violated"};
    if (ms) {
        for (int i = 0; i < config_setting_length(ms); i++) {
            const char *t = config_setting_get_string_elem(ms, (int)i);
            if (!t || !metric_known(t)) {
                rc = fail(file, (int)config_setting_source_line(ms),
                          "unknown metric \"%s\" (see doc/sweeps.md)", t ? t : "?");
                goto out;
            }
            if (w->nmetrics < MAX_METRICS)
                w->metrics[w->nmetrics++] = xstrdup(t);
        }
    } else {
        for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
            w->metrics[w->nmetrics++] = xstrdup(defaults[i]);
    }
    w->npoints = 1;
    for (size_t k = 0; k < w->ngrid; k++)
        w->npoints *= w->nvalues[k];
    if (w->zip_len)
        w->npoints *= w->zip_len;
out:
    config_destroy(&cfg);
    return rc;
}

/* The value index of key k at point p (grid axes vary fastest last). */
static size_t value_at(const struct sweep *w, size_t p, size_t k)
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

/* ---- Metrics ---- */

static double svc_metric(const struct run_summary *s, const char *name)
{
    /* services.<name>.<field> */
    const char *rest = name + strlen("services.");
    const char *dot = strrchr(rest, '.');
    if (!dot)
        return NAN;
    for (size_t i = 0; i < s->nsvcs; i++) {
        const struct run_svc_summary *v = &s->svcs[i];
        if (strlen(v->name) != (size_t)(dot - rest) || strncmp(v->name, rest, (size_t)(dot - rest)))
            continue;
        const char *f = dot + 1;
        if (!strcmp(f, "utilization"))
            return v->utilization;
        if (!strcmp(f, "instance_seconds"))
            return v->instance_seconds;
        if (!strcmp(f, "cpu"))
            return v->cpu;
        if (!strcmp(f, "local_wait"))
            return v->local_wait;
        if (!strcmp(f, "call_time"))
            return v->call_time;
        if (!strcmp(f, "visits"))
            return (double)v->visits;
        if (!strcmp(f, "scale_ups"))
            return (double)v->scale_ups;
    }
    return NAN;
}

static double m_cost(const struct run_summary *s)
{
    double c = 0;
    for (size_t i = 0; i < s->nsvcs; i++)
        c += s->svcs[i].instance_seconds;
    return c;
}

struct metric_def {
    const char *name;
    double (*get)(const struct run_summary *s);
};

#define M(n, expr)                                                                                 \
    static double m_##n(const struct run_summary *s)                                               \
    {                                                                                              \
        return (expr);                                                                             \
    }
M(completed, (double)s->completed)
M(throughput, s->measured_seconds > 0 ? (double)s->completed / s->measured_seconds : NAN)
M(mean, s->lat_mean)
M(p50, s->lat_p50)
M(p95, s->lat_p95)
M(p99, s->lat_p99)
M(viol, s->slo_windows_violated)
M(over, s->slo_requests_over)
M(scale_out, s->step_to_scale_out)
M(recovery, s->step_to_slo_recovery)
M(tu, s->el.theta_u)
M(to, s->el.theta_o)
M(tau_u, s->el.tau_u)
M(tau_o, s->el.tau_o)
M(inst, s->el.instability)
M(jit, s->el.jitter)
M(events, (double)s->events)
#undef M

static const struct metric_def metrics[] = {
    {"requests.completed", m_completed},
    {"requests.throughput", m_throughput},
    {"requests.latency.mean", m_mean},
    {"requests.latency.p50", m_p50},
    {"requests.latency.p95", m_p95},
    {"requests.latency.p99", m_p99},
    {"instance_seconds", m_cost},
    {"slo.windows_violated", m_viol},
    {"slo.requests_over", m_over},
    {"slo.step_to_scale_out", m_scale_out},
    {"slo.step_to_slo_recovery", m_recovery},
    {"elasticity.theta_u", m_tu},
    {"elasticity.theta_o", m_to},
    {"elasticity.tau_u", m_tau_u},
    {"elasticity.tau_o", m_tau_o},
    {"elasticity.instability", m_inst},
    {"elasticity.jitter", m_jit},
    {"events", m_events},
};

static bool metric_known(const char *name)
{
    if (!strncmp(name, "services.", 9))
        return strrchr(name + 9, '.') != NULL;
    for (size_t i = 0; i < sizeof metrics / sizeof metrics[0]; i++)
        if (!strcmp(metrics[i].name, name))
            return true;
    return false;
}

static double metric(const struct run_summary *s, const char *name)
{
    if (!strncmp(name, "services.", 9))
        return svc_metric(s, name);
    for (size_t i = 0; i < sizeof metrics / sizeof metrics[0]; i++)
        if (!strcmp(metrics[i].name, name))
            return metrics[i].get(s);
    return NAN;
}

/* ---- Tasks ---- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void task_path(char *buf, size_t n, const char *dir, size_t point, int rep)
{
    snprintf(buf, n, "%s/runs/p%06zu-r%04d.csv", dir, point, rep);
}

/* Runs one task and writes its result file. Returns an exit status. */
static int run_task(const struct sweep *w, const char *dir, size_t point, int rep)
{
    size_t nsets = w->nfixed + w->nkeys;
    char **sets = xcalloc(nsets + 1, sizeof *sets);
    for (size_t i = 0; i < w->nfixed; i++)
        sets[i] = xstrdup(w->fixed[i]);
    for (size_t k = 0; k < w->nkeys; k++) {
        const char *v = w->values[k][value_at(w, point, k)];
        size_t n = strlen(w->keys[k]) + strlen(v) + 2;
        sets[w->nfixed + k] = xmalloc(n);
        snprintf(sets[w->nfixed + k], n, "%s=%s", w->keys[k], v);
    }
    struct mdl_model m;
    struct sim_diag d = {0};
    int rc = 0;
    if (mdl_load_file(&m, w->model, (const char *const *)sets, nsets, &d)) {
        char msg[900];
        sim_diag_format(&d, msg, sizeof msg);
        fprintf(stderr, "uksim: point %zu: %s\n", point, msg);
        rc = 2;
        goto out;
    }
    struct pol_control pc;
    if (pol_control_init(&pc, &m, &d)) {
        char msg[900];
        sim_diag_format(&d, msg, sizeof msg);
        fprintf(stderr, "uksim: point %zu: %s\n", point, msg);
        mdl_model_fini(&m);
        rc = 2;
        goto out;
    }
    unsigned long long seed = w->seed + (unsigned long long)rep;
    struct run_summary s;
    double t0 = now_s();
    int err = run_model_ctl(&m, seed, pc.ops ? &pc.ctl : NULL, &s);
    double wall = now_s() - t0;
    if (err) {
        rc = 1;
    } else {
        char line[8192];
        size_t used = (size_t)snprintf(line, sizeof line, "%zu,%d,%llu", point, rep, seed);
        for (size_t i = 0; i < w->nmetrics && used < sizeof line; i++) {
            double v = metric(&s, w->metrics[i]);
            used += (size_t)(isfinite(v) ? snprintf(line + used, sizeof line - used, ",%.17g", v)
                                         : snprintf(line + used, sizeof line - used, ","));
        }
        if (used < sizeof line - 1)
            strcat(line, "\n");
        char path[4200], wpath[4300], wtext[64];
        task_path(path, sizeof path, dir, point, rep);
        /* The simulation's wall time goes beside the result, not into it,
         * so that results stay byte-identical per seed. */
        snprintf(wpath, sizeof wpath, "%s.wall", path);
        snprintf(wtext, sizeof wtext, "%.6f\n", wall);
        if (out_write_atomic(wpath, wtext, &d) || out_write_atomic(path, line, &d)) {
            fprintf(stderr, "uksim: %s: %s\n", path, d.msg);
            rc = 1;
        }
        run_summary_fini(&s);
    }
    pol_control_fini(&pc);
    mdl_model_fini(&m);
out:
    for (size_t i = 0; i < nsets; i++)
        free(sets[i]);
    free(sets);
    return rc;
}

static bool done(const char *dir, size_t point, int rep)
{
    char path[4200];
    task_path(path, sizeof path, dir, point, rep);
    return access(path, F_OK) == 0;
}

/* ---- Results ---- */

/* CSV field: quoted when it holds a comma, quote or newline. */
static void put_field(struct sim_buf *b, const char *s)
{
    if (!strpbrk(s, ",\"\n")) {
        sim_buf_printf(b, "%s", s);
        return;
    }
    sim_buf_printf(b, "\"");
    for (const char *c = s; *c; c++)
        sim_buf_printf(b, *c == '"' ? "\"\"" : "%c", *c);
    sim_buf_printf(b, "\"");
}

/* Rebuilds raw.csv and results.csv from DIR/runs; returns tasks missing. */
static size_t write_results(const struct sweep *w, const char *dir, int *rc)
{
    size_t nm = w->nmetrics, missing = 0;
    double *vals = xmalloc((size_t)w->reps * (nm ? nm : 1) * sizeof *vals);
    struct sim_buf raw = {0}, res = {0};
    sim_buf_printf(&raw, "point,replication,seed");
    sim_buf_printf(&res, "point");
    for (size_t k = 0; k < w->nkeys; k++) {
        sim_buf_printf(&raw, ",");
        put_field(&raw, w->keys[k]);
        sim_buf_printf(&res, ",");
        put_field(&res, w->keys[k]);
    }
    for (size_t i = 0; i < nm; i++) {
        sim_buf_printf(&raw, ",%s", w->metrics[i]);
        sim_buf_printf(&res, ",%s.mean,%s.ci95,%s.n", w->metrics[i], w->metrics[i], w->metrics[i]);
    }
    sim_buf_printf(&raw, "\n");
    sim_buf_printf(&res, "\n");
    for (size_t p = 0; p < w->npoints; p++) {
        int have = 0;
        for (int r = 0; r < w->reps; r++) {
            char path[4200], line[8192];
            task_path(path, sizeof path, dir, p, r);
            FILE *f = fopen(path, "r");
            if (!f || !fgets(line, sizeof line, f)) {
                if (f)
                    fclose(f);
                missing++;
                for (size_t i = 0; i < nm; i++)
                    vals[(size_t)r * nm + i] = NAN;
                continue;
            }
            fclose(f);
            have++;
            line[strcspn(line, "\n")] = '\0';
            char *save = NULL, *tok = strtok_r(line, ",", &save);
            /* point, replication, seed, then the metrics (empty: NaN) */
            sim_buf_printf(&raw, "%zu,%d", p, r);
            tok = strtok_r(NULL, ",", &save);
            tok = strtok_r(NULL, ",", &save);
            sim_buf_printf(&raw, ",%s", tok ? tok : "");
            for (size_t k = 0; k < w->nkeys; k++) {
                sim_buf_printf(&raw, ",");
                put_field(&raw, w->values[k][value_at(w, p, k)]);
            }
            /* Empty fields: split by hand. */
            const char *c = save ? save : "";
            for (size_t i = 0; i < nm; i++) {
                const char *end = strchr(c, ',');
                size_t len = end ? (size_t)(end - c) : strlen(c);
                char num[64];
                snprintf(num, sizeof num, "%.*s", (int)(len < 63 ? len : 63), c);
                vals[(size_t)r * nm + i] = len ? strtod(num, NULL) : NAN;
                sim_buf_printf(&raw, ",%s", num);
                c = end ? end + 1 : c + len;
            }
            sim_buf_printf(&raw, "\n");
        }
        sim_buf_printf(&res, "%zu", p);
        for (size_t k = 0; k < w->nkeys; k++) {
            sim_buf_printf(&res, ",");
            put_field(&res, w->values[k][value_at(w, p, k)]);
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
        (void)have;
    }
    char path[4200];
    struct sim_diag d = {0};
    snprintf(path, sizeof path, "%s/raw.csv", dir);
    if (out_write_atomic(path, raw.p, &d)) {
        fail(path, 0, "%s", d.msg);
        *rc = 1;
    }
    snprintf(path, sizeof path, "%s/results.csv", dir);
    if (out_write_atomic(path, res.p, &d)) {
        fail(path, 0, "%s", d.msg);
        *rc = 1;
    }
    free(raw.p);
    free(res.p);
    free(vals);
    return missing;
}

int cli_sweep(int argc, char **argv)
{
    static const struct option opts[] = {{"jobs", required_argument, NULL, 'j'},
                                         {"output", required_argument, NULL, 'o'},
                                         {"shard", required_argument, NULL, 'S'},
                                         {"merge", no_argument, NULL, 'M'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int jobs = 1;
    long shard = 0, nshards = 1;
    const char *dir = "sweep-out";
    bool quiet = false, merge = false;
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":j:o:qh", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'j':
            jobs = (int)strtol(optarg, &end, 10);
            if (*end || jobs < 1 || jobs > 1024)
                return fail("uksim sweep", 0, "-j: \"%s\" is not a number of jobs in [1, 1024]",
                            optarg);
            break;
        case 'o': dir = optarg; break;
        case 'S':
            if (sscanf(optarg, "%ld/%ld", &shard, &nshards) != 2 || nshards < 1 || shard < 0 ||
                shard >= nshards)
                return fail("uksim sweep", 0, "--shard: expected I/N with 0 <= I < N, got \"%s\"",
                            optarg);
            break;
        case 'M': merge = true; break;
        case 'q': quiet = true; break;
        case 'h': fputs(usage, stdout); return 0;
        case ':': return fail("uksim sweep", 0, "option %s needs a value", argv[optind - 1]);
        default: return fail("uksim sweep", 0, "unknown option %s", argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return fail("uksim sweep", 0, "expected one sweep file (uksim sweep --help)");
    struct sweep w;
    int rc = sweep_load(&w, argv[optind]);
    if (rc) {
        sweep_free(&w);
        return rc;
    }
    /* Check the base model and the first point before forking workers. */
    {
        struct mdl_model m;
        struct sim_diag d = {0};
        if (mdl_load_file(&m, w.model, (const char *const *)w.fixed, w.nfixed, &d)) {
            char msg[900];
            sim_diag_format(&d, msg, sizeof msg);
            fprintf(stderr, "uksim: %s\n", msg);
            sweep_free(&w);
            return 2;
        }
        mdl_model_fini(&m);
    }
    char runs[4200];
    snprintf(runs, sizeof runs, "%s/runs", dir);
    int e = out_make_dirs(runs);
    if (e) {
        sweep_free(&w);
        return fail(dir, 0, "cannot create: %s", strerror(e));
    }
    /* Temporary files of workers killed mid-write are leftovers: remove. */
    DIR *dd = opendir(runs);
    for (struct dirent *de; dd && (de = readdir(dd));) {
        if (strstr(de->d_name, ".tmp.")) {
            char path[4500];
            snprintf(path, sizeof path, "%s/%s", runs, de->d_name);
            unlink(path);
        }
    }
    if (dd)
        closedir(dd);
    size_t ntasks = w.npoints * (size_t)w.reps, todo = 0;
    for (size_t t = 0; t < ntasks; t++)
        todo += (long)(t % (size_t)nshards) == shard &&
                !done(dir, t / (size_t)w.reps, (int)(t % (size_t)w.reps));
    if (!merge && todo) {
        bool tty = !quiet && isatty(STDERR_FILENO);
        double t0 = now_s();
        pid_t *kids = xcalloc((size_t)jobs, sizeof *kids);
        fflush(NULL);
        for (int j = 0; j < jobs; j++) {
            pid_t pid = fork();
            if (pid < 0) {
                rc = fail("uksim sweep", 0, "fork: %s", strerror(errno));
                break;
            }
            if (pid == 0) {
                int status = 0;
                size_t k = 0;
                for (size_t t = 0; t < ntasks; t++) {
                    if ((long)(t % (size_t)nshards) != shard)
                        continue;
                    if (k++ % (size_t)jobs != (size_t)j)
                        continue;
                    size_t p = t / (size_t)w.reps;
                    int r = (int)(t % (size_t)w.reps);
                    if (done(dir, p, r))
                        continue;
                    int trc = run_task(&w, dir, p, r);
                    if (trc > status)
                        status = trc;
                    if (trc == 2)
                        break;
                }
                _exit(status);
            }
            kids[j] = pid;
        }
        int alive = 0;
        for (int j = 0; j < jobs; j++)
            alive += kids[j] > 0;
        while (alive > 0) {
            int status;
            pid_t pid = waitpid(-1, &status, tty ? WNOHANG : 0);
            if (pid > 0) {
                alive--;
                int code = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
                if (code > rc)
                    rc = code;
            } else if (pid < 0 && errno != EINTR) {
                break;
            }
            if (tty) {
                size_t left = 0;
                for (size_t t = 0; t < ntasks; t++)
                    left += (long)(t % (size_t)nshards) == shard &&
                            !done(dir, t / (size_t)w.reps, (int)(t % (size_t)w.reps));
                size_t did = todo - left;
                double el = now_s() - t0;
                double eta = did ? el / (double)did * (double)left : NAN;
                fprintf(stderr, "\r%zu/%zu runs, %.0f s elapsed, ETA %s%.0f s   ", did, todo, el,
                        isfinite(eta) ? "" : "?", isfinite(eta) ? eta : 0.0);
                if (pid == 0) {
                    struct timespec ts = {0, 200000000};
                    nanosleep(&ts, NULL);
                }
            }
        }
        if (tty)
            fputc('\n', stderr);
        free(kids);
    }
    size_t missing = write_results(&w, dir, &rc);
    if (!quiet)
        fprintf(stderr,
                "uksim sweep: %zu points x %d replications; %zu results missing%s; wrote "
                "%s/results.csv and %s/raw.csv\n",
                w.npoints, w.reps, missing, nshards > 1 && !merge ? " (other shards)" : "", dir,
                dir);
    sweep_free(&w);
    return rc;
}
