/* SPDX-License-Identifier: MIT */
/* tests/test_tracecore.c: libwtrace's requests alone (built with only -I
 * tracecore): the accounting invariant over random hook sequences, the
 * dissertation's worked examples and hand-built trees under every fold, and
 * critical-path attribution (groups, multiplicity, unknown calls, the link
 * floor) in hand-computed requests. Sketches, windows, sampling and the
 * wire format: tests/test_tracecore_data.c. */
#include "wtrace.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tracecore_test.h"

/* ---- A tiny tree of services driven through the hooks ---- */

struct node {
    const char *name;
    uint64_t local_wait, cpu; /* before the calls; all local wait comes first */
    int ncalls;
    struct node *child[8];
    uint64_t net[8]; /* network time of each call (both directions) */
    int parallel;
    /* results */
    struct wt_req req;
    struct wt_call calls[8];
};

static struct wt_service svc_template;

/* Runs node's request starting (arriving) at t; returns the reply time and
 * writes the response header value to hdr. */
static uint64_t run_node(struct node *n, const struct wt_ctx *in, uint64_t t, char *hdr)
{
    struct wt_service *svc = malloc(sizeof *svc);
    *svc = svc_template;
    struct wt_req *r = &n->req;
    wt_req_arrive(r, svc, in, 0, t);
    t += n->local_wait;
    wt_req_run(r, t);
    t += n->cpu;
    char child_hdr[8][64];
    uint64_t done_at[8];
    uint64_t t_send = t;
    for (int i = 0; i < n->ncalls; i++) {
        struct wt_ctx cc;
        wt_call_send(r, &n->calls[i], (uint32_t)i, t, &cc);
        char enc[WT_CTX_LEN + 1];
        assert_int_equal(wt_ctx_encode(&cc, enc, sizeof enc), WT_CTX_LEN);
        struct wt_ctx dec;
        assert_int_equal(wt_ctx_decode(&dec, enc, WT_CTX_LEN), WT_OK);
        uint64_t arrive = t + n->net[i] / 2;
        uint64_t back = run_node(n->child[i], &dec, arrive, child_hdr[i]);
        done_at[i] = back + (n->net[i] - n->net[i] / 2);
        if (!n->parallel) {
            wt_req_block(r, t);
            wt_call_done(r, &n->calls[i], child_hdr[i], strlen(child_hdr[i]), done_at[i]);
            wt_req_runnable(r, done_at[i]);
            wt_req_run(r, done_at[i]);
            t = done_at[i];
        }
    }
    if (n->parallel && n->ncalls) {
        wt_req_block(r, t_send);
        uint64_t last = t_send;
        for (int i = 0; i < n->ncalls; i++) {
            wt_call_done(r, &n->calls[i], child_hdr[i], strlen(child_hdr[i]), done_at[i]);
            if (done_at[i] > last)
                last = done_at[i];
        }
        wt_req_runnable(r, last);
        wt_req_run(r, last);
        t = last;
    }
    wt_req_reply(r, t);
    int len = wt_resp_encode(r, hdr, 64);
    assert_true(len > 0);
    assert_int_equal(r->total, r->cpu + r->local_wait + r->call_time);
    assert_int_equal(r->errors, 0);
    free(svc);
    return t;
}

/* Fig. 4.2 of the dissertation: API -> frontend -> backend. Backend: total
 * 20 ms, local wait 10 ms. Frontend: total 30, local 1; to backend net 5,
 * remote 10. API: total 50, local 1; to frontend net 4, remote 10. */
