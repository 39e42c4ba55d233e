/* SPDX-License-Identifier: MIT */
/* cli/scenario.c: `uksim run` without a model. TeaStore under a load step,
 * three ways on the same arrivals, each replicated with 5 seeds:
 *   - hpa on k8s-pod boots: the Kubernetes HPA as a cluster runs it;
 *   - wait-local on unikernel boots: what the seeds propose;
 *   - wait-local on k8s-pod boots: the same policy on the same platform as
 *     the first, so that the policy's effect and the platform's effect can
 *     be told apart.
 * Every setting is the policy's documented default. The table gives each
 * figure as a mean over the replications with its 95% confidence interval
 * (Student's t), and the verdicts only claim a difference where the
 * intervals do not overlap. */
#include "cli/cli_int.h"

#include "models/model.h"
#include "output/files.h"
#include "sim/strbuf.h"
#include "sim/xalloc.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPS 5
#define CONFIGS 3

struct config {
    const char *name; /* results subfolder */
    const char *label;
    const char *policy;
    const char *platform;
};

static const struct config configs[CONFIGS] = {
    {"hpa-k8s-pod", "hpa, k8s-pod", "hpa", "k8s-pod"},
    {"wait-local-unikernel", "wait-local, unikernel", "wait-local", "unikernel"},
    {"wait-local-k8s-pod", "wait-local, k8s-pod", "wait-local", "k8s-pod"},
};

/* A figure of struct column, for the rows of the table. */
struct row {
    const char *title;
    size_t offset; /* in struct column */
    double scale;
    const char *fmt;
    const char *meaning;
};

#define COL(f) offsetof(struct column, f)
static const struct row rows[] = {
    {"windows over the SLO (%)", COL(violated), 100, "%.1f",
     "share of the measured 5 s windows whose latency missed the SLO (lower is better)"},
    {"p95 of window p95 (ms)", COL(window_p95_p95), 1e3, "%.1f",
     "the 95th percentile, over the windows, of each window's p95 latency"},
    {"instance-seconds (cost)", COL(cost), 1, "%.0f",
     "instances paid for over the measured period, from boot to stop"},
    {"under-provisioned time (%)", COL(tau_u), 1, "%.1f",
     "tau_U: share of time a service served with fewer instances than its demand needs"},
    {"over-provisioned time (%)", COL(tau_o), 1, "%.1f",
     "tau_O: share of time a service served with more instances than its demand needs"},
    {"under-provisioning (%)", COL(theta_u), 1, "%.1f",
     "theta_U: missing instances relative to demand, averaged over time"},
    {"over-provisioning (%)", COL(theta_o), 1, "%.1f",
     "theta_O: surplus instances relative to demand, averaged over time (Herbst et al.)"},
    {"step -> enough instances (s)", COL(scale_out), 1, "%.0f",
     "from the load step until every service has the instances its demand needs"},
    {"step -> SLO met for good (s)", COL(recovery), 1, "%.0f",
     "from the load step until the p95 stays within the SLO"},
};
#define NROWS (sizeof rows / sizeof rows[0])

static double field(const struct column *c, size_t offset)
{
    return *(const double *)((const char *)c + offset);
}

/* Mean and half-width of the 95% interval of the finite values, or NaN. */
static void interval(const struct column col[REPS], size_t offset, double scale, double *mean,
                     double *half)
{
    double v[REPS];
    size_t n = 0;
    for (int r = 0; r < REPS; r++) {
        double x = field(&col[r], offset);
        if (isfinite(x))
            v[n++] = x * scale;
    }
    *mean = n ? gsl_stats_mean(v, 1, n) : NAN;
    *half =
        n > 1 ? gsl_cdf_tdist_Pinv(0.975, (double)(n - 1)) * gsl_stats_sd(v, 1, n) / sqrt((double)n)
              : NAN;
}

/* "a" or "b" when its interval lies wholly below the other's (lower is
 * better), else NULL. */
static const char *lower(const struct column *a, const struct column *b, size_t offset,
                         const char *na, const char *nb)
{
    double ma, ha, mb, hb;
    interval(a, offset, 1, &ma, &ha);
    interval(b, offset, 1, &mb, &hb);
    if (!isfinite(ma) || !isfinite(mb) || !isfinite(ha) || !isfinite(hb))
        return NULL;
    if (ma + ha < mb - hb)
        return na;
    if (mb + hb < ma - ha)
        return nb;
    return NULL;
}

static void verdict(const char *what, const struct column *a, const struct column *b,
                    const char *na, const char *nb)
{
    const char *slo = lower(a, b, COL(violated), na, nb);
    const char *cost = lower(a, b, COL(cost), na, nb);
    printf("  %s: ", what);
    if (slo)
        printf("%s misses the SLO in fewer windows", slo);
    else
        printf("no difference in SLO windows at 95%%");
    if (cost)
        printf("; %s costs less", cost);
    else
        printf("; no difference in cost at 95%%");
    printf("\n");
}

/* The overrides of one configuration: the policy, every service's platform. */
static void overrides(const struct mdl_model *m, const struct config *c, char ***out, size_t *n)
{
    char **o = xcalloc(m->nservices + 1, sizeof *o);
    struct sim_buf b = {0};
    sim_buf_printf(&b, "policy.name=%s", c->policy);
    o[0] = b.p;
    for (size_t i = 0; i < m->nservices; i++) {
        struct sim_buf e = {0};
        sim_buf_printf(&e, "services.%s.platform=%s", m->services[i].name, c->platform);
        o[i + 1] = e.p;
    }
    *out = o;
    *n = m->nservices + 1;
}

