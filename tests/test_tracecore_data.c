/* SPDX-License-Identifier: MIT */
/* tests/test_tracecore_data.c: libwtrace's data alone (built with only -I
 * tracecore): the sketch's error bound, exact window merges and the window
 * verdict, sampling at the root and per service, and the wire format with a
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

#include "tracecore_test.h"

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

/* The context is read eight digits at a time: held against a digit-by-digit
 * reading of every value, and every byte value at every position. */
static int ref_hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static void test_wire_word_at_a_time(void **state)
{
    (void)state;
    uint64_t seed = 42;
    char buf[WT_CTX_LEN + 1], r[WT_AGG_MAXLEN + 1];
    for (int k = 0; k < 20000; k++) {
        /* Values of every digit count, and every byte pattern. */
        uint64_t a = splitmix(&seed) >> (k % 64), b = splitmix(&seed) >> ((k / 64) % 64);
        struct wt_ctx c = {a | 1, b, (uint8_t)k}, d;
        assert_int_equal(wt_ctx_encode(&c, buf, sizeof buf), WT_CTX_LEN);
        uint64_t ref = 0;
        for (int i = 2; i < 18; i++)
            ref = ref << 4 | (uint64_t)ref_hex(buf[i]);
        assert_true(ref == c.trace_id);
        for (int i = 2; i < WT_CTX_LEN; i++)
            assert_true(buf[i] == '-' || (buf[i] >= '0' && buf[i] <= '9') ||
                        (buf[i] >= 'a' && buf[i] <= 'f'));
        assert_int_equal(wt_ctx_decode(&d, buf, WT_CTX_LEN), WT_OK);
        assert_true(d.trace_id == c.trace_id && d.ctx_id == c.ctx_id && d.flags == c.flags);
        int n = wt_resp_encode_values(a, b, r, sizeof r);
        assert_true(n > 0);
        char expect[WT_AGG_MAXLEN + 1];
        snprintf(expect, sizeof expect, "1-%llx-%llx", (unsigned long long)a,
                 (unsigned long long)b);
        assert_string_equal(r, expect);
        uint64_t t, g;
        assert_int_equal(wt_resp_decode(r, (size_t)n, &t, &g), WT_OK);
        assert_true(t == a && g == b);
    }
    /* Every byte at every digit position: accepted exactly when a hex digit,
     * and then read as that digit. */
    struct wt_ctx c = {0x0af7651916cd43ddULL, 0xb7ad6b7169203331ULL, 1}, d;
    wt_ctx_encode(&c, buf, sizeof buf);
    for (int pos = 2; pos < WT_CTX_LEN; pos++) {
        if (pos == 18 || pos == 35)
            continue;
        for (int byte = 0; byte < 256; byte++) {
            char copy[WT_CTX_LEN];
            memcpy(copy, buf, WT_CTX_LEN);
            copy[pos] = (char)byte;
            int rc = wt_ctx_decode(&d, copy, WT_CTX_LEN);
            int v = ref_hex((char)byte);
            if (v < 0) {
                assert_int_equal(rc, WT_EFORMAT);
                continue;
            }
            if (pos < 18 && v == 0 && (c.trace_id & ~(UINT64_C(15) << (4 * (17 - pos)))) == 0) {
                assert_int_equal(rc, WT_EFORMAT); /* trace id 0 */
                continue;
            }
            assert_int_equal(rc, WT_OK);
            uint64_t got = pos < 18 ? d.trace_id : pos < 35 ? d.ctx_id : d.flags;
            int shift = pos < 18 ? 4 * (17 - pos) : pos < 35 ? 4 * (34 - pos) : 4 * (37 - pos);
            assert_int_equal((int)((got >> shift) & 15), v);
        }
    }
}

/* A response value read digit by digit: "1-" then two fields of 1 to 16
 * hex digits split by the first '-' (WT_EVERSION is not exercised here). */
