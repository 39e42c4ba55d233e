/* SPDX-License-Identifier: MIT */
/* tests/test_tracecore.c: libwtrace alone (built with only -I tracecore).
 * The accounting invariant over random hook sequences, the dissertation's
 * worked examples and hand-built trees under max and sum folds, the sketch's
 * error bound, exact window merges, sampling, and the wire format with a
 * corpus of malformed values. */
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

#define MS 1000000ull

static uint64_t rng_state = 12345;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}
static uint64_t rnd_below(uint64_t n)
{
    return rnd() % n;
}

/* ---- A tiny tree of services driven through the hooks ---- */

struct node {
    const char *name;
    uint64_t local_wait, cpu; /* before the calls; all local wait comes first */
    int ncalls;
    struct node *child[4];
    uint64_t net[4]; /* network time of each call (both directions) */
    int parallel;
    /* results */
    struct wt_req req;
    struct wt_call calls[4];
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
    char child_hdr[4][64];
    uint64_t done_at[4];
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

static void test_dissertation_fig_4_4_max(void **state)
{
    (void)state;
    struct node api, b, c, d, e;
    fig_4_4(WT_FOLD_MAX, &api, &b, &c, &d, &e);
    assert_int_equal(api.calls[0].remote_wait, 10 * MS); /* B: max(2, 10, 1) */
    assert_int_equal(api.calls[1].remote_wait, 5 * MS);  /* C: max(1, 4, 5) */
    assert_int_equal(api.req.verdict, WT_VERDICT_DELEGATE);
    assert_int_equal(api.req.ndelegated, 1);
    assert_ptr_equal(api.req.blamed, &api.calls[0]);
    assert_true(api.calls[0].delegated && !api.calls[1].delegated);
    assert_int_equal(b.req.verdict, WT_VERDICT_LINK);
    assert_ptr_equal(b.req.blamed, &b.calls[0]);
    assert_int_equal(c.req.verdict, WT_VERDICT_DELEGATE);
    assert_int_equal(e.req.verdict, WT_VERDICT_SELF);
}

static void test_dissertation_fig_4_4_sum(void **state)
{
    (void)state;
    struct node api, b, c, d, e;
    fig_4_4(WT_FOLD_SUM, &api, &b, &c, &d, &e);
    assert_int_equal(api.calls[0].remote_wait, 13 * MS); /* B: 2 + 10 + 1 */
    assert_int_equal(api.calls[1].remote_wait, 10 * MS); /* C: 1 + 4 + 5 */
    assert_int_equal(api.req.verdict, WT_VERDICT_DELEGATE);
    assert_int_equal(api.req.ndelegated, 2);
    assert_true(api.calls[0].delegated && api.calls[1].delegated);
    assert_int_equal(b.req.verdict, WT_VERDICT_LINK);
    assert_int_equal(c.req.verdict, WT_VERDICT_DELEGATE);
    assert_ptr_equal(c.req.blamed, &c.calls[0]);
    assert_int_equal(e.req.verdict, WT_VERDICT_SELF);
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

/* ---- Sketch ---- */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static void test_sketch_error_bound(void **state)
{
    (void)state;
    enum { N = 20000 };
    static uint64_t v[N];
    struct wt_sketch s;
    for (int dist = 0; dist < 3; dist++) {
        wt_sketch_init(&s);
        for (int i = 0; i < N; i++) {
            double u = ((double)(rnd() >> 11) + 0.5) / 9007199254740992.0;
            double x;
            if (dist == 0)
                x = -log(u) * 2e6; /* exponential, mean 2 ms */
            else if (dist == 1)
                x = exp(10.0 + 4.0 * (u - 0.5)); /* log-uniform, 3 us .. 160 us */
            else
                x = 20.0 + (double)rnd_below(1000000000); /* uniform up to 1 s */
            v[i] = (uint64_t)x + 16;
            wt_sketch_add(&s, v[i]);
        }
        qsort(v, N, sizeof v[0], cmp_u64);
        for (int k = 1; k < 100; k++) {
            double q = k / 100.0;
            size_t rank = (size_t)ceil(q * N);
            double exact = (double)v[rank - 1], est = wt_sketch_quantile(&s, q);
            if (fabs(est - exact) > exact / 33.0 + 1e-9)
                fail_msg("dist %d q=%.2f: estimate %.1f, exact %.1f", dist, q, est, exact);
        }
        assert_true(wt_sketch_quantile(&s, 0.0) == (double)v[0]);
        assert_true(wt_sketch_quantile(&s, 1.0) == (double)v[N - 1]);
        uint64_t sum = 0;
        for (int i = 0; i < N; i++)
            sum += v[i];
        assert_true(s.sum == sum && s.n == N);
    }
}

static void fill_request(struct wt_service *svc, struct wt_req *r, struct wt_call *calls,
                         uint64_t t0)
{
    wt_req_arrive(r, svc, NULL, 0, t0);
    uint64_t t = t0 + rnd_below(5 * MS);
    wt_req_run(r, t);
    t += rnd_below(2 * MS);
    int k = (int)rnd_below(3);
    for (int i = 0; i < k; i++) {
        struct wt_ctx cc;
        wt_call_send(r, &calls[i], (uint32_t)i, t, &cc);
    }
    if (k) {
        wt_req_block(r, t);
        uint64_t back = t;
        for (int i = 0; i < k; i++) {
            back += 1 + rnd_below(3 * MS);
            char h[64];
            wt_resp_encode_values(rnd_below(back - t), rnd_below(MS), h, sizeof h);
            wt_call_done(r, &calls[i], h, strlen(h), back);
        }
        wt_req_runnable(r, back);
        t = back + rnd_below(MS);
        wt_req_run(r, t);
    }
    wt_req_reply(r, t + rnd_below(MS));
}

static void test_window_merge_equals_union(void **state)
{
    (void)state;
    struct wt_service svc;
    wt_service_init(&svc, 5);
    static struct wt_callee_stats ca[3], cb[3], cu[3];
    static struct wt_window a, b, u;
    wt_window_init(&a, 0, 1000 * MS, ca, 3);
    wt_window_init(&b, 0, 1000 * MS, cb, 3);
    wt_window_init(&u, 0, 1000 * MS, cu, 3);
    for (int i = 0; i < 3000; i++) {
        struct wt_req r;
        struct wt_call calls[3];
        fill_request(&svc, &r, calls, (uint64_t)i * MS);
        wt_window_add(i % 3 ? &a : &b, &r);
        wt_window_add(&u, &r);
    }
    wt_window_merge(&a, &b);
    assert_int_equal(a.requests, u.requests);
    assert_memory_equal(&a.total, &u.total, sizeof a.total);
    assert_memory_equal(&a.cpu, &u.cpu, sizeof a.cpu);
    assert_memory_equal(&a.local_wait, &u.local_wait, sizeof a.local_wait);
    assert_memory_equal(&a.call_time, &u.call_time, sizeof a.call_time);
    assert_memory_equal(&a.agg, &u.agg, sizeof a.agg);
    assert_memory_equal(ca, cu, sizeof ca);
    assert_int_equal(a.verdict_self, u.verdict_self);
}

static void test_window_verdict(void **state)
{
    (void)state;
    struct wt_service svc;
    wt_service_init(&svc, 6);
    static struct wt_callee_stats cs[2];
    struct wt_window w;
    struct wt_verdict_opts o;
    wt_verdict_opts_init(&o);
    /* A backend whose callee 1 reports large remote waits. */
    wt_window_init(&w, 0, 1, cs, 2);
    for (int i = 0; i < 50; i++) {
        struct wt_req r;
        struct wt_call c[2];
        struct wt_ctx cc;
        wt_req_arrive(&r, &svc, NULL, 0, 0);
        wt_req_run(&r, 1 * MS);
        wt_call_send(&r, &c[0], 0, 2 * MS, &cc);
        wt_call_send(&r, &c[1], 1, 2 * MS, &cc);
        wt_req_block(&r, 2 * MS);
        char h[64];
        wt_resp_encode_values(3 * MS, 1 * MS, h, sizeof h);
        wt_call_done(&r, &c[0], h, strlen(h), 6 * MS);
        wt_resp_encode_values(20 * MS, 15 * MS, h, sizeof h);
        wt_call_done(&r, &c[1], h, strlen(h), 24 * MS);
        wt_req_runnable(&r, 24 * MS);
        wt_req_run(&r, 24 * MS);
        wt_req_reply(&r, 25 * MS);
        wt_window_add(&w, &r);
        if (i == 5) { /* too few requests so far */
            assert_int_equal(wt_window_verdict(&w, &o).kind, WT_VERDICT_NONE);
        }
    }
    struct wt_window_verdict v = wt_window_verdict(&w, &o);
    assert_int_equal(v.kind, WT_VERDICT_DELEGATE);
    assert_int_equal(v.callee, 1);
    assert_int_equal(v.wait_ns, 15 * MS);
    assert_int_equal(cs[1].delegated, 50);
    /* With a share threshold above 15/25 of the total, nothing is blamed. */
    o.min_share = 0.7;
    assert_int_equal(wt_window_verdict(&w, &o).kind, WT_VERDICT_NONE);
}

/* ---- Sampling ---- */

static void test_sampling_root_and_service(void **state)
{
    (void)state;
    struct wt_service root, mid;
    wt_service_init(&root, 7);
    wt_service_init(&mid, 8);
    root.sample_every = 16;
    mid.sample_every = 16;
    int n = 64000, sampled = 0, child_sampled = 0, both = 0;
    for (int i = 0; i < n; i++) {
        struct wt_req r, c;
        struct wt_call call;
        struct wt_ctx cc;
        wt_req_arrive(&r, &root, NULL, 0, 0);
        wt_call_send(&r, &call, 0, 0, &cc);
        mid.sampling = WT_SAMPLE_ROOT;
        wt_req_arrive(&c, &mid, &cc, 0, 0);
        assert_int_equal(c.sampled, r.sampled); /* propagated */
        assert_true(cc.trace_id == r.ctx.trace_id);
        mid.sampling = WT_SAMPLE_SERVICE;
        wt_req_arrive(&c, &mid, &cc, 0, 0);
        sampled += r.sampled;
        child_sampled += c.sampled;
        both += r.sampled && c.sampled;
    }
    /* Binomial(64000, 1/16): mean 4000, sd 61; 5 sd bounds. */
    assert_true(abs(sampled - 4000) < 310);
    assert_true(abs(child_sampled - 4000) < 310);
    /* Independent decisions: both sampled about n/256 = 250 times (sd 16). */
    assert_true(abs(both - 250) < 80);
    /* An unsampled request is untouched by the hooks. */
    struct wt_service none;
    wt_service_init(&none, 9);
    none.sample_every = 0;
    struct wt_req r;
    struct wt_call call;
    struct wt_ctx cc;
    wt_req_arrive(&r, &none, NULL, 0, 10);
    wt_req_run(&r, 20);
    wt_call_send(&r, &call, 0, 30, &cc);
    wt_req_block(&r, 30);
    assert_int_equal(wt_call_done(&r, &call, "garbage", 7, 40), WT_OK);
    wt_req_runnable(&r, 40);
    wt_req_run(&r, 40);
    wt_req_reply(&r, 50);
    assert_int_equal(r.sampled, 0);
    assert_int_equal(cc.flags & WT_CTX_SAMPLED, 0);
    assert_int_equal(r.total + r.cpu + r.local_wait + r.call_time + r.ncalls, 0);
    char buf[64];
    assert_int_equal(wt_resp_encode(&r, buf, sizeof buf), 0);
}

/* ---- Wire format ---- */

static void test_wire_round_trip(void **state)
{
    (void)state;
    struct wt_ctx c = {0x0af7651916cd43ddULL, 0xb7ad6b7169203331ULL, WT_CTX_SAMPLED}, d;
    char buf[WT_CTX_LEN + 1];
    assert_int_equal(wt_ctx_encode(&c, buf, sizeof buf), WT_CTX_LEN);
    assert_string_equal(buf, "1-0af7651916cd43dd-b7ad6b7169203331-01");
    assert_int_equal(wt_ctx_decode(&d, buf, WT_CTX_LEN), WT_OK);
    assert_true(d.trace_id == c.trace_id && d.ctx_id == c.ctx_id && d.flags == c.flags);
    assert_int_equal(wt_ctx_encode(&c, buf, WT_CTX_LEN), WT_ESPACE);
    char up[] = "1-0AF7651916CD43DD-B7AD6B7169203331-01";
    assert_int_equal(wt_ctx_decode(&d, up, strlen(up)), WT_OK);
    assert_true(d.trace_id == c.trace_id);
    char r[WT_AGG_MAXLEN + 1];
    assert_int_equal(wt_resp_encode_values(20 * MS, 10 * MS, r, sizeof r), 16);
    assert_string_equal(r, "1-1312d00-989680");
    assert_int_equal(wt_resp_encode_values(UINT64_MAX, 0, r, sizeof r), 20);
    uint64_t t, a;
    assert_int_equal(wt_resp_decode(r, strlen(r), &t, &a), WT_OK);
    assert_true(t == UINT64_MAX && a == 0);
    assert_int_equal(wt_resp_encode_values(UINT64_MAX, UINT64_MAX, r, sizeof r), WT_AGG_MAXLEN);
    assert_int_equal(wt_resp_encode_values(1, 1, r, 5), WT_ESPACE); /* "1-1-1" + NUL */
    /* A decoder reads only len bytes: a valid prefix of a longer buffer. */
    const char *longer = "1-10-20trailing";
    assert_int_equal(wt_resp_decode(longer, 7, &t, &a), WT_OK);
    assert_true(t == 16 && a == 32);
}

static void test_wire_malformed_corpus(void **state)
{
    (void)state;
    static const char *const bad_ctx[] = {
        "",
        "1",
        "1-",
        "0af7651916cd43dd-b7ad6b7169203331-01",
        "1-0af7651916cd43dd-b7ad6b7169203331-1",
        "1-0af7651916cd43dd-b7ad6b7169203331-011",
        "1-0af7651916cd43dd-b7ad6b716920333-011",
        "1-0af7651916cd43ddb-7ad6b7169203331-01",
        "1-0af7651916cd43dd_b7ad6b7169203331-01",
        "1-0af7651916cd43dg-b7ad6b7169203331-01",
        "1-0000000000000000-b7ad6b7169203331-01",
        "1-0af7651916cd43dd-b7ad6b7169203331-0 ",
        " 1-0af7651916cd43dd-b7ad6b7169203331-01",
        "1--af7651916cd43dd-b7ad6b7169203331-01",
        "1-0af7651916cd43dd--7ad6b7169203331-01",
        "1-0af7651916cd43dd-b7ad6b7169203331--1",
        "11-af7651916cd43dd-b7ad6b7169203331-01",
        "1-0af7651916cd43dd-b7ad6b7169203331-01-",
    };
    struct wt_ctx c;
    for (size_t i = 0; i < sizeof bad_ctx / sizeof bad_ctx[0]; i++) {
        size_t len = strlen(bad_ctx[i]);
        char *copy = malloc(len + 1); /* exact size: ASan sees an overread */
        memcpy(copy, bad_ctx[i], len);
        if (wt_ctx_decode(&c, copy, len) >= 0)
            fail_msg("accepted context \"%s\"", bad_ctx[i]);
        free(copy);
    }
    assert_int_equal(wt_ctx_decode(&c, "2-0af7651916cd43dd-b7ad6b7169203331-01", WT_CTX_LEN),
                     WT_EVERSION);
    assert_int_equal(wt_ctx_decode(&c, NULL, 0), WT_EFORMAT);
    static const char *const bad_resp[] = {
        "",
        "1",
        "1-",
        "1--",
        "1-1-",
        "1--1",
        "1-1",
        "1-1-1-",
        "1-1-1-1",
        "1-x-1",
        "1-1-x",
        "1-1 -1",
        "-1-1",
        "1-10000000000000000-1",
        "1-1-10000000000000000",
        "1-00000000000000000-1",
        "1-1-1\n",
        "1-1,1",
    };
    uint64_t t, a;
    for (size_t i = 0; i < sizeof bad_resp / sizeof bad_resp[0]; i++) {
        size_t len = strlen(bad_resp[i]);
        char *copy = malloc(len + 1);
        memcpy(copy, bad_resp[i], len);
        if (wt_resp_decode(copy, len, &t, &a) >= 0)
            fail_msg("accepted response \"%s\"", bad_resp[i]);
        free(copy);
    }
    assert_int_equal(wt_resp_decode("7-1-1", 5, &t, &a), WT_EVERSION);
    /* A malformed reply header makes the whole call network wait. */
    struct wt_service svc;
    wt_service_init(&svc, 1);
    struct wt_req r;
    struct wt_call call;
    struct wt_ctx cc;
    wt_req_arrive(&r, &svc, NULL, 0, 0);
    wt_req_run(&r, 0);
    wt_call_send(&r, &call, 0, 10, &cc);
    wt_req_block(&r, 10);
    assert_int_equal(wt_call_done(&r, &call, "1-zz-1", 6, 110), WT_EFORMAT);
    assert_int_equal(call.net_wait, 100);
    assert_int_equal(call.remote_wait, 0);
    assert_int_equal(wt_call_done(&r, &call, "1-1-1", 5, 120), WT_ESTATE); /* twice */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dissertation_fig_4_2),
        cmocka_unit_test(test_dissertation_fig_4_4_max),
        cmocka_unit_test(test_dissertation_fig_4_4_sum),
        cmocka_unit_test(test_chain_fanout_diamond),
        cmocka_unit_test(test_other_folds),
        cmocka_unit_test(test_invariant_random_sequences),
        cmocka_unit_test(test_out_of_order_hooks_are_counted),
        cmocka_unit_test(test_sketch_error_bound),
        cmocka_unit_test(test_window_merge_equals_union),
        cmocka_unit_test(test_window_verdict),
        cmocka_unit_test(test_sampling_root_and_service),
        cmocka_unit_test(test_wire_round_trip),
        cmocka_unit_test(test_wire_malformed_corpus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
