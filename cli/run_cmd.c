/* SPDX-License-Identifier: MIT */
/* cli/run_cmd.c: one run of a model with all its outputs (uksim run MODEL,
 * and each run of the built-in scenario), the stop signal and diagnostics. */
#include "cli/cli_int.h"

#include "models/model.h"
#include "models/run.h"
#include "output/files.h"
#include "output/graph.h"
#include "output/plots.h"
#include "output/summary.h"
#include "output/timeseries.h"
#include "output/trace.h"
#include "policies/policy.h"
#include "sim/strbuf.h"
#include "sim/xalloc.h"

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Graphs are drawn with each run up to this many services (uksim render
 * draws bigger ones on request). */
#define GRAPH_AUTO_MAX 200

volatile sig_atomic_t cli_stop_signal;

static void on_stop_signal(int sig)
{
    cli_stop_signal = sig;
    signal(sig, SIG_DFL);
}

void cli_catch_stop_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int cli_usage_error(const char *cmd, const char *fmt, const char *arg)
{
    fprintf(stderr, "uksim%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'uksim %s%s--help'.\n", cmd ? cmd : "", cmd ? " " : "");
    return EXIT_USAGE;
}

void cli_print_diag(const struct sim_diag *d)
{
    char buf[900];
    sim_diag_format(d, buf, sizeof buf);
    fprintf(stderr, "uksim: %s\n", buf);
}

