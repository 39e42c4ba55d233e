/* SPDX-License-Identifier: MIT */
/* bench/bench_util.h: wall-clock time and the median of repeated runs, for
 * the benchmarks (never for tests: timings are not asserted). */
#ifndef BENCH_BENCH_UTIL_H
#define BENCH_BENCH_UTIL_H

#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Keeps the process on the processor it runs on: on a shared 2-core machine
 * a benchmark that migrates between cores measures the migrations (paired
 * rounds varied by 1.5x unpinned, by 10% pinned). Best effort. */
static inline void bench_pin(void)
{
#ifdef CPU_SET
    int cpu = sched_getcpu();
    if (cpu < 0)
        return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    sched_setaffinity(0, sizeof set, &set);
#endif
}

static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline int bench_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of x[0..n) (x is left unchanged). */
static inline double bench_median(const double *x, int n)
{
    double *c = malloc((size_t)n * sizeof *c);
    if (!c)
        return x[0];
    memcpy(c, x, (size_t)n * sizeof *c);
    qsort(c, (size_t)n, sizeof *c, bench_cmp);
    double m = n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
    free(c);
    return m;
}

#endif
