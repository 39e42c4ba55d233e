/* SPDX-License-Identifier: MIT */
/* tests/test_http.c: the testbed's HTTP/1.1 layer (testbed/http.c). Heads
 * written by it read back with the tracing headers intact, whatever the
 * split of the bytes into reads (every split point, byte by byte, pipelined
 * messages); real clients' requests (curl's) read; malformed or oversized
 * input refused with a reason. */
#include "testbed/http.h"
#include "wtrace.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

struct seen {
    struct tb_http_msg m[8];
    int n;
    int stop_after; /* 0: never */
};

static int collect(void *arg, const struct tb_http_msg *m)
{
    struct seen *s = arg;
    if (s->n < 8)
        s->m[s->n] = *m;
    s->n++;
    return s->stop_after && s->n >= s->stop_after;
}

/* A request head and body of body_bytes 'x' into buf; returns the length. */
static size_t request(char *buf, size_t size, const char *path, const char *ctx, size_t body)
{
    int n = tb_http_request_head(buf, size, path, ctx, body);
    assert_true(n > 0 && (size_t)n + body <= size);
    memset(buf + n, 'x', body);
    return (size_t)n + body;
}

static void encode_ctx(char *out, uint64_t trace, uint64_t ctx)
{
    struct wt_ctx c = {trace, ctx, WT_CTX_SAMPLED};
    assert_int_equal(wt_ctx_encode(&c, out, WT_CTX_LEN + 1), WT_CTX_LEN);
}

static void test_request_round_trip_every_split(void **state)
{
    (void)state;
    char ctx[WT_CTX_LEN + 1], buf[4096];
    encode_ctx(ctx, 0x0af7651916cd43ddULL, 0xb7ad6b7169203331ULL);
    size_t len = request(buf, sizeof buf, "/svc/backend", ctx, 1000);
    /* Every split of the bytes into two reads gives the same message. */
    for (size_t cut = 0; cut <= len; cut++) {
        struct tb_http_in in;
        struct seen s = {0};
        tb_http_in_init(&in, TB_HTTP_REQUESTS, collect, &s);
        assert_int_equal(tb_http_in_feed(&in, buf, cut), 0);
        assert_int_equal(tb_http_in_feed(&in, buf + cut, len - cut), 0);
        assert_int_equal(s.n, 1);
        assert_true(s.m[0].request);
        assert_string_equal(s.m[0].path, "/svc/backend");
        assert_string_equal(s.m[0].ctx, ctx);
        assert_string_equal(s.m[0].agg, "");
        assert_int_equal(s.m[0].body_bytes, 1000);
        assert_true(s.m[0].keep_alive);
        struct wt_ctx back = {0, 0, 0};
        assert_int_equal(wt_ctx_decode(&back, s.m[0].ctx, strlen(s.m[0].ctx)), WT_OK);
        assert_true(back.trace_id == 0x0af7651916cd43ddULL);
    }
}

static void test_pipelined_byte_by_byte(void **state)
{
    (void)state;
    char buf[8192], ctx[3][WT_CTX_LEN + 1];
    size_t len = 0;
    for (int i = 0; i < 3; i++) {
        encode_ctx(ctx[i], (uint64_t)i + 1, (uint64_t)i + 100);
        char path[32];
        snprintf(path, sizeof path, "/call/%d", i);
        len += request(buf + len, sizeof buf - len, path, ctx[i], (size_t)(10 * i));
    }
    struct tb_http_in in;
    struct seen s = {0};
    tb_http_in_init(&in, TB_HTTP_REQUESTS, collect, &s);
    for (size_t k = 0; k < len; k++)
        assert_int_equal(tb_http_in_feed(&in, buf + k, 1), 0);
    assert_int_equal(s.n, 3);
    for (int i = 0; i < 3; i++) {
        char path[32];
        snprintf(path, sizeof path, "/call/%d", i);
        assert_string_equal(s.m[i].path, path);
        assert_string_equal(s.m[i].ctx, ctx[i]);
        assert_int_equal(s.m[i].body_bytes, (uint64_t)(10 * i));
    }
}

