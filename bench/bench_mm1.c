/* SPDX-License-Identifier: MIT */
/* bench/bench_mm1.c: simulated requests per wall-clock second on an M/M/1
 * model at utilization 0.9 (one service, Poisson arrivals, exp service),
 * median of 5 runs. */
#include "models/model.h"
#include "models/run.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(void)
{
    const char *text = "run = { duration = \"2000s\"; };\n"
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
        double t0 = now_s();
        run_model(&m, (uint64_t)k + 1, &s);
        double dt = now_s() - t0;
        rate[k] = (double)s.completed / dt;
        evs[k] = (double)s.events / dt;
        run_summary_fini(&s);
    }
    qsort(rate, RUNS, sizeof rate[0], cmp);
    qsort(evs, RUNS, sizeof evs[0], cmp);
    printf("M/M/1 rho=0.9: %.2fM simulated requests/s, %.2fM events/s (median of %d)\n",
           rate[RUNS / 2] / 1e6, evs[RUNS / 2] / 1e6, RUNS);
    mdl_model_fini(&m);
    return 0;
}
