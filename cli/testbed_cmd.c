/* SPDX-License-Identifier: MIT */
/* cli/testbed_cmd.c: `uksim testbed run` and `uksim testbed calibrate`:
 * the model's services as real processes on this machine (testbed/). */
#include "cli/testbed_cmd.h"

#include "cli/cli_int.h"
#include "models/run.h"
#include "output/files.h"
#include "sim/xalloc.h"
#include "testbed/calibrate.h"
#include "testbed/driver.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char testbed_help[] =
    "usage: uksim testbed run MODEL -o DIR [--seed N] [--compute hold|spin] [--set P=V]...\n"
    "                                     [--quiet]\n"
    "       uksim testbed calibrate [-o FILE] [--quiet]\n"
    "\n"
    "run: starts every instance of the model's services as a real process (uksim-svc)\n"
    "on a free port of 127.0.0.1, sends the model's workload (the simulator's arrival\n"
    "times for the same seed), and writes what the instances measured into DIR in the\n"
    "simulator's schema (summary.json says \"source\": \"measured\"): compare it with a\n"
    "simulated run by `uksim compare`. Services run Lwt's loop on libuv, the handler\n"
    "steps of the model, HTTP/1.1 with the wtrace-ctx and wtrace-agg headers, and the\n"
    "tracing core; the model's network latency and bandwidth are applied in the\n"
    "sender. The entry service speaks plain HTTP/1.1 (curl and wrk can call it).\n"
    "  --compute hold  compute steps block the thread until their deadline, with almost\n"
    "                  no CPU: each instance behaves as if it had its own core (default)\n"
    "  --compute spin  compute steps spin the CPU\n"
    "Models with a policy, scale_at, maxconn, hosts or the fifo scheduler are refused;\n"
    "at most 256 instances. Every process started is stopped on exit, Ctrl-C included.\n"
    "\n"
    "calibrate: measures this machine's per-message costs (loopback latency, HTTP\n"
    "parse and write, the timing error of hold and spin) and writes them as a model\n"
    "fragment (default: standard output) to include in a model for the simulator.\n"
    "\n"
    "Exit status: 0 done, 1 the run failed (an instance crashed or hung), 2 bad usage\n"
    "or a model the testbed cannot run.\n";

/* The uksim-svc program: $UKSIM_SVC, or beside this executable. */
static int find_svc(char *out, size_t size)
{
    const char *env = getenv("UKSIM_SVC");
    if (env && *env) {
        snprintf(out, size, "%s", env);
        return access(out, X_OK);
    }
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return -1;
    self[n] = 0;
    char *slash = strrchr(self, '/');
    if (!slash)
        return -1;
    *slash = 0;
    if (snprintf(out, size, "%s/uksim-svc", self) >= (int)size)
        return -1;
    if (access(out, X_OK) == 0)
        return 0;
    /* A libtool build keeps the real binaries in .libs. */
    size_t l = strlen(self);
    if (l >= 6 && !strcmp(self + l - 6, "/.libs")) {
        self[l - 6] = 0;
        if (snprintf(out, size, "%s/uksim-svc", self) >= (int)size)
            return -1;
        return access(out, X_OK);
    }
    return -1;
}