static void test_dissertation_fig_4_2(void **state)
{
    (void)state;
    wt_service_init(&svc_template, 1);
    struct node be = {.name = "backend", .local_wait = 10 * MS, .cpu = 10 * MS};
    struct node fe = {.name = "frontend",
                      .local_wait = 1 * MS,
                      .cpu = 4 * MS,
                      .ncalls = 1,
                      .child = {&be},
                      .net = {5 * MS}};
    struct node api = {.name = "api",
                       .local_wait = 1 * MS,
                       .cpu = 15 * MS,
                       .ncalls = 1,
                       .child = {&fe},
                       .net = {4 * MS}};
    char hdr[64];
    run_node(&api, NULL, 0, hdr);
    assert_int_equal(be.req.total, 20 * MS);
    assert_int_equal(fe.req.total, 30 * MS);
    assert_int_equal(api.req.total, 50 * MS);
    assert_int_equal(fe.calls[0].net_wait, 5 * MS);
    assert_int_equal(fe.calls[0].remote_wait, 10 * MS);
    assert_int_equal(api.calls[0].net_wait, 4 * MS);
    assert_int_equal(api.calls[0].remote_wait, 10 * MS);
    /* The max propagated at every level is 10 ms. */
    assert_int_equal(be.req.agg, 10 * MS);
    assert_int_equal(fe.req.agg, 10 * MS);
    assert_int_equal(api.req.agg, 10 * MS);
    assert_int_equal(api.req.verdict, WT_VERDICT_DELEGATE);
    assert_int_equal(fe.req.verdict, WT_VERDICT_DELEGATE);
    assert_int_equal(be.req.verdict, WT_VERDICT_SELF);
    /* The response header carries the total and the aggregate. */
    uint64_t t, a;
    assert_int_equal(wt_resp_decode(hdr, strlen(hdr), &t, &a), WT_OK);
    assert_int_equal(t, 50 * MS);
    assert_int_equal(a, 10 * MS);
}

/* Fig. 4.4: API calls B and C; B calls D; C calls E. Under max the decision
 * goes to B, and B blames its link to D; under sum both B and C are chosen,
 * and C passes it on to E's CPU. */
static void fig_4_4(enum wt_fold fold, struct node *api, struct node *b, struct node *c,
                    struct node *d, struct node *e)
{
    memset(api, 0, sizeof *api);
    memset(b, 0, sizeof *b);
    memset(c, 0, sizeof *c);
    memset(d, 0, sizeof *d);
    memset(e, 0, sizeof *e);
    wt_service_init(&svc_template, 2);
    svc_template.fold = fold;
    *d = (struct node){.name = "D", .local_wait = 1 * MS, .cpu = 1 * MS};
    *e = (struct node){.name = "E", .local_wait = 5 * MS, .cpu = 1 * MS};
    *b = (struct node){.name = "B",
                       .local_wait = 2 * MS,
                       .cpu = 1 * MS,
                       .ncalls = 1,
                       .child = {d},
                       .net = {10 * MS}};
    *c = (struct node){.name = "C",
                       .local_wait = 1 * MS,
                       .cpu = 1 * MS,
                       .ncalls = 1,
                       .child = {e},
                       .net = {4 * MS}};
    *api = (struct node){.name = "API",
                         .local_wait = 1 * MS,
                         .cpu = 1 * MS,
                         .ncalls = 2,
                         .child = {b, c},
                         .net = {5 * MS, 5 * MS},
                         .parallel = 1};
    char hdr[64];
    run_node(api, NULL, 0, hdr);
}

/* Hand computation (ms; each call's network time split evenly both ways).
 * B: runs 0-3, calls D at 3, D replies at 3+5+2 = 10, read at 15: observed
 * 12, D's total 2, so net 10, remote 1 (D's local wait). C: calls E at 2,
 * read at 2+2+6+2 = 12: net 4, remote 5. API sends both at 2: B is read at
 * 2+2.5+15+2.5 = 22, C at 2+2.5+12+2.5 = 19. B's reply completes the group
 * and delayed it by 22 - 19 = 3 ms; C delayed nothing. So B's net (5) and
 * remote (10 under max) each count for 3, and C's for nothing: the
 * dissertation's figure, read without the critical path, delegates to B
 * with 10 ms, but no change below B can save the API more than 3 ms. */
