/* SPDX-License-Identifier: MIT */
/* cli/main.c: the uksim command line. Exit status: 0 done, 1 failed while
 * running, 2 bad usage or bad model. Only this file calls exit(). */
#include "config.h"

#include "cli/cli_int.h"
#include "cli/model_doc.h"
#include "cli/blame.h"
#include "cli/testbed_cmd.h"
#include "cli/policy_cmd.h"
#include "cli/sweep.h"
#include "models/boot.h"
#include "models/model.h"
#include "models/run.h"
#include "output/files.h"
#include "output/graph.h"
#include "output/report.h"
#include "output/plots.h"
#include "output/summary.h"
#include "policies/policy.h"
#include "topologies/gen.h"
#include "output/timeseries.h"
#include "output/trace.h"
#include "sim/err.h"
#include "sim/revision.h"
#include "sim/strbuf.h"
#include "sim/xalloc.h"

#include <errno.h>
#include <signal.h>
#include <math.h>
#include <getopt.h>
#include <gsl/gsl_errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* uksim run draws the bottleneck graph of models up to this size. */

static const char usage_main[] =
    "Usage: uksim COMMAND [OPTIONS]\n"
    "\n"
    "uksim simulates traced unikernel microservices: cooperative single-CPU\n"
    "services, the network between them, client load and scaling policies.\n"
    "\n"
    "Commands:\n"
    "  run [MODEL]     run a model file and write results; without one, the\n"
    "                  built-in scenario (TeaStore: Kubernetes HPA on pods against\n"
    "                  wait-local on unikernels, 5 replications, with intervals)\n"
    "  check MODEL     validate a model file without running it\n"
    "  gen KIND        write a generated topology (chain, tree, dag, alibaba)\n"
    "  sweep SWEEP     run a parameter grid with replications in parallel\n"
    "  blame MODEL     plant a bottleneck at each service, and measure how often\n"
    "                  the trace's blame names the best place to add capacity\n"
    "  testbed run MODEL -o DIR  run the model's services as real processes on\n"
    "                  127.0.0.1 (HTTP/1.1, the tracing core) and measure them;\n"
    "                  testbed calibrate measures this machine's costs per message\n"
    "  compare A B     two runs' figures side by side (simulated or measured);\n"
    "                  exit 1 when one differs beyond --tolerance\n"
    "  render DIR      draw a run's topology and bottleneck graphs (SVG, PNG, DOT)\n"
    "  report DIR      write DIR/report.html: table, graph, plots, settings\n"
    "  policy replay FILE  run recorded metrics through the Kubernetes HPA\n"
    "                  controller, no simulation (JSON Lines in and out)\n"
    "  export hpa MODEL -o DIR  write the HorizontalPodAutoscaler manifests\n"
    "                  and controller flags of MODEL's hpa policy\n"
    "  help model      print the model-file reference: every key, its unit and\n"
    "                  its default\n"
    "  help policies   list the scaling policies and their parameters\n"
    "\n"
    "Options:\n"
    "  -h, --help      show this help (uksim COMMAND --help for a command's)\n"
    "  -V, --version   show the version and the results revision\n"
    "\n"
    "Exit status: 0 done, 1 failed while running, 2 bad usage or bad model.\n"
    "The model file format: uksim help model (also doc/model.md).\n";

static const char usage_run[] =
    "Usage: uksim run [MODEL] [-o DIR] [--seed N] [--set PATH=VALUE]... [--quiet]\n"
    "\n"
    "Runs MODEL (a libconfig model file) and writes DIR/summary.json, the\n"
    "per-window time series DIR/services.csv and DIR/requests.csv, the request\n"
    "timelines DIR/trace.json, the bottleneck graph DIR/graph.{svg,png,dot}\n"
    "and plots in DIR/plots (PNG and SVG when gnuplot is installed).\n"
    "Without MODEL: the built-in scenario, TeaStore under a load step three ways\n"
    "on the same arrivals (hpa on Kubernetes pods, wait-local on unikernels,\n"
    "wait-local on pods), 5 replications each, compared in a table with 95%\n"
    "confidence intervals and verdicts; every replication in\n"
    "DIR/comparison.csv, the first one's results in DIR/<configuration>.\n"
    "\n"
    "  -o, --output DIR     directory for results (default: uksim-out)\n"
    "  -s, --seed N         master seed (overrides run.seed)\n"
    "      --set PATH=VALUE override one model key, e.g. --set run.duration=30s,\n"
    "                       --set services.frontend.instances=4 (repeatable)\n"
    "      --no-timing      leave wall_seconds out of summary.json, so that the\n"
    "                       same model and seed give byte-identical files\n"
    "  -q, --quiet          print nothing but errors\n"
    "  -h, --help           show this help\n"
    "\n"
    "Defaults of every model key: uksim help model.\n";

