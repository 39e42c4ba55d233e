/* SPDX-License-Identifier: MIT */
/* tests/test_models.c: behaviour of the service models that queueing theory
 * does not cover: instance lifecycle and cost accounting, cold starts. */
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
    const char *text = "run = { duration = \"20s\"; window = \"1.5s\"; };\n"
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scale_out_costs_from_request),
        cmocka_unit_test(test_scale_in_drains_and_stops),
        cmocka_unit_test(test_cold_start_holds_requests),
        cmocka_unit_test(test_time_series_adds_up),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
