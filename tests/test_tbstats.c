/* SPDX-License-Identifier: MIT */
/* tests/test_tbstats.c: a testbed instance's statistics (testbed/stats.h):
 * replies land in the window of their reply time and in the measured
 * period after warm-up, busy time splits across windows, and the JSON the
 * control endpoint serves reads back into the same windows, merging two
 * instances as wt_window_merge() does; malformed JSON is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testbed/stats.h"

#include <string.h>

#define MS 1000000ull

/* A request at a service with two callees: arrives at t, runs 1 ms, calls
 * callee `callee` which replies after `wait` ms with aggregate `agg` ms,
 * runs 1 ms more and replies. Returns the reply time. */
static uint64_t one_request(struct wt_service *svc, struct wt_req *r, struct wt_call *c, uint64_t t,
                            uint32_t callee, uint64_t wait, uint64_t agg)
{
    wt_req_arrive(r, svc, NULL, t, t);
    wt_req_run(r, t);
    t += MS;
    struct wt_ctx child;
    wt_call_send(r, c, callee, t, &child);
    wt_req_block(r, t);
    t += wait * MS;
    char hdr[WT_AGG_MAXLEN + 1];
    int n = wt_resp_encode_values((wait - 1) * MS, agg * MS, hdr, sizeof hdr);
    wt_call_done(r, c, hdr, (size_t)n, t);
    wt_req_runnable(r, t);
    wt_req_run(r, t);
    t += MS;
    wt_req_reply(r, t);
    return t;
}

/* Ten requests per window for three windows of 100 ms; warm-up 100 ms. */
static void fill(struct tb_stats *st, uint64_t t0, uint32_t callee_of_odd)
{
    struct wt_service svc;
    wt_service_init(&svc, 7);
    for (int k = 0; k < 30; k++) {
        struct wt_req r;
        struct wt_call c;
        uint64_t t = t0 + (uint64_t)k * 10 * MS;
        uint64_t end = one_request(&svc, &r, &c, t, k % 2 ? callee_of_odd : 0, 3, 2);
        tb_stats_reply(st, &r, end, end - t0 >= 100 * MS, 0);
        tb_stats_busy(st, t, t + MS);
    }
}

static void test_windows_and_measured_period(void **state)
{
    (void)state;
    struct tb_stats st;
    uint64_t t0 = 5 * MS;
    tb_stats_init(&st, t0, 100 * MS, 100 * MS, 2);
    fill(&st, t0, 1);
    assert_int_equal(st.nwins, 3);
    /* Request k replies at 10k + 5 ms: windows of ten each. */
    for (size_t k = 0; k < 3; k++) {
        assert_int_equal(st.wins[k].completions, 10);
        assert_int_equal(st.wins[k].win.requests, 10);
        assert_int_equal(st.wins[k].busy_ns, 10 * MS);
    }
    assert_int_equal(st.run.completions, 20);
    assert_int_equal(st.visits, 20);
    assert_int_equal(st.traced, 20);
    assert_int_equal(st.cpu_ns, 20 * 2 * MS);
    assert_int_equal(st.call_ns, 20 * 3 * MS);
    assert_int_equal(st.edges[0].calls + st.edges[1].calls, 20);
    assert_int_equal(st.edges[1].net_ns, 10 * 1 * MS); /* 3 ms observed - 2 ms total */
    assert_int_equal(st.run.busy_ns, 20 * MS);
    tb_stats_fini(&st);
}

static void test_busy_splits_across_windows(void **state)
{
    (void)state;
    struct tb_stats st;
    tb_stats_init(&st, 0, 150 * MS, 100 * MS, 0);
    tb_stats_busy(&st, 90 * MS, 260 * MS);
    assert_int_equal(st.nwins, 3);
    assert_int_equal(st.wins[0].busy_ns, 10 * MS);
    assert_int_equal(st.wins[1].busy_ns, 100 * MS);
    assert_int_equal(st.wins[2].busy_ns, 60 * MS);
    assert_int_equal(st.run.busy_ns, 110 * MS);
    tb_stats_fini(&st);
}

static void same_window(const struct tb_win *a, const struct tb_win *b)
{
    assert_int_equal(a->completions, b->completions);
    assert_int_equal(a->busy_ns, b->busy_ns);
    assert_int_equal(a->win.requests, b->win.requests);
    assert_memory_equal(&a->win.total, &b->win.total, sizeof a->win.total);
    assert_memory_equal(&a->win.cpu, &b->win.cpu, sizeof a->win.cpu);
    assert_memory_equal(&a->win.call_time, &b->win.call_time, sizeof a->win.call_time);
    assert_int_equal(a->win.ncallees, b->win.ncallees);
    for (uint32_t i = 0; i < a->win.ncallees; i++)
        assert_memory_equal(&a->win.callees[i], &b->win.callees[i], sizeof a->win.callees[i]);
}