static const char usage_check[] = "Usage: uksim check MODEL [--set PATH=VALUE]...\n"
                                  "\n"
                                  "Loads and checks MODEL without running it; prints problems as\n"
                                  "file:line: message and exits with status 2 if there is any.\n";

/* The exit status after an interrupted run: 128 + the signal. */
static int stopped_status(int rc)
{
    return rc == EXIT_DONE && cli_stop_signal ? 128 + cli_stop_signal : rc;
}

static int parse_args(int argc, char **argv, const char *cmd, struct run_args *a, bool *help)
{
    static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
                                         {"seed", required_argument, NULL, 's'},
                                         {"set", required_argument, NULL, 'S'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {"no-timing", no_argument, NULL, 'T'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    memset(a, 0, sizeof *a);
    a->outdir = "uksim-out";
    a->sets = xcalloc((size_t)argc + 1, sizeof *a->sets); /* + one override of our own */
    *help = false;
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":o:s:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'o': a->outdir = optarg; break;
        case 's': {
            char *end;
            errno = 0;
            if (optarg[0] == '-' || optarg[0] == '\0')
                return cli_usage_error(cmd, "--seed: \"%s\" is not a non-negative integer", optarg);
            a->seed = strtoull(optarg, &end, 10);
            if (*end || errno)
                return cli_usage_error(cmd, "--seed: \"%s\" is not a non-negative integer", optarg);
            a->have_seed = true;
            break;
        }
        case 'S': a->sets[a->nsets++] = optarg; break;
        case 'q': a->quiet = true; break;
        case 'T': a->no_timing = true; break;
        case 'h': *help = true; return 0;
        case ':': return cli_usage_error(cmd, "option %s needs a value", argv[optind - 1]);
        default: return cli_usage_error(cmd, "unknown option %s", argv[optind - 1]);
        }
    }
    if (optind < argc)
        a->model = argv[optind++];
    if (optind < argc)
        return cli_usage_error(cmd, "unexpected argument \"%s\"", argv[optind]);
    return 0;
}

static int cmd_run(int argc, char **argv)
{
    struct run_args a;
    bool help;
    int rc = parse_args(argc, argv, "run", &a, &help);
    if (rc || help) {
        if (help)
            fputs(usage_run, stdout);
        free(a.sets);
        return rc;
    }
    cli_catch_stop_signals();
    rc = a.model ? cli_run_one(&a, NULL, 0, a.outdir, !a.quiet, NULL) : cli_scenario(&a);
    free(a.sets);
    return stopped_status(rc);
}

static const char usage_gen[] =
    "Usage: uksim gen KIND [OPTIONS] [-o FILE]\n"
    "\n"
    "Writes a generated topology as a model file (to FILE, or standard output).\n"
    "Kinds and their options:\n"
    "  chain     --services N (10)\n"
    "  tree      --depth D (3) --degree K (3)\n"
    "  dag       --layers L (4) --width W (4) --p P (0.3)\n"
    "  alibaba   --services N (10): heavy-tailed, after Alibaba's traces\n"
    "            (doc/generators.md)\n"
    "Common options:\n"
    "  --seed N            (1)\n"
    "  --demand DIST       per-service mean CPU demand (lognormal(1ms, 1))\n"
    "  --rate R            requests per second at the root (100)\n"
    "  --yield-points K    (0)\n"
    "  --platform NAME     boot preset (unikernel)\n"
    "  -o, --output FILE\n"
    "  -q, --quiet         do not print the graph's shape\n";

