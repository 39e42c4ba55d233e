/* SPDX-License-Identifier: MIT */
/* bench/bench_models.c: the service models' speed and memory.
 *  - visits (request x service) per wall second on a 10-service fan-out
 *    (a frontend calling 9 backends in parallel), 10 yield points per
 *    compute step, every request traced; median of 5 runs;
 *  - peak memory per in-flight request: an overloaded run piles requests up;
 *    (peak RSS growth) / (requests in flight at the end);
 *  - memory per idle instance: 20000 instances of a service, no load.
 * The memory figures come first, each from the process's peak RSS so far. */
#include "bench/bench_util.h"
#include "models/model.h"
#include "models/run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static long max_rss_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static int load(struct mdl_model *m, const char *text)
{
    struct sim_diag d = {0};
    if (mdl_load_string(m, text, "bench", NULL, 0, &d)) {
        fprintf(stderr, "bench: %s:%d: %s\n", d.file, d.line, d.msg);
        return 1;
    }
    return 0;
}

static char *fanout_model(const char *rate, const char *duration)
{
    static char text[8192];
    size_t n = (size_t)snprintf(text, sizeof text,
                                "run = { duration = \"%s\"; };\n"
                                "network = { latency = \"const(50us)\"; stack_cost = 0; };\n"
                                "services = (\n"
                                "  { name = \"front\"; yield_points = 10; handler = (\n"
                                "      { compute = \"exp(100us)\"; },\n"
                                "      { call = (\"b1\", \"b2\", \"b3\", \"b4\", \"b5\", \"b6\", "
                                "\"b7\", \"b8\", \"b9\"); parallel = true; } ); }",
                                duration);
    for (int i = 1; i <= 9; i++)
        n += (size_t)snprintf(text + n, sizeof text - n,
                              ",\n  { name = \"b%d\"; yield_points = 10; "
                              "handler = ( { compute = \"exp(1ms)\"; } ); }",
                              i);
    snprintf(text + n, sizeof text - n, " );\nworkload = { rate = \"const(%s)\"; };\n", rate);
    return text;
}

int main(void)
{
    enum { RUNS = 5 };
    struct mdl_model m;
    struct run_summary s;

    const char *idle = "run = { duration = \"1s\"; };\n"
                       "services = ( { name = \"s\"; instances = 20000; "
                       "handler = ( { compute = \"1ms\"; } ); } );\n"
                       "workload = { rate = \"const(0)\"; };\n";
    if (load(&m, idle))
        return 1;
    long before = max_rss_kib();
    run_model(&m, 1, &s);
    long after = max_rss_kib();
    printf("idle instances: %.0f bytes per instance (20000 instances)\n",
           (double)(after - before) * 1024.0 / 20000.0);
    run_summary_fini(&s);
    mdl_model_fini(&m);

    /* Overload: the backends can serve 1000/s; 3000/s arrive for 20 s. */
    if (load(&m, fanout_model("3000", "20s")))
        return 1;
    before = max_rss_kib();
    run_model(&m, 1, &s);
    after = max_rss_kib();
    uint64_t inflight = s.sent - s.completed;
    printf("in flight at the end: %llu requests of 10 visits; peak RSS growth %.0f bytes per "
           "request, %.0f per visit\n",
           (unsigned long long)inflight, (double)(after - before) * 1024.0 / (double)inflight,
           (double)(after - before) * 1024.0 / (double)inflight / 10.0);
    run_summary_fini(&s);
    mdl_model_fini(&m);

    if (load(&m, fanout_model("500", "60s")))
        return 1;
    double vps[RUNS];
    uint64_t visits = 0;
    for (int k = 0; k < RUNS; k++) {
        double t0 = bench_now();
        run_model(&m, (uint64_t)k + 1, &s);
        double dt = bench_now() - t0;
        visits = 0;
        for (size_t i = 0; i < s.nsvcs; i++)
            visits += s.svcs[i].visits;
        vps[k] = (double)visits / dt;
        run_summary_fini(&s);
    }
    mdl_model_fini(&m);
    printf("fan-out of 10 services, 10 yield points, full tracing: %.2fM visits/s "
           "(median of %d; %llu visits per run)\n",
           bench_median(vps, RUNS) / 1e6, RUNS, (unsigned long long)visits);
    return 0;
}
