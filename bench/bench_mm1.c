/* SPDX-License-Identifier: MIT */
/* bench/bench_mm1.c: simulated requests per wall-clock second on an M/M/1
 * model at utilization 0.9 (one service, Poisson arrivals, exp service),
 * median of 5 runs. */
#include "models/model.h"
#include "models/run.h"

#include "bench/bench_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(void)
{
    const char *text =
        "run = { duration = \"2000s\"; };\n"
        "network = { stack_cost = 0; };\n"
        "tracing = { hook_cost = 0; propagate_cost = 0; };\n"
        "services = ( { name = \"s\"; handler = ( { compute = \"exp(1ms)\"; } ); } );\n"
        "workload = { entry = \"s\"; rate = \"const(900)\"; };\n";
    struct mdl_model m;
    struct sim_diag d = {0};
    if (mdl_load_string(&m, text, "bench", NULL, 0, &d)) {
        fprintf(stderr, "%s\n", d.msg);
        return 1;
    }
    enum { RUNS = 5 };
    double rate[RUNS], evs[RUNS];
    for (int k = 0; k < RUNS; k++) {
        struct run_summary s;
        double t0 = bench_now();
        run_model(&m, (uint64_t)k + 1, &s);
        double dt = bench_now() - t0;
        rate[k] = (double)s.completed / dt;
        evs[k] = (double)s.events / dt;
        run_summary_fini(&s);
    }
    printf("M/M/1 rho=0.9: %.2fM simulated requests/s, %.2fM events/s (median of %d)\n",
           bench_median(rate, RUNS) / 1e6, bench_median(evs, RUNS) / 1e6, RUNS);
    mdl_model_fini(&m);
    return 0;
}