static void test_dissertation_fig_4_4_max(void **state)
{
    (void)state;
    struct node api, b, c, d, e;
    fig_4_4(WT_FOLD_MAX, &api, &b, &c, &d, &e);
    assert_int_equal(api.calls[0].remote_wait, 10 * MS); /* B: max(2, 10, 1) */
    assert_int_equal(api.calls[1].remote_wait, 5 * MS);  /* C: max(1, 4, 5) */
    assert_int_equal(api.calls[0].net_wait, 5 * MS);
    assert_int_equal(api.calls[0].delay_ns, 3 * MS);
    assert_int_equal(api.calls[1].delay_ns, 0);
    assert_int_equal(api.calls[0].crit_net, 3 * MS);
    assert_int_equal(api.calls[0].crit_remote, 3 * MS);
    assert_int_equal(api.calls[1].crit_remote, 0);
    assert_int_equal(api.req.agg, 3 * MS); /* max(1, 3, 3) */
    /* Network and remote tie at 3 ms: the network wins ties (documented). */
    assert_int_equal(api.req.verdict, WT_VERDICT_LINK);
    assert_ptr_equal(api.req.blamed, &api.calls[0]);
    assert_int_equal(api.req.ndelegated, 0);
    assert_int_equal(b.req.verdict, WT_VERDICT_LINK);
    assert_ptr_equal(b.req.blamed, &b.calls[0]);
    assert_int_equal(b.calls[0].delay_ns, 12 * MS); /* a group of one counts in full */
    assert_int_equal(b.calls[0].crit_net, 10 * MS);
    assert_int_equal(c.req.verdict, WT_VERDICT_DELEGATE);
    assert_int_equal(e.req.verdict, WT_VERDICT_SELF);
    /* Make B's own CPU wait 8 ms longer: B is read at 30, C still at 19, so
     * B delayed the group by 11 ms, B's remote wait (10 under max: its link
     * to D) counts for 10 and wins over its network wait (5). */
    b.local_wait = 10 * MS;
    char hdr[64];
    run_node(&api, NULL, 0, hdr);
    assert_int_equal(api.calls[0].delay_ns, 11 * MS);
    assert_int_equal(api.calls[0].crit_remote, 10 * MS);
    assert_int_equal(api.calls[0].crit_net, 5 * MS);
    assert_int_equal(api.req.verdict, WT_VERDICT_DELEGATE);
    assert_ptr_equal(api.req.blamed, &api.calls[0]);
    assert_int_equal(api.req.agg, 10 * MS);
}

/* Under sum, B returns 2 + 10 + 1 = 13 and C 1 + 4 + 5 = 10 (raw); on the
 * critical path only B counts, each wait for at most its 3 ms delay. */
static void test_dissertation_fig_4_4_sum(void **state)
{
    (void)state;
    struct node api, b, c, d, e;
    fig_4_4(WT_FOLD_SUM, &api, &b, &c, &d, &e);
    assert_int_equal(api.calls[0].remote_wait, 13 * MS); /* B: 2 + 10 + 1 */
    assert_int_equal(api.calls[1].remote_wait, 10 * MS); /* C: 1 + 4 + 5 */
    assert_int_equal(api.req.agg, 7 * MS);               /* 1 + 3 + 3 */
    assert_int_equal(api.req.verdict, WT_VERDICT_LINK);
    assert_int_equal(b.req.verdict, WT_VERDICT_LINK);
    assert_int_equal(b.req.agg, 13 * MS);
    assert_int_equal(c.req.verdict, WT_VERDICT_DELEGATE);
    assert_ptr_equal(c.req.blamed, &c.calls[0]);
    assert_int_equal(e.req.verdict, WT_VERDICT_SELF);
    /* With C's leaf slower (E waits 20 ms: C is read at 34, B at 22), C is
     * on the path with a 12 ms delay: its remote wait (1 + 4 + 20 = 25)
     * counts for 12, its network (5) in full, B's for nothing. */
    e.local_wait = 20 * MS;
    char hdr[64];
    run_node(&api, NULL, 0, hdr);
    assert_int_equal(api.calls[1].delay_ns, 12 * MS);
    assert_int_equal(api.calls[0].delay_ns, 0);
    assert_int_equal(api.calls[1].crit_remote, 12 * MS);
    assert_int_equal(api.calls[1].crit_net, 5 * MS);
    assert_int_equal(api.req.agg, 1 * MS + 5 * MS + 12 * MS);
    assert_int_equal(api.req.verdict, WT_VERDICT_DELEGATE);
    assert_int_equal(api.req.ndelegated, 1);
    assert_true(!api.calls[0].delegated && api.calls[1].delegated);
}

