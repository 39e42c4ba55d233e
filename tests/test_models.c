/* SPDX-License-Identifier: MIT */
/* tests/test_models.c: behaviour of the service models that queueing theory
 * does not cover: instance lifecycle and cost accounting, cold starts. */
#include "models/model.h"
#include "models/elastic.h"
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

static void run_text(const char *text, uint64_t seed, struct run_summary *s)
{
    struct mdl_model m;
    struct sim_diag d = {0};
    if (mdl_load_string(&m, text, "models", NULL, 0, &d))
        fail_msg("%s:%d: %s", d.file, d.line, d.msg);
    assert_int_equal(run_model(&m, seed, s), 0);
    /* Names in the summary borrow from the model; keep what the tests read. */
    for (size_t i = 0; i < s->nsvcs; i++)
        s->svcs[i].name = NULL;
    for (size_t i = 0; i < s->nedges; i++)
        s->edges[i].caller = s->edges[i].callee = NULL;
    s->model = NULL;
    mdl_model_fini(&m);
}

/* Scaling out at 10 s with a 2 s boot and 1 s discovery: cost counts from the
 * request (3 instances from 10 s), serving time from readiness (13 s). */
static void test_scale_out_costs_from_request(void **state)
{
    (void)state;
    const char *text = "run = { duration = \"30s\"; };\n"
                       "network = { stack_cost = 0; };\n"
                       "services = ( { name = \"s\"; instances = 1; max = 8;\n"
                       "  boot = \"const(2s)\"; discovery = \"1s\";\n"
                       "  scale_at = ( { at = \"10s\"; instances = 3; } );\n"
                       "  handler = ( { compute = \"exp(1ms)\"; } ); } );\n"
                       "workload = { rate = \"const(300)\"; };\n";
    struct run_summary s;
    run_text(text, 1, &s);
    assert_true(fabs(s.svcs[0].instance_seconds - (30.0 + 2 * 20.0)) < 1e-9);
    /* Busy about 0.3 s per second; served by 1 instance for 13 s, 3 for 17 s. */
    double serving = 13.0 + 3 * 17.0;
    assert_true(fabs(s.svcs[0].utilization * serving / 30.0 - 0.3) < 0.02);
    run_summary_fini(&s);
}

/* Scaling in drains: the drained instances stop once idle and are not paid
 * for afterwards. */
static void test_scale_in_drains_and_stops(void **state)
{
    (void)state;
    const char *text = "run = { duration = \"30s\"; };\n"
                       "services = ( { name = \"s\"; instances = 3;\n"
                       "  scale_at = ( { at = \"10s\"; instances = 1; } );\n"
                       "  handler = ( { compute = \"exp(1ms)\"; } ); } );\n"
                       "workload = { rate = \"const(100)\"; };\n";
    struct run_summary s;
    run_text(text, 2, &s);
    double cost = s.svcs[0].instance_seconds;
    assert_true(cost >= 3 * 10.0 + 20.0);
    assert_true(cost < 3 * 10.0 + 20.0 + 0.2); /* draining takes milliseconds */
    assert_int_equal(s.completed, s.sent);
    run_summary_fini(&s);
}

/* The drain leak: a handler whose last step is a call ends with a burst of
 * no CPU. A 2-instance service scaled down to 1 at 10 s of a 60 s run bills
 * 2 x 10 + 50 = 70 instance-seconds (plus the milliseconds of draining),
 * under both schedulers; the run's own invariants (svc_check_invariants)
 * hold as well, or run_model() would fail. */
static void test_drain_after_a_call_stops(void **state)
{
    (void)state;
    const char *sched[] = {"lwt", "fifo"};
    for (int k = 0; k < 2; k++) {
        char text[1024];
        snprintf(text, sizeof text,
                 "run = { duration = \"60s\"; };\n"
                 "services = ( { name = \"a\"; instances = 2; scheduler = \"%s\";\n"
                 "  scale_at = ( { at = \"10s\"; instances = 1; } );\n"
                 "  handler = ( { compute = \"exp(1ms)\"; }, { call = \"b\"; } ); },\n"
                 "  { name = \"b\"; handler = ( { compute = \"exp(1ms)\"; } ); } );\n"
                 "workload = { rate = \"const(100)\"; };\n",
                 sched[k]);
        struct run_summary s;
        run_text(text, 4, &s);
        double cost = s.svcs[0].instance_seconds;
        assert_true(cost >= 2 * 10.0 + 50.0);
        assert_true(cost < 2 * 10.0 + 50.0 + 0.2);
        assert_int_equal(s.completed, s.sent);
        run_summary_fini(&s);
    }
}

