/* SPDX-License-Identifier: MIT */
/* tests/test_queueing.c: the simulator against queueing theory. Each check
 * runs independent replications (seeds 1..R), forms the 95% confidence interval
 * of the mean from Student's t, and requires the closed-form value inside it.
 * It also requires the interval to be narrow (a few percent of the value), so
 * that a check cannot pass merely by being vague. */
#include "models/model.h"
#include "models/run.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tests/ci95.h"
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>

#define R 10

struct ci {
    double mean, half;
};

static struct ci interval(const double *x, int n)
{
    struct ci c;
    ci95(x, n, &c.mean, &c.half);
    return c;
}

static void expect_in(const char *what, const double *x, double theory, double max_rel_half)
{
    struct ci c = interval(x, R);
    printf("  %-34s theory %.6g  sim %.6g +- %.3g (%.2f%%)\n", what, theory, c.mean, c.half,
           100 * c.half / theory);
    if (fabs(c.mean - theory) > c.half)
        fail_msg("%s: theory %g outside [%g, %g]", what, theory, c.mean - c.half, c.mean + c.half);
    if (c.half > max_rel_half * theory)
        fail_msg("%s: interval +-%g too wide to be a test", what, c.half);
}

/* Runs text with seeds 1..R; latency and per-service means go to the arrays. */
static void replicate(const char *text, double *lat, double *svc0_wait)
{
    struct mdl_model m;
    struct sim_diag d = {0};
    if (mdl_load_string(&m, text, "queueing", NULL, 0, &d))
        fail_msg("model: %s:%d: %s", d.file, d.line, d.msg);
    for (int r = 0; r < R; r++) {
        struct run_summary s;
        assert_int_equal(run_model(&m, (uint64_t)r + 1, &s), 0);
        assert_true(s.completed > 1000);
        lat[r] = s.lat_mean;
        if (svc0_wait)
            svc0_wait[r] = s.svcs[0].local_wait;
        run_summary_fini(&s);
    }
    mdl_model_fini(&m);
}

/* One service on Lwt's loop. With packet timestamps the tracing core counts
 * the time a request sits unread in the NIC ring as local wait, which is then
 * the M/M/1 queueing wait. yield_every slices each request into quanta that
 * take turns with the others: round robin on exponential work leaves the
 * number in system a birth-death chain with death rate mu, so the mean
 * response time is still 1/(mu - lambda). */
static void mm1(double rho, const char *duration, const char *warmup, const char *yields)
{
    const double mu = 1000.0, lambda = rho * mu;
    char text[1000];
    snprintf(text, sizeof text,
             "run = { duration = \"%s\"; warmup = \"%s\"; };\n"
             "network = { stack_cost = 0; };\n"
             "tracing = { packet_timestamps = true; hook_cost = 0; propagate_cost = 0; };\n"
             "services = ( { name = \"s\"; %s\n"
             "  handler = ( { compute = \"exp(1ms)\"; } ); } );\n"
             "workload = { entry = \"s\"; rate = \"const(%g)\"; };\n",
             duration, warmup, yields, lambda);
    double lat[R], wait[R];
    replicate(text, lat, wait);
    char what[100];
    snprintf(what, sizeof what, "M/M/1 rho=%.1f%s response time", rho,
             yields[0] ? " yielding" : "");
    expect_in(what, lat, 1.0 / (mu - lambda), 0.05);
    if (!yields[0]) {
        snprintf(what, sizeof what, "M/M/1 rho=%.1f queueing wait", rho);
        expect_in(what, wait, rho / (mu - lambda), 0.06);
    }
}

static void test_mm1_rho_05(void **state)
{
    (void)state;
    mm1(0.5, "200s", "10s", "");
}

static void test_mm1_round_robin_quanta(void **state)
{
    (void)state;
    mm1(0.7, "400s", "20s", "yield_every = \"50us\";");
}

/* yield_points = 1 splits each request into two equal halves, and Lwt runs a
 * newly read request's first half (all are read at each poll: stack_batch =
 * 0) before the second halves of requests that yielded. That is no longer a size-blind discipline
 * on memoryless work (the second half's length is known from the first), so the M/M/1 formula does
 * not apply. What must still hold: the loop is work-conserving (utilization
 * rho), and the mean response time is above the FCFS value (the halves of
 * long requests delay short ones). */
