/* SPDX-License-Identifier: MIT */
/* bench/bench_wtrace.c: the tracing core's cost. Nanoseconds per hook for a
 * request of 100 yield points (202 hooks: arrive, run, 100 x yield+run, one
 * call sent and done, block, runnable, reply), unsampled and sampled; and per
 * encode+decode of the request context and of the response value. Medians of
 * 5 runs. */
#include "bench/bench_util.h"
#include "tracecore/wtrace.h"

#include <stdio.h>
#include <string.h>

enum { RUNS = 5, YIELDS = 100 };

static double per_hook(uint32_t sample_every, long reqs)
{
    struct wt_service svc;
    wt_service_init(&svc, 1);
    svc.sample_every = sample_every;
    char hdr[WT_AGG_MAXLEN + 1];
    int hlen = wt_resp_encode_values(123456, 2345, hdr, sizeof hdr);
    uint64_t t = 1;
    long hooks = 0;
    double t0 = bench_now();
    for (long i = 0; i < reqs; i++) {
        struct wt_req r;
        struct wt_call c;
        struct wt_ctx cc;
        wt_req_arrive(&r, &svc, NULL, 0, t++);
        wt_req_run(&r, t++);
        for (int k = 0; k < YIELDS; k++) {
            wt_req_yield(&r, t++);
            wt_req_run(&r, t++);
        }
        wt_call_send(&r, &c, 0, t++, &cc);
        wt_req_block(&r, t++);
        wt_call_done(&r, &c, hdr, (size_t)hlen, t += 200000);
        wt_req_runnable(&r, t++);
        wt_req_run(&r, t++);
        wt_req_reply(&r, t++);
        hooks += 4 + 2 * YIELDS + 5;
    }
    return (bench_now() - t0) * 1e9 / (double)hooks;
}

static double per_codec(long n)
{
    struct wt_ctx c = {0x0af7651916cd43ddULL, 0xb7ad6b7169203331ULL, 1}, d;
    char buf[64];
    uint64_t acc = 0;
    double t0 = bench_now();
    for (long i = 0; i < n; i++) {
        c.ctx_id += (uint64_t)i;
        wt_ctx_encode(&c, buf, sizeof buf);
        wt_ctx_decode(&d, buf, WT_CTX_LEN);
        uint64_t tt, aa;
        int len = wt_resp_encode_values((uint64_t)i * 977, (uint64_t)i * 13, buf, sizeof buf);
        wt_resp_decode(buf, (size_t)len, &tt, &aa);
        acc += d.ctx_id + tt + aa;
    }
    double dt = bench_now() - t0;
    if (acc == 42)
        printf(" ");
    return dt * 1e9 / (double)n;
}

int main(void)
{
    double un[RUNS], sa[RUNS], co[RUNS];
    for (int k = 0; k < RUNS; k++) {
        un[k] = per_hook(0, 200000);
        sa[k] = per_hook(1, 200000);
        co[k] = per_codec(2000000);
    }
    double u = bench_median(un, RUNS), s = bench_median(sa, RUNS);
    printf("tracecore: %.2f ns/hook unsampled, %.2f ns/hook sampled (median of %d)\n", u, s, RUNS);
    printf("tracecore: %.1f ns per context encode+decode plus response encode+decode\n",
           bench_median(co, RUNS));
    printf("tracecore: a 1 ms request with %d yield points (%d hooks) costs %.1f us "
           "(%.2f%%) sampled, %.2f us unsampled\n",
           YIELDS, 2 * YIELDS + 9, s * (2 * YIELDS + 9) / 1e3, s * (2 * YIELDS + 9) / 1e4,
           u * (2 * YIELDS + 9) / 1e3);
    return 0;
}