/* With no instance, requests wait at the balancer; the first instance is
 * requested at 5 s and boots in 1 s: every request sent before 6 s waits
 * until then, and none is lost. */
static void test_cold_start_holds_requests(void **state)
{
    (void)state;
    const char *text = "run = { duration = \"20s\"; };\n"
                       "services = ( { name = \"s\"; instances = 0; boot = \"const(1s)\";\n"
                       "  scale_at = ( { at = \"5s\"; instances = 1; } );\n"
                       "  handler = ( { compute = \"const(1ms)\"; } ); } );\n"
                       "workload = { rate = \"const(10)\"; };\n";
    struct run_summary s;
    run_text(text, 3, &s);
    assert_int_equal(s.completed, s.sent);
    /* About 60 of 200 requests waited between 0 and 6 s: the p99 is above
     * 5 s and the median small. */
    assert_true(s.lat_p99 > 5.0);
    assert_true(s.lat_p50 < 0.01);
    assert_true(fabs(s.svcs[0].instance_seconds - 15.0) < 1e-9);
    run_summary_fini(&s);
}

/* The windows partition the run: their counts add up to the run's totals,
 * and their busy time to the run's utilization. */
static void test_time_series_adds_up(void **state)
{
    (void)state;
    const char *text =
        "run = { duration = \"20s\"; window = \"1.5s\"; };\n"
        "services = (\n"
        "  { name = \"a\"; instances = 2; handler = ( { compute = \"exp(1ms)\"; },\n"
        "      { call = \"b\"; } ); },\n"
        "  { name = \"b\"; yield_points = 3; handler = ( { compute = \"exp(2ms)\"; } ); } );\n"
        "workload = { rate = \"ramp(50, 300, 5s, 15s)\"; };\n";
    struct run_summary s;
    run_text(text, 4, &s);
    /* 13 full windows of 1.5 s and one of 0.5 s. */
    assert_int_equal(s.ncrows, 14);
    assert_int_equal(s.nrows, 14 * 2);
    uint64_t done[2] = {0, 0}, sent = 0, completed = 0;
    double busy[2] = {0, 0};
    for (size_t i = 0; i < s.nrows; i++) {
        const struct run_window_row *r = &s.rows[i];
        assert_int_equal(r->svc, (int)(i % 2));
        assert_true(fabs(r->t_start - 1.5 * (double)(i / 2)) < 1e-9);
        done[r->svc] += r->completions;
        busy[r->svc] += r->utilization * (r->t_end - r->t_start) * (r->svc == 0 ? 2 : 1);
        assert_int_equal(r->ready, r->svc == 0 ? 2 : 1);
        if (r->completions) {
            assert_true(r->p50 <= r->p95 && r->p95 <= r->p99);
            assert_true(r->cpu > 0);
        }
    }
    for (size_t i = 0; i < s.ncrows; i++) {
        sent += s.crows[i].sent;
        completed += s.crows[i].completed;
    }
    assert_int_equal(done[0], s.svcs[0].visits);
    assert_int_equal(done[1], s.svcs[1].visits);
    assert_int_equal(sent, s.sent);
    assert_int_equal(completed, s.completed);
    for (int k = 0; k < 2; k++) {
        double total = s.svcs[k].utilization * s.svcs[k].instance_seconds;
        assert_true(fabs(busy[k] - total) < 1e-6 * total + 1e-9);
    }
    run_summary_fini(&s);
}

/* Mean value analysis of one FCFS exponential station with n users thinking
 * z seconds on average: the exact throughput of the closed network. */
static double mva_throughput(int n, double s, double z, double *resp)
{
    double q = 0, x = 0, r = 0;
    for (int k = 1; k <= n; k++) {
        r = s * (1 + q);
        x = k / (z + r);
        q = x * r;
    }
    *resp = r;
    return x;
}