static void test_chain_fanout_diamond(void **state)
{
    (void)state;
    wt_service_init(&svc_template, 3);
    /* Chain a -> b -> c with c's CPU the bottleneck. */
    struct node c = {.local_wait = 30 * MS, .cpu = 1 * MS};
    struct node b = {.local_wait = 1 * MS, .cpu = 1 * MS, .ncalls = 1, .child = {&c}, .net = {MS}};
    struct node a = {.local_wait = 1 * MS, .cpu = 1 * MS, .ncalls = 1, .child = {&b}, .net = {MS}};
    char hdr[64];
    run_node(&a, NULL, 0, hdr);
    assert_int_equal(a.req.verdict, WT_VERDICT_DELEGATE);
    assert_int_equal(b.req.verdict, WT_VERDICT_DELEGATE);
    assert_int_equal(c.req.verdict, WT_VERDICT_SELF);
    assert_int_equal(a.req.agg, 30 * MS);

    /* Fan-out: a calls three leaves in parallel; leaf 1 is slow. Call time is
     * the union of the three intervals, not their sum. */
    struct node l0 = {.local_wait = 1 * MS, .cpu = 2 * MS};
    struct node l1 = {.local_wait = 20 * MS, .cpu = 2 * MS};
    struct node l2 = {.local_wait = 2 * MS, .cpu = 2 * MS};
    struct node f = {.local_wait = 0,
                     .cpu = 1 * MS,
                     .ncalls = 3,
                     .child = {&l0, &l1, &l2},
                     .net = {MS, MS, MS},
                     .parallel = 1};
    run_node(&f, NULL, 0, hdr);
    assert_int_equal(f.req.call_time, 23 * MS); /* the slowest call: 1 + 20 + 2 */
    assert_int_equal(f.req.verdict, WT_VERDICT_DELEGATE);
    assert_ptr_equal(f.req.blamed, &f.calls[1]);

    /* Same fan-out, but the link to leaf 2 is slow: a network verdict. */
    l1.local_wait = 1 * MS;
    f.net[2] = 40 * MS;
    run_node(&f, NULL, 0, hdr);
    assert_int_equal(f.req.verdict, WT_VERDICT_LINK);
    assert_ptr_equal(f.req.blamed, &f.calls[2]);
    assert_int_equal(f.calls[2].net_wait, 40 * MS);

    /* Diamond: a calls b and c, which both call d (two visits). d's CPU
     * waits more on c's path; the trace leads a -> c -> d. */
    struct node d1 = {.local_wait = 5 * MS, .cpu = 1 * MS};
    struct node d2 = {.local_wait = 15 * MS, .cpu = 1 * MS};
    struct node db = {
        .local_wait = 1 * MS, .cpu = 1 * MS, .ncalls = 1, .child = {&d1}, .net = {MS}};
    struct node dc = {
        .local_wait = 1 * MS, .cpu = 1 * MS, .ncalls = 1, .child = {&d2}, .net = {MS}};
    struct node da = {.local_wait = 1 * MS,
                      .cpu = 1 * MS,
                      .ncalls = 2,
                      .child = {&db, &dc},
                      .net = {MS, MS},
                      .parallel = 1};
    run_node(&da, NULL, 0, hdr);
    assert_int_equal(da.req.verdict, WT_VERDICT_DELEGATE);
    assert_ptr_equal(da.req.blamed, &da.calls[1]);
    assert_int_equal(dc.req.verdict, WT_VERDICT_DELEGATE);
    assert_int_equal(d2.req.verdict, WT_VERDICT_SELF);
    /* A local wait larger than any call's waits makes a the root cause. */
    da.local_wait = 50 * MS;
    run_node(&da, NULL, 0, hdr);
    assert_int_equal(da.req.verdict, WT_VERDICT_SELF);
}

/* The parallel case of the critical path: gw calls a (which calls a1), then
 * b; b calls b1 (8 ms of CPU) and b3 (5 ms local wait) in parallel; 1 ms of
 * network per call. b1's reply (at 10) completes b's group, b3's (at 8) does
 * not: b3's 5 ms of remote wait delayed nothing, and the chain from gw leads
 * to a1's CPU (a's remote wait 6 ms, all on the path). */
