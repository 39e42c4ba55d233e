/* SPDX-License-Identifier: MIT */
/* testbed/calibrate.c: measuring the testbed's machine (testbed/calibrate.h). */
#include "testbed/calibrate.h"

#include "models/model.h"
#include "models/run.h"
#include "sim/strbuf.h"
#include "sim/xalloc.h"
#include "testbed/clock.h"
#include "testbed/compute.h"
#include "testbed/driver.h"
#include "testbed/http.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#define HTTP_ROUNDS 100000
#define TIMER_ROUNDS 300

/* The probe: one instance that does nothing but answer, with a network
 * latency so that the delay line's costs are measured too. */
#define PROBE_LATENCY 100e-6
static const char probe[] =
    "# uksim testbed calibrate's probe: an instance that only answers.\n"
    "run: { seed = 1; duration = \"3s\"; warmup = \"0.5s\"; window = \"0.5s\"; };\n"
    "network: { latency = \"100us\"; };\n"
    "services = ( { name = \"echo\"; handler = ( { compute = \"0s\"; } ); } );\n"
    "workload: { entry = \"echo\"; users = 1; think = \"0s\"; };\n";

/* The loop's cost per message is measured where it matters: on a caller
 * and a callee (one at utilization 0.15, idle between messages; the other
 * at 0.75, holding compute steps), as a call graph's services are. A loop
 * woken from idle pays more per message than a busy one. */
static const char probe_busy[] =
    "# uksim testbed calibrate's probe: a caller and a busy callee.\n"
    "run: { seed = 1; duration = \"4s\"; warmup = \"1s\"; window = \"0.5s\"; };\n"
    "network: { latency = \"100us\"; };\n"
    "services = ( { name = \"caller\"; handler = ( { compute = \"exp(100us)\"; },\n"
    "                                             { call = \"callee\"; } ); },\n"
    "             { name = \"callee\"; handler = ( { compute = \"exp(500us)\"; } ); } );\n"
    "workload: { entry = \"caller\"; rate = \"const(1500)\"; };\n";

static int on_msg(void *arg, const struct tb_http_msg *m)
{
    (void)m;
    ++*(long *)arg;
    return 0;
}

static double http_cost(void)
{
    struct tb_http_in rq, rs;
    long n = 0;
    tb_http_in_init(&rq, TB_HTTP_REQUESTS, on_msg, &n);
    tb_http_in_init(&rs, TB_HTTP_RESPONSES, on_msg, &n);
    char buf[512];
    const char *ctx = "1-0af7651916cd43dd-b7ad6b7169203331-01";
    uint64_t t0 = tb_now();
    for (int i = 0; i < HTTP_ROUNDS; i++) {
        int l = tb_http_request_head(buf, sizeof buf, "/0/m/0", ctx, 0);
        tb_http_in_feed(&rq, buf, (size_t)l);
        l = tb_http_response_head(buf, sizeof buf, 200, "1-1312d00-989680", 0, true);
        tb_http_in_feed(&rs, buf, (size_t)l);
    }
    uint64_t t = tb_now() - t0;
    return n == 2L * HTTP_ROUNDS ? (double)t / (2.0 * HTTP_ROUNDS) : NAN;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Lateness of TIMER_ROUNDS compute steps of 1 ms: mean and 99th percentile, s. */
static void timer_error(enum tb_compute mode, double *mean, double *p99)
{
    double late[TIMER_ROUNDS], sum = 0;
    for (int i = 0; i < TIMER_ROUNDS; i++) {
        uint64_t l;
        tb_compute(mode, tb_now(), 1000000, &l);
        late[i] = (double)l * 1e-9;
        sum += late[i];
    }
    qsort(late, TIMER_ROUNDS, sizeof *late, cmp_double);
    *mean = sum / TIMER_ROUNDS;
    *p99 = late[(TIMER_ROUNDS * 99) / 100];
}

static int write_probe(const char *path, const char *text, struct sim_diag *d)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        if (f)
            fclose(f);
        return sim_diag_set(d, SIM_EIO, path, 0, "cannot write the probe model");
    }
    return 0;
}

/* Runs the probe with the overrides sets; fills the summary. */
static int probe_run(const char *svc_bin, const char *path, const char *const *sets, size_t nsets,
                     struct run_summary *s, struct sim_diag *d)
{
    struct mdl_model m;
    int err = mdl_load_file(&m, path, sets, nsets, d);
    if (err)
        return err;
    struct tb_run_opts o = {.model_path = path,
                            .sets = sets,
                            .nsets = nsets,
                            .seed = 1,
                            .compute = "hold",
                            .svc_bin = svc_bin};
    memset(s, 0, sizeof *s);
    err = tb_run(&m, &o, s, d);
    mdl_model_fini(&m);
    return err;
}