static void test_json_round_trip_and_merge(void **state)
{
    (void)state;
    struct tb_stats a, b, back, merged;
    tb_stats_init(&a, 0, 100 * MS, 100 * MS, 2);
    tb_stats_init(&b, 0, 100 * MS, 100 * MS, 2);
    fill(&a, 0, 1);
    fill(&b, 0, 0);
    a.loop_busy_ns = 123456789;
    a.compute_ns = 23456789;
    a.messages = 4242;
    wt_stat_add(&a.compute_err, 17000);
    json_t *ja = tb_stats_to_json(&a), *jb = tb_stats_to_json(&b);
    char err[200];
    tb_stats_init(&back, 0, 100 * MS, 100 * MS, 2);
    assert_int_equal(tb_stats_merge_json(&back, ja, err, sizeof err), 0);
    assert_int_equal(back.nwins, a.nwins);
    for (size_t k = 0; k < a.nwins; k++)
        same_window(&a.wins[k], &back.wins[k]);
    same_window(&a.run, &back.run);
    assert_int_equal(back.edges[1].net_ns, a.edges[1].net_ns);
    assert_int_equal(back.loop_busy_ns, a.loop_busy_ns);
    assert_int_equal(back.compute_ns, a.compute_ns);
    assert_int_equal(back.messages, a.messages);
    assert_int_equal(back.compute_err.n, 1);
    assert_int_equal(back.compute_err.max, 17000);
    /* Two instances read into one service equal wt_window_merge of both. */
    tb_stats_init(&merged, 0, 100 * MS, 100 * MS, 2);
    assert_int_equal(tb_stats_merge_json(&merged, ja, err, sizeof err), 0);
    assert_int_equal(tb_stats_merge_json(&merged, jb, err, sizeof err), 0);
    wt_window_merge(&a.run.win, &b.run.win);
    assert_int_equal(merged.run.win.requests, a.run.win.requests);
    assert_memory_equal(&merged.run.win.total, &a.run.win.total, sizeof a.run.win.total);
    struct wt_verdict_opts o;
    wt_verdict_opts_init(&o);
    struct wt_window_verdict v1 = wt_window_verdict(&merged.run.win, &o);
    struct wt_window_verdict v2 = wt_window_verdict(&a.run.win, &o);
    assert_int_equal(v1.kind, v2.kind);
    assert_int_equal(v1.callee, v2.callee);
    assert_int_equal(v1.wait_ns, v2.wait_ns);
    assert_int_equal(merged.visits, a.visits + b.visits);
    json_decref(ja);
    json_decref(jb);
    tb_stats_fini(&a);
    tb_stats_fini(&b);
    tb_stats_fini(&back);
    tb_stats_fini(&merged);
}

static void test_bad_json_refused(void **state)
{
    (void)state;
    struct tb_stats a, into;
    tb_stats_init(&a, 0, 0, 100 * MS, 2);
    fill(&a, 0, 1);
    char err[200];
    const char *bad[] = {
        "[]",
        "{\"ncallees\": 3}",
        "{\"ncallees\": 2, \"windows\": 1, \"edges\": []}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        json_t *j = json_loads(bad[i], 0, NULL);
        tb_stats_init(&into, 0, 0, 100 * MS, 2);
        assert_int_equal(tb_stats_merge_json(&into, j, err, sizeof err), -1);
        tb_stats_fini(&into);
        json_decref(j);
    }
    /* A negative count, and a bucket beyond the sketch. */
    json_t *j = tb_stats_to_json(&a);
    json_object_set_new(json_array_get(json_object_get(j, "windows"), 0), "completions",
                        json_integer(-1));
    tb_stats_init(&into, 0, 0, 100 * MS, 2);
    assert_int_equal(tb_stats_merge_json(&into, j, err, sizeof err), -1);
    assert_non_null(strstr(err, "completions"));
    tb_stats_fini(&into);
    json_decref(j);
    j = tb_stats_to_json(&a);
    json_t *b = json_object_get(json_object_get(json_object_get(j, "run"), "total"), "b");
    json_array_append_new(b, json_pack("[ii]", WT_SKETCH_BUCKETS, 1));
    tb_stats_init(&into, 0, 0, 100 * MS, 2);
    assert_int_equal(tb_stats_merge_json(&into, j, err, sizeof err), -1);
    tb_stats_fini(&into);
    json_decref(j);
    tb_stats_fini(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_windows_and_measured_period),
        cmocka_unit_test(test_busy_splits_across_windows),
        cmocka_unit_test(test_json_round_trip_and_merge),
        cmocka_unit_test(test_bad_json_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
