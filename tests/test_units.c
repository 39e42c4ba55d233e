/* SPDX-License-Identifier: MIT */
/* tests/test_units.c: units, "name(args)" parsing, distributions (means
 * against their definitions) and rate profiles (thinning counts). */
#include "models/boot.h"
#include "models/workload.h"
#include "output/files.h"
#include "sim/dist.h"
#include "sim/err.h"
#include "sim/rng.h"
#include "sim/units.h"
#include "sim/xalloc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_statistics_double.h>

/* Aligned arrays (instance records, models/instance.c): at the alignment
 * asked, and every byte of them usable (the sanitizer build checks the
 * writes), whatever the element size. */
/* Owned names: the host and pid come from "<host>-<pid>-<n>", the tail of
 * temporary names and of a sweep's records files; anything else is not
 * owned. */
static void test_owned_names(void **state)
{
    (void)state;
    char host[16];
    long pid = 0;
    assert_true(out_tmp_owner(".uksim-tmp-node1.lan-4242-7", "tmp", host, sizeof host, &pid));
    assert_string_equal(host, "node1.lan");
    assert_int_equal(pid, 4242);
    assert_false(out_tmp_owner(".uksim-run-node1-4242-7", "tmp", host, sizeof host, &pid));
    const char *tail = "vm-17-1795929959.032041034.1"; /* a records file's, n with dots */
    assert_true(out_owner_parse(tail, strlen(tail), host, sizeof host, &pid));
    assert_string_equal(host, "vm");
    assert_int_equal(pid, 17);
    /* Only the len bytes count: a suffix beyond them is not read. */
    const char *name = "h-5-9-7";
    assert_true(out_owner_parse(name, strlen("h-5-9"), host, sizeof host, &pid));
    assert_string_equal(host, "h");
    assert_int_equal(pid, 5);
    static const char *const bad[] = {"", "h-5", "-5-9", "h--9", "h-x-9", "h-0-9", "h-5x-9", "-"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bool ok = out_owner_parse(bad[i], strlen(bad[i]), host, sizeof host, &pid);
        if (ok)
            fail_msg("\"%s\" parsed as owned", bad[i]);
    }
    /* A host that does not fit is refused, not cut. */
    const char *longer = "a-very-long-host-name-1-2";
    assert_false(out_owner_parse(longer + 2, strlen(longer) - 2, host, 4, &pid));
}

static void test_aligned_arrays(void **state)
{
    (void)state;
    static const size_t sizes[][3] = {{64, 3, 192}, {64, 1, 10}, {64, 0, 192}, {128, 7, 24}};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        char *p = xaligned_array(sizes[k][0], sizes[k][1], sizes[k][2]);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % sizes[k][0], 0);
        memset(p, 0x5a, sizes[k][1] * sizes[k][2]);
        free(p);
    }
    /* 2.5 huge pages' worth: aligned to a huge page, all of it writable. */
    size_t n = 5, size = XHUGE_ALIGN / 2;
    char *h = xhuge_array(n, size);
    assert_int_equal((uintptr_t)h % XHUGE_ALIGN, 0);
    memset(h, 0xa5, n * size);
    assert_int_equal(h[n * size - 1], (char)0xa5);
    free(h);
}