int cli_load(const struct run_args *a, struct mdl_model *m)
{
    struct sim_diag d = {0};
    int err = a->model ? mdl_load_file(m, a->model, a->sets, a->nsets, &d)
                       : mdl_load_string(m, mdl_builtin_default, "<built-in model>", a->sets,
                                         a->nsets, &d);
    if (err) {
        cli_print_diag(&d);
        return EXIT_USAGE;
    }
    if (!a->quiet)
        for (size_t i = 0; i < m->nwarnings; i++)
            fprintf(stderr, "uksim: %s\n", m->warnings[i]);
    return 0;
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A progress line on a terminal: simulated time, events per second, ETA. */
struct progress {
    double t0;
    bool shown;
};

static void show_progress(void *ctx, double now, double end, uint64_t events)
{
    struct progress *p = ctx;
    double el = wall_now() - p->t0;
    if (el < 1.0)
        return; /* short runs stay quiet */
    double eta = now > 0 ? el * (end - now) / now : 0;
    fprintf(stderr, "\r%.0f of %.0f s simulated, %.2fM events/s, ETA %.0f s   ", now, end,
            (double)events / el / 1e6, eta);
    p->shown = true;
}

/* The p95 over the measured windows of each window's p95 (windows with no
 * completed request left out), or NaN. */
static double window_p95_p95(const struct run_summary *s, double warmup)
{
    double *v = xcalloc(s->ncrows + 1, sizeof *v);
    size_t n = 0;
    for (size_t i = 0; i < s->ncrows; i++)
        if (s->crows[i].t_start >= warmup && s->crows[i].completed > 0)
            v[n++] = s->crows[i].p95;
    double q = NAN;
    if (n) {
        gsl_sort(v, 1, n);
        q = gsl_stats_quantile_from_sorted_data(v, 1, n, 0.95);
    }
    free(v);
    return q;
}

static void fill_column(struct column *c, const struct run_summary *s, double warmup)
{
    double cost = 0;
    for (size_t i = 0; i < s->nsvcs; i++)
        cost += s->svcs[i].instance_seconds;
    c->p95 = s->lat_p95;
    c->window_p95_p95 = window_p95_p95(s, warmup);
    c->violated = s->slo_windows_violated;
    c->cost = cost;
    c->scale_out = s->step_to_scale_out;
    c->recovery = s->step_to_slo_recovery;
    c->tau_u = s->el.tau_u;
    c->tau_o = s->el.tau_o;
    c->theta_u = s->el.theta_u;
    c->theta_o = s->el.theta_o;
    c->completed = s->completed;
}

int cli_write_run(const struct run_summary *s, const struct mdl_model *m, struct out_stage *stage,
                  double wall, bool quiet, bool *plotted)
{
    struct sim_diag d = {0};
    struct sim_buf path = {0};
    sim_buf_printf(&path, "%s/summary.json", stage->tmp);
    int rc = EXIT_DONE;
    *plotted = false;
    if (out_summary_write(s, wall, path.p, &d) || out_timeseries_write(s, stage->tmp, &d) ||
        out_trace_write(s, stage->tmp, &d) ||
        out_plots_write(s, stage->tmp, m->slo.latency_p95, quiet, plotted, &d) ||
        (s->nsvcs <= GRAPH_AUTO_MAX && out_render(stage->tmp, NULL, 0, &d)) ||
        out_stage_commit(stage, &d)) {
        /* Name the folder the user asked for, not the staging one. */
        size_t tl = stage->tmp ? strlen(stage->tmp) : 0;
        if (tl && strncmp(d.file, stage->tmp, tl) == 0) {
            char rest[sizeof d.file];
            snprintf(rest, sizeof rest, "%s", d.file + tl);
            snprintf(d.file, sizeof d.file, "%s%s", stage->dir, rest);
        }
        cli_print_diag(&d);
        out_stage_abort(stage);
        rc = EXIT_RUNFAIL;
    }
    free(path.p);
    return rc;
}

void cli_report_run(const struct run_summary *s, const struct mdl_model *m, double wall,
                    const char *outdir, bool plotted)
{
    bool measured = s->source != NULL;
    printf("%s, seed %llu: %llu requests completed in %.1f s %s (%.2f s wall, "
           "%llu %s)%s\n",
           m->source, (unsigned long long)s->seed, (unsigned long long)s->completed,
           s->measured_seconds, measured ? "measured" : "simulated", wall,
           (unsigned long long)s->events, measured ? "requests sent" : "events",
           cli_stop_signal ? ", interrupted" : "");
    if (s->failed)
        printf("dropped  %llu requests refused at a full queue (maxqueue)\n",
               (unsigned long long)s->failed);
    if (s->completed)
        printf("latency  mean %.3f ms  p50 %.3f ms  p95 %.3f ms  p99 %.3f ms\n", s->lat_mean * 1e3,
               s->lat_p50 * 1e3, s->lat_p95 * 1e3, s->lat_p99 * 1e3);
    else
        printf("latency  no measured request completed (overloaded, or warm-up too long?)\n");
    printf("%-16s %10s %10s %10s %10s %6s %9s\n", "service", "cpu ms", "wait ms", "call ms",
           "visits", "util", "inst-s");
    for (size_t i = 0; i < s->nsvcs; i++)
        printf("%-16s %10.3f %10.3f %10.3f %10llu %6.2f %9.0f\n", s->svcs[i].name,
               s->svcs[i].cpu * 1e3, s->svcs[i].local_wait * 1e3, s->svcs[i].call_time * 1e3,
               (unsigned long long)s->svcs[i].visits, s->svcs[i].utilization,
               s->svcs[i].instance_seconds);
    printf("wrote %s/summary.json, and services.csv, requests.csv, trace.json there\n", outdir);
    if (s->nsvcs <= GRAPH_AUTO_MAX)
        printf("graph: %s/graph.svg (and .png, .dot): services coloured by severity, the "
               "trace's bottleneck in red\n",
               outdir);
    else
        printf("graph: not drawn for %zu services (layout takes minutes); uksim render %s "
               "draws it\n",
               s->nsvcs, outdir);
    printf("plots: %s/plots/*.gp%s\n", outdir,
           plotted ? " rendered to PNG and SVG"
                   : " (gnuplot is not installed: scripts and data kept; run gnuplot on "
                     "them there)");
}

int cli_run_one(struct run_args *a, const char *const *extra, size_t nextra, const char *outdir,
                bool verbose, struct column *col)
{
    struct run_args with = *a;
    with.sets = xcalloc(a->nsets + nextra + 1, sizeof *with.sets);
    for (size_t i = 0; i < a->nsets; i++)
        with.sets[i] = a->sets[i];
    for (size_t i = 0; i < nextra; i++)
        with.sets[with.nsets++] = extra[i];
    struct mdl_model m;
    int rc = cli_load(&with, &m);
    free(with.sets);
    if (rc)
        return rc;
    uint64_t seed = a->have_seed ? a->seed : m.run.seed;
    struct pol_control pc;
    struct sim_diag d = {0};
    if (pol_control_init(&pc, &m, &d)) {
        cli_print_diag(&d);
        mdl_model_fini(&m);
        return EXIT_USAGE;
    }
    struct out_stage stage = {0};
    if (outdir && out_stage_begin(&stage, outdir, &d)) {
        cli_print_diag(&d);
        pol_control_fini(&pc);
        mdl_model_fini(&m);
        return EXIT_RUNFAIL;
    }
    double t0 = wall_now();
    struct run_summary s;
    struct run_control ctl = pc.ops ? pc.ctl : (struct run_control){0};
    ctl.interrupt = &cli_stop_signal;
    struct progress prog = {t0, false};
    if (!a->quiet && isatty(STDERR_FILENO)) {
        ctl.progress = show_progress;
        ctl.pctx = &prog;
    }
    int err = run_model_ctl(&m, seed, &ctl, &s);
    if (prog.shown)
        fputc('\n', stderr);
    pol_control_fini(&pc);
    double wall = wall_now() - t0;
    if (err) {
        cli_print_diag(&s.error);
        if (outdir)
            out_stage_abort(&stage);
        run_summary_fini(&s);
        mdl_model_fini(&m);
        return EXIT_RUNFAIL;
    }
    bool plotted = false;
    rc = outdir ? cli_write_run(&s, &m, &stage, a->no_timing ? -1.0 : wall, a->quiet, &plotted)
                : EXIT_DONE;
    if (rc == EXIT_DONE && outdir && verbose)
        cli_report_run(&s, &m, wall, outdir, plotted);
    if (col)
        fill_column(col, &s, m.run.warmup);
    run_summary_fini(&s);
    mdl_model_fini(&m);
    return rc;
}