static void test_closed_loop_matches_mva(void **state)
{
    (void)state;
    const char *text =
        "run = { duration = \"300s\"; warmup = \"20s\"; };\n"
        "network = { stack_cost = 0; };\n"
        "services = ( { name = \"s\"; handler = ( { compute = \"exp(10ms)\"; } ); } );\n"
        "workload = { users = 20; think = \"exp(200ms)\"; };\n";
    double x[10], r[10];
    for (int k = 0; k < 10; k++) {
        struct run_summary s;
        run_text(text, (uint64_t)k + 1, &s);
        x[k] = (double)s.completed / s.measured_seconds;
        r[k] = s.lat_mean;
        run_summary_fini(&s);
    }
    double rt, xt = mva_throughput(20, 0.010, 0.200, &rt), m, h;
    ci95(x, 10, &m, &h);
    printf("  closed loop throughput: MVA %.4g, sim %.4g +- %.3g\n", xt, m, h);
    assert_true(fabs(m - xt) <= h && h < 0.02 * xt);
    ci95(r, 10, &m, &h);
    printf("  closed loop response:   MVA %.4g, sim %.4g +- %.3g\n", rt, m, h);
    assert_true(fabs(m - rt) <= h && h < 0.05 * rt);
}

/* p and pick: the share of calls that reach each callee is binomial. */
static void test_branches_split_calls(void **state)
{
    (void)state;
    const char *text =
        "run = { duration = \"100s\"; };\n"
        "services = (\n"
        "  { name = \"a\"; handler = ( { compute = \"exp(100us)\"; },\n"
        "      { call = \"b\"; p = 0.3; }, { call = (\"c\", \"d\"); pick = (1, 3); } ); },\n"
        "  { name = \"b\"; handler = ( { compute = \"exp(100us)\"; } ); },\n"
        "  { name = \"c\"; handler = ( { compute = \"exp(100us)\"; } ); },\n"
        "  { name = \"d\"; handler = ( { compute = \"exp(100us)\"; } ); } );\n"
        "workload = { rate = \"const(200)\"; };\n";
    struct run_summary s;
    run_text(text, 5, &s);
    double n = (double)s.svcs[0].visits;
    const double share[3] = {0.3, 0.25, 0.75};
    for (int i = 0; i < 3; i++) {
        double k = (double)s.svcs[i + 1].visits, sd = sqrt(n * share[i] * (1 - share[i]));
        if (fabs(k - n * share[i]) > 4 * sd)
            fail_msg("callee %d: %g of %g visits, expected share %g", i + 1, k, n, share[i]);
    }
    assert_true(fabs((double)(s.svcs[2].visits + s.svcs[3].visits) - n) <= 2);
    run_summary_fini(&s);
}

/* Two classes with their own entries and a class-specific handler. */
static void test_classes_route_by_class(void **state)
{
    (void)state;
    const char *text =
        "run = { duration = \"100s\"; };\n"
        "services = (\n"
        "  { name = \"web\"; handler = ( { compute = \"exp(100us)\"; } );\n"
        "    handlers = ( { class = \"buy\"; steps = ( { compute = \"exp(100us)\"; },\n"
        "        { call = \"pay\"; } ); } ); },\n"
        "  { name = \"api\"; handler = ( { compute = \"exp(100us)\"; } ); },\n"
        "  { name = \"pay\"; handler = ( { compute = \"exp(100us)\"; } ); } );\n"
        "workload = { rate = \"const(300)\"; classes = (\n"
        "  { name = \"browse\"; entry = \"web\"; share = 6; },\n"
        "  { name = \"buy\"; entry = \"web\"; share = 2; },\n"
        "  { name = \"mobile\"; entry = \"api\"; share = 2; } ); };\n";
    struct run_summary s;
    run_text(text, 6, &s);
    double n = (double)s.completed;
    double web = (double)s.svcs[0].visits, api = (double)s.svcs[1].visits,
           pay = (double)s.svcs[2].visits;
    assert_true(fabs(web + api - n) <= 2);
    assert_true(fabs(api - 0.2 * n) < 4 * sqrt(n * 0.16));
    assert_true(fabs(pay - 0.2 * n) < 4 * sqrt(n * 0.16));
    run_summary_fini(&s);
}

