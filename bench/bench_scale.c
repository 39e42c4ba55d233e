/* SPDX-License-Identifier: MIT */
/* bench/bench_scale.c: set-up time and memory against model size.
 *  - instances: one service with N = 10^4, 10^5, 10^6 instances (and as
 *    many allowed), a run of one simulated millisecond with one request;
 *    wall time of load + run, and peak RSS growth per instance;
 *  - balancers: time per request at 10 and at 100000 instances (beyond
 *    set-up: the difference of a long and a short run);
 *  - scale-in: N = 10^4 and 10^5 idle instances drained by a threshold
 *    policy, N/100 a second; time per instance beyond the same run
 *    without the policy;
 *  - services: generated trees (uksim gen tree, degree 10, depth 3 to 5:
 *    1111, 11111 and 111111 services) under 2 requests per second for 2 s,
 *    each request visiting every service; wall time of generate + load +
 *    run, and peak RSS growth per service.
 * Each measurement runs in a child process of its own, so that its peak RSS
 * growth is its own. Wall times on a shared machine: read them as orders
 * of magnitude and as the shape of the growth (linear or not). */
#define _GNU_SOURCE /* sched_setaffinity, in bench_util.h */
#include "bench/bench_util.h"
#include "models/model.h"
#include "models/run.h"
#include "policies/policy.h"
#include "topologies/gen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static long max_rss_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static int run_text(const char *text, const char *what, const char *const *sets, size_t nsets)
{
    struct mdl_model m;
    struct sim_diag d = {0};
    if (mdl_load_string(&m, text, what, sets, nsets, &d)) {
        fprintf(stderr, "bench: %s:%d: %s\n", d.file, d.line, d.msg);
        return 1;
    }
    struct pol_control pc;
    if (pol_control_init(&pc, &m, &d)) {
        fprintf(stderr, "bench: %s: %s\n", what, d.msg);
        mdl_model_fini(&m);
        return 1;
    }
    struct run_summary s;
    int err = run_model_ctl(&m, 1, pc.ops ? &pc.ctl : NULL, &s);
    pol_control_fini(&pc);
    if (err)
        fprintf(stderr, "bench: %s: %s\n", what, s.error.msg);
    run_summary_fini(&s);
    mdl_model_fini(&m);
    return err ? 1 : 0;
}

/* Forks: returns 0 in the child, 1 in the parent once the child ended
 * well, -1 if it did not. */
static int in_child(void)
{
    pid_t kid = fork();
    if (kid < 0)
        return -1;
    if (kid == 0)
        return 0;
    int st;
    waitpid(kid, &st, 0);
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 1 : -1;
}