static void test_critical_path_parallel(void **state)
{
    (void)state;
    wt_service_init(&svc_template, 11);
    struct node a1 = {.local_wait = 6 * MS, .cpu = 1 * MS};
    struct node a = {.cpu = 1 * MS, .ncalls = 1, .child = {&a1}, .net = {MS}};
    struct node b1 = {.cpu = 8 * MS};
    struct node b3 = {.local_wait = 5 * MS, .cpu = 1 * MS};
    struct node b = {
        .cpu = 1 * MS, .ncalls = 2, .child = {&b1, &b3}, .net = {MS, MS}, .parallel = 1};
    struct node gw = {.cpu = 1 * MS, .ncalls = 2, .child = {&a, &b}, .net = {MS, MS}};
    char hdr[64];
    run_node(&gw, NULL, 0, hdr);
    assert_int_equal(b.calls[0].delay_ns, 2 * MS); /* 10 - 8 */
    assert_int_equal(b.calls[1].delay_ns, 0);
    assert_int_equal(b.calls[1].remote_wait, 5 * MS); /* measured, off the path */
    assert_int_equal(b.calls[1].crit_remote, 0);
    assert_int_equal(b.req.agg, 1 * MS); /* max(0, b1's net 1, b1's remote 0) */
    assert_int_equal(b.req.verdict, WT_VERDICT_LINK);
    assert_ptr_equal(b.req.blamed, &b.calls[0]);
    assert_int_equal(gw.calls[0].sum_remote, 6 * MS);
    assert_int_equal(gw.calls[1].sum_remote, 1 * MS);
    assert_int_equal(gw.req.verdict, WT_VERDICT_DELEGATE);
    assert_ptr_equal(gw.req.blamed, &gw.calls[0]);
    assert_int_equal(a.req.verdict, WT_VERDICT_DELEGATE);
    assert_int_equal(a1.req.verdict, WT_VERDICT_SELF);
}

/* One request of the multiplicity case: four sequential calls to callee 0
 * (each 3 ms observed, reported total and aggregate 2 ms) and
 * one to callee 1 (6 ms observed, total 5, aggregate 5). */
static void multiplicity_request(struct wt_service *svc, struct wt_req *r, struct wt_call *c)
{
    char h[64];
    struct wt_ctx cc;
    wt_req_arrive(r, svc, NULL, 0, 0);
    wt_req_run(r, 0);
    uint64_t t = 0;
    for (int k = 0; k < 5; k++) {
        uint64_t obs = k < 4 ? 3 * MS : 6 * MS, tot = k < 4 ? 2 * MS : 5 * MS;
        wt_call_send(r, &c[k], k < 4 ? 0 : 1, t, &cc);
        wt_req_block(r, t);
        wt_resp_encode_values(tot, tot, h, sizeof h);
        assert_int_equal(wt_call_done(r, &c[k], h, strlen(h), t + obs), WT_OK);
        t += obs;
        wt_req_runnable(r, t);
        wt_req_run(r, t);
    }
    wt_req_reply(r, t);
}

/* Repeated calls add up per request before callees are compared: four calls
 * to A waiting 2 ms each (8 ms) beat one call to B waiting 5 ms, in the
 * request's verdict, its aggregate and the window's verdict. */
static void test_call_multiplicity(void **state)
{
    (void)state;
    struct wt_service svc;
    wt_service_init(&svc, 12);
    static struct wt_callee_stats cs[2];
    struct wt_window w;
    wt_window_init(&w, 0, 1, cs, 2);
    for (int i = 0; i < 20; i++) {
        struct wt_req r;
        struct wt_call c[5];
        multiplicity_request(&svc, &r, c);
        assert_ptr_equal(r.reps, &c[0]);
        assert_int_equal(c[0].sum_remote, 8 * MS);
        assert_int_equal(c[0].sum_net, 4 * MS);
        assert_int_equal(c[4].sum_remote, 5 * MS);
        assert_int_equal(c[1].sum_remote, 0); /* not a representative */
        assert_int_equal(r.agg, 8 * MS);
        assert_int_equal(r.verdict, WT_VERDICT_DELEGATE);
        assert_ptr_equal(r.blamed, &c[0]);
        wt_window_add(&w, &r);
    }
    struct wt_window_verdict v = wt_window_verdict(&w, NULL);
    assert_int_equal(v.kind, WT_VERDICT_DELEGATE);
    assert_int_equal(v.callee, 0);
    assert_int_equal(v.wait_ns, 8 * MS);
    assert_int_equal(cs[0].calls, 80);
    assert_int_equal(cs[0].delegated, 20);
    /* Per call, B's mean remote wait is the larger: the old comparison. */
    assert_true(wt_stat_mean(&cs[1].remote_wait) > wt_stat_mean(&cs[0].remote_wait));
}