/* Zones: a call from the edge to the cloud pays the inter-zone latency both
 * ways, and a request's serialisation at the link's bandwidth adds size/bw. */
static void test_zones_and_bandwidth(void **state)
{
    (void)state;
    const char *text =
        "run = { duration = \"20s\"; };\n"
        "network = { zones = (\"edge\", \"cloud\");\n"
        "  zone_latency = ( (\"1ms\", \"20ms\"), (\"20ms\", \"1ms\") );\n"
        "  bandwidth = \"1Mbps\"; stack_cost = 0; };\n"
        "tracing = { packet_timestamps = true; };\n"
        "services = (\n"
        "  { name = \"a\"; zone = \"edge\"; handler = ( { compute = \"exp(100us)\"; },\n"
        "      { call = \"b\"; request_size = \"1250B\"; } ); },\n"
        "  { name = \"b\"; zone = \"cloud\"; response_size = \"2500B\";\n"
        "      handler = ( { compute = \"exp(100us)\"; } ); } );\n"
        "workload = { rate = \"const(20)\"; zone = \"edge\"; };\n";
    struct run_summary s;
    run_text(text, 7, &s);
    /* 20 ms each way, 10 ms to send 1250 B and 20 ms to return 2500 B at 1 Mb/s. */
    assert_int_equal(s.nedges, 1);
    assert_true(fabs(s.edges[0].network_wait - 0.070) < 1e-6);
    /* The client is in the edge: 1 ms each way to a, plus the edge's call. */
    assert_true(s.lat_mean > 0.072 && s.lat_mean < 0.075);
    run_summary_fini(&s);
}

/* With queueing, calls leaving an instance share its link: Poisson sends
 * of a fixed size make the link an M/D/1 queue. */
static void test_link_queueing_is_md1(void **state)
{
    (void)state;
    const char *text = "run = { duration = \"200s\"; warmup = \"10s\"; };\n"
                       "network = { bandwidth = \"8Mbps\"; queueing = true; stack_cost = 0; };\n"
                       "tracing = { packet_timestamps = true; };\n"
                       "services = (\n"
                       "  { name = \"a\"; scheduler = \"fifo\"; handler = ( { call = \"b\"; "
                       "request_size = \"1000B\"; } ); },\n"
                       "  { name = \"b\"; handler = ( { compute = \"const(0)\"; } ); } );\n"
                       "workload = { rate = \"const(600)\"; };\n";
    enum { N = 20 };
    double net[N];
    for (int k = 0; k < N; k++) {
        struct run_summary s;
        run_text(text, (uint64_t)k + 1, &s);
        net[k] = s.edges[0].network_wait;
        run_summary_fini(&s);
    }
    const double d = 1000 * 8 / 8e6, rho = 600 * d;
    double theory = d + rho * d / (2 * (1 - rho)), m, h;
    ci95(net, N, &m, &h);
    printf("  link M/D/1: theory %.5g, sim %.5g +- %.3g\n", theory, m, h);
    assert_true(fabs(m - theory) <= h && h < 0.05 * theory);
}

/* A full host pool: a scale-out waits until another service frees a slot. */
static void test_host_pool_holds_starts(void **state)
{
    (void)state;
    const char *text =
        "run = { duration = \"20s\"; };\n"
        "hosts = { count = 1; capacity = 2; };\n"
        "services = (\n"
        "  { name = \"a\"; boot = \"const(1s)\";\n"
        "    scale_at = ( { at = \"5s\"; instances = 2; } );\n"
        "    handler = ( { compute = \"exp(1ms)\"; }, { call = \"b\"; p = 0.5; } ); },\n"
        "  { name = \"b\"; min = 0; scale_at = ( { at = \"10s\"; instances = 0; } );\n"
        "    handler = ( { compute = \"exp(1ms)\"; } ); } );\n"
        "workload = { rate = \"const(50)\"; };\n";
    struct run_summary s;
    run_text(text, 8, &s);
    /* a's second instance waited from 5 s until b's instance stopped at about
     * 10 s: it costs from 10 s on, not from 5 s. */
    assert_true(fabs(s.svcs[0].instance_seconds - 30.0) < 0.1);
    assert_true(fabs(s.svcs[1].instance_seconds - 10.0) < 0.1);
    run_summary_fini(&s);
}