static void test_durations(void **state)
{
    (void)state;
    double s = 0;
    assert_int_equal(sim_parse_duration("2ms", &s), 0);
    assert_true(fabs(s - 0.002) < 1e-15);
    assert_int_equal(sim_parse_duration("150us", &s), 0);
    assert_true(fabs(s - 150e-6) < 1e-15);
    assert_int_equal(sim_parse_duration(" 1.5 s ", &s), 0);
    assert_true(s == 1.5);
    assert_int_equal(sim_parse_duration("3", &s), 0);
    assert_true(s == 3.0);
    assert_int_equal(sim_parse_duration("2min", &s), 0);
    assert_true(s == 120.0);
    assert_int_equal(sim_parse_duration("10ns", &s), 0);
    assert_int_equal(sim_sec_to_ns(s), 10);
    const char *bad[] = {"", "ms", "-1s", "2 parsecs", "1e999", "nan", "2ms3", "2 m s"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(sim_parse_duration(bad[i], &s), SIM_EINVAL);
}

static void test_bandwidth_and_size(void **state)
{
    (void)state;
    double v = 0;
    assert_int_equal(sim_parse_bandwidth("10Gbps", &v), 0);
    assert_true(v == 1e10);
    assert_int_equal(sim_parse_bandwidth("0Gbps", &v), SIM_EINVAL);
    assert_int_equal(sim_parse_bandwidth("10GB", &v), SIM_EINVAL);
    assert_int_equal(sim_parse_size("4KiB", &v), 0);
    assert_true(v == 4096);
}

static void test_call_syntax(void **state)
{
    (void)state;
    struct sim_call c;
    char err[200];
    assert_int_equal(sim_call_parse("lognormal(3ms, 1.5)", &c, err, sizeof err), 0);
    assert_string_equal(c.name, "lognormal");
    assert_int_equal(c.nargs, 2);
    assert_string_equal(c.args[0], "3ms");
    assert_string_equal(c.args[1], "1.5");
    assert_int_equal(sim_call_parse("empirical(\"a,b.csv\")", &c, err, sizeof err), 0);
    assert_int_equal(c.nargs, 1);
    assert_string_equal(c.args[0], "a,b.csv");
    assert_int_equal(sim_call_parse("f()", &c, err, sizeof err), 0);
    assert_int_equal(c.nargs, 0);
    assert_int_equal(sim_call_parse("exp 2ms", &c, err, sizeof err), SIM_EINVAL);
    assert_int_equal(sim_call_parse("exp(2ms", &c, err, sizeof err), SIM_EINVAL);
    assert_int_equal(sim_call_parse("exp(2ms) x", &c, err, sizeof err), SIM_EINVAL);
    assert_int_equal(sim_call_parse("exp(1,,2)", &c, err, sizeof err), SIM_EINVAL);
}

/* The sample mean of n draws lies within 5 standard errors of the mean. */
static void check_mean(const char *text, double mean)
{
    struct sim_dist d;
    char err[300];
    assert_int_equal(sim_dist_init_parse(&d, text, SIM_DIST_SECONDS, NULL, err, sizeof err), 0);
    assert_true(fabs(d.mean - mean) < 1e-12 * mean);
    gsl_rng *r = sim_rng_create(3, text);
    enum { N = 200000 };
    static double x[N];
    for (int i = 0; i < N; i++) {
        x[i] = sim_dist_sample(&d, r);
        assert_true(x[i] >= 0);
    }
    double m = gsl_stats_mean(x, 1, N), sd = gsl_stats_sd_m(x, 1, N, m);
    if (fabs(m - mean) > 5 * sd / sqrt(N) + 1e-15)
        fail_msg("%s: sample mean %g, expected %g", text, m, mean);
    gsl_rng_free(r);
    sim_dist_fini(&d);
}

static void test_distribution_means(void **state)
{
    (void)state;
    check_mean("const(2ms)", 0.002);
    check_mean("exp(2ms)", 0.002);
    check_mean("uniform(1ms, 3ms)", 0.002);
    check_mean("lognormal(3ms, 1.5)", 0.003);
    check_mean("gamma(3ms, 0.5)", 0.003);
    check_mean("pareto(3ms, 3.5)", 0.003);
    /* A sum's mean is the sum of its terms' means. */
    check_mean("sum(const(1ms), uniform(0ms, 2ms), exp(3ms))", 0.005);
    check_mean(" sum( lognormal(2ms, 0.5) , gamma(1ms, 2) )", 0.003);
    /* The Kubernetes pod preset: 1.38 s + 568 ms + 10 s / 2. */
    check_mean(boot_find("k8s-pod")->dist, 1.38 + 0.568 + 5.0);
}

static void test_distribution_errors(void **state)
{
    (void)state;
    const char *bad[] = {"exp(-1ms)",
                         "exp(0)",
                         "uniform(3ms, 1ms)",
                         "lognormal(1ms, 0)",
                         "pareto(1ms, 1)",
                         "normal(1ms)",
                         "exp(1ms, 2ms)",
                         "exp(fast)",
                         "empirical(\"/nonexistent.csv\")",
                         "sum()",
                         "sum(const(1ms),)",
                         "sum(sum(const(1ms)))",
                         "sum(const(1ms)",
                         "sum(const(1ms)) x",
                         "sum(exp(-1ms), const(1ms))",
                         "sum(const(1ms), const(1ms), const(1ms), const(1ms), const(1ms), "
                         "const(1ms), const(1ms), const(1ms), const(1ms))"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct sim_dist d;
        char err[300] = "";
        int rc = sim_dist_init_parse(&d, bad[i], SIM_DIST_SECONDS, NULL, err, sizeof err);
        if (rc == 0)
            fail_msg("accepted %s", bad[i]);
        assert_true(err[0] != '\0');
    }
}

static void test_empirical(void **state)
{
    (void)state;
    char path[] = "/tmp/uksim-emp-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("latency\n1ms\n3ms\n# comment\n2ms,extra\n", f);
    fclose(f);
    struct sim_dist d;
    char err[300], text[300];
    snprintf(text, sizeof text, "empirical(\"%s\")", path);
    assert_int_equal(sim_dist_init_parse(&d, text, SIM_DIST_SECONDS, NULL, err, sizeof err), 0);
    assert_int_equal(d.ntable, 3);
    assert_true(fabs(d.mean - 0.002) < 1e-12);
    sim_dist_fini(&d);
    f = fopen(path, "w");
    fputs("1ms\nbanana\n", f);
    fclose(f);
    assert_int_equal(sim_dist_init_parse(&d, text, SIM_DIST_SECONDS, NULL, err, sizeof err),
                     SIM_EINVAL);
    assert_non_null(strstr(err, ":2:"));
    remove(path);
}

/* Counts of arrivals in [a, b) match the integral of the rate within 5 sd. */
static void check_counts(const char *profile, double a, double b, double expect)
{
    struct wl_rate r;
    char err[300];
    assert_int_equal(wl_rate_parse(&r, profile, NULL, err, sizeof err), 0);
    gsl_rng *g = sim_rng_create(11, profile);
    double t = 0;
    long n = 0;
    while ((t = wl_next_arrival(&r, t, g)) < b)
        n += t >= a;
    if (fabs((double)n - expect) > 5 * sqrt(expect))
        fail_msg("%s on [%g, %g): %ld arrivals, expected %g", profile, a, b, n, expect);
    gsl_rng_free(g);
}

static void test_rate_profiles(void **state)
{
    (void)state;
    check_counts("const(200)", 0, 100, 20000);
    check_counts("step(100, 300, 50s)", 0, 50, 5000);
    check_counts("step(100, 300, 50s)", 50, 100, 15000);
    check_counts("ramp(0, 200, 10s, 110s)", 10, 110, 10000);
    check_counts("spike(50, 500, 20s, 10s)", 20, 30, 5000);
    check_counts("diurnal(100, 50, 40s)", 0, 400, 40000);
    check_counts("diurnal(100, 50, 40s)", 0, 20, 2000 + 50 * 40 / M_PI);
    struct wl_rate r;
    char err[300];
    gsl_rng *g = sim_rng_create(1, "x");
    assert_int_equal(wl_rate_parse(&r, "step(100, 0, 10s)", NULL, err, sizeof err), 0);
    assert_true(isinf(wl_next_arrival(&r, 10.0, g))); /* zero for good: no hang */
    gsl_rng_free(g);
    const char *bad[] = {"const(-1)",           "step(1, 2)", "ramp(1, 2, 5s, 5s)",
                         "diurnal(10, 20, 1s)", "burst(3)",   "trace(\"/nonexistent/x.csv\")"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_true(wl_rate_parse(&r, bad[i], NULL, err, sizeof err) < 0);
}

/* A trace: the rate of each row holds until the next row. */
static void test_trace_profile(void **state)
{
    (void)state;
    char path[] = "/tmp/uksim-trace-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("time,rate\n10s,100\n30s,400\n# a comment\n50s,0\n", f);
    fclose(f);
    char text[300], err[300];
    snprintf(text, sizeof text, "trace(\"%s\")", path);
    struct wl_rate r;
    assert_int_equal(wl_rate_parse(&r, text, NULL, err, sizeof err), 0);
    assert_true(wl_rate_at(&r, 5) == 0 && wl_rate_at(&r, 10) == 100 && wl_rate_at(&r, 29.9) == 100);
    assert_true(wl_rate_at(&r, 30) == 400 && wl_rate_at(&r, 60) == 0);
    assert_true(wl_rate_max(&r) == 400);
    gsl_rng *g = sim_rng_create(2, "trace");
    double t = 0;
    long n1 = 0, n2 = 0, n3 = 0;
    while ((t = wl_next_arrival(&r, t, g)) < INFINITY) {
        n1 += t < 10;
        n2 += t >= 10 && t < 30;
        n3 += t >= 30;
    }
    assert_int_equal(n1, 0);
    assert_true(labs(n2 - 2000) < 5 * 45); /* Poisson(2000) */
    assert_true(labs(n3 - 8000) < 5 * 90); /* Poisson(8000), and nothing after 50 s */
    gsl_rng_free(g);
    wl_rate_fini(&r);
    f = fopen(path, "w");
    fputs("10s,100\n5s,3\n", f);
    fclose(f);
    assert_int_equal(wl_rate_parse(&r, text, NULL, err, sizeof err), SIM_EINVAL);
    assert_non_null(strstr(err, ":2: times must increase"));
    wl_rate_fini(&r);
    remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_owned_names),         cmocka_unit_test(test_aligned_arrays),
        cmocka_unit_test(test_durations),           cmocka_unit_test(test_bandwidth_and_size),
        cmocka_unit_test(test_call_syntax),         cmocka_unit_test(test_distribution_means),
        cmocka_unit_test(test_distribution_errors), cmocka_unit_test(test_empirical),
        cmocka_unit_test(test_rate_profiles),       cmocka_unit_test(test_trace_profile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