/* Per-service sampling: callee 0 reports on every second request only (10 ms
 * remote wait when it does), callee 1 always (6 ms). The window verdict is
 * made from the reported calls, scaled up for the others (10 ms per
 * request, not 5), and says how many were left out. */
static void test_unreported_calls(void **state)
{
    (void)state;
    struct wt_service svc;
    wt_service_init(&svc, 13);
    static struct wt_callee_stats cs[2];
    struct wt_window w;
    wt_window_init(&w, 0, 1, cs, 2);
    for (int i = 0; i < 40; i++) {
        struct wt_req r;
        struct wt_call c[2];
        struct wt_ctx cc;
        char h[64];
        wt_req_arrive(&r, &svc, NULL, 0, 0);
        wt_req_run(&r, 0);
        wt_call_send(&r, &c[0], 0, 0, &cc);
        wt_req_block(&r, 0);
        wt_resp_encode_values(11 * MS, 10 * MS, h, sizeof h);
        wt_call_done(&r, &c[0], h, i % 2 ? 0 : strlen(h), 12 * MS);
        wt_req_runnable(&r, 12 * MS);
        wt_req_run(&r, 12 * MS);
        wt_call_send(&r, &c[1], 1, 12 * MS, &cc);
        wt_req_block(&r, 12 * MS);
        wt_resp_encode_values(7 * MS, 6 * MS, h, sizeof h);
        wt_call_done(&r, &c[1], h, strlen(h), 20 * MS);
        wt_req_runnable(&r, 20 * MS);
        wt_req_run(&r, 20 * MS);
        wt_req_reply(&r, 20 * MS);
        if (i % 2) { /* never network wait: the request delegates to 1 */
            assert_int_equal(c[0].net_wait, 0);
            assert_int_equal(r.unknown_ns, 12 * MS);
            assert_int_equal(r.verdict, WT_VERDICT_DELEGATE);
            assert_ptr_equal(r.blamed, &c[1]);
        }
        wt_window_add(&w, &r);
    }
    struct wt_window_verdict v = wt_window_verdict(&w, NULL);
    assert_int_equal(v.unreported, 20);
    assert_int_equal(cs[0].unreported, 20);
    assert_int_equal(v.kind, WT_VERDICT_DELEGATE);
    assert_int_equal(v.callee, 0);
    assert_int_equal(v.wait_ns, 10 * MS);
    assert_int_equal(cs[0].link_blamed, 0);
}

/* One request with one call: the callee's header (NULL: none) and the
 * reply read at `back`; the call is sent at 0 and the reply at `back`. */
static void one_call(struct wt_service *svc, struct wt_req *r, struct wt_call *c, uint64_t local,
                     const char *hdr, uint64_t back)
{
    struct wt_ctx cc;
    wt_req_arrive(r, svc, NULL, 0, 0);
    wt_req_run(r, local);
    wt_call_send(r, c, 0, local, &cc);
    wt_req_block(r, local);
    wt_call_done(r, c, hdr ? hdr : "", hdr ? strlen(hdr) : 0, local + back);
    wt_req_runnable(r, local + back);
    wt_req_run(r, local + back);
    wt_req_reply(r, local + back);
}

/* With callee means kept (wt_service.est), the aggregate fills in a call of
 * unknown value: remote 5 ms (the mean), net 1 ms; the verdict does not. */
