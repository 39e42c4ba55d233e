/* SPDX-License-Identifier: MIT */
/* cli/blame.c: `uksim blame`, a root-cause benchmark on the user's own
 * model. For each service in turn it plants a CPU bottleneck (slows the
 * service's CPU, services.<name>.speed, until its utilization reaches
 * --util), follows the chain of the run's verdicts from the entry service
 * under several tracing settings, and measures the counterfactual: which
 * service, given one more instance, lowers the mean latency the most. The
 * trace's blame is right when the chain ends at that service. Both phases
 * are sweeps (cli/sweep.c): replications on common seeds, -j workers, and
 * results reused when the command is run again.
 * Links are planted too: the link into service b is its instances' egress
 * (network.queueing), loaded by b's replies (services.b.response_size)
 * until it reaches --util; its capacity is added by doubling the
 * bandwidth. Elements are numbered: service s is s, the link into b is
 * nsvcs + b; a chain ending at link x->b names the link into b.
 * Candidates of the counterfactual: the planted element, every element a
 * chain ended at, and the three busiest services of the planted run; any
 * other service is at most that busy, so one more instance there saves
 * little. */
#include "cli/blame.h"

#include "cli/cli_int.h"
#include "cli/sweep.h"
#include "cli/sweep_int.h"
#include "models/run.h"
#include "output/files.h"
#include "output/plots.h"
#include "sim/strbuf.h"
#include "sim/xalloc.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "Usage: uksim blame MODEL [-o DIR] [-j N] [--reps N] [--seed N] [--util U]\n"
    "                   [--quick] [--set PATH=VALUE]... [--quiet]\n"
    "\n"
    "Measures how often the trace's blame names the service whose extra capacity\n"
    "helps most. For each service of MODEL in turn, its CPU is slowed until its\n"
    "utilization reaches U (services.<name>.speed); the verdict chain from the\n"
    "entry service is followed under each tracing setting; and one more instance\n"
    "is given in turn to the planted service, to every service a chain ended at\n"
    "and to the three busiest ones, to find which lowers the mean latency most.\n"
    "Prints precision (right / named) and recall (right / cases) per setting and\n"
    "writes DIR/blame.csv, DIR/cases.csv and DIR/blame.svg (with gnuplot). Runs\n"
    "are sweeps in DIR/phase1 and DIR/phase2: run the command again to resume.\n"
    "\n"
    "  -o, --output DIR  results (default: blame-out)\n"
    "  -j, --jobs N      worker processes (default 1)\n"
    "      --reps N      replications per case (default 3)\n"
    "      --seed N      first seed (default 1)\n"
    "      --util U      planted utilization, in (0, 1) (default 0.9)\n"
    "      --quick       one tracing setting (timestamps, root sampling 1 in 10)\n"
    "      --set P=V     override a model key for every run (repeatable)\n"
    "  -q, --quiet       print nothing but errors and the table\n"
    "  -h, --help        show this help\n";

/* The tracing settings compared, as overrides; yields: and every service
 * (without yield_every) with that many yield points. */
static const struct {
    const char *name, *sets;
    int yields;
} settings[] = {
    {"timestamps, root 1 in 10", "tracing.packet_timestamps=true;tracing.sampling=10", 0},
    {"timestamps, root 1 in 1", "tracing.packet_timestamps=true;tracing.sampling=1", 0},
    {"no timestamps, root 1 in 10", "tracing.packet_timestamps=false;tracing.sampling=10", 0},
    {"timestamps, per service 1 in 10",
     "tracing.packet_timestamps=true;tracing.sampling=10;tracing.sample_at=service", 0},
    {"timestamps, root 1 in 10, sum fold",
     "tracing.packet_timestamps=true;tracing.sampling=10;tracing.fold=sum", 0},
    {"timestamps, root 1 in 10, 10 yield points",
     "tracing.packet_timestamps=true;tracing.sampling=10", 10},
};
#define NSETTINGS (sizeof settings / sizeof settings[0])

struct opts {
    const char *model, *dir;
    int jobs, reps;
    unsigned long long seed;
    double util;
    bool quick, quiet;
    const char **sets;
    size_t nsets;
};

