/* SPDX-License-Identifier: MIT */
/* bench/bench_engine.c: the classic hold model. N events are pending; each
 * step pops the earliest and schedules one at now + exp(mean 1 ms). Reported:
 * events per second, median of 5 runs, with the exponential drawn per event
 * (GSL) and with increments drawn beforehand (the event list alone). */
#include "sim/engine.h"
#include "sim/rng.h"

#include <gsl/gsl_randist.h>
#include "bench/bench_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct hold {
    gsl_rng *r;
    const int64_t *pre; /* NULL: draw per event */
    size_t npre, k;
};

static void hold_fire(struct sim_engine *e, void *arg)
{
    struct hold *h = arg;
    int64_t d;
    if (h->pre) {
        d = h->pre[h->k++ & (h->npre - 1)];
    } else {
        d = (int64_t)gsl_ran_exponential(h->r, 1e6);
    }
    sim_schedule_in(e, d, hold_fire, h);
}

static double run_once(size_t pending, uint64_t steps, const int64_t *pre, size_t npre)
{
    struct sim_engine *e = sim_engine_create(1);
    struct hold h = {.r = sim_stream(e, "hold"), .pre = pre, .npre = npre};
    for (size_t i = 0; i < pending; i++)
        sim_schedule(e, (int64_t)gsl_ran_exponential(h.r, 1e6), hold_fire, &h);
    /* Warm the heap into its steady shape before timing. */
    struct sim_run_opts warm = {.until_ns = -1, .max_events = pending};
    sim_run(e, &warm);
    struct sim_run_opts o = {.until_ns = -1, .max_events = steps};
    double t0 = bench_now();
    sim_run(e, &o);
    double dt = bench_now() - t0;
    sim_engine_destroy(e);
    return (double)steps / dt;
}

int main(void)
{
    enum { NPRE = 1 << 20, RUNS = 5 };
    int64_t *pre = malloc(NPRE * sizeof *pre);
    gsl_rng *r = sim_rng_create(2, "pre");
    for (size_t i = 0; i < NPRE; i++)
        pre[i] = (int64_t)gsl_ran_exponential(r, 1e6);
    gsl_rng_free(r);
    const size_t sizes[] = {1000, 100000, 1000000};
    printf("hold model: events/s, median of %d runs\n", RUNS);
    printf("%10s %18s %18s\n", "pending", "exp drawn/event", "pre-drawn");
    for (size_t s = 0; s < 3; s++) {
        double a[RUNS], b[RUNS];
        uint64_t steps = sizes[s] >= 1000000 ? 5000000 : 10000000;
        for (int k = 0; k < RUNS; k++) {
            a[k] = run_once(sizes[s], steps, NULL, 0);
            b[k] = run_once(sizes[s], steps, pre, NPRE);
        }
        printf("%10zu %16.2fM %16.2fM\n", sizes[s], bench_median(a, RUNS) / 1e6,
               bench_median(b, RUNS) / 1e6);
    }
    free(pre);
    return 0;
}