static int testbed_run(int argc, char **argv)
{
    struct run_args a = {0};
    const char *compute = "hold";
    a.sets = xcalloc((size_t)argc + 1, sizeof *a.sets);
    int rc = EXIT_USAGE;
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
            fputs(testbed_help, stdout);
            rc = EXIT_DONE;
            goto out;
        }
        if (!strcmp(s, "--quiet") || !strcmp(s, "-q")) {
            a.quiet = true;
            continue;
        }
        if (s[0] == '-' && s[1] && !v) {
            rc = cli_usage_error("testbed", "%s needs a value", s);
            goto out;
        }
        if (!strcmp(s, "-o") || !strcmp(s, "--output")) {
            a.outdir = argv[++i];
        } else if (!strcmp(s, "--seed")) {
            char *end;
            a.seed = strtoull(v, &end, 10);
            if (*end || !*v || v[0] == '-') {
                rc = cli_usage_error("testbed", "--seed: \"%s\" is not a whole number", v);
                goto out;
            }
            a.have_seed = true;
            i++;
        } else if (!strcmp(s, "--compute")) {
            compute = argv[++i];
            if (strcmp(compute, "hold") && strcmp(compute, "spin")) {
                rc = cli_usage_error("testbed", "--compute: \"%s\" is not hold or spin", compute);
                goto out;
            }
        } else if (!strcmp(s, "--set")) {
            a.sets[a.nsets++] = argv[++i];
        } else if (s[0] == '-' && s[1]) {
            rc = cli_usage_error("testbed", "unknown option %s", s);
            goto out;
        } else if (!a.model) {
            a.model = s;
        } else {
            rc = cli_usage_error("testbed", "one model only (also got %s)", s);
            goto out;
        }
    }
    if (!a.model) {
        rc = cli_usage_error("testbed", "run needs a model file%s", "");
        goto out;
    }
    if (!a.outdir) {
        rc = cli_usage_error("testbed", "run needs -o DIR for its results%s", "");
        goto out;
    }
    char svc[PATH_MAX];
    if (find_svc(svc, sizeof svc) < 0) {
        fprintf(stderr, "uksim testbed: cannot find uksim-svc beside uksim (set UKSIM_SVC to "
                        "its path)\n");
        rc = EXIT_RUNFAIL;
        goto out;
    }
    struct mdl_model m;
    if ((rc = cli_load(&a, &m)))
        goto out;
    struct sim_diag d = {0};
    if (tb_check_model(&m, &d)) {
        cli_print_diag(&d);
        mdl_model_fini(&m);
        rc = EXIT_USAGE;
        goto out;
    }
    struct out_stage stage = {0};
    if (out_stage_begin(&stage, a.outdir, &d)) {
        cli_print_diag(&d);
        mdl_model_fini(&m);
        rc = EXIT_RUNFAIL;
        goto out;
    }
    cli_catch_stop_signals();
    struct tb_run_opts o = {
        .model_path = a.model,
        .sets = a.sets,
        .nsets = a.nsets,
        .seed = a.have_seed ? a.seed : m.run.seed,
        .compute = compute,
        .svc_bin = svc,
        .progress = !a.quiet && isatty(STDERR_FILENO),
        .verbose = !a.quiet,
        .interrupt = &cli_stop_signal,
    };
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct run_summary s;
    memset(&s, 0, sizeof s);
    int err = tb_run(&m, &o, &s, &d);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    if (err) {
        cli_print_diag(&d);
        out_stage_abort(&stage);
        rc = err == SIM_ECONFIG ? EXIT_USAGE : EXIT_RUNFAIL;
    } else {
        bool plotted = false;
        rc = cli_write_run(&s, &m, &stage, wall, a.quiet, &plotted);
        if (rc == EXIT_DONE && !a.quiet)
            cli_report_run(&s, &m, wall, a.outdir, plotted);
        if (rc == EXIT_DONE && cli_stop_signal)
            rc = 128 + cli_stop_signal; /* as uksim run */
    }
    run_summary_fini(&s);
    mdl_model_fini(&m);
out:
    free(a.sets);
    return rc;
}

static int testbed_calibrate(int argc, char **argv)
{
    const char *out = NULL;
    bool quiet = false;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(testbed_help, stdout);
            return EXIT_DONE;
        }
        if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q"))
            quiet = true;
        else if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) && i + 1 < argc)
            out = argv[++i];
        else
            return cli_usage_error("testbed", "calibrate: unexpected argument %s", argv[i]);
    }
    char svc[PATH_MAX];
    if (find_svc(svc, sizeof svc) < 0) {
        fprintf(stderr, "uksim testbed: cannot find uksim-svc beside uksim (set UKSIM_SVC to "
                        "its path)\n");
        return EXIT_RUNFAIL;
    }
    const char *tmp = getenv("TMPDIR");
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/uksim-calibrate-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        fprintf(stderr, "uksim testbed: cannot make a temporary directory in %s\n",
                tmp && *tmp ? tmp : "/tmp");
        return EXIT_RUNFAIL;
    }
    if (!quiet)
        fprintf(stderr, "testbed calibrate: measuring (about 15 s)...\n");
    cli_catch_stop_signals();
    struct tb_calibration c;
    struct sim_diag d = {0};
    int err = tb_calibrate(svc, dir, &c, &d);
    out_remove_tree(dir);
    if (err) {
        cli_print_diag(&d);
        return EXIT_RUNFAIL;
    }
    char *text = tb_calibration_text(&c);
    int rc = EXIT_DONE;
    if (out_write_atomic(out ? out : "-", text, &d) || (!out && out_stdout_check(&d))) {
        cli_print_diag(&d);
        rc = EXIT_RUNFAIL;
    } else if (out && !quiet) {
        printf("wrote %s: host_latency %.1f us, stack_cost %.2f us per message\n", out,
               c.host_latency * 1e6, c.stack_cost * 1e6);
    }
    free(text);
    return rc;
}

int cli_testbed(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
        !strcmp(argv[1], "help")) {
        fputs(testbed_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_DONE;
    }
    if (!strcmp(argv[1], "run"))
        return testbed_run(argc - 2, argv + 2);
    if (!strcmp(argv[1], "calibrate"))
        return testbed_calibrate(argc - 2, argv + 2);
    return cli_usage_error("testbed", "unknown subcommand \"%s\" (run or calibrate)", argv[1]);
}