static void test_mm1_one_yield_point_is_work_conserving(void **state)
{
    (void)state;
    const double mu = 1000.0, lambda = 700.0;
    const char *text = "run = { duration = \"400s\"; warmup = \"20s\"; };\n"
                       "network = { stack_cost = 0; stack_batch = 0; };\n"
                       "tracing = { hook_cost = 0; propagate_cost = 0; };\n"
                       "services = ( { name = \"s\"; yield_points = 1;\n"
                       "  handler = ( { compute = \"exp(1ms)\"; } ); } );\n"
                       "workload = { entry = \"s\"; rate = \"const(700)\"; };\n";
    struct mdl_model m;
    struct sim_diag d = {0};
    assert_int_equal(mdl_load_string(&m, text, "queueing", NULL, 0, &d), 0);
    double util[R], lat[R];
    for (int r = 0; r < R; r++) {
        struct run_summary s;
        assert_int_equal(run_model(&m, (uint64_t)r + 1, &s), 0);
        util[r] = s.svcs[0].utilization;
        lat[r] = s.lat_mean;
        run_summary_fini(&s);
    }
    mdl_model_fini(&m);
    expect_in("M/M/1 rho=0.7 k=1 utilization", util, lambda / mu, 0.01);
    struct ci c = interval(lat, R);
    printf("  %-34s FCFS %.6g  sim %.6g +- %.3g\n", "M/M/1 rho=0.7 k=1 response", 1 / (mu - lambda),
           c.mean, c.half);
    assert_true(c.mean - c.half > 1.0 / (mu - lambda));
}

static void test_mm1_rho_09(void **state)
{
    (void)state;
    mm1(0.9, "2000s", "100s", "");
}

/* Erlang C: probability that an arrival waits in M/M/c. */
static double erlang_c(int c, double a)
{
    double term = 1.0, sum = 1.0; /* k = 0 */
    for (int k = 1; k < c; k++) {
        term *= a / k;
        sum += term;
    }
    double last = term * a / c; /* a^c / c! */
    double rho = a / c;
    double top = last / (1.0 - rho);
    return top / (sum + top);
}

static void test_mmc_erlang_c(void **state)
{
    (void)state;
    const int c = 4;
    const double mu = 1000.0, lambda = 3000.0, a = lambda / mu;
    /* maxconn = 1: the balancer holds calls until an instance is free, which
     * makes four single-CPU instances one M/M/4 queue. */
    char text[1000];
    snprintf(text, sizeof text,
             "run = { duration = \"300s\"; warmup = \"10s\"; };\n"
             "services = ( { name = \"s\"; instances = %d; maxconn = 1; scheduler = \"fifo\";\n"
             "  handler = ( { compute = \"exp(1ms)\"; } ); } );\n"
             "workload = { entry = \"s\"; rate = \"const(%g)\"; };\n",
             c, lambda);
    double lat[R];
    replicate(text, lat, NULL);
    double w = erlang_c(c, a) / (c * mu - lambda) + 1.0 / mu;
    expect_in("M/M/4 rho=0.75 response (Erlang C)", lat, w, 0.05);
}

static void test_tandem_is_sum_of_mm1(void **state)
{
    (void)state;
    /* With the FIFO scheduler replies need no CPU, so a call chain is a
     * Jackson tandem: by Burke's theorem each station is an M/M/1 queue fed at
     * rate lambda. */
    const double lambda = 500.0, mu[3] = {1000.0, 800.0, 1250.0};
    const char *text = "run = { duration = \"300s\"; warmup = \"10s\"; };\n"
                       "services = (\n"
                       "  { name = \"s1\"; scheduler = \"fifo\"; handler = ( { compute = "
                       "\"exp(1ms)\"; }, { call = \"s2\"; } ); },\n"
                       "  { name = \"s2\"; scheduler = \"fifo\"; handler = ( { compute = "
                       "\"exp(1.25ms)\"; }, { call = \"s3\"; } ); },\n"
                       "  { name = \"s3\"; scheduler = \"fifo\"; handler = ( { compute = "
                       "\"exp(0.8ms)\"; } ); } );\n"
                       "workload = { entry = \"s1\"; rate = \"const(500)\"; };\n";
    double lat[R];
    replicate(text, lat, NULL);
    double w = 0;
    for (int i = 0; i < 3; i++)
        w += 1.0 / (mu[i] - lambda);
    expect_in("3-station tandem response", lat, w, 0.05);
}

/* The balancers that draw (random, power-of-two) draw ahead once a service
 * has this many ready instances or more (models/balancer.c): the tests
 * below run above it, so that they check the path large models take. */
#define MANY 1200

/* Arrivals stop 0.1 s before the end, so that every measured request is
 * answered: a run that ended under load would leave out the requests still
 * in flight, the slower ones, and read a mean too short by a few tenths of
 * a percent, more than these intervals' width. */
static void many_fifo(double lambda, const char *lb, const char *extra, double *lat)
{
    char text[1000];
    snprintf(text, sizeof text,
             "run = { duration = \"1s\"; warmup = \"0.25s\"; };\n"
             "services = ( { name = \"s\"; instances = %d; lb = \"%s\"; scheduler = \"fifo\";%s\n"
             "  handler = ( { compute = \"exp(1ms)\"; } ); } );\n"
             "workload = { entry = \"s\"; rate = \"step(%g, 0, 0.9s)\"; };\n",
             MANY, lb, extra, lambda);
    replicate(text, lat, NULL);
}

