/* SPDX-License-Identifier: MIT */
/* bench/bench_ratio.c: uksim's time per simulated request against a bare C
 * event loop built beside it, as a ratio (the machine is shared and noisy;
 * ratios travel better than absolute times). The bare loop is the least a
 * discrete-event simulator of the same queue must do: a binary heap of
 * (time, kind, station) records, switch dispatch, a FIFO count per station,
 * xoshiro256** with exponentials by inversion. uksim runs the full model:
 * Lwt's loop on the Lwt scheduler, or the FIFO scheduler for the tandem (a
 * call chain is a Jackson tandem there), the tracing core at sampling 1.
 * The ratio is the median of 7 paired rounds' ratios (bare loop and uksim
 * back to back, so that drift in the machine's speed cancels), pinned to
 * one processor. */
#define _GNU_SOURCE /* sched_setaffinity, in bench_util.h */
#include "models/model.h"
#include "models/run.h"

#include "bench/bench_util.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- The bare loop ---- */

struct rec {
    double t;
    int kind; /* 0: arrival at station st, 1: departure from st */
    int st;
};

struct heap {
    struct rec *r;
    size_t n, cap;
};

static void push(struct heap *h, struct rec x)
{
    if (h->n == h->cap) {
        h->cap = h->cap ? 2 * h->cap : 1024;
        h->r = realloc(h->r, h->cap * sizeof *h->r);
    }
    size_t i = h->n++;
    while (i > 0 && h->r[(i - 1) / 2].t > x.t) {
        h->r[i] = h->r[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->r[i] = x;
}

static struct rec pop(struct heap *h)
{
    struct rec top = h->r[0], last = h->r[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && h->r[c + 1].t < h->r[c].t)
            c++;
        if (h->r[c].t >= last.t)
            break;
        h->r[i] = h->r[c];
        i = c;
    }
    h->r[i] = last;
    return top;
}

static uint64_t s[4] = {1, 2, 3, 4};

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline double uniform(void)
{
    uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return (double)(r >> 11) * 0x1.0p-53;
}

static inline double expo(double mean)
{
    return -mean * log1p(-uniform());
}

/* Stations in series, Poisson arrivals at rate lambda, exponential service
 * with the given means; returns requests completed by time `until`. */
static uint64_t bare(double lambda, const double *mean, int n, double until)
{
    struct heap h = {0};
    int queue[8] = {0};
    uint64_t done = 0;
    push(&h, (struct rec){expo(1 / lambda), 0, 0});
    while (h.n) {
        struct rec e = pop(&h);
        if (e.t > until)
            break;
        switch (e.kind) {
        case 0:
            if (e.st == 0)
                push(&h, (struct rec){e.t + expo(1 / lambda), 0, 0});
            if (queue[e.st]++ == 0)
                push(&h, (struct rec){e.t + expo(mean[e.st]), 1, e.st});
            break;
        case 1:
            if (--queue[e.st] > 0)
                push(&h, (struct rec){e.t + expo(mean[e.st]), 1, e.st});
            if (e.st + 1 < n)
                push(&h, (struct rec){e.t, 0, e.st + 1});
            else
                done++;
            break;
        }
    }
    free(h.r);
    return done;
}

/* ---- uksim ---- */

static double uksim_ns(const char *text, uint64_t seed)
{
    struct mdl_model m;
    struct sim_diag d = {0};
    if (mdl_load_string(&m, text, "bench", NULL, 0, &d)) {
        fprintf(stderr, "%s\n", d.msg);
        exit(1);
    }
    struct run_summary r;
    double t0 = bench_now();
    run_model(&m, seed, &r);
    double dt = bench_now() - t0;
    double per = dt / (double)(r.completed ? r.completed : 1) * 1e9;
    run_summary_fini(&r);
    mdl_model_fini(&m);
    return per;
}

static void compare(const char *what, const char *text, double lambda, const double *mean, int n,
                    double until)
{
    enum { RUNS = 7 };
    double a[RUNS], b[RUNS], r[RUNS];
    for (int k = 0; k < RUNS; k++) {
        double t0 = bench_now();
        uint64_t done = bare(lambda, mean, n, until);
        b[k] = (bench_now() - t0) / (double)done * 1e9;
        a[k] = uksim_ns(text, (uint64_t)k + 1);
        r[k] = a[k] / b[k];
    }
    double ma = bench_median(a, RUNS), mb = bench_median(b, RUNS);
    printf("%-28s uksim %6.0f ns/request, bare C loop %5.0f ns/request: %.2fx\n", what, ma, mb,
           bench_median(r, RUNS));
}

int main(void)
{
    bench_pin();
    static const double mm1[] = {1e-3};
    compare("M/M/1 rho 0.9 (lwt, traced)",
            "run = { duration = \"1000s\"; };\n"
            "network = { stack_cost = 0; };\n"
            "tracing = { hook_cost = 0; propagate_cost = 0; };\n"
            "services = ( { name = \"s\"; handler = ( { compute = \"exp(1ms)\"; } ); } );\n"
            "workload = { entry = \"s\"; rate = \"const(900)\"; };\n",
            900, mm1, 1, 1000);
    static const double tandem[] = {1e-3, 1e-3, 1e-3, 1e-3, 1e-3};
    compare(
        "5-station tandem (fifo)",
        "run = { duration = \"400s\"; };\n"
        "services = (\n"
        "  { name = \"s1\"; scheduler = \"fifo\"; handler = ( { compute = \"exp(1ms)\"; }, { call "
        "= \"s2\"; } ); },\n"
        "  { name = \"s2\"; scheduler = \"fifo\"; handler = ( { compute = \"exp(1ms)\"; }, { call "
        "= \"s3\"; } ); },\n"
        "  { name = \"s3\"; scheduler = \"fifo\"; handler = ( { compute = \"exp(1ms)\"; }, { call "
        "= \"s4\"; } ); },\n"
        "  { name = \"s4\"; scheduler = \"fifo\"; handler = ( { compute = \"exp(1ms)\"; }, { call "
        "= \"s5\"; } ); },\n"
        "  { name = \"s5\"; scheduler = \"fifo\"; handler = ( { compute = \"exp(1ms)\"; } ); } );\n"
        "workload = { entry = \"s1\"; rate = \"const(800)\"; };\n",
        800, tandem, 5, 400);
    return 0;
}