static void test_unknown_calls_filled_in_upstream(void **state)
{
    (void)state;
    struct wt_service svc;
    wt_service_init(&svc, 14);
    struct wt_callee_est est[1];
    memset(est, 0, sizeof est);
    svc.est = est;
    svc.nest = 1;
    struct wt_req r;
    struct wt_call c;
    char h[64];
    one_call(&svc, &r, &c, 0, NULL, 10 * MS); /* nothing heard yet */
    assert_int_equal(r.agg, 0);
    wt_resp_encode_values(8 * MS, 5 * MS, h, sizeof h); /* net 1, remote 5 */
    one_call(&svc, &r, &c, 0, h, 9 * MS);
    assert_int_equal(est[0].reported, 1);
    assert_int_equal(r.agg, 5 * MS);
    one_call(&svc, &r, &c, 0, NULL, 12 * MS);
    assert_true(c.unknown);
    assert_int_equal(c.est_remote, 5 * MS);
    assert_int_equal(c.est_net, 1 * MS);
    assert_int_equal(c.sum_remote, 0);
    assert_int_equal(r.agg, 5 * MS);
    assert_int_equal(r.verdict, WT_VERDICT_NONE);
    /* A shorter call caps the filled-in values at its delay: 3 ms, all of it
     * remote (5 > 3), none left for the network. */
    one_call(&svc, &r, &c, 0, NULL, 3 * MS);
    assert_int_equal(c.est_remote, 3 * MS);
    assert_int_equal(c.est_net, 0);
    /* A second report moves the means by 1/16 of the difference. */
    wt_resp_encode_values(8 * MS, 5 * MS + 16 * 1000, h, sizeof h);
    one_call(&svc, &r, &c, 0, h, 9 * MS);
    assert_true(fabs(est[0].remote_mean - (5 * MS + 1000)) < 1e-6);
}

/* Every call waits 2 ms on the network (propagation: the least any call
 * saw), 0.5 ms at the callee, and the request 0.3 ms for its CPU: the link
 * is not a bottleneck, the callee's wait is the largest removable one. Then
 * half the calls wait 4 ms more on the network: 2 ms per request above the
 * floor, and the link is named. */
static void test_link_floor(void **state)
{
    (void)state;
    struct wt_service svc;
    wt_service_init(&svc, 15);
    static struct wt_callee_stats cs[1];
    struct wt_window w;
    char h[64];
    wt_resp_encode_values(1 * MS, MS / 2, h, sizeof h);
    for (int pass = 0; pass < 2; pass++) {
        wt_window_init(&w, 0, 1, cs, 1);
        for (int i = 0; i < 20; i++) {
            struct wt_req r;
            struct wt_call c;
            one_call(&svc, &r, &c, 3 * MS / 10, h, (pass && i % 2 ? 7 : 3) * MS);
            wt_window_add(&w, &r);
        }
        struct wt_window_verdict v = wt_window_verdict(&w, NULL);
        if (pass == 0) {
            assert_int_equal(v.kind, WT_VERDICT_DELEGATE);
            assert_int_equal(v.wait_ns, MS / 2);
        } else {
            assert_int_equal(v.kind, WT_VERDICT_LINK);
            assert_int_equal(v.wait_ns, 2 * MS);
        }
    }
}

static void test_other_folds(void **state)
{
    (void)state;
    struct node leaf = {.local_wait = 8 * MS, .cpu = 1 * MS};
    struct node top = {
        .local_wait = 3 * MS, .cpu = 1 * MS, .ncalls = 1, .child = {&leaf}, .net = {6 * MS}};
    char hdr[64];
    wt_service_init(&svc_template, 4);
    svc_template.fold = WT_FOLD_MIN;
    run_node(&top, NULL, 0, hdr);
    assert_int_equal(top.req.agg, 3 * MS); /* min(3, 6, 8) */
    svc_template.fold = WT_FOLD_WEIGHTED;
    svc_template.w_cpu = 1.0;
    svc_template.w_net = 2.0; /* network capacity costs twice as much to add */
    run_node(&top, NULL, 0, hdr);
    assert_int_equal(top.req.agg, 12 * MS); /* max(3, 2*6, 8) */
    assert_int_equal(top.req.verdict, WT_VERDICT_LINK);
}

/* Random hook sequences: the invariant holds exactly whatever the order of
 * yields, blocks and parallel replies. */
