/* SPDX-License-Identifier: MIT */
/* tests/test_ziggurat.c: the exponential ziggurat's tables (equal areas, a
 * closed top) and its draws against the exponential distribution, in bins cut
 * at every layer's edge and middle, so that an error in any layer's core,
 * wedge or the tail moves counts between bins. */
#include "sim/dist.h"
#include "sim/rng.h"
#include "sim/ziggurat.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_rng.h>

enum { L = SIM_ZIG_LAYERS };

static void test_layers_have_equal_areas(void **state)
{
    (void)state;
    double v = sim_zig_area(), r = sim_zig_edge(1);
    assert_true(sim_zig_edge(L) == 0);
    for (int i = 0; i < L; i++)
        assert_true(sim_zig_edge(i) > sim_zig_edge(i + 1));
    /* The base: the rectangle under f(r) and the tail beyond it. */
    assert_true(fabs((r * exp(-r) + exp(-r)) / v - 1) < 1e-12);
    assert_true(fabs(sim_zig_edge(0) * exp(-r) / v - 1) < 1e-12);
    /* Layer i >= 1 spans [0, x_i] between f(x_i) and f(x_{i+1}); the last
     * one reaches f(0) = 1, which the recursion did not impose. */
    for (int i = 1; i < L; i++) {
        double x = sim_zig_edge(i), up = exp(-sim_zig_edge(i + 1));
        assert_true(fabs(x * (up - exp(-x)) / v - 1) < 1e-9);
    }
}

/* Bins: [0, c_1), [c_1, c_2), ... with cuts at every layer edge, every
 * layer's middle, and r + 1 in the tail; the last bin is open. */
static int make_cuts(double *cut)
{
    int n = 0;
    for (int i = L - 1; i >= 1; i--) {
        cut[n++] = (sim_zig_edge(i + 1) + sim_zig_edge(i)) / 2;
        cut[n++] = sim_zig_edge(i);
    }
    cut[n++] = sim_zig_edge(1) + 1;
    return n;
}

static int bin_of(const double *cut, int ncut, double x)
{
    int lo = 0, hi = ncut; /* the first cut above x */
    while (lo < hi) {
        int m = (lo + hi) / 2;
        if (cut[m] > x)
            hi = m;
        else
            lo = m + 1;
    }
    return lo;
}

static double chi_square(gsl_rng *r, double mean, long n, int *df)
{
    static double cut[2 * L + 1];
    static long count[2 * L + 2];
    int ncut = make_cuts(cut);
    for (int b = 0; b <= ncut; b++)
        count[b] = 0;
    for (long k = 0; k < n; k++) {
        double x = sim_exp_draw(r, mean);
        assert_true(x >= 0 && isfinite(x));
        count[bin_of(cut, ncut, x / mean)]++;
    }
    double chi = 0, below = 0;
    for (int b = 0; b <= ncut; b++) {
        double above = b < ncut ? exp(-cut[b]) : 0; /* P(X >= cut) */
        double want = (double)n * ((1 - above) - below);
        below = 1 - above;
        assert_true(want > 500); /* the normal approximation holds */
        chi += ((double)count[b] - want) * ((double)count[b] - want) / want;
    }
    *df = ncut;
    return chi;
}

static void test_draws_are_exponential(void **state)
{
    (void)state;
    for (int s = 0; s < 2; s++) {
        gsl_rng *r = sim_rng_create(11 + (uint64_t)s, "service");
        assert_true(r->type == sim_rng_xoshiro256ss);
        int df;
        double chi = chi_square(r, s ? 0.25 : 1.0, 4000000, &df);
        /* Fails by chance with probability 1e-9 (a fixed seed: never, or
         * always). */
        assert_true(chi < gsl_cdf_chisq_Qinv(1e-9, df));
        gsl_rng_free(r);
    }
}

/* Beyond r (0.045% of draws) the excess is again exponential of mean 1: its
 * count, mean and shape in 8 equally likely bins, from 2 10^7 draws. */
static void test_tail_is_exponential(void **state)
{
    (void)state;
    gsl_rng *r = sim_rng_create(3, "arrival");
    double edge = sim_zig_edge(1), sum = 0;
    long n = 20000000, tail = 0, count[8] = {0};
    for (long k = 0; k < n; k++) {
        double x = sim_exp_draw(r, 1.0) - edge;
        if (x < 0)
            continue;
        tail++;
        sum += x;
        int b = (int)(8 * (1 - exp(-x))); /* the CDF's eighth */
        count[b < 8 ? b : 7]++;
    }
    double want = (double)n * exp(-edge);
    assert_true(fabs((double)tail - want) < 6 * sqrt(want));
    /* The mean of m exponentials has standard error 1 / sqrt(m). */
    assert_true(fabs(sum / (double)tail - 1) < 6 / sqrt((double)tail));
    double chi = 0;
    for (int b = 0; b < 8; b++)
        chi += ((double)count[b] - tail / 8.0) * ((double)count[b] - tail / 8.0) / (tail / 8.0);
    assert_true(chi < gsl_cdf_chisq_Qinv(1e-9, 7));
    gsl_rng_free(r);
}

/* Any other generator draws by inversion, one uniform per value. */
static void test_other_generators_invert(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 5);
    for (int k = 0; k < 1000; k++) {
        gsl_rng *c = gsl_rng_clone(r);
        double u = gsl_rng_uniform(c);
        assert_true(sim_exp_draw(r, 3.0) == -3.0 * log(1.0 - u));
        assert_true(gsl_rng_get(r) == gsl_rng_get(c));
        gsl_rng_free(c);
    }
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layers_have_equal_areas),
        cmocka_unit_test(test_draws_are_exponential),
        cmocka_unit_test(test_tail_is_exponential),
        cmocka_unit_test(test_other_generators_invert),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
