/* SPDX-License-Identifier: MIT */
/* cli/sweep.c: `uksim sweep`: runs the tasks of a sweep (cli/sweep_int.h)
 * in forked worker processes, task i going to worker i % jobs among those
 * of this shard (i % N == I). Workers die with their parent
 * (PR_SET_PDEATHSIG), and the parent stops them by PID on SIGINT or SIGTERM.
 * A task whose run fails records the error, so that it is not run again
 * forever, and the others go on. results.csv and raw.csv are rebuilt from
 * DIR/runs after every invocation, so shards copied into one DIR merge
 * exactly, and --merge can run at any time without losing anything. */
#include "config.h"

#include "cli/sweep.h"
#include "cli/sweep_int.h"
#include "models/model.h"
#include "models/run.h"
#include "output/files.h"
#include "policies/policy.h"
#include "sim/err.h"
#include "sim/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
    "Usage: uksim sweep SWEEP [-j N] [-o DIR] [--shard I/N] [--merge] [--no-rerun] [--quiet]\n"
    "\n"
    "Runs the sweep file SWEEP (doc/sweeps.md): every point of its grid, each\n"
    "for its replications, in N worker processes. Writes DIR/results.csv (a row\n"
    "per point: each metric's mean, 95% confidence half-width and count) and\n"
    "DIR/raw.csv (a row per replication). Finished replications are kept in\n"
    "DIR/runs, each with a digest of the model, seed and version that made\n"
    "it: run the same command again after a crash to finish the sweep; after\n"
    "an edit, results that no longer match are run again.\n"
    "\n"
    "  -j, --jobs N       worker processes (default 1)\n"
    "  -o, --output DIR   results directory (default sweep-out)\n"
    "      --shard I/N    run only the I-th of N disjoint parts (0 <= I < N);\n"
    "                     shards may share one DIR, or copy every part's\n"
    "                     DIR/runs into one DIR and run --merge there\n"
    "      --merge        build results from DIR/runs without running anything;\n"
    "                     exits 1 and lists what is missing if anything is\n"
    "      --no-rerun     refuse, rather than run again, results in DIR/runs\n"
    "                     that a different model, seed or version produced\n"
    "  -q, --quiet        no progress line\n"
    "\n"
    "Exit status: 0 done, 1 a run failed or results are missing, 2 bad usage,\n"
    "bad sweep file or bad model at some point (checked before any run).\n";

static int fail(const char *file, const char *fmt, const char *arg)
{
    fprintf(stderr, "uksim: %s: ", file);
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    return 2;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
    stop_signal = sig;
}

/* A worker's last loaded point: replications of a point share one model
 * (a model is read-only during a run), so it is loaded once. */
struct point_cache {
    bool have;
    size_t p;
    int err; /* the load failed: msg says why */
    char msg[900];
    struct mdl_model m;
};

static void cache_drop(struct point_cache *c)
{
    if (c->have && !c->err)
        mdl_model_fini(&c->m);
    c->have = false;
}

/* Runs one task and writes its result. Returns 0, or 1 if the run failed
 * (the failure is recorded) or the result could not be written. */
static int run_task(const struct sweep *w, const char *dir, size_t p, int rep,
                    struct point_cache *c)
{
    struct sim_diag d = {0};
    char msg[900];
    if (!c->have || c->p != p) {
        cache_drop(c);
        size_t nsets;
        char **sets = sweep_sets(w, p, &nsets);
        c->have = true;
        c->p = p;
        c->err = mdl_load_file(&c->m, w->model, (const char *const *)sets, nsets, &d);
        if (c->err)
            sim_diag_format(&d, c->msg, sizeof c->msg);
        sweep_sets_free(sets, nsets);
    }
    if (c->err) {
        fprintf(stderr, "uksim: point %zu: %s\n", p, c->msg);
        sweep_result_write(w, dir, p, rep, NULL, c->msg, NAN);
        return 1;
    }
    const struct mdl_model *m = &c->m;
    int rc;
    struct pol_control pc;
    if (pol_control_init(&pc, m, &d)) {
        sim_diag_format(&d, msg, sizeof msg);
        fprintf(stderr, "uksim: point %zu: %s\n", p, msg);
        sweep_result_write(w, dir, p, rep, NULL, msg, NAN);
        return 1;
    }
    struct run_summary s;
    double t0 = now_s();
    int err = run_model_ctl(m, w->seed + (unsigned long long)rep, pc.ops ? &pc.ctl : NULL, &s);
    double wall = now_s() - t0;
    if (err) {
        sim_diag_format(&s.error, msg, sizeof msg);
        fprintf(stderr, "uksim: point %zu replication %d: %s\n", p, rep, msg);
        sweep_result_write(w, dir, p, rep, NULL, msg, wall);
        rc = 1;
    } else {
        rc = sweep_result_write(w, dir, p, rep, &s, NULL, wall);
    }
    run_summary_fini(&s);
    pol_control_fini(&pc);
    return rc;
}