/* The SPEC metrics on a scripted supply against a known demand: 100 req/s of
 * 10 ms at 80% utilization need 2 instances; supply is 1 for 10 s, then 3. */
static void test_elasticity_metrics(void **state)
{
    (void)state;
    const char *text = "run = { duration = \"20s\"; window = \"1s\"; };\n"
                       "slo = { latency_p95 = \"1s\"; };\n"
                       "services = ( { name = \"s\"; boot = \"const(0)\"; max = 3;\n"
                       "  scale_at = ( { at = \"10s\"; instances = 3; } );\n"
                       "  handler = ( { compute = \"const(10ms)\"; } ); } );\n"
                       "workload = { rate = \"const(100)\"; };\n";
    struct run_summary s;
    run_text(text, 9, &s);
    for (size_t r = 0; r < s.nrows; r++)
        assert_true(s.rows[r].demand == 2);
    const struct run_svc_summary *o = &s.svcs[0];
    assert_true(fabs(o->el.theta_u - 25.0) < 1e-9); /* (2-1)/2 for half the time */
    assert_true(fabs(o->el.theta_o - 25.0) < 1e-9); /* (3-2)/2 for the other half */
    assert_true(fabs(o->el.tau_u - 50.0) < 1e-9);
    assert_true(fabs(o->el.tau_o - 50.0) < 1e-9);
    assert_true(fabs(o->el.instability - 5.0) < 1e-9); /* one window of 20 */
    assert_true(fabs(o->el.jitter - 3.0) < 1e-9);      /* one supply change in 1/3 min */
    run_summary_fini(&s);
}

/* Expected visits and CPU per request follow probabilities and picks. */
static void test_expected_load(void **state)
{
    (void)state;
    const char *text =
        "services = (\n"
        "  { name = \"a\"; handler = ( { compute = \"2ms\"; p = 0.5; },\n"
        "      { call = \"b\"; p = 0.3; }, { call = (\"b\", \"c\"); pick = (1, 3); } ); },\n"
        "  { name = \"b\"; handler = ( { compute = \"1ms\"; }, { call = \"c\"; } ); },\n"
        "  { name = \"c\"; handler = ( { compute = \"exp(4ms)\"; } ); } );\n"
        "workload = { rate = \"const(1)\"; };\n";
    struct mdl_model m;
    struct sim_diag d = {0};
    assert_int_equal(mdl_load_string(&m, text, "x", NULL, 0, &d), 0);
    double v[3], c[3];
    el_expected_load(&m, v, c);
    assert_true(fabs(v[0] - 1) < 1e-12);
    assert_true(fabs(v[1] - (0.3 + 0.25)) < 1e-12);
    assert_true(fabs(v[2] - (0.55 + 0.75)) < 1e-12); /* through b, and picked directly */
    assert_true(fabs(c[0] - 0.001) < 1e-12 && fabs(c[2] - 1.3 * 0.004) < 1e-12);
    assert_true(fabs(c[1] - 0.55 * 0.001) < 1e-12);
    mdl_model_fini(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scale_out_costs_from_request),
        cmocka_unit_test(test_scale_in_drains_and_stops),
        cmocka_unit_test(test_drain_after_a_call_stops),
        cmocka_unit_test(test_cold_start_holds_requests),
        cmocka_unit_test(test_time_series_adds_up),
        cmocka_unit_test(test_closed_loop_matches_mva),
        cmocka_unit_test(test_branches_split_calls),
        cmocka_unit_test(test_classes_route_by_class),
        cmocka_unit_test(test_zones_and_bandwidth),
        cmocka_unit_test(test_link_queueing_is_md1),
        cmocka_unit_test(test_host_pool_holds_starts),
        cmocka_unit_test(test_elasticity_metrics),
        cmocka_unit_test(test_expected_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