/* DIR/comparison.csv: every replication's figures, for a closer look. */
static int write_csv(const struct run_args *a, struct column col[CONFIGS][REPS])
{
    struct sim_buf b = {0};
    sim_buf_printf(&b, "config,policy,platform,seed");
    for (size_t r = 0; r < NROWS; r++) {
        sim_buf_printf(&b, ",\"");
        for (const char *t = rows[r].title; *t; t++)
            sim_buf_printf(&b, "%c", *t == '"' ? '\'' : *t);
        sim_buf_printf(&b, "\"");
    }
    sim_buf_printf(&b, "\n");
    for (int k = 0; k < CONFIGS; k++)
        for (int rep = 0; rep < REPS; rep++) {
            sim_buf_printf(&b, "%s,%s,%s,%llu", configs[k].name, configs[k].policy,
                           configs[k].platform, a->seed + (unsigned long long)rep);
            for (size_t r = 0; r < NROWS; r++) {
                double x = field(&col[k][rep], rows[r].offset) * rows[r].scale;
                if (isfinite(x))
                    sim_buf_printf(&b, ",%.6g", x);
                else
                    sim_buf_printf(&b, ",");
            }
            sim_buf_printf(&b, "\n");
        }
    struct sim_diag d = {0};
    char *path = sim_path_join_new(a->outdir, "comparison.csv");
    int err = out_write_atomic(path, b.p, &d);
    free(path);
    free(b.p);
    if (err) {
        cli_print_diag(&d);
        return EXIT_RUNFAIL;
    }
    return EXIT_DONE;
}

static void print_table(const struct run_args *a, struct column col[CONFIGS][REPS])
{
    printf("%-30s", "");
    for (int k = 0; k < CONFIGS; k++)
        printf(" %24s", configs[k].label);
    printf("\n");
    for (size_t r = 0; r < NROWS; r++) {
        printf("%-30s", rows[r].title);
        for (int k = 0; k < CONFIGS; k++) {
            double mean, half;
            interval(col[k], rows[r].offset, rows[r].scale, &mean, &half);
            char m[32], h[32], cellbuf[80];
            if (!isfinite(mean)) {
                snprintf(cellbuf, sizeof cellbuf, "-");
            } else {
                snprintf(m, sizeof m, rows[r].fmt, mean);
                snprintf(h, sizeof h, rows[r].fmt, isfinite(half) ? half : 0.0);
                snprintf(cellbuf, sizeof cellbuf, "%s ± %s", m, h);
            }
            /* "±" is two bytes and one column. */
            printf(" %25s", cellbuf);
        }
        printf("\n");
    }
    printf("\nEach cell: mean over %d replications (seeds %llu to %llu, the same arrivals in "
           "every column) ± the half-width of its 95%% confidence interval.\n",
           REPS, a->seed, a->seed + REPS - 1);
    for (size_t r = 0; r < NROWS; r++)
        printf("  %-28s %s\n", rows[r].title, rows[r].meaning);
}

int cli_scenario(struct run_args *a)
{
    struct column col[CONFIGS][REPS];
    memset(col, 0, sizeof col);
    struct mdl_model m;
    int rc = cli_load(a, &m);
    if (rc)
        return rc;
    double slo = m.slo.latency_p95, window = m.run.window;
    unsigned long long base = a->have_seed ? a->seed : m.run.seed;
    bool have_seed = a->have_seed;
    unsigned long long seed = a->seed;
    a->have_seed = true;
    a->seed = base;
    if (!a->quiet) {
        printf("TeaStore (topologies/teastore.cfg) under a load step, three ways on the same "
               "arrivals,\n%d replications each. SLO: p95 latency <= %g ms in every %g s "
               "window.\n",
               REPS, slo * 1e3, window);
        fflush(stdout);
    }
    for (int k = 0; k < CONFIGS && !rc; k++) {
        char **extra = NULL;
        size_t nextra = 0;
        overrides(&m, &configs[k], &extra, &nextra);
        for (int r = 0; r < REPS && !rc && !cli_stop_signal; r++) {
            a->seed = base + (unsigned long long)r;
            /* The first replication writes its results; the others give figures. */
            struct sim_buf dir = {0};
            if (r == 0)
                sim_buf_printf(&dir, "%s/%s", a->outdir, configs[k].name);
            col[k][r].label = configs[k].label;
            rc = cli_run_one(a, (const char *const *)extra, nextra, dir.p, false, &col[k][r]);
            free(dir.p);
        }
        for (size_t i = 0; i < nextra; i++)
            free(extra[i]);
        free(extra);
        a->seed = base;
    }
    mdl_model_fini(&m);
    if (!rc && !cli_stop_signal)
        rc = write_csv(a, col);
    if (!rc && !cli_stop_signal && !a->quiet) {
        print_table(a, col);
        printf("\nVerdicts (a difference is claimed only where the 95%% intervals do not "
               "overlap):\n");
        verdict("policy, on k8s-pod boots (hpa vs wait-local)", col[0], col[2], "hpa",
                "wait-local");
        verdict("platform, under wait-local (unikernel vs k8s-pod)", col[1], col[2], "unikernel",
                "k8s-pod");
        verdict("both (hpa on k8s-pod vs wait-local on unikernel)", col[0], col[1],
                "hpa on k8s-pod", "wait-local on unikernel");
        printf("\nevery replication's figures in %s/comparison.csv; results of the first "
               "replication in\n%s/{hpa-k8s-pod,wait-local-unikernel,wait-local-k8s-pod}, "
               "each with graph.svg and plots/;\nuksim report %s writes them as one page\n",
               a->outdir, a->outdir, a->outdir);
    }
    a->have_seed = have_seed;
    a->seed = seed;
    return rc;
}