struct opts {
    int jobs;
    long shard, nshards;
    const char *dir;
    bool quiet, merge, no_rerun;
};

static int parse_opts(int argc, char **argv, struct opts *o, bool *help)
{
    static const struct option lopts[] = {
        {"jobs", required_argument, NULL, 'j'},  {"output", required_argument, NULL, 'o'},
        {"shard", required_argument, NULL, 'S'}, {"merge", no_argument, NULL, 'M'},
        {"no-rerun", no_argument, NULL, 'N'},    {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0}};
    *o = (struct opts){.jobs = 1, .nshards = 1, .dir = "sweep-out"};
    *help = false;
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":j:o:qh", lopts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'j':
            errno = 0;
            o->jobs = (int)strtol(optarg, &end, 10);
            if (*end || errno || o->jobs < 1 || o->jobs > 1024)
                return fail("uksim sweep", "-j: \"%s\" is not a number of jobs in [1, 1024]",
                            optarg);
            break;
        case 'o': o->dir = optarg; break;
        case 'S': {
            char tail;
            if (sscanf(optarg, "%ld/%ld%c", &o->shard, &o->nshards, &tail) != 2 || o->nshards < 1 ||
                o->shard < 0 || o->shard >= o->nshards)
                return fail("uksim sweep", "--shard: expected I/N with 0 <= I < N, got \"%s\"",
                            optarg);
            break;
        }
        case 'M': o->merge = true; break;
        case 'N': o->no_rerun = true; break;
        case 'q': o->quiet = true; break;
        case 'h': *help = true; return 0;
        case ':': return fail("uksim sweep", "option %s needs a value", argv[optind - 1]);
        default: return fail("uksim sweep", "unknown option %s", argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return fail("uksim sweep", "%s", "expected one sweep file (uksim sweep --help)");
    return 0;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

/* The tasks that have a file in DIR/runs, sorted (one directory listing
 * instead of a failed open per task of a new sweep). */
static size_t *tasks_on_disk(const struct sweep *w, const char *dir, size_t *n)
{
    *n = 0;
    char *path = sweep_task_path(dir, 0, 0);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    DIR *d = opendir(path);
    free(path);
    size_t *v = NULL, cap = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        size_t p;
        int r, len = 0;
        if (sscanf(e->d_name, "p%zu-r%d.json%n", &p, &r, &len) != 2 || e->d_name[len] ||
            p >= w->npoints || r < 0 || r >= w->reps)
            continue;
        char *own = sweep_task_path("", p, r); /* "/runs/NAME": the one spelling read back */
        bool same = strcmp(own + strlen("/runs/"), e->d_name) == 0;
        free(own);
        if (!same)
            continue;
        v = xgrow(v, &cap, *n + 1, sizeof *v);
        v[(*n)++] = p * (size_t)w->reps + (size_t)r;
    }
    if (d)
        closedir(d);
    if (*n)
        qsort(v, *n, sizeof *v, cmp_size);
    return v;
}

/* The tasks of this shard without a valid result; *stale counts those with
 * a result file that is not valid. */
static size_t *todo_list(const struct sweep *w, const struct opts *o, size_t *n, size_t *stale)
{
    size_t ntasks = w->npoints * (size_t)w->reps;
    size_t *todo = xcalloc(ntasks ? ntasks : 1, sizeof *todo);
    size_t nhave;
    size_t *have = tasks_on_disk(w, o->dir, &nhave);
    *n = *stale = 0;
    for (size_t t = 0; t < ntasks; t++) {
        if ((long)(t % (size_t)o->nshards) != o->shard)
            continue;
        size_t p = t / (size_t)w->reps;
        int r = (int)(t % (size_t)w->reps);
        bool on_disk = nhave && bsearch(&t, have, nhave, sizeof *have, cmp_size);
        if (on_disk && sweep_result_ok(w, o->dir, p, r))
            continue;
        *stale += on_disk;
        todo[(*n)++] = t;
    }
    free(have);
    return todo;
}

/* Forks the workers and waits for them; returns the worst exit status. */
static int run_workers(const struct sweep *w, const struct opts *o, const size_t *todo, size_t n)
{
    int jobs = o->jobs < (int)n ? o->jobs : (int)n, rc = 0;
    pid_t *kids = xcalloc((size_t)jobs, sizeof *kids);
    pid_t parent = getpid();
    bool tty = !o->quiet && isatty(STDERR_FILENO);
    double t0 = now_s();
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    fflush(NULL);
    for (int j = 0; j < jobs; j++) {
        pid_t pid = fork();
        if (pid < 0) {
            fprintf(stderr, "uksim sweep: fork: %s\n", strerror(errno));
            rc = 1;
            break;
        }
        if (pid == 0) {
            /* A worker dies with its parent, whatever kills the parent. */
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (getppid() != parent)
                _exit(1);
            sigaction(SIGINT, &old_int, NULL);
            sigaction(SIGTERM, &old_term, NULL);
            /* Keep freed memory for the next run: without this the heap
             * is handed back to the kernel after each run and faulted in
             * again by the next (a tenth of a millisecond a run). */
#if defined(M_TRIM_THRESHOLD) && defined(M_MMAP_THRESHOLD)
            mallopt(M_TRIM_THRESHOLD, 1 << 30);
            mallopt(M_MMAP_THRESHOLD, 32 << 20);
#endif
            int status = 0;
            struct point_cache cache = {0};
            for (size_t i = (size_t)j; i < n && !stop_signal; i += (size_t)jobs) {
                size_t t = todo[i];
                if (run_task(w, o->dir, t / (size_t)w->reps, (int)(t % (size_t)w->reps), &cache))
                    status = 1;
            }
            cache_drop(&cache);
            _exit(status);
        }
        kids[j] = pid;
    }
    int alive = 0;
    for (int j = 0; j < jobs; j++)
        alive += kids[j] > 0;
    bool stopped = false;
    while (alive > 0) {
        if (stop_signal && !stopped) {
            for (int j = 0; j < jobs; j++)
                if (kids[j] > 0)
                    kill(kids[j], SIGTERM);
            stopped = true;
        }
        int status;
        pid_t pid = waitpid(-1, &status, tty ? WNOHANG : 0);
        if (pid > 0) {
            for (int j = 0; j < jobs; j++)
                if (kids[j] == pid)
                    kids[j] = 0;
            alive--;
            int code = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
            if (code > rc && !stop_signal)
                rc = code;
        } else if (pid < 0 && errno != EINTR) {
            break;
        }
        if (tty) {
            size_t did = 0;
            for (size_t i = 0; i < n; i++) {
                char *path = sweep_task_path(o->dir, todo[i] / (size_t)w->reps,
                                             (int)(todo[i] % (size_t)w->reps));
                did += access(path, F_OK) == 0;
                free(path);
            }
            double el = now_s() - t0;
            double eta = did ? el / (double)did * (double)(n - did) : NAN;
            fprintf(stderr, "\r%zu/%zu runs, %.0f s elapsed, ETA %s%.0f s   ", did, n, el,
                    isfinite(eta) ? "" : "?", isfinite(eta) ? eta : 0.0);
            if (pid == 0) {
                struct timespec ts = {0, 200000000};
                nanosleep(&ts, NULL);
            }
        }
    }
    if (tty)
        fputc('\n', stderr);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    free(kids);
    return rc;
}

int cli_sweep(int argc, char **argv)
{
    struct opts o;
    bool help;
    int rc = parse_opts(argc, argv, &o, &help);
    if (rc || help) {
        if (help)
            fputs(usage, stdout);
        return rc;
    }
    struct sweep w;
    if ((rc = sweep_load(&w, argv[optind])) || (rc = sweep_prepare(&w))) {
        sweep_free(&w);
        return rc;
    }
    char *runs = xmalloc(strlen(o.dir) + 6);
    sprintf(runs, "%s/runs", o.dir);
    int e = out_make_dirs(runs);
    free(runs);
    if (e) {
        sweep_free(&w);
        fprintf(stderr, "uksim: %s: cannot create: %s\n", o.dir, strerror(e));
        return 1;
    }
    sweep_clean_stale(o.dir);
    size_t n = 0, stale = 0;
    size_t *todo = o.merge ? NULL : todo_list(&w, &o, &n, &stale);
    if (stale && o.no_rerun) {
        fprintf(stderr,
                "uksim sweep: %zu results in %s/runs were made by a different model, seed or "
                "uksim version (or are damaged); not running them again (--no-rerun). Remove "
                "them, use another -o, or run without --no-rerun.\n",
                stale, o.dir);
        free(todo);
        sweep_free(&w);
        return 2;
    }
    if (stale && !o.quiet)
        fprintf(stderr,
                "uksim sweep: %zu results do not match the sweep any more: running them "
                "again\n",
                stale);
    if (n)
        rc = run_workers(&w, &o, todo, n);
    free(todo);
    size_t failed;
    size_t missing = sweep_results_write(&w, o.dir, o.merge || o.nshards == 1, &rc, &failed);
    if (!o.quiet)
        fprintf(stderr,
                "uksim sweep: %zu points x %d replications; %zu results missing%s, %zu runs "
                "failed; wrote %s/results.csv and %s/raw.csv\n",
                w.npoints, w.reps, missing, o.nshards > 1 && !o.merge ? " (other shards)" : "",
                failed, o.dir, o.dir);
    if (failed && rc == 0)
        rc = 1;
    if (missing && (o.merge || o.nshards == 1) && rc == 0)
        rc = 1;
    sweep_free(&w);
    if (stop_signal)
        return 128 + stop_signal;
    return rc;
}
