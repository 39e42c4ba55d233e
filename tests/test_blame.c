/* SPDX-License-Identifier: MIT */
/* tests/test_blame.c: the trace's blame in whole runs, held against the
 * counterfactual. In each case the chain of run verdicts from the entry
 * service (follow DELEGATE until SELF, LINK or NONE) must end at the element
 * whose added capacity lowers the mean latency the most, and that element is
 * established by running the model again with one more instance there
 * (common random numbers, replication by replication, 95% intervals).
 *  1. Parallel calls: the callee that finished last is on the critical path;
 *     a callee with a larger wait that replied earlier is not.
 *  2. Call multiplicity: four sequential calls to one callee add up.
 *  3. Per-service sampling, 1 in 10: a leaf bottleneck is still named, and no
 *     link is blamed, because a call whose callee did not sample is unknown,
 *     not network wait, and propagation is not a wait capacity removes...
 *  4. ...while a saturated link is named.
 * The network stack's CPU (network.stack_cost) is left out here, so that
 * each case stays the one described; test_findings covers it. */
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
#include "tracecore/wtrace.h"

#define R 4

static int find(const struct run_summary *s, const char *name)
{
    for (size_t i = 0; i < s->nsvcs; i++)
        if (strcmp(s->svcs[i].name, name) == 0)
            return (int)i;
    fail_msg("no service %s", name);
    return -1;
}

/* The end of the verdict chain from `entry`: the service with a SELF
 * verdict, or "link:<caller>-><callee>", or "none:<service>". */
static void chain_end(const struct run_summary *s, const char *entry, char *out, size_t size)
{
    int i = find(s, entry);
    for (size_t hops = 0; hops <= s->nsvcs; hops++) {
        const struct run_svc_summary *v = &s->svcs[i];
        switch (v->verdict) {
        case WT_VERDICT_DELEGATE: i = v->verdict_callee; continue;
        case WT_VERDICT_SELF: snprintf(out, size, "%s", v->name); return;
        case WT_VERDICT_LINK:
            snprintf(out, size, "link:%s->%s", v->name, s->svcs[v->verdict_callee].name);
            return;
        default: snprintf(out, size, "none:%s", v->name); return;
        }
    }
    fail_msg("the verdict chain from %s loops", entry);
}

/* Runs the model (a printf format with one %s for extra service lines) R
 * times; writes each replication's mean latency and checks every chain end
 * against `expect` (NULL: not checked). */
static void runs_set(const char *fmt, const char *extra, const char *const *sets, size_t nsets,
                     const char *expect, double *lat, int *links)
{
    char text[4000];
    snprintf(text, sizeof text, fmt, extra);
    struct mdl_model m;
    struct sim_diag d = {0};
    if (mdl_load_string(&m, text, "blame", sets, nsets, &d))
        fail_msg("%s:%d: %s", d.file, d.line, d.msg);
    if (links)
        *links = 0;
    for (int r = 0; r < R; r++) {
        struct run_summary s;
        assert_int_equal(run_model(&m, (uint64_t)r + 1, &s), 0);
        lat[r] = s.lat_mean;
        if (expect) {
            char end[200];
            chain_end(&s, "gw", end, sizeof end);
            printf("  replication %d: chain ends at %s\n", r + 1, end);
            assert_string_equal(end, expect);
        }
        for (size_t i = 0; links && i < s.nsvcs; i++)
            *links += s.svcs[i].verdict == WT_VERDICT_LINK;
        run_summary_fini(&s);
    }
    mdl_model_fini(&m);
}

static void runs(const char *fmt, const char *extra, const char *expect, double *lat, int *links)
{
    runs_set(fmt, extra, NULL, 0, expect, lat, links);
}

/* The paired saving in mean latency of `better` must exceed `other`'s. */
static void saves_more(const double *base, const double *better, const double *other,
                       const char *b_name, const char *o_name)
{
    double diff[R], mean, half;
    for (int r = 0; r < R; r++)
        diff[r] = (base[r] - better[r]) - (base[r] - other[r]);
    ci95(diff, R, &mean, &half);
    printf("  an instance at %s saves %.3f ms more than one at %s (+- %.3f)\n", b_name, mean * 1e3,
           o_name, half * 1e3);
    assert_true(mean - half > 0);
}

