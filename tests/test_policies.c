/* SPDX-License-Identifier: MIT */
/* tests/test_policies.c: each policy's decision on hand-built views, HPA's
 * rule against the Kubernetes documentation's worked examples, and end to
 * end: on a chain whose last service is the bottleneck the trace-driven
 * policies scale that service alone while the latency-SLO policy scales its
 * callers too; just-in-time summoning boots on demand and returns to zero. */
#include "policies/hpa_core.h"
#include "policies/policy.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

/* Kubernetes documentation, "Algorithm details", through the controller's
 * metric stage (policies/hpa_core.h): with a current metric of 200% against
 * a target of 100% the replicas double; at 50% they halve; a ratio within
 * the 0.1 tolerance changes nothing; pods not yet ready count at 0% on
 * scale-up, and a scale that this reverses does not happen. Rate limits and
 * stabilization are opened wide so that only the metric stage decides. */
static int hpa_once(int ready, int unready, double cpu)
{
    struct hpa_spec spec;
    hpa_spec_default(&spec);
    spec.max = 1000;
    spec.target_util = 100;
    spec.has_behavior = true;
    spec.up.policies[0] = (struct hpa_rate_policy){HPA_POLICY_PERCENT, 100000, 15};
    spec.up.npolicies = 1;
    spec.down.stabilization = 0;
    struct hpa_config cfg;
    hpa_config_default(&cfg);
    struct hpa_pod pods[16];
    for (int i = 0; i < ready + unready; i++)
        pods[i] = (struct hpa_pod){.cpu = i < ready ? cpu : NAN,
                                   .ready = i < ready,
                                   .start = i < ready ? -1000 : 990,
                                   .ready_change = i < ready ? -1000 : 990,
                                   .sampled = NAN};
    struct hpa_state st = {0};
    int n = hpa_sync(&st, &spec, &cfg, 1000, ready + unready, pods, (size_t)(ready + unready));
    hpa_state_fini(&st);
    return n;
}

static void test_hpa_rule_worked_examples(void **state)
{
    (void)state;
    assert_int_equal(hpa_once(4, 0, 200), 8);
    assert_int_equal(hpa_once(4, 0, 50), 2);
    assert_int_equal(hpa_once(4, 0, 105), 4);
    assert_int_equal(hpa_once(4, 0, 95), 4);
    assert_int_equal(hpa_once(3, 0, 170), 6); /* ceil(5.1) */
    /* 2 ready at 150% and 2 booting: counting the booting ones at 0% the
     * average is 75%, a scale-down, which reverses the direction. */
    assert_int_equal(hpa_once(2, 2, 150), 4);
    /* 3 ready at 300% and 1 booting: 225% over 4, still up: ceil(4 * 2.25). */
    assert_int_equal(hpa_once(3, 1, 300), 9);
    /* No sample at all: the controller reports an error and leaves it. */
    assert_int_equal(hpa_once(0, 2, NAN), 2);
}

/* forward */
struct world;
static void world_init(struct world *w, int n);

/* A view of n services, all idle and steady, for the tests to edit. */
struct world {
    struct pol_svc_view s[4];
    struct pol_view v;
    int target[4];
    int callees[4][1];
    double net[4][1], rem[4][1];
    struct pol_inst_view inst[4][16];
};

/* Service i has ready serving instances at CPU share cpu, sampled at now. */
static void pods(struct world *w, int i, int ready, double cpu)
{
    w->s[i].ready = ready;
    w->s[i].ninst = ready;
    w->s[i].inst = w->inst[i];
    for (int k = 0; k < ready; k++)
        w->inst[i][k] = (struct pol_inst_view){
            .cpu = cpu, .sampled = w->v.now, .start = -1000, .ready_change = -1000, .ready = true};
}

static void world_init(struct world *w, int n)
{
    memset(w, 0, sizeof *w);
    for (int i = 0; i < n; i++) {
        w->s[i] = (struct pol_svc_view){.name = "s",
                                        .ready = 2,
                                        .min = 1,
                                        .max = 100,
                                        .utilization = 0.5,
                                        .arrival_rate = 100,
                                        .cpu = 0.005,
                                        .latency_mean = 0.01,
                                        .latency_p95 = 0.02,
                                        .verdict = WT_VERDICT_NONE,
                                        .verdict_callee = -1,
                                        .idle = 0};
        if (i + 1 < n) {
            w->callees[i][0] = i + 1;
            w->s[i].ncallees = 1;
            w->s[i].callees = w->callees[i];
            w->s[i].net_wait = w->net[i];
            w->s[i].remote_wait = w->rem[i];
        }
        w->target[i] = -1;
    }
    w->v = (struct pol_view){.now = 100,
                             .period = 5,
                             .nsvcs = n,
                             .svcs = w->s,
                             .root = 0,
                             .client_rate = 100,
                             .client_mean = 0.02,
                             .client_p95 = 0.04,
                             .slo_p95 = 0.05};
}