static int ref_resp(const char *buf, size_t len, uint64_t *t, uint64_t *a)
{
    if (len < 2 || len > WT_AGG_MAXLEN || buf[0] != '1' || buf[1] != '-')
        return WT_EFORMAT;
    size_t dash = 2;
    while (dash < len && buf[dash] != '-')
        dash++;
    size_t from[2] = {2, dash + 1}, to[2] = {dash, len};
    uint64_t v[2] = {0, 0};
    for (int f = 0; f < 2; f++) {
        if (to[f] <= from[f] || to[f] - from[f] > 16 || dash == len)
            return WT_EFORMAT;
        for (size_t i = from[f]; i < to[f]; i++) {
            int d = ref_hex(buf[i]);
            if (d < 0)
                return WT_EFORMAT;
            v[f] = v[f] << 4 | (uint64_t)d;
        }
    }
    *t = v[0];
    *a = v[1];
    return WT_OK;
}

/* The response codec: values of every digit count written (in whole words
 * where the buffer has room, digit by digit where it has not), and every
 * byte value at every position read back, against ref_resp. */
static void test_wire_response_every_byte(void **state)
{
    (void)state;
    uint64_t seed = 7;
    for (int n1 = 1; n1 <= 16; n1++)
        for (int n2 = 1; n2 <= 16; n2 += 3) {
            uint64_t t = splitmix(&seed) >> (64 - 4 * n1), a = splitmix(&seed) >> (64 - 4 * n2);
            t |= UINT64_C(1) << (4 * n1 - 1); /* exactly n1 digits */
            a |= UINT64_C(1) << (4 * n2 - 1);
            char r[WT_AGG_MAXLEN + 1], tight[WT_AGG_MAXLEN + 1];
            int n = wt_resp_encode_values(t, a, r, sizeof r);
            assert_int_equal(n, 2 + n1 + 1 + n2);
            assert_int_equal(wt_resp_encode_values(t, a, tight, (size_t)n + 1), n);
            assert_string_equal(tight, r);
            for (int pos = 2; pos < n; pos++)
                for (int byte = 0; byte < 256; byte++) {
                    char *copy = malloc((size_t)n); /* exact size: ASan sees an overread */
                    memcpy(copy, r, (size_t)n);
                    copy[pos] = (char)byte;
                    uint64_t gt = 0, ga = 0, et = 0, ea = 0;
                    int rc = wt_resp_decode(copy, (size_t)n, &gt, &ga);
                    int want = ref_resp(copy, (size_t)n, &et, &ea);
                    if (rc != want || (rc == WT_OK && (gt != et || ga != ea)))
                        fail_msg("\"%.*s\": %d, expected %d", n, copy, rc, want);
                    free(copy);
                }
        }
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
    /* A malformed reply header leaves the call's values unknown: never
     * network wait; its delay is counted as unknown. */
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
    assert_true(call.unknown);
    assert_int_equal(call.net_wait, 0);
    assert_int_equal(call.remote_wait, 0);
    assert_int_equal(wt_call_done(&r, &call, "1-1-1", 5, 120), WT_ESTATE); /* twice */
    wt_req_runnable(&r, 110);
    wt_req_run(&r, 110);
    wt_req_reply(&r, 111);
    assert_int_equal(r.nunknown, 1);
    assert_int_equal(r.unknown_ns, 100);
    assert_int_equal(call.delay_ns, 100);
    assert_int_equal(r.verdict, WT_VERDICT_NONE); /* nothing known waited */
    assert_int_equal(r.agg, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sketch_error_bound),
        cmocka_unit_test(test_window_merge_equals_union),
        cmocka_unit_test(test_window_verdict),
        cmocka_unit_test(test_sampling_root_and_service),
        cmocka_unit_test(test_wire_round_trip),
        cmocka_unit_test(test_wire_word_at_a_time),
        cmocka_unit_test(test_wire_response_every_byte),
        cmocka_unit_test(test_wire_malformed_corpus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