static const char parallel_model[] =
    "run = { duration = \"40s\"; warmup = \"5s\"; };\n"
    "network = { latency = \"const(100us)\"; stack_cost = 0; };\n"
    "tracing = { packet_timestamps = true; };\n"
    "services = (\n"
    "  { name = \"gw\"; handler = ( { compute = \"exp(50us)\"; }, { call = \"a\"; },\n"
    "      { call = \"b\"; } ); },\n"
    "  { name = \"a\"; handler = ( { compute = \"exp(50us)\"; }, { call = \"a1\"; } ); },\n"
    "  { name = \"b\"; handler = ( { compute = \"exp(50us)\"; },\n"
    "      { call = (\"b1\", \"b3\"); parallel = true; } ); },\n"
    "  { name = \"b1\"; instances = 8; handler = ( { compute = \"const(8ms)\"; } ); }%s );\n"
    "workload = { entry = \"gw\"; rate = \"const(600)\"; };\n";

/* At 600 requests/s b3 (1.2 ms, utilization 0.72) waits about 3.1 ms, a1
 * (1 ms, 0.6) about 1.5 ms; but b3 mostly replies before b1's 8 ms, so
 * its wait seldom delays b. Without the critical path the chain went
 * gw -> b -> b3. */
static void test_parallel_calls_follow_the_critical_path(void **state)
{
    (void)state;
    double base[R], more_a1[R], more_b3[R];
    const char *a1 =
        ",\n  { name = \"a1\"; instances = %d; handler = ( { compute = \"exp(1ms)\"; } ); }";
    const char *b3 =
        ",\n  { name = \"b3\"; instances = %d; handler = ( { compute = \"exp(1200us)\"; } ); }";
    char extra[400], fa[200], fb[200];
    snprintf(fa, sizeof fa, a1, 1);
    snprintf(fb, sizeof fb, b3, 1);
    snprintf(extra, sizeof extra, "%s%s", fa, fb);
    runs(parallel_model, extra, "a1", base, NULL);
    snprintf(fa, sizeof fa, a1, 2);
    snprintf(extra, sizeof extra, "%s%s", fa, fb);
    runs(parallel_model, extra, NULL, more_a1, NULL);
    snprintf(fa, sizeof fa, a1, 1);
    snprintf(fb, sizeof fb, b3, 2);
    snprintf(extra, sizeof extra, "%s%s", fa, fb);
    runs(parallel_model, extra, NULL, more_b3, NULL);
    saves_more(base, more_a1, more_b3, "a1", "b3");
}

static const char multiplicity_model[] =
    "run = { duration = \"40s\"; warmup = \"5s\"; };\n"
    "network = { latency = \"const(100us)\"; stack_cost = 0; };\n"
    "tracing = { packet_timestamps = true; };\n"
    "services = (\n"
    "  { name = \"gw\"; handler = ( { compute = \"exp(50us)\"; },\n"
    "      { call = (\"A\", \"A\", \"A\", \"A\", \"B\"); } ); }%s );\n"
    "workload = { entry = \"gw\"; rate = \"const(700)\"; };\n";

/* A: 4 calls of 250 us at 700 requests/s (utilization 0.7, about 0.58 ms
 * of queueing per call, 2.3 ms per request); B: one call of 857 us
 * (utilization 0.6, about 1.3 ms per call). Per call B waits longer. */
static void test_repeated_calls_add_up(void **state)
{
    (void)state;
    double base[R], more_a[R], more_b[R];
    const char *fmt = ",\n  { name = \"A\"; instances = %d; handler = ( { compute = "
                      "\"exp(250us)\"; } ); },\n"
                      "  { name = \"B\"; instances = %d; handler = ( { compute = "
                      "\"exp(857us)\"; } ); }";
    char extra[400];
    snprintf(extra, sizeof extra, fmt, 1, 1);
    runs(multiplicity_model, extra, "A", base, NULL);
    snprintf(extra, sizeof extra, fmt, 2, 1);
    runs(multiplicity_model, extra, NULL, more_a, NULL);
    snprintf(extra, sizeof extra, fmt, 1, 2);
    runs(multiplicity_model, extra, NULL, more_b, NULL);
    saves_more(base, more_a, more_b, "A", "B");
}

static const char tree_model[] =
    "run = { duration = \"60s\"; warmup = \"5s\"; };\n"
    "network = { latency = \"const(200us)\"; stack_cost = 0; };\n"
    "tracing = { packet_timestamps = true; sample_at = \"service\"; sampling = 10; };\n"
    "services = (\n"
    "  { name = \"gw\"; handler = ( { compute = \"exp(50us)\"; },\n"
    "      { call = (\"m1\", \"m2\"); } ); },\n"
    "  { name = \"m1\"; handler = ( { compute = \"exp(100us)\"; },\n"
    "      { call = (\"l1\", \"l2\"); parallel = true; } ); },\n"
    "  { name = \"m2\"; handler = ( { compute = \"exp(100us)\"; },\n"
    "      { call = (\"l3\", \"l4\"); parallel = true; } ); },\n"
    "  { name = \"l2\"; handler = ( { compute = \"exp(300us)\"; } ); },\n"
    "  { name = \"l4\"; handler = ( { compute = \"exp(300us)\"; } ); }%s );\n"
    "workload = { entry = \"gw\"; rate = \"const(800)\"; };\n";