static void test_invariant_random_sequences(void **state)
{
    (void)state;
    struct wt_service svc;
    wt_service_init(&svc, 9);
    svc.packet_timestamps = 1;
    for (int round = 0; round < 2000; round++) {
        struct wt_req r;
        struct wt_call calls[8];
        uint64_t nic = 1000 + rnd_below(1000);
        uint64_t t = nic + rnd_below(5000);
        wt_req_arrive(&r, &svc, NULL, nic, t);
        uint64_t start = nic;
        t += rnd_below(3000);
        wt_req_run(&r, t);
        int sent = 0;
        int steps = 1 + (int)rnd_below(12);
        for (int s = 0; s < steps; s++) {
            int kind = (int)rnd_below(3);
            if (kind == 0) { /* compute then yield */
                t += rnd_below(10000);
                wt_req_yield(&r, t);
                t += rnd_below(10000);
                wt_req_run(&r, t);
            } else if (sent < 8) { /* a batch of parallel calls */
                int k = 1 + (int)rnd_below((uint64_t)(8 - sent));
                uint64_t send_t[8], back[8];
                for (int i = 0; i < k; i++) {
                    struct wt_ctx cc;
                    t += rnd_below(100);
                    send_t[i] = t;
                    wt_call_send(&r, &calls[sent + i], (uint32_t)i, t, &cc);
                }
                wt_req_block(&r, t);
                uint64_t last = t;
                for (int i = 0; i < k; i++) {
                    back[i] = t + 1 + rnd_below(50000);
                    if (back[i] > last)
                        last = back[i];
                }
                /* Replies are read in time order. */
                for (int done = 0; done < k; done++) {
                    int m = -1;
                    for (int i = 0; i < k; i++)
                        if (back[i] && (m < 0 || back[i] < back[m]))
                            m = i;
                    char h[64];
                    uint64_t obs = back[m] - send_t[m];
                    uint64_t rt = rnd_below(obs + 1);
                    wt_resp_encode_values(rt, rnd_below(rt + 1), h, sizeof h);
                    assert_int_equal(wt_call_done(&r, &calls[sent + m], h, strlen(h), back[m]),
                                     WT_OK);
                    assert_true(calls[sent + m].net_wait + calls[sent + m].remote_total == obs);
                    back[m] = 0;
                }
                t = last + rnd_below(2000);
                wt_req_runnable(&r, last);
                wt_req_run(&r, t);
                sent += k;
            }
        }
        t += rnd_below(5000);
        wt_req_reply(&r, t);
        assert_int_equal(r.errors, 0);
        assert_int_equal(r.total, t - start);
        assert_int_equal(r.total, r.cpu + r.local_wait + r.call_time);
        assert_int_equal(r.ncalls, (uint32_t)sent);
        /* The critical delays never exceed the time spent blocked, and each
         * counted wait stays within its call's delay. */
        uint64_t delays = 0;
        for (int i = 0; i < sent; i++) {
            delays += calls[i].delay_ns;
            assert_true(calls[i].crit_net <= calls[i].delay_ns);
            assert_true(calls[i].crit_remote <= calls[i].delay_ns);
        }
        assert_true(delays <= r.call_time);
        assert_true(r.agg <= (r.local_wait > delays ? r.local_wait : delays));
    }
}

static void test_out_of_order_hooks_are_counted(void **state)
{
    (void)state;
    struct wt_service svc;
    wt_service_init(&svc, 1);
    struct wt_req r;
    wt_req_arrive(&r, &svc, NULL, 0, 100);
    wt_req_yield(&r, 200); /* not running: ignored */
    wt_req_run(&r, 50);    /* time going backwards: ignored */
    wt_req_run(&r, 300);
    wt_req_reply(&r, 400);
    assert_int_equal(r.errors, 2);
    assert_int_equal(r.total, r.cpu + r.local_wait + r.call_time);
    assert_int_equal(r.total, 300);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dissertation_fig_4_2),
        cmocka_unit_test(test_dissertation_fig_4_4_max),
        cmocka_unit_test(test_dissertation_fig_4_4_sum),
        cmocka_unit_test(test_chain_fanout_diamond),
        cmocka_unit_test(test_critical_path_parallel),
        cmocka_unit_test(test_call_multiplicity),
        cmocka_unit_test(test_unreported_calls),
        cmocka_unit_test(test_unknown_calls_filled_in_upstream),
        cmocka_unit_test(test_link_floor),
        cmocka_unit_test(test_other_folds),
        cmocka_unit_test(test_invariant_random_sequences),
        cmocka_unit_test(test_out_of_order_hooks_are_counted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