int tb_calibrate(const char *svc_bin, const char *tmpdir, struct tb_calibration *c,
                 struct sim_diag *d)
{
    memset(c, 0, sizeof *c);
    prctl(PR_SET_TIMERSLACK, 1UL); /* as uksim-svc sets it */
    c->http_ns = http_cost();
    timer_error(TB_HOLD, &c->hold_mean, &c->hold_p99);
    timer_error(TB_SPIN, &c->spin_mean, &c->spin_p99);
    struct sim_buf path = {0};
    sim_buf_printf(&path, "%s/probe.cfg", tmpdir);
    struct sim_buf busy = {0};
    sim_buf_printf(&busy, "%s/probe-busy.cfg", tmpdir);
    int err = write_probe(path.p, probe, d);
    if (!err)
        err = write_probe(busy.p, probe_busy, d);
    struct run_summary s;
    static const char *const idle[] = {"workload.think=\"2ms\""};
    static const char *const b2b[] = {"run.duration=\"2s\""};
    static const char *const sat[] = {"workload.users=16"};
    if (!err && !(err = probe_run(svc_bin, path.p, idle, 1, &s, d))) {
        c->rtt_idle = s.lat_mean;
        run_summary_fini(&s);
    }
    if (!err && !(err = probe_run(svc_bin, path.p, b2b, 1, &s, d))) {
        c->rtt_busy = s.lat_mean;
        run_summary_fini(&s);
    }
    if (!err && !(err = probe_run(svc_bin, path.p, sat, 1, &s, d))) {
        c->saturated = s.measured_seconds > 0 ? (double)s.completed / s.measured_seconds : 0;
        run_summary_fini(&s);
    }
    if (!err && !(err = probe_run(svc_bin, busy.p, NULL, 0, &s, d))) {
        c->stack_cost = s.loop_msg_cost;
        run_summary_fini(&s);
    }
    free(path.p);
    free(busy.p);
    if (err)
        return err;
    if (!(c->saturated > 0) || !(c->rtt_idle > 0) || !(c->stack_cost >= 0))
        return sim_diag_set(d, SIM_EIO, "testbed calibrate", 0,
                            "the probe instance answered nothing");
    c->rtt_idle -= 2 * PROBE_LATENCY; /* what the model's latency does not cover */
    c->rtt_busy -= 2 * PROBE_LATENCY;
    c->host_latency = fmax(0.0, (c->rtt_idle - 2.0 * c->stack_cost) / 2.0);
    return 0;
}

char *tb_calibration_text(const struct tb_calibration *c)
{
    struct sim_buf b = {0};
    char host[128], when[64];
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "this host");
    host[sizeof host - 1] = 0;
    time_t now = time(NULL);
    strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", gmtime(&now));
    sim_buf_printf(&b,
                   "# uksim testbed calibrate on %s, %s: this machine's costs per message as\n"
                   "# the testbed meets them. Include it in the model's network group:\n"
                   "#   network: {\n"
                   "#     latency = \"100us\";\n"
                   "#     @include \"calibration.cfg\"\n"
                   "#   };\n"
                   "# or give each key as --set network.KEY=VALUE.\n"
                   "#\n"
                   "# Round trip of an empty request through an idle instance, beyond the\n"
                   "# model's latency: %.1f us; back to back: %.1f us. Saturated (16 clients,\n"
                   "# 100 us of model latency each way): %.0f requests/s.\n"
                   "# HTTP head written and parsed: %.2f us per message.\n"
                   "# Compute steps of 1 ms end late by: hold %.1f us mean (p99 %.1f us),\n"
                   "# spin %.2f us mean (p99 %.2f us); not set here (the testbed pays it back\n"
                   "# from an instance's next compute slices).\n"
                   "#\n"
                   "# Half the idle round trip beyond the model's latency, less the loop's\n"
                   "# time for the request and its reply:\n"
                   "host_latency = \"%.1fus\";\n"
                   "# The loop's busy time per message beyond compute steps (read, parse,\n"
                   "# hooks, write, the delay line's hand-off), on a caller at utilization\n"
                   "# 0.15 and its callee at 0.75:\n"
                   "stack_cost = \"%.2fus\";\n"
                   "# The testbed's loop reads every readable connection at each poll:\n"
                   "stack_batch = 0;\n",
                   host, when, c->rtt_idle * 1e6, c->rtt_busy * 1e6, c->saturated,
                   c->http_ns * 1e-3, c->hold_mean * 1e6, c->hold_p99 * 1e6, c->spin_mean * 1e6,
                   c->spin_p99 * 1e6, c->host_latency * 1e6, c->stack_cost * 1e6);
    return b.p;
}