/* A tree whose leaf l3 runs at utilization 0.85, every service sampling 1
 * in 10 on its own: a caller hears from a callee that sampled about once in
 * ten of its own sampled calls. */
static void test_service_sampling_names_the_leaf(void **state)
{
    (void)state;
    double base[R], more_l3[R], more_l1[R];
    const char *fmt = ",\n  { name = \"l1\"; instances = %d; handler = ( { compute = "
                      "\"exp(300us)\"; } ); },\n"
                      "  { name = \"l3\"; instances = %d; handler = ( { compute = "
                      "\"exp(1062us)\"; } ); }";
    char extra[400];
    int links = 0;
    snprintf(extra, sizeof extra, fmt, 1, 1);
    runs(tree_model, extra, "l3", base, &links);
    assert_int_equal(links, 0); /* no link is saturated: none is blamed */
    snprintf(extra, sizeof extra, fmt, 1, 2);
    runs(tree_model, extra, NULL, more_l3, NULL);
    snprintf(extra, sizeof extra, fmt, 2, 1);
    runs(tree_model, extra, NULL, more_l1, NULL);
    saves_more(base, more_l3, more_l1, "l3", "l1");
}

/* The same tree, where l3's replies (10 KiB on average, 800 per second)
 * load its 85 Mbps link to 0.77: now a link is saturated, and the chain
 * names it, still under 1-in-10 per-service sampling. */
static void test_a_saturated_link_is_named(void **state)
{
    (void)state;
    static const char *const sets[] = {"network.bandwidth=85Mbps", "network.queueing=true"};
    const char *extra = ",\n  { name = \"l1\"; handler = ( { compute = \"exp(300us)\"; } ); },\n"
                        "  { name = \"l3\"; response_size = \"exp(10KiB)\";\n"
                        "      handler = ( { compute = \"exp(300us)\"; } ); }";
    double lat[R];
    int links = 0;
    runs_set(tree_model, extra, sets, 2, "link:m2->l3", lat, &links);
    assert_int_equal(links, R); /* m2's, and nobody else's */
}

/* Two request classes entering at x and at y; y's callee y1 runs at
 * utilization 0.85. The chain from x ends at x's own small wait; the one
 * from y at y1, which removes far more waiting: run_blame_end names y1. */
static void test_several_entry_services(void **state)
{
    (void)state;
    const char *text =
        "run = { duration = \"40s\"; warmup = \"5s\"; };\n"
        "network = { latency = \"const(100us)\"; stack_cost = 0; };\n"
        "tracing = { packet_timestamps = true; };\n"
        "services = (\n"
        "  { name = \"x\"; handler = ( { compute = \"exp(300us)\"; } ); },\n"
        "  { name = \"y\"; handler = ( { compute = \"exp(100us)\"; }, { call = \"y1\"; } ); },\n"
        "  { name = \"y1\"; handler = ( { compute = \"exp(2125us)\"; } ); } );\n"
        "workload = { rate = \"const(800)\"; classes = (\n"
        "  { name = \"a\"; entry = \"x\"; share = 0.5; },\n"
        "  { name = \"b\"; entry = \"y\"; share = 0.5; } ); };\n";
    struct mdl_model m;
    struct sim_diag d = {0};
    if (mdl_load_string(&m, text, "entries", NULL, 0, &d))
        fail_msg("%s:%d: %s", d.file, d.line, d.msg);
    for (int r = 0; r < R; r++) {
        struct run_summary s;
        assert_int_equal(run_model(&m, (uint64_t)r + 1, &s), 0);
        assert_int_equal(s.nentries, 2);
        assert_int_equal(run_blame_end(&s), find(&s, "y1"));
        run_summary_fini(&s);
    }
    mdl_model_fini(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parallel_calls_follow_the_critical_path),
        cmocka_unit_test(test_repeated_calls_add_up),
        cmocka_unit_test(test_service_sampling_names_the_leaf),
        cmocka_unit_test(test_a_saturated_link_is_named),
        cmocka_unit_test(test_several_entry_services),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