/* Binds a policy by name with the given parameters (keys and values). */
static void *make(const char *name, const struct mdl_param *params, size_t n, int nsvcs,
                  const struct pol_ops **ops)
{
    static struct mdl_policy pol;
    static struct mdl_slo slo = {.latency_p95 = 0.05, .max_utilization = 0.8};
    pol = (struct mdl_policy){.name = (char *)name,
                              .period = 5,
                              .params = (struct mdl_param *)params,
                              .nparams = n,
                              .line = 1};
    bool used[8] = {false};
    static struct mdl_service svcs[4];
    static struct mdl_model model;
    for (int i = 0; i < 4; i++)
        svcs[i] = (struct mdl_service){.name = "s", .min = 1, .max = 10};
    model = (struct mdl_model){.services = svcs, .nservices = (size_t)nsvcs};
    struct pol_metrics metrics = {0};
    struct pol_params p = {"t.cfg", &pol, &slo, nsvcs, used, &model, &metrics};
    *ops = pol_find(name);
    assert_non_null(*ops);
    void *state = NULL;
    struct sim_diag d = {0};
    if ((*ops)->init(&state, &p, &d))
        fail_msg("%s: %s", name, d.msg);
    return state;
}

static void decide(const char *name, struct world *w)
{
    const struct pol_ops *ops;
    void *st = make(name, NULL, 0, w->v.nsvcs, &ops);
    struct pol_action a = {w->target};
    ops->decide(st, &w->v, &a);
    ops->fini(st);
}

/* HPA over time, the controller's older path (no behavior): scale-up is
 * capped at max(2 x current, 4) per sync; the history keeps the uncapped
 * recommendations, so the next sync goes on up to the highest of the window
 * even though the load fell; the window's end lets the scale-down through. */
static void test_hpa_rate_limit_and_stabilization(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 1);
    const struct pol_ops *ops;
    struct mdl_param params[] = {{"target", 0.5, 1}, {"stabilization", 60, 2}};
    void *st = make("hpa", params, 2, 1, &ops);
    struct pol_action a = {w.target};
    /* 2 ready at 250% of a vCPU against 50% want 10: capped at 4. */
    w.v.now = 0;
    pods(&w, 0, 2, 2.5);
    ops->decide(st, &w.v, &a);
    assert_int_equal(w.target[0], 4);
    /* Load falls: 4 ready at 25% want 2, but 10 was recommended 10 s ago. */
    w.v.now = 10;
    pods(&w, 0, 4, 0.25);
    w.target[0] = -1;
    ops->decide(st, &w.v, &a);
    assert_int_equal(w.target[0], 8);
    /* After the 60 s window only the recent recommendations count. */
    w.v.now = 75;
    pods(&w, 0, 8, 0.125);
    w.target[0] = -1;
    ops->decide(st, &w.v, &a);
    assert_int_equal(w.target[0], 2);
    ops->fini(st);
}

static void test_threshold_hysteresis(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 3);
    w.s[0].utilization = 0.9; /* above up */
    w.s[1].utilization = 0.5; /* between: nothing */
    w.s[2].utilization = 0.1; /* below down */
    decide("threshold", &w);
    assert_int_equal(w.target[0], 3);
    assert_int_equal(w.target[1], -1);
    assert_int_equal(w.target[2], 1);
}

static void test_wait_local_scales_only_the_root_cause(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 3);
    /* The last service's CPU: its own verdict is SELF; its callers delegate. */
    w.s[0].verdict = WT_VERDICT_DELEGATE;
    w.s[0].verdict_callee = 1;
    w.s[0].verdict_wait = 0.03;
    w.s[1].verdict = WT_VERDICT_DELEGATE;
    w.s[1].verdict_callee = 2;
    w.s[1].verdict_wait = 0.03;
    w.s[2].verdict = WT_VERDICT_SELF;
    w.s[2].verdict_wait = 0.03;
    w.s[2].arrival_rate = 300; /* 300/s x 5 ms at 70%: 3 instances */
    decide("wait-local", &w);
    assert_int_equal(w.target[0], -1);
    assert_int_equal(w.target[1], -1);
    assert_int_equal(w.target[2], 3);
    /* Below min_wait (1 ms) nothing is a root cause. */
    world_init(&w, 3);
    w.s[2].verdict = WT_VERDICT_SELF;
    w.s[2].verdict_wait = 0.0005;
    decide("wait-local", &w);
    assert_int_equal(w.target[2], -1);
}