static int parse(int argc, char **argv, struct opts *o, bool *help)
{
    static const struct option lopts[] = {
        {"output", required_argument, NULL, 'o'}, {"jobs", required_argument, NULL, 'j'},
        {"reps", required_argument, NULL, 'r'},   {"seed", required_argument, NULL, 's'},
        {"util", required_argument, NULL, 'u'},   {"quick", no_argument, NULL, 'Q'},
        {"set", required_argument, NULL, 'S'},    {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    *o = (struct opts){.dir = "blame-out", .jobs = 1, .reps = 3, .seed = 1, .util = 0.9};
    o->sets = xcalloc((size_t)argc + 1, sizeof *o->sets);
    *help = false;
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":o:j:qh", lopts, NULL)) != -1) {
        char *end;
        errno = 0;
        switch (c) {
        case 'o': o->dir = optarg; break;
        case 'j':
            o->jobs = (int)strtol(optarg, &end, 10);
            if (*end || errno || o->jobs < 1 || o->jobs > 1024)
                return cli_usage_error("blame", "-j: \"%s\" is not a number of jobs in [1, 1024]",
                                       optarg);
            break;
        case 'r':
            o->reps = (int)strtol(optarg, &end, 10);
            if (*end || errno || o->reps < 2 || o->reps > 1000)
                return cli_usage_error("blame", "--reps: \"%s\" is not a count in [2, 1000]",
                                       optarg);
            break;
        case 's':
            o->seed = strtoull(optarg, &end, 10);
            if (*end || errno || optarg[0] == '-' || !optarg[0])
                return cli_usage_error("blame", "--seed: \"%s\" is not a non-negative integer",
                                       optarg);
            break;
        case 'u':
            o->util = strtod(optarg, &end);
            if (*end || errno || !(o->util > 0 && o->util < 1))
                return cli_usage_error("blame", "--util: \"%s\" is not a utilization in (0, 1)",
                                       optarg);
            break;
        case 'Q': o->quick = true; break;
        case 'S':
            if (!strchr(optarg, '=') || strchr(optarg, ';'))
                return cli_usage_error("blame", "--set: \"%s\" is not PATH=VALUE (without ';')",
                                       optarg);
            o->sets[o->nsets++] = optarg;
            break;
        case 'q': o->quiet = true; break;
        case 'h': *help = true; return EXIT_DONE;
        case ':': return cli_usage_error("blame", "option %s needs a value", argv[optind - 1]);
        default: return cli_usage_error("blame", "unknown option %s", argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("blame", "%s", "expected one model file");
    o->model = argv[optind];
    return EXIT_DONE;
}

/* Appends s as a libconfig string literal. */
static void quoted(struct sim_buf *b, const char *s)
{
    sim_buf_printf(b, "\"");
    for (; *s; s++)
        sim_buf_printf(b, *s == '"' || *s == '\\' ? "\\%c" : "%c", *s);
    sim_buf_printf(b, "\"");
}

/* One planted case: its overrides and the runs' figures. */
struct plant {
    int elem;     /* the planted element */
    char *sets;   /* "services.<name>.speed=<v>" */
    double **end; /* [setting][rep]: run_blame_end */
    double *util; /* [service]: mean utilization, first setting */
    int cand[8];  /* counterfactual candidates (elements) */
    int ncand;
    int best;      /* the element saving the most; -1: none saves */
    double saving; /* its mean saving, s */
};

/* Writes a sweep file and runs it (argv as `uksim sweep`). zip: the "set"
 * values; grid (may be NULL): a second "set" axis. */
static int run_sweep(const struct opts *o, const char *name, const char *model,
                     const char *const *zip, size_t nzip, const char *const *grid, size_t ngrid,
                     const char *const *metrics, size_t nmetrics, struct sweep_table *table)
{
    struct sim_buf b = {0};
    sim_buf_printf(&b, "sweep = {\n  model = ");
    quoted(&b, model);
    sim_buf_printf(&b, ";\n  replications = %d;\n  seed = %llu;\n", o->reps, o->seed);
    if (o->nsets) {
        sim_buf_printf(&b, "  set = (");
        for (size_t i = 0; i < o->nsets; i++) {
            sim_buf_printf(&b, i ? ", " : " ");
            quoted(&b, o->sets[i]);
        }
        sim_buf_printf(&b, " );\n");
    }
    if (grid) {
        sim_buf_printf(&b, "  grid = ( { key = \"set\"; values = (");
        for (size_t i = 0; i < ngrid; i++) {
            sim_buf_printf(&b, i ? ", " : " ");
            quoted(&b, grid[i]);
        }
        sim_buf_printf(&b, " ); } );\n");
    }
    sim_buf_printf(&b, "  zip = ( { key = \"set\"; values = (");
    for (size_t i = 0; i < nzip; i++) {
        sim_buf_printf(&b, i ? ",\n    " : " ");
        quoted(&b, zip[i]);
    }
    sim_buf_printf(&b, " ); } );\n  metrics = (");
    for (size_t i = 0; i < nmetrics; i++) {
        sim_buf_printf(&b, i ? ", " : " ");
        quoted(&b, metrics[i]);
    }
    sim_buf_printf(&b, " );\n};\n");
    char *file = sim_path_join_new(o->dir, name);
    struct sim_buf file_sweep = {0};
    sim_buf_printf(&file_sweep, "%s.sweep", file);
    struct sim_diag d = {0};
    int rc = EXIT_DONE;
    if (out_write_replace(file_sweep.p, b.p, &d)) {
        cli_print_diag(&d);
        rc = EXIT_RUNFAIL;
    } else {
        struct sweep_opts so = {.jobs = o->jobs, .nshards = 1, .dir = file, .quiet = true};
        rc = sweep_main(file_sweep.p, &so, table);
    }
    free(file);
    free(file_sweep.p);
    free(b.p);
    return rc;
}

/* Metric i of task (p, rep) in the table; NAN if it has no result. */
static double task_metric(const struct sweep_table *t, size_t p, int rep, int reps, size_t i)
{
    return sweep_table_value(t, p * (size_t)reps + (size_t)rep, i);
}

static void add_cand(struct plant *pl, int s)
{
    for (int i = 0; i < pl->ncand; i++)
        if (pl->cand[i] == s)
            return;
    if (pl->ncand < (int)(sizeof pl->cand / sizeof pl->cand[0]))
        pl->cand[pl->ncand++] = s;
}

/* Measured visits per second per instance of v (0: none). */
static double inst_rate(const struct run_summary *s, const struct run_svc_summary *v)
{
    double inst = v->instance_seconds / s->measured_seconds;
    return v->visits && inst > 0 ? (double)v->visits / s->measured_seconds / inst : 0;
}

/* Plants a bottleneck at each service the baseline run visits. */
static size_t plan(const struct opts *o, const struct mdl_model *m, const struct run_summary *s,
                   struct plant *pl)
{
    size_t n = 0;
    for (size_t i = 0; i < s->nsvcs; i++) {
        const struct run_svc_summary *v = &s->svcs[i];
        double r = inst_rate(s, v);
        if (!(r > 0) || v->traced == 0 || !(v->cpu > 0)) {
            if (!o->quiet)
                fprintf(stderr, "uksim blame: %s: no traced visits, not planted\n", v->name);
            continue;
        }
        double other = v->utilization / r - v->cpu; /* stack, per visit */
        double want = o->util / r - (other > 0 ? other : 0);
        if (!(want > 0)) {
            if (!o->quiet)
                fprintf(stderr,
                        "uksim blame: %s: its network stack alone exceeds %g, "
                        "not planted\n",
                        v->name, o->util);
            continue;
        }
        double speed = m->services[i].speed * (want > v->cpu ? v->cpu / want : 1.0);
        struct sim_buf b = {0};
        sim_buf_printf(&b, "services.%s.speed=%.6g", v->name, speed);
        pl[n++] = (struct plant){.elem = (int)i, .sets = b.p, .best = -1};
    }
    /* Links: each callee's egress, once. */
    double bw = m->net.bandwidth > 0 ? m->net.bandwidth : 1e9;
    for (size_t i = 0; i < s->nsvcs; i++) {
        const struct run_svc_summary *v = &s->svcs[i];
        bool called = false;
        for (size_t e = 0; e < s->nedges && !called; e++)
            called = s->edges[e].calls > 0 && !strcmp(s->edges[e].callee, v->name);
        double r = inst_rate(s, v);
        if (!called || !(r > 0))
            continue;
        double bytes = o->util * bw / (8 * r);
        struct sim_buf b = {0};
        sim_buf_printf(&b,
                       "network.bandwidth=%.6gbps;network.queueing=true;"
                       "services.%s.response_size=const(%.0f)",
                       bw, v->name, bytes);
        pl[n++] = (struct plant){.elem = (int)(s->nsvcs + i), .sets = b.p, .best = -1};
    }
    return n;
}

/* The element a chain end names (see above), or -1. */
static int end_elem(double e, size_t ns)
{
    if (!(e >= 0))
        return -1;
    long long x = (long long)e, n = (long long)ns;
    return (int)(x < n ? x : n + (x - n) % n);
}

/* "s" or "link:->s" for element x into buf. */
static const char *elem_name(const struct run_summary *base, int x, char *buf, size_t size)
{
    int n = (int)base->nsvcs;
    if (x < 0)
        snprintf(buf, size, "none");
    else if (x < n)
        snprintf(buf, size, "%s", base->svcs[x].name);
    else
        snprintf(buf, size, "link:->%s", base->svcs[x - n].name);
    return buf;
}

static int report(const struct opts *o, const struct run_summary *base, struct plant *pl, size_t np,
                  size_t nset)
{
    struct sim_buf csv = {0}, cases = {0}, dat = {0};
    sim_buf_printf(&csv, "setting,cases,named,right,precision,recall\n");
    sim_buf_printf(&cases, "planted,best,saving_s");
    for (size_t k = 0; k < nset; k++)
        sim_buf_printf(&cases, ",\"%s\"", settings[k].name);
    sim_buf_printf(&cases, "\n");
    printf("%-42s %6s %6s %6s %9s %7s\n", "tracing setting", "cases", "named", "right", "precision",
           "recall");
    long long n = (long long)base->nsvcs;
    for (size_t k = 0; k < nset; k++) {
        long cases_n = 0, named = 0, right = 0;
        for (size_t p = 0; p < np; p++)
            for (int r = 0; r < o->reps; r++) {
                int e = end_elem(pl[p].end[k][r], base->nsvcs);
                cases_n++;
                named += e >= 0;
                right += pl[p].best >= 0 && e == pl[p].best;
            }
        double prec = named ? (double)right / (double)named : NAN;
        double rec = cases_n ? (double)right / (double)cases_n : NAN;
        printf("%-42s %6ld %6ld %6ld %9.3f %7.3f\n", settings[k].name, cases_n, named, right, prec,
               rec);
        sim_buf_printf(&csv, "\"%s\",%ld,%ld,%ld,%.4f,%.4f\n", settings[k].name, cases_n, named,
                       right, prec, rec);
        sim_buf_printf(&dat, "\"%s\" %.4f %.4f\n", settings[k].name, prec, rec);
    }
    for (size_t p = 0; p < np; p++) {
        char a[300], b[300];
        sim_buf_printf(&cases, "%s,%s,%.6g", elem_name(base, pl[p].elem, a, sizeof a),
                       pl[p].best >= 0 ? elem_name(base, pl[p].best, b, sizeof b) : "",
                       pl[p].saving);
        for (size_t k = 0; k < nset; k++) {
            sim_buf_printf(&cases, ",\"");
            for (int r = 0; r < o->reps; r++) {
                long long e = (long long)pl[p].end[k][r];
                if (r)
                    sim_buf_printf(&cases, " ");
                if (e < 0)
                    sim_buf_printf(&cases, "none");
                else if (e < n)
                    sim_buf_printf(&cases, "%s", base->svcs[e].name);
                else
                    sim_buf_printf(&cases, "link:%s->%s", base->svcs[(e - n) / n].name,
                                   base->svcs[(e - n) % n].name);
            }
            sim_buf_printf(&cases, "\"");
        }
        sim_buf_printf(&cases, "\n");
    }
    static const char gp[] =
        "set terminal svg size 800,400\nset output 'blame.svg'\n"
        "set style data histogram\nset style histogram cluster gap 1\n"
        "set style fill solid 0.8\nset yrange [0:1.05]\nset ylabel 'share of cases'\n"
        "set xtics rotate by -20\nset key top right\n"
        "set title 'Blame against the counterfactual, per tracing setting'\n"
        "plot 'blame.dat' using 2:xtic(1) title 'precision', '' using 3 title 'recall'\n";
    struct sim_diag d = {0};
    char *f1 = sim_path_join_new(o->dir, "blame.csv"), *f2 = sim_path_join_new(o->dir, "cases.csv");
    char *f3 = sim_path_join_new(o->dir, "blame.dat"), *f4 = sim_path_join_new(o->dir, "blame.gp");
    int rc = EXIT_DONE;
    if (out_write_replace(f1, csv.p, &d) || out_write_replace(f2, cases.p, &d) ||
        out_write_replace(f3, dat.p, &d) || out_write_replace(f4, gp, &d)) {
        cli_print_diag(&d);
        rc = EXIT_RUNFAIL;
    } else if (out_gnuplot_found() && out_gnuplot_run(o->dir, "blame.gp", o->quiet) != 0) {
        fprintf(stderr, "uksim blame: gnuplot failed on %s\n", f4);
        rc = EXIT_RUNFAIL;
    }
    free(f1), free(f2), free(f3), free(f4);
    free(csv.p), free(cases.p), free(dat.p);
    return rc;
}

static int blame(const struct opts *o)
{
    struct mdl_model m;
    struct sim_diag d = {0};
    if (mdl_load_file(&m, o->model, o->sets, o->nsets, &d)) {
        cli_print_diag(&d);
        return EXIT_USAGE;
    }
    int e = out_make_dirs(o->dir);
    if (e) {
        fprintf(stderr, "uksim blame: %s: %s\n", o->dir, strerror(e));
        mdl_model_fini(&m);
        return EXIT_RUNFAIL;
    }
    char *model = realpath(o->model, NULL);
    struct run_summary base;
    if (!model || run_model(&m, o->seed, &base) < 0) {
        fprintf(stderr, "uksim blame: %s: %s\n", o->model,
                model ? base.error.msg : strerror(errno));
        free(model);
        if (model)
            run_summary_fini(&base);
        mdl_model_fini(&m);
        return EXIT_RUNFAIL;
    }
    size_t ns = base.nsvcs, nset = o->quick ? 1 : NSETTINGS;
    struct plant *pl = xcalloc(2 * ns + 1, sizeof *pl);
    size_t np = plan(o, &m, &base, pl);
    int rc = EXIT_DONE;
    if (np == 0) {
        fprintf(stderr, "uksim blame: %s: no service could be planted\n", o->model);
        rc = EXIT_RUNFAIL;
        goto out;
    }
    /* Phase 1: the chain ends, per setting (grid) and plant (zip). */
    const char **zip = xcalloc(np * 9 + 1, sizeof *zip); /* phase 2: a plant and 8 candidates */
    const char *grid[NSETTINGS];
    char *grid_own[NSETTINGS] = {0};
    for (size_t k = 0; k < nset; k++) {
        grid[k] = settings[k].sets;
        if (!settings[k].yields)
            continue;
        struct sim_buf b = {0};
        sim_buf_printf(&b, "%s", settings[k].sets);
        for (size_t i = 0; i < m.nservices; i++)
            if (!(m.services[i].yield_every > 0))
                sim_buf_printf(&b, ";services.%s.yield_points=%d", m.services[i].name,
                               settings[k].yields);
        grid[k] = grid_own[k] = b.p;
    }
    for (size_t p = 0; p < np; p++)
        zip[p] = pl[p].sets;
    const char **metrics = xcalloc(ns + 2, sizeof *metrics);
    char **util_names = xcalloc(ns, sizeof *util_names);
    metrics[0] = "blame.end";
    for (size_t i = 0; i < ns; i++) {
        struct sim_buf b = {0};
        sim_buf_printf(&b, "services.%s.utilization", base.svcs[i].name);
        metrics[i + 1] = util_names[i] = b.p;
    }
    if (!o->quiet)
        fprintf(stderr, "uksim blame: %zu plants x %zu settings x %d replications\n", np, nset,
                o->reps);
    struct sweep_table t1 = {0}, t2 = {0};
    rc = run_sweep(o, "phase1", model, zip, np, grid, nset, metrics, ns + 1, &t1);
    for (size_t p = 0; p < np && rc == EXIT_DONE; p++) {
        pl[p].end = xcalloc(nset, sizeof *pl[p].end);
        pl[p].util = xcalloc(ns, sizeof *pl[p].util);
        for (size_t k = 0; k < nset; k++) {
            pl[p].end[k] = xcalloc((size_t)o->reps, sizeof **pl[p].end);
            for (int r = 0; r < o->reps; r++) {
                pl[p].end[k][r] = task_metric(&t1, k * np + p, r, o->reps, 0);
                if (isnan(pl[p].end[k][r]))
                    pl[p].end[k][r] = -1;
                for (size_t i = 0; k == 0 && i < ns; i++)
                    pl[p].util[i] += task_metric(&t1, p, r, o->reps, 1 + i) / o->reps;
                int x = end_elem(pl[p].end[k][r], ns);
                /* A link's capacity is added by doubling the bandwidth:
                 * only where the plant set one. */
                if (x >= 0 && (x < (int)ns || pl[p].elem >= (int)ns))
                    add_cand(&pl[p], x);
            }
        }
        add_cand(&pl[p], pl[p].elem);
        for (int t = 0; t < 3; t++) { /* the three busiest */
            int top = -1;
            for (size_t i = 0; i < ns; i++) {
                bool taken = false;
                for (int j = 0; j < pl[p].ncand; j++)
                    taken |= pl[p].cand[j] == (int)i;
                if (!taken && !isnan(pl[p].util[i]) && (top < 0 || pl[p].util[i] > pl[p].util[top]))
                    top = (int)i;
            }
            if (top >= 0)
                add_cand(&pl[p], top);
        }
    }
    /* Phase 2: each plant alone, then with one more instance at each
     * candidate; the default tracing of the model. */
    size_t nz = 0;
    size_t *first = xcalloc(np, sizeof *first);
    char **own = xcalloc(np * 9 + 1, sizeof *own);
    double bw = m.net.bandwidth > 0 ? m.net.bandwidth : 1e9;
    size_t nown = 0;
    for (size_t p = 0; p < np && rc == EXIT_DONE; p++) {
        first[p] = nz;
        zip[nz++] = pl[p].sets;
        for (int j = 0; j < pl[p].ncand; j++) {
            struct sim_buf b = {0};
            if (pl[p].cand[j] >= (int)ns) {
                sim_buf_printf(&b, "%s;network.bandwidth=%.6gbps", pl[p].sets, 2 * bw);
            } else {
                const struct mdl_service *c = &m.services[pl[p].cand[j]];
                sim_buf_printf(&b, "%s;services.%s.instances=%d", pl[p].sets, c->name,
                               c->instances + 1);
                if (c->max < c->instances + 1)
                    sim_buf_printf(&b, ";services.%s.max=%d", c->name, c->instances + 1);
            }
            zip[nz++] = own[nown++] = b.p;
        }
    }
    static const char *const lat[] = {"requests.latency.mean"};
    if (rc == EXIT_DONE)
        rc = run_sweep(o, "phase2", model, zip, nz, NULL, 0, lat, 1, &t2);
    for (size_t p = 0; p < np && rc == EXIT_DONE; p++) {
        for (int j = 0; j < pl[p].ncand; j++) {
            double save = 0;
            for (int r = 0; r < o->reps; r++) {
                save += (task_metric(&t2, first[p], r, o->reps, 0) -
                         task_metric(&t2, first[p] + 1 + (size_t)j, r, o->reps, 0)) /
                        o->reps;
            }
            if (save > 0 && (pl[p].best < 0 || save > pl[p].saving)) {
                pl[p].best = pl[p].cand[j];
                pl[p].saving = save;
            }
        }
    }
    if (rc == EXIT_DONE)
        rc = report(o, &base, pl, np, nset);
    for (size_t k = 0; k < nset; k++)
        free(grid_own[k]);
    for (size_t i = 0; i < nown; i++)
        free(own[i]);
    free(own);
    free(first);
    for (size_t i = 0; i < ns; i++)
        free(util_names[i]);
    free(util_names);
    free(metrics);
    sweep_table_fini(&t1);
    sweep_table_fini(&t2);
    free(zip);
out:
    for (size_t p = 0; p < np; p++) {
        for (size_t k = 0; pl[p].end && k < nset; k++)
            free(pl[p].end[k]);
        free(pl[p].end);
        free(pl[p].util);
        free(pl[p].sets);
    }
    free(pl);
    free(model);
    run_summary_fini(&base);
    mdl_model_fini(&m);
    return rc;
}

int cli_blame(int argc, char **argv)
{
    struct opts o;
    bool help;
    int rc = parse(argc, argv, &o, &help);
    if (rc == EXIT_DONE && help)
        fputs(usage, stdout);
    else if (rc == EXIT_DONE)
        rc = blame(&o);
    free(o.sets);
    return rc;
}
