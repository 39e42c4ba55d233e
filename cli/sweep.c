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
#include "sim/strbuf.h"
#include "sim/xalloc.h"

#include <errno.h>
#include <fcntl.h>
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

/* Runs one task and appends its result (or its error) to wr. Returns 0, or
 * 1 if the run failed (the failure is recorded) or the result could not be
 * written. */
static int run_task(const struct sweep *w, struct sweep_writer *wr, size_t p, int rep,
                    struct point_cache *c)
{
    struct sim_diag d = {0};
    char msg[900];
    const char *error = NULL;
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
    struct pol_control pc;
    bool have_pc = false;
    if (c->err) {
        fprintf(stderr, "uksim: point %zu: %s\n", p, c->msg);
        error = c->msg;
    } else if (pol_control_init(&pc, &c->m, &d)) {
        sim_diag_format(&d, msg, sizeof msg);
        fprintf(stderr, "uksim: point %zu: %s\n", p, msg);
        error = msg;
    } else {
        have_pc = true;
    }
    struct run_summary s;
    bool have_s = false;
    double wall = NAN;
    if (!error) {
        double t0 = now_s();
        int err =
            run_model_ctl(&c->m, w->seed + (unsigned long long)rep, pc.ops ? &pc.ctl : NULL, &s);
        wall = now_s() - t0;
        have_s = true;
        if (err) {
            sim_diag_format(&s.error, msg, sizeof msg);
            fprintf(stderr, "uksim: point %zu replication %d: %s\n", p, rep, msg);
            error = msg;
        }
    }
    char *record = sweep_record_encode(w, p, rep, error ? NULL : &s, error, wall);
    int rc = error != NULL;
    if (!record) {
        fprintf(stderr, "uksim: point %zu replication %d: cannot encode its result\n", p, rep);
        rc = 1;
    } else if (sweep_writer_add(wr, record)) {
        rc = 1;
    }
    free(record);
    if (have_s)
        run_summary_fini(&s);
    if (have_pc)
        pol_control_fini(&pc);
    return rc;
}

static int parse_opts(int argc, char **argv, struct sweep_opts *o, bool *help)
{
    static const struct option lopts[] = {
        {"jobs", required_argument, NULL, 'j'},  {"output", required_argument, NULL, 'o'},
        {"shard", required_argument, NULL, 'S'}, {"merge", no_argument, NULL, 'M'},
        {"no-rerun", no_argument, NULL, 'N'},    {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0}};
    *o = (struct sweep_opts){.jobs = 1, .nshards = 1, .dir = "sweep-out"};
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

/* The tasks of this shard without a valid result; *stale counts those with
 * only records that are not valid. */
static size_t *todo_list(const struct sweep *w, const struct sweep_opts *o,
                         const struct sweep_table *t, size_t *n, size_t *stale)
{
    size_t ntasks = w->npoints * (size_t)w->reps;
    size_t *todo = xcalloc(ntasks ? ntasks : 1, sizeof *todo);
    *n = *stale = 0;
    for (size_t task = 0; task < ntasks; task++) {
        if ((long)(task % (size_t)o->nshards) != o->shard || t->state[task] == SWEEP_DONE)
            continue;
        *stale += t->state[task] == SWEEP_STALE_ONLY;
        todo[(*n)++] = task;
    }
    return todo;
}

/* Forks the workers and waits for them; returns the worst exit status. */
static int run_workers(const struct sweep *w, const struct sweep_opts *o, const size_t *todo,
                       size_t n)
{
    int jobs = o->jobs < (int)n ? o->jobs : (int)n, rc = 0;
    pid_t *kids = xcalloc((size_t)jobs, sizeof *kids);
    pid_t parent = getpid();
    bool tty = !o->quiet && isatty(STDERR_FILENO);
    double t0 = now_s();
    /* Progress: a worker writes a byte to this pipe per task done. */
    int prog[2] = {-1, -1};
    if (tty && pipe(prog) != 0)
        tty = false;
    for (int i = 0; tty && i < 2; i++)
        fcntl(prog[i], F_SETFL, O_NONBLOCK);
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
            free(kids); /* the parent's */
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
            struct sweep_writer wr;
            sweep_writer_init(&wr, o->dir);
            for (size_t i = (size_t)j; i < n && !stop_signal; i += (size_t)jobs) {
                size_t t = todo[i];
                if (run_task(w, &wr, t / (size_t)w->reps, (int)(t % (size_t)w->reps), &cache))
                    status = 1;
                if (prog[1] >= 0 && write(prog[1], "", 1) < 0)
                    prog[1] = -1; /* progress is only shown: never wait for it */
            }
            sweep_writer_close(&wr);
            cache_drop(&cache);
            _exit(status);
        }
        kids[j] = pid;
    }
    if (prog[1] >= 0)
        close(prog[1]);
    size_t did = 0;
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
            char bytes[256];
            for (ssize_t k; (k = read(prog[0], bytes, sizeof bytes)) > 0;)
                did += (size_t)k;
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
    if (prog[0] >= 0)
        close(prog[0]);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    free(kids);
    return rc;
}