static void test_responses(void **state)
{
    (void)state;
    char agg[WT_AGG_MAXLEN + 1], buf[512];
    assert_true(wt_resp_encode_values(20000000, 10000000, agg, sizeof agg) > 0);
    int n = tb_http_response_head(buf, sizeof buf, 200, agg, 5, true);
    assert_true(n > 0);
    memcpy(buf + n, "hello", 5);
    int m = tb_http_response_head(buf + n + 5, sizeof buf - (size_t)n - 5, 503, NULL, 0, false);
    assert_true(m > 0);
    struct tb_http_in in;
    struct seen s = {0};
    tb_http_in_init(&in, TB_HTTP_RESPONSES, collect, &s);
    assert_int_equal(tb_http_in_feed(&in, buf, (size_t)n + 5 + (size_t)m), 0);
    assert_int_equal(s.n, 2);
    assert_false(s.m[0].request);
    assert_int_equal(s.m[0].status, 200);
    assert_string_equal(s.m[0].agg, agg);
    assert_int_equal(s.m[0].body_bytes, 5);
    assert_true(s.m[0].keep_alive);
    uint64_t total = 0, a = 0;
    assert_int_equal(wt_resp_decode(s.m[0].agg, strlen(s.m[0].agg), &total, &a), WT_OK);
    assert_true(total == 20000000 && a == 10000000);
    assert_int_equal(s.m[1].status, 503);
    assert_string_equal(s.m[1].agg, "");
    assert_false(s.m[1].keep_alive);
}

/* What curl sends, names in any case; a tracing header among others. */
static void test_real_clients(void **state)
{
    (void)state;
    static const char curl[] = "GET /api?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
                               "User-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n";
    static const char mixed[] = "POST / HTTP/1.1\r\nX-A: 1\r\nWTRACE-CTX: "
                                "1-0000000000000001-0000000000000002-01\r\n"
                                "Wtrace-Contextual: no\r\nContent-Length: 0\r\n\r\n";
    struct tb_http_in in;
    struct seen s = {0};
    tb_http_in_init(&in, TB_HTTP_REQUESTS, collect, &s);
    assert_int_equal(tb_http_in_feed(&in, curl, strlen(curl)), 0);
    assert_int_equal(tb_http_in_feed(&in, mixed, strlen(mixed)), 0);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.m[0].path, "/api?x=1");
    assert_string_equal(s.m[0].ctx, "");
    assert_true(s.m[0].keep_alive);
    assert_string_equal(s.m[1].ctx, "1-0000000000000001-0000000000000002-01");
}

static void expect_refused(const char *bytes, size_t len, const char *why)
{
    struct tb_http_in in;
    struct seen s = {0};
    tb_http_in_init(&in, TB_HTTP_REQUESTS, collect, &s);
    assert_int_equal(tb_http_in_feed(&in, bytes, len), -1);
    if (!strstr(tb_http_in_error(&in), why))
        fail_msg("\"%s\": expected an error about \"%s\"", tb_http_in_error(&in), why);
}

static void test_bad_input_is_refused(void **state)
{
    (void)state;
    static const char bad_version[] = "GET / HTTP/x.1\r\n\r\n";
    expect_refused(bad_version, strlen(bad_version), "version");
    static const char tls[] = "\x16\x03\x01\x02\x00\x01"; /* a TLS hello */
    expect_refused(tls, sizeof tls - 1, "method");
    static const char length[] = "POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n";
    expect_refused(length, strlen(length), "content-length");
    char big[512];
    int n = snprintf(big, sizeof big, "POST / HTTP/1.1\r\nwtrace-ctx: %070d\r\n\r\n", 0);
    expect_refused(big, (size_t)n, "longer");
    char path[600] = "GET /";
    memset(path + 5, 'p', 300);
    strcpy(path + 305, " HTTP/1.1\r\n\r\n");
    expect_refused(path, strlen(path), "longer");
    static const char nul[] = "GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n";
    expect_refused(nul, sizeof nul - 1, "");
    /* The reader may stop: the feed fails and says so. */
    struct tb_http_in in;
    struct seen s = {.stop_after = 1};
    tb_http_in_init(&in, TB_HTTP_REQUESTS, collect, &s);
    char buf[512];
    size_t len = request(buf, sizeof buf, "/", NULL, 0);
    assert_int_equal(tb_http_in_feed(&in, buf, len), -1);
    assert_string_equal(tb_http_in_error(&in), "the reader stopped");
}

static void test_heads_that_do_not_fit(void **state)
{
    (void)state;
    char small[40];
    assert_int_equal(tb_http_request_head(small, sizeof small, "/a", NULL, 0), -1);
    assert_int_equal(tb_http_response_head(small, 10, 200, NULL, 0, true), -1);
    char ok[128];
    int n = tb_http_request_head(ok, sizeof ok, "/a", "", 7);
    assert_true(n > 0 && (size_t)n == strlen(ok));
    assert_null(strstr(ok, "wtrace-ctx")); /* empty context: no header */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_round_trip_every_split),
        cmocka_unit_test(test_pipelined_byte_by_byte),
        cmocka_unit_test(test_responses),
        cmocka_unit_test(test_real_clients),
        cmocka_unit_test(test_bad_input_is_refused),
        cmocka_unit_test(test_heads_that_do_not_fit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