static void test_wait_central_follows_verdicts(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 3);
    w.v.client_p95 = 0.045; /* above 0.8 x 50 ms */
    w.s[0].verdict = WT_VERDICT_DELEGATE;
    w.s[0].verdict_callee = 1;
    w.s[1].verdict = WT_VERDICT_DELEGATE;
    w.s[1].verdict_callee = 2;
    w.s[2].verdict = WT_VERDICT_SELF;
    decide("wait-central", &w);
    assert_int_equal(w.target[0], -1);
    assert_int_equal(w.target[1], -1);
    assert_int_equal(w.target[2], 3); /* at least one more than 2 */
    /* A link at fault: no instance count helps, nothing is scaled. */
    world_init(&w, 3);
    w.v.client_p95 = 0.045;
    w.s[0].verdict = WT_VERDICT_LINK;
    w.s[0].verdict_callee = 1;
    decide("wait-central", &w);
    for (int i = 0; i < 3; i++)
        assert_int_equal(w.target[i], -1);
    /* Under the SLO's trigger nothing is blamed. */
    world_init(&w, 3);
    w.v.client_p95 = 0.03;
    w.s[0].verdict = WT_VERDICT_SELF;
    decide("wait-central", &w);
    assert_int_equal(w.target[0], -1);
}

static void test_latency_slo_scales_callers_too(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 3);
    w.v.client_p95 = 0.08;
    w.s[0].latency_p95 = 0.08; /* totals include downstream time */
    w.s[1].latency_p95 = 0.07;
    w.s[2].latency_p95 = 0.06;
    decide("latency-slo", &w);
    for (int i = 0; i < 3; i++)
        assert_true(w.target[i] > 2);
}

static void test_jit_summons_and_stops(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 1);
    const struct pol_ops *ops;
    struct mdl_param idle = {"idle", 30, 1};
    void *st = make("jit", &idle, 1, 1, &ops);
    assert_int_equal(ops->demand(st, &w.v, 0), 1);
    struct pol_action a = {w.target};
    w.s[0].idle = 29;
    ops->decide(st, &w.v, &a);
    assert_int_equal(w.target[0], -1);
    w.s[0].idle = 31;
    ops->decide(st, &w.v, &a);
    assert_int_equal(w.target[0], 0);
    ops->fini(st);
}

static void test_unknown_policy_and_parameters(void **state)
{
    (void)state;
    struct mdl_model m;
    struct sim_diag d = {0};
    const char *text = "services = ( { name = \"a\"; handler = ( { compute = \"1ms\"; } ); } );\n"
                       "workload = { rate = \"const(1)\"; };\n"
                       "policy = { name = \"hpa\";\n targett = 0.5; };\n";
    assert_int_equal(mdl_load_string(&m, text, "p.cfg", NULL, 0, &d), 0);
    struct pol_control pc;
    assert_int_equal(pol_control_init(&pc, &m, &d), SIM_ECONFIG);
    assert_int_equal(d.line, 4);
    assert_non_null(strstr(d.msg, "no parameter \"targett\""));
    mdl_model_fini(&m);
    const char *text2 = "services = ( { name = \"a\"; handler = ( { compute = \"1ms\"; } ); } );\n"
                        "workload = { rate = \"const(1)\"; };\n"
                        "policy = { name = \"magic\"; };\n";
    assert_int_equal(mdl_load_string(&m, text2, "p.cfg", NULL, 0, &d), 0);
    assert_int_equal(pol_control_init(&pc, &m, &d), SIM_ECONFIG);
    assert_non_null(strstr(d.msg, "unknown policy \"magic\""));
    mdl_model_fini(&m);
}

/* ---- End to end ---- */

static void run_policy(const char *chain, const char *policy, struct run_summary *s)
{
    char text[3000];
    snprintf(text, sizeof text, "%spolicy = { %s };\n", chain, policy);
    struct mdl_model m;
    struct sim_diag d = {0};
    if (mdl_load_string(&m, text, "e2e", NULL, 0, &d))
        fail_msg("%s:%d: %s", d.file, d.line, d.msg);
    struct pol_control pc;
    if (pol_control_init(&pc, &m, &d))
        fail_msg("%s:%d: %s", d.file, d.line, d.msg);
    assert_int_equal(run_model_ctl(&m, 1, &pc.ctl, s), 0);
    pol_control_fini(&pc);
    for (size_t i = 0; i < s->nsvcs; i++)
        s->svcs[i].name = NULL;
    mdl_model_fini(&m);
}