int sweep_main(const char *file, const struct sweep_opts *o, struct sweep_table *table)
{
    struct sweep w;
    int rc;
    if ((rc = sweep_load(&w, file)) || (rc = sweep_prepare(&w))) {
        sweep_free(&w);
        return rc;
    }
    char *runs = sim_path_join_new(o->dir, "runs");
    int e = out_make_dirs(runs);
    free(runs);
    if (e) {
        sweep_free(&w);
        fprintf(stderr, "uksim: %s: cannot create: %s\n", o->dir, strerror(e));
        return 1;
    }
    sweep_clean_stale(o->dir);
    struct sweep_table t;
    if (sweep_table_load(&t, &w, o->dir)) {
        sweep_table_fini(&t);
        sweep_free(&w);
        return 1;
    }
    size_t n = 0, stale = 0;
    size_t *todo = o->merge ? NULL : todo_list(&w, o, &t, &n, &stale);
    if (stale && o->no_rerun) {
        fprintf(stderr,
                "uksim sweep: %zu results in %s/runs were made by a different model, seed or "
                "uksim version (or are damaged); not running them again (--no-rerun). Remove "
                "them, use another -o, or run without --no-rerun.\n",
                stale, o->dir);
        free(todo);
        sweep_table_fini(&t);
        sweep_free(&w);
        return 2;
    }
    if (stale && !o->quiet)
        fprintf(stderr,
                "uksim sweep: %zu results do not match the sweep any more: running them "
                "again\n",
                stale);
    if (n) {
        rc = run_workers(&w, o, todo, n);
        sweep_table_fini(&t);
        if (sweep_table_load(&t, &w, o->dir) || sweep_compact(&w, o->dir, &t))
            rc = 1;
    }
    free(todo);
    size_t failed;
    size_t missing = sweep_results_write(&w, &t, o->dir, o->merge || o->nshards == 1, &rc, &failed);
    if (!o->quiet)
        fprintf(stderr,
                "uksim sweep: %zu points x %d replications; %zu results missing%s, %zu runs "
                "failed; wrote %s/results.csv and %s/raw.csv\n",
                w.npoints, w.reps, missing, o->nshards > 1 && !o->merge ? " (other shards)" : "",
                failed, o->dir, o->dir);
    if (failed && rc == 0)
        rc = 1;
    if (missing && (o->merge || o->nshards == 1) && rc == 0)
        rc = 1;
    if (table)
        *table = t;
    else
        sweep_table_fini(&t);
    sweep_free(&w);
    if (stop_signal)
        return 128 + stop_signal;
    return rc;
}

int cli_sweep(int argc, char **argv)
{
    struct sweep_opts o;
    bool help;
    int rc = parse_opts(argc, argv, &o, &help);
    if (rc || help) {
        if (help)
            fputs(usage, stdout);
        return rc;
    }
    return sweep_main(argv[optind], &o, NULL);
}