static int parse_int_opt(const char *name, const char *text, long lo, long hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (*text == '\0' || *end || errno || v < lo || v > hi)
        return cli_usage_error("gen", "bad value for an option: %s", name);
    *out = (int)v;
    return 0;
}

static int cmd_gen(int argc, char **argv)
{
    static const struct option opts[] = {{"seed", required_argument, NULL, 's'},
                                         {"services", required_argument, NULL, 'n'},
                                         {"depth", required_argument, NULL, 'd'},
                                         {"degree", required_argument, NULL, 'k'},
                                         {"layers", required_argument, NULL, 'l'},
                                         {"width", required_argument, NULL, 'w'},
                                         {"p", required_argument, NULL, 'p'},
                                         {"demand", required_argument, NULL, 'D'},
                                         {"rate", required_argument, NULL, 'r'},
                                         {"yield-points", required_argument, NULL, 'y'},
                                         {"platform", required_argument, NULL, 'P'},
                                         {"output", required_argument, NULL, 'o'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    struct topo_opts o;
    topo_opts_init(&o);
    const char *out = NULL;
    bool quiet = false;
    opterr = 0;
    optind = 1;
    int c, rc = 0;
    while ((c = getopt_long(argc, argv, ":o:qh", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 's':
            errno = 0;
            o.seed = strtoull(optarg, &end, 10);
            if (*end || errno || optarg[0] == '-')
                return cli_usage_error("gen", "--seed: \"%s\" is not a non-negative integer",
                                       optarg);
            break;
        case 'n': rc = parse_int_opt("--services", optarg, 1, 100000, &o.services); break;
        case 'd': rc = parse_int_opt("--depth", optarg, 0, 100, &o.depth); break;
        case 'k': rc = parse_int_opt("--degree", optarg, 1, 100000, &o.degree); break;
        case 'l': rc = parse_int_opt("--layers", optarg, 1, 100000, &o.layers); break;
        case 'w': rc = parse_int_opt("--width", optarg, 1, 100000, &o.width); break;
        case 'y': rc = parse_int_opt("--yield-points", optarg, 0, 1000000, &o.yield_points); break;
        case 'p':
        case 'r': {
            double v = strtod(optarg, &end);
            if (*optarg == '\0' || *end || !isfinite(v))
                return cli_usage_error("gen", "not a number: %s", optarg);
            if (c == 'p')
                o.p = v;
            else
                o.rate = v;
            break;
        }
        case 'D': o.demand = optarg; break;
        case 'P':
            if (!boot_find(optarg))
                return cli_usage_error("gen",
                                       "--platform: \"%s\" is not a boot preset (uksim help "
                                       "model lists them)",
                                       optarg);
            o.platform = optarg;
            break;
        case 'o': out = optarg; break;
        case 'q': quiet = true; break;
        case 'h': fputs(usage_gen, stdout); return EXIT_DONE;
        case ':': return cli_usage_error("gen", "option %s needs a value", argv[optind - 1]);
        default: return cli_usage_error("gen", "unknown option %s", argv[optind - 1]);
        }
        if (rc)
            return rc;
    }
    if (optind >= argc)
        return cli_usage_error("gen", "%s", "which kind? chain, tree, dag or alibaba");
    o.kind = argv[optind++];
    if (optind < argc)
        return cli_usage_error("gen", "unexpected argument \"%s\"", argv[optind]);
    struct sim_diag d = {0};
    struct topo_stats st;
    char *text = topo_generate(&o, &st, &d);
    if (!text) {
        cli_print_diag(&d);
        return EXIT_USAGE;
    }
    /* The generated text must be a model uksim accepts. */
    struct mdl_model m;
    if (mdl_load_string(&m, text, "<generated>", NULL, 0, &d)) {
        cli_print_diag(&d);
        topo_stats_fini(&st);
        free(text);
        return EXIT_USAGE;
    }
    mdl_model_fini(&m);
    rc = EXIT_DONE;
    if (out) {
        if (out_write_atomic(out, text, &d)) {
            cli_print_diag(&d);
            rc = EXIT_RUNFAIL;
        }
    } else {
        fputs(text, stdout);
    }
    if (!quiet && rc == EXIT_DONE)
        fprintf(stderr,
                "uksim gen %s: %d services, %d leaves, %d calls, depth %d, mean fan-out "
                "%.2f, max fan-out %d\n",
                o.kind, st.services, st.leaves, st.edges, st.depth, st.mean_fanout, st.max_fanout);
    if (!quiet && rc == EXIT_DONE && st.roots > 1)
        fprintf(stderr, "uksim gen %s: %d call graphs (request classes), each from its own entry\n",
                o.kind, st.roots);
    topo_stats_fini(&st);
    free(text);
    return rc;
}

static const char usage_render[] =
    "Usage: uksim render DIR [--window T]...\n"
    "\n"
    "Draws the topology and bottleneck graph of the run whose results are in\n"
    "DIR (uksim run draws it too) as DIR/graph.dot, .svg and .png: services\n"
    "coloured by severity (the larger of CPU utilization and the share of the\n"
    "end-to-end latency that waiting for their CPU explains), calls with their\n"
    "rate and network wait; what the tracing core blames in red: a CPU (labelled\n"
    "a bottleneck only when busy) or a link; delegations in orange; a legend.\n"
    "  -w, --window T   also draw the time window holding T seconds, as\n"
    "                   DIR/graph-<window start>.*; repeatable\n";

static int cmd_render(int argc, char **argv)
{
    static const struct option opts[] = {{"window", required_argument, NULL, 'w'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    double *win = xcalloc((size_t)argc + 1, sizeof *win);
    int nwin = 0, c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":w:h", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'w':
            win[nwin] = strtod(optarg, &end);
            if (*optarg == '\0' || *end || !isfinite(win[nwin]) || win[nwin] < 0) {
                free(win);
                return cli_usage_error("render", "--window: \"%s\" is not a time in seconds",
                                       optarg);
            }
            nwin++;
            break;
        case 'h':
            fputs(usage_render, stdout);
            free(win);
            return EXIT_DONE;
        case ':':
            free(win);
            return cli_usage_error("render", "option %s needs a value", argv[optind - 1]);
        default: free(win); return cli_usage_error("render", "unknown option %s", argv[optind - 1]);
        }
    }
    if (optind != argc - 1) {
        free(win);
        return cli_usage_error("render", "%s", "expected one results directory");
    }
    struct sim_diag d = {0};
    int err = out_render(argv[optind], win, nwin, &d);
    free(win);
    if (err) {
        cli_print_diag(&d);
        return err == SIM_EIO ? EXIT_RUNFAIL : EXIT_USAGE;
    }
    return EXIT_DONE;
}

static const char usage_report[] =
    "Usage: uksim report DIR\n"
    "\n"
    "Writes DIR/report.html, one self-contained page over the results in DIR\n"
    "(from uksim run), or over the runs in its subfolders side by side (as\n"
    "uksim run without a model writes them): the comparison table with what\n"
    "each row means, the bottleneck graph, the plots, and each run's settings.\n"
    "Every image is inlined; the page loads nothing else and runs no script.\n";

static int cmd_report(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        fputs(usage_report, stdout);
        return EXIT_DONE;
    }
    if (argc != 2 || argv[1][0] == '-')
        return cli_usage_error("report", "%s", "expected one results directory");
    struct sim_diag d = {0};
    int err = out_report(argv[1], &d);
    if (err) {
        cli_print_diag(&d);
        return err == SIM_EIO ? EXIT_RUNFAIL : EXIT_USAGE;
    }
    printf("wrote %s/report.html\n", argv[1]);
    return EXIT_DONE;
}

static int cmd_check(int argc, char **argv)
{
    struct run_args a;
    bool help;
    int rc = parse_args(argc, argv, "check", &a, &help);
    if (rc || help) {
        if (help)
            fputs(usage_check, stdout);
        free(a.sets);
        return rc;
    }
    if (!a.model) {
        free(a.sets);
        return cli_usage_error("check", "%s", "a model file is required");
    }
    struct mdl_model m;
    rc = cli_load(&a, &m);
    if (!rc) {
        struct pol_control pc;
        struct sim_diag pd = {0};
        if (pol_control_init(&pc, &m, &pd)) {
            cli_print_diag(&pd);
            rc = EXIT_USAGE;
        } else if (!a.quiet) {
            printf("%s: ok (%zu services%s%s)\n", m.source, m.nservices, pc.ops ? ", policy " : "",
                   pc.ops ? pc.ops->name : "");
        }
        pol_control_fini(&pc);
        mdl_model_fini(&m);
    }
    free(a.sets);
    return rc;
}

static int dispatch(int argc, char **argv);

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    int rc = dispatch(argc, argv);
    /* Whatever went to standard output must have arrived (a full disk, a
     * closed pipe). */
    struct sim_diag d = {0};
    if (out_stdout_check(&d)) {
        cli_print_diag(&d);
        if (rc == EXIT_DONE)
            rc = EXIT_RUNFAIL;
    }
    return rc;
}

static int dispatch(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_main, stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "help") && argc > 2) {
        const char *topic = argv[2];
        if (argc > 3)
            return cli_usage_error(NULL, "help takes one topic, not \"%s\"", argv[3]);
        if (!strcmp(topic, "model")) {
            fputs(cli_model_doc, stdout);
            return EXIT_DONE;
        }
        if (!strcmp(topic, "policies")) {
            size_t n;
            const struct pol_ops *const *all = pol_all(&n);
            printf("Policies (policy = { name = \"...\"; period = \"15s\"; cooldown = \"0s\"; "
                   "<param> = ...; }):\n");
            for (size_t i = 0; i < n; i++)
                printf("  %-13s %s\n", all[i]->name, all[i]->summary);
            printf("\nhpa is Kubernetes' controller step for step (doc/policies.md); uksim "
                   "policy replay runs it on\nrecorded metrics, uksim export hpa writes its "
                   "manifests.\nA policy of your own: policy = { plugin = \"./my.so\"; ... }, "
                   "built against <uksim/policy.h>\n(doc/plugins.md).\n");
            return EXIT_DONE;
        }
        static const char *const commands[] = {"run",    "check",   "gen",    "sweep",
                                               "render", "report",  "policy", "export",
                                               "blame",  "testbed", "compare"};
        for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
            if (!strcmp(topic, commands[i])) {
                char *args[] = {argv[0], (char *)topic, "--help", NULL};
                return dispatch(3, args);
            }
        fprintf(stderr,
                "uksim: no help on \"%s\"; topics: model, policies, run, check, gen, sweep, "
                "render, report, policy, export, blame, testbed, compare\n",
                topic);
        return EXIT_USAGE;
    }
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        fputs(usage_main, stdout);
        return EXIT_DONE;
    }
    if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
        printf("uksim %s (results revision %s)\n", PACKAGE_VERSION, SIM_RESULTS_REVISION);
        return EXIT_DONE;
    }
    if (!strcmp(cmd, "run"))
        return cmd_run(argc - 1, argv + 1);
    if (!strcmp(cmd, "check"))
        return cmd_check(argc - 1, argv + 1);
    if (!strcmp(cmd, "gen"))
        return cmd_gen(argc - 1, argv + 1);
    if (!strcmp(cmd, "sweep"))
        return cli_sweep(argc - 1, argv + 1);
    if (!strcmp(cmd, "render"))
        return cmd_render(argc - 1, argv + 1);
    if (!strcmp(cmd, "report"))
        return cmd_report(argc - 1, argv + 1);
    if (!strcmp(cmd, "policy"))
        return cli_policy(argc - 1, argv + 1);
    if (!strcmp(cmd, "export"))
        return cli_export(argc - 1, argv + 1);
    if (!strcmp(cmd, "blame"))
        return cli_blame(argc - 1, argv + 1);
    if (!strcmp(cmd, "testbed"))
        return cli_testbed(argc - 1, argv + 1);
    if (!strcmp(cmd, "compare"))
        return cli_compare(argc - 1, argv + 1);
    fprintf(stderr, "uksim: unknown command \"%s\"\n\n%s", cmd, usage_main);
    return EXIT_USAGE;
}