static const char chain[] =
    "run = { duration = \"240s\"; };\n"
    "tracing = { packet_timestamps = true; };\n"
    "slo = { latency_p95 = \"50ms\"; };\n"
    "services = (\n"
    "  { name = \"front\"; handler = ( { compute = \"exp(200us)\"; }, { call = \"mid\"; } ); },\n"
    "  { name = \"mid\"; handler = ( { compute = \"exp(200us)\"; }, { call = \"back\"; } ); },\n"
    "  { name = \"back\"; platform = \"firecracker\";\n"
    "    handler = ( { compute = \"exp(4ms)\"; } ); } );\n"
    "workload = { rate = \"step(100, 400, 30s)\"; };\n";

static void test_chain_bottleneck_end_to_end(void **state)
{
    (void)state;
    const char *trace_driven[] = {"name = \"wait-local\"; period = \"5s\"; cooldown = \"10s\";",
                                  "name = \"wait-central\"; period = \"5s\"; cooldown = \"10s\";"};
    for (int k = 0; k < 2; k++) {
        struct run_summary s;
        run_policy(chain, trace_driven[k], &s);
        printf("  %s: ups front %llu mid %llu back %llu, p95 %.4f s\n", trace_driven[k],
               (unsigned long long)s.svcs[0].scale_ups, (unsigned long long)s.svcs[1].scale_ups,
               (unsigned long long)s.svcs[2].scale_ups, s.lat_p95);
        assert_true(s.svcs[2].scale_ups >= 1);
        assert_int_equal(s.svcs[0].scale_ups, 0);
        assert_int_equal(s.svcs[1].scale_ups, 0);
        assert_true(s.lat_p95 < 0.05);
        run_summary_fini(&s);
    }
    struct run_summary s;
    run_policy(chain, "name = \"latency-slo\"; period = \"5s\"; cooldown = \"10s\";", &s);
    printf("  latency-slo: ups front %llu mid %llu back %llu\n",
           (unsigned long long)s.svcs[0].scale_ups, (unsigned long long)s.svcs[1].scale_ups,
           (unsigned long long)s.svcs[2].scale_ups);
    assert_true(s.svcs[2].scale_ups >= 1);
    assert_true(s.svcs[0].scale_ups + s.svcs[1].scale_ups >= 1);
    assert_true(s.svcs[0].instance_seconds > 240.5 || s.svcs[1].instance_seconds > 240.5);
    run_summary_fini(&s);
}

static void test_jit_end_to_end(void **state)
{
    (void)state;
    const char *text = "run = { duration = \"20s\"; window = \"1s\"; };\n"
                       "services = ( { name = \"fn\"; instances = 0; boot = \"const(500ms)\";\n"
                       "  handler = ( { compute = \"exp(1ms)\"; } ); } );\n"
                       "workload = { rate = \"spike(0, 20, 2s, 3s)\"; };\n";
    struct run_summary s;
    run_policy(text, "name = \"jit\"; period = \"1s\"; idle = \"4s\";", &s);
    /* The first request waited for the boot; later ones did not. */
    assert_true(s.completed == s.sent && s.completed > 30);
    assert_true(s.lat_p99 >= 0.45);
    assert_true(s.lat_p50 < 0.01);
    /* Up from about 2 s, idle from about 5 s, stopped 4 s later: 6-9 s paid. */
    printf("  jit: %.2f instance-seconds, %llu up, %llu down\n", s.svcs[0].instance_seconds,
           (unsigned long long)s.svcs[0].scale_ups, (unsigned long long)s.svcs[0].scale_downs);
    assert_true(s.svcs[0].instance_seconds > 6 && s.svcs[0].instance_seconds < 9);
    assert_int_equal(s.svcs[0].scale_downs, 1);
    assert_int_equal(s.rows[s.nrows - 1].ready, 0);
    run_summary_fini(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hpa_rule_worked_examples),
        cmocka_unit_test(test_hpa_rate_limit_and_stabilization),
        cmocka_unit_test(test_threshold_hysteresis),
        cmocka_unit_test(test_wait_local_scales_only_the_root_cause),
        cmocka_unit_test(test_wait_central_follows_verdicts),
        cmocka_unit_test(test_latency_slo_scales_callers_too),
        cmocka_unit_test(test_jit_summons_and_stops),
        cmocka_unit_test(test_unknown_policy_and_parameters),
        cmocka_unit_test(test_chain_bottleneck_end_to_end),
        cmocka_unit_test(test_jit_end_to_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