int main(void)
{
    static const long ninst[] = {10000, 100000, 1000000};
    for (size_t k = 0; k < sizeof ninst / sizeof ninst[0]; k++) {
        int parent = in_child();
        if (parent < 0)
            return 1;
        if (parent)
            continue;
        char text[512];
        snprintf(text, sizeof text,
                 "run = { duration = \"1ms\"; };\n"
                 "network = { stack_cost = 0; };\n"
                 "services = ( { name = \"s\"; instances = %ld; max = %ld;\n"
                 "  handler = ( { compute = \"exp(1ms)\"; } ); } );\n"
                 "workload = { rate = \"const(1000)\"; };\n",
                 ninst[k], ninst[k]);
        long before = max_rss_kib();
        double t0 = bench_now();
        if (run_text(text, "instances", NULL, 0))
            return 1;
        double dt = bench_now() - t0;
        long grew = max_rss_kib() - before;
        printf("%8ld instances: set up and run in %.3f s, %.0f bytes per instance\n", ninst[k], dt,
               grew > 0 ? grew * 1024.0 / (double)ninst[k] : 0.0);
        fflush(stdout);
        _exit(0);
    }
    /* A balancer's cost per request must not grow with the instance count.
     * The cost per request is the time a run of 40 s takes beyond one of
     * 20 s (set-up, which grows with the instances, cancels), over the
     * 10^6 requests in between; rounds interleave the two sizes, and the
     * ratio is the median of the rounds' ratios. */
    bench_pin();
    for (int lb = 0; lb < 3; lb++) {
        static const char *const lbs[] = {"power-of-two", "random", "least-outstanding"};
        enum { ROUNDS = 5 };
        double per[2][ROUNDS], ratio[ROUNDS];
        static const long n[2] = {10, 100000};
        for (int r = 0; r < ROUNDS; r++) {
            for (int k = 0; k < 2; k++) {
                double t[2];
                for (int len = 0; len < 2; len++) {
                    char text[512];
                    snprintf(text, sizeof text,
                             "run = { duration = \"%ds\"; };\n"
                             "network = { stack_cost = 0; };\n"
                             "services = ( { name = \"s\"; instances = %ld; max = %ld; lb = "
                             "\"%s\";\n"
                             "  handler = ( { compute = \"exp(100us)\"; } ); } );\n"
                             "workload = { rate = \"const(50000)\"; };\n",
                             len ? 40 : 20, n[k], n[k], lbs[lb]);
                    double t0 = bench_now();
                    if (run_text(text, "balancer", NULL, 0))
                        return 1;
                    t[len] = bench_now() - t0;
                }
                per[k][r] = (t[1] - t[0]) / (20 * 50000.0) * 1e9;
            }
            ratio[r] = per[1][r] / per[0][r];
        }
        printf("%-17s balancer: %.0f ns per request at 10 instances, %.0f at 100000 (%.2fx)\n",
               lbs[lb], bench_median(per[0], ROUNDS), bench_median(per[1], ROUNDS),
               bench_median(ratio, ROUNDS));
        fflush(stdout);
    }
    /* Scaling in must cost the same per drained instance whatever the
     * count: a run that drains N idle instances, less the same run without
     * the policy, over N. */
    {
        enum { ROUNDS = 3 };
        static const long n[2] = {10000, 100000};
        double per[2][ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
            for (int k = 0; k < 2; k++) {
                double t[2];
                for (int pol = 0; pol < 2; pol++) {
                    char policy[128] = "", text[640];
                    if (pol)
                        snprintf(
                            policy, sizeof policy,
                            "policy = { name = \"threshold\"; step = %ld; period = \"1s\"; };\n",
                            n[k] / 100);
                    snprintf(text, sizeof text,
                             "run = { duration = \"110s\"; };\n"
                             "network = { stack_cost = 0; };\n"
                             "services = ( { name = \"s\"; instances = %ld; max = %ld; lb = "
                             "\"random\";\n"
                             "  handler = ( { compute = \"exp(1ms)\"; } ); } );\n"
                             "workload = { rate = \"const(1000)\"; };\n%s",
                             n[k], n[k], policy);
                    double t0 = bench_now();
                    if (run_text(text, "scale-in", NULL, 0))
                        return 1;
                    t[pol] = bench_now() - t0;
                }
                per[k][r] = (t[1] - t[0]) / (double)n[k] * 1e9;
            }
        }
        double a = bench_median(per[0], ROUNDS), b = bench_median(per[1], ROUNDS);
        printf("scale-in: %.0f ns per drained instance from 10000 instances, %.0f from 100000 "
               "(%.2fx)\n",
               a, b, b / a);
        fflush(stdout);
    }
    /* Trees of degree 10: 1 + 10 + ... + 10^depth services. */
    static const int depth[] = {3, 4, 5};
    static const char *const sets[] = {"run.duration=2s", "run.warmup=0s",
                                       "workload.rate=const(2)"};
    for (size_t k = 0; k < sizeof depth / sizeof depth[0]; k++) {
        int parent = in_child();
        if (parent < 0)
            return 1;
        if (parent)
            continue;
        struct topo_opts o;
        topo_opts_init(&o);
        o.kind = "tree";
        o.depth = depth[k];
        o.degree = 10;
        o.seed = 1;
        long before = max_rss_kib();
        double t0 = bench_now();
        struct sim_diag d = {0};
        struct topo_stats st;
        char *text = topo_generate(&o, &st, &d);
        if (!text) {
            fprintf(stderr, "bench: gen tree: %s\n", d.msg);
            return 1;
        }
        int n = st.services;
        topo_stats_fini(&st);
        int rc = run_text(text, "tree", sets, sizeof sets / sizeof sets[0]);
        free(text);
        if (rc)
            return 1;
        double dt = bench_now() - t0;
        long grew = max_rss_kib() - before;
        printf("%8d services (tree, 4 requests each visiting all): generated, loaded and run in "
               "%.3f s, %.0f bytes per service\n",
               n, dt, grew > 0 ? grew * 1024.0 / n : 0.0);
        fflush(stdout);
        _exit(0);
    }
    return 0;
}