/* Random balancing splits a Poisson stream into MANY Poisson streams of
 * rate lambda / MANY: every instance is an M/M/1 queue. */
static void test_random_balancer_splits_into_mm1(void **state)
{
    (void)state;
    const double mu = 1000.0, lambda = 0.8 * MANY * mu;
    double lat[R];
    many_fifo(lambda, "random", "", lat);
    expect_in("random over 1200, each M/M/1 rho=0.8", lat, 1.0 / (mu - lambda / MANY), 0.03);
}

/* Power of two choices over n queues (the supermarket model; Mitzenmacher,
 * "The power of two choices in randomized load balancing", 2001): as n
 * grows, the share of queues holding at least k requests tends to
 * rho^(2^k - 1), so by Little's law the mean response time tends to
 * (1/mu) sum over k >= 1 of rho^(2^k - 2). At n = 1200 the gap to the limit
 * is far below the interval. Random balancing at the same load would give
 * 1/(mu - lambda/n), four times as long. */
static void test_power_of_two_is_supermarket_model(void **state)
{
    (void)state;
    const double mu = 1000.0, rho = 0.9, lambda = rho * MANY * mu;
    double lat[R], w = 0.0;
    for (int k = 1; k < 12; k++)
        w += pow(rho, ldexp(1.0, k) - 2.0) / mu;
    many_fifo(lambda, "power-of-two", "", lat);
    expect_in("power-of-two over 1200, rho=0.9", lat, w, 0.03);
}

/* Erlang C for many servers: by the Erlang B recursion, which neither
 * overflows nor loses precision where a^c / c! would. */
static double erlang_c_many(int c, double a)
{
    double b = 1.0;
    for (int k = 1; k <= c; k++)
        b = a * b / (k + a * b);
    return c * b / (c - a * (1.0 - b));
}

/* Random balancing with maxconn = 1 sends each call to a free instance, and
 * the balancer holds it while none is free: one M/M/c queue, as for
 * round-robin, whichever free instance the draw finds. At this load most
 * instances are busy, so draws are often rejected and the pick falls back
 * to choosing among those with room. */
static void test_random_with_maxconn_is_mmc(void **state)
{
    (void)state;
    const double mu = 1000.0, a = 0.97 * MANY, lambda = a * mu;
    double lat[R];
    many_fifo(lambda, "random", " maxconn = 1;", lat);
    double w = erlang_c_many(MANY, a) / (MANY * mu - lambda) + 1.0 / mu;
    printf("  (Erlang C: a call waits with probability %.3f)\n", erlang_c_many(MANY, a));
    expect_in("random, maxconn 1, M/M/1200 rho=0.97", lat, w, 0.03);
}

/* The network stack on Lwt's CPU: with no yield points a request is read
 * (stack_cost of CPU), handled (exp(1ms)) and its reply sent (stack_cost),
 * one after the other on the single CPU, in arrival order: an M/G/1 queue
 * with service S = 2c + X. Pollaczek-Khinchine: E[T] = E[S] + lambda E[S^2]
 * / (2 (1 - rho)). */
static void test_network_stack_is_mg1(void **state)
{
    (void)state;
    const double lambda = 600.0, x = 1e-3, c = 115e-6;
    const char *text = "run = { duration = \"300s\"; warmup = \"10s\"; };\n"
                       "network = { stack_cost = \"115us\"; };\n"
                       "tracing = { hook_cost = 0; propagate_cost = 0; };\n"
                       "services = ( { name = \"s\";\n"
                       "  handler = ( { compute = \"exp(1ms)\"; } ); } );\n"
                       "workload = { entry = \"s\"; rate = \"const(600)\"; };\n";
    double lat[R];
    replicate(text, lat, NULL);
    double es = 2 * c + x, es2 = x * x + es * es, rho = lambda * es;
    expect_in("M/G/1 with the stack's CPU, response", lat, es + lambda * es2 / (2 * (1 - rho)),
              0.05);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mm1_rho_05),
        cmocka_unit_test(test_mm1_rho_09),
        cmocka_unit_test(test_mm1_round_robin_quanta),
        cmocka_unit_test(test_mm1_one_yield_point_is_work_conserving),
        cmocka_unit_test(test_mmc_erlang_c),
        cmocka_unit_test(test_tandem_is_sum_of_mm1),
        cmocka_unit_test(test_network_stack_is_mg1),
        cmocka_unit_test(test_random_balancer_splits_into_mm1),
        cmocka_unit_test(test_power_of_two_is_supermarket_model),
        cmocka_unit_test(test_random_with_maxconn_is_mmc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
