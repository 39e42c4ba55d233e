/* SPDX-License-Identifier: MIT */
/* tests/test_model.c: the model loader: defaults, overrides, and a clear
 * "file:line: message" for each kind of bad input. */
#include "models/model.h"
#include "models/run.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define GOOD_SERVICES                                                                              \
    "services = (\n"                                                                               \
    "  { name = \"a\"; handler = ( { compute = \"exp(1ms)\"; }, { call = (\"b\", \"c\"); "         \
    "parallel = true; } ); },\n"                                                                   \
    "  { name = \"b\"; handler = ( { compute = \"2ms\"; } ); },\n"                                 \
    "  { name = \"c\"; instances = 3; lb = \"power-of-two\"; handler = ( { compute = 0.001; } ); " \
    "}\n"                                                                                          \
    ");\n"

static void test_good_model_and_defaults(void **state)
{
    (void)state;
    struct mdl_model m;
    struct sim_diag d = {0};
    const char *text = GOOD_SERVICES "workload = { entry = \"a\"; rate = \"const(10)\"; };\n";
    assert_int_equal(mdl_load_string(&m, text, "m.cfg", NULL, 0, &d), 0);
    assert_int_equal(m.nservices, 3);
    assert_int_equal(m.run.seed, 1);
    assert_true(m.run.duration == 60.0);
    assert_int_equal(m.services[0].steps[1].kind, MDL_STEP_CALL);
    assert_true(m.services[0].steps[1].parallel);
    assert_int_equal(m.services[0].steps[1].ncallees, 2);
    assert_int_equal(m.services[0].steps[1].callees[1], 2);
    assert_int_equal(m.services[2].instances, 3);
    assert_int_equal(m.services[2].lb, MDL_LB_POWER_OF_TWO);
    assert_true(m.services[1].steps[0].compute.mean == 0.002);
    assert_int_equal(m.nwarnings, 0);
    mdl_model_fini(&m);
}

static void test_overrides(void **state)
{
    (void)state;
    struct mdl_model m;
    struct sim_diag d = {0};
    const char *text = GOOD_SERVICES "workload = { entry = \"a\"; rate = \"const(10)\"; };\n";
    const char *sets[] = {"run.duration=10s", "services.c.instances=5", "services.0.lb=random",
                          "workload.rate=step(1, 2, 3s)", "run.seed=77"};
    assert_int_equal(mdl_load_string(&m, text, "m.cfg", sets, 5, &d), 0);
    assert_true(m.run.duration == 10.0);
    assert_int_equal(m.services[2].instances, 5);
    assert_int_equal(m.services[0].lb, MDL_LB_RANDOM);
    assert_int_equal(m.workload.rate.kind, WL_RATE_STEP);
    assert_int_equal(m.run.seed, 77);
    mdl_model_fini(&m);
    const char *bad[] = {"run.duration", "services.zzz.instances=2", "services.c=1",
                         "services.c.instances=-1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&d, 0, sizeof d);
        assert_int_not_equal(mdl_load_string(&m, text, "m.cfg", &bad[i], 1, &d), 0);
        assert_true(d.msg[0] != '\0');
    }
}

static void test_builtin_default_loads(void **state)
{
    (void)state;
    struct mdl_model m;
    struct sim_diag d = {0};
    assert_int_equal(mdl_load_string(&m, mdl_builtin_default, "<built-in>", NULL, 0, &d), 0);
    assert_true(m.nservices >= 2);
    assert_int_equal(m.nwarnings, 0);
    mdl_model_fini(&m);
}

struct bad_case {
    const char *text;
    int line;
    const char *needle;
};

static void test_bad_models_name_line_and_reason(void **state)
{
    (void)state;
    static const struct bad_case cases[] = {
        {"services = ( { name = \"a\"; handler = ( { compute = \"1ms\"; } ) } );\n"
         "workload = { rate = \"const(1)\" \n",
         3, "syntax error"},
        {"services = (\n { name = \"a\";\n handler = ( { call = \"nope\"; } ); }\n);\n"
         "workload = { rate = \"const(1)\"; };\n",
         3, "unknown service \"nope\""},
        {"services = ( { name = \"a\"; handler = ( { compute = \"1ms\"; } ); } );\n"
         "workload = {\n  rate = \"const(-5)\"; };\n",
         3, "non-negative"},
        {"services = ( { name = \"a\"; handler = ( { compute = \"1ms\"; } ); } );\n"
         "workload = { rate = \"const(1)\"; };\nrun = { durration = 5; };\n",
         3, "unknown key \"durration\""},
        {"services = ( { name = \"a\";\n instances = \"two\"; handler = ( { compute = \"1ms\"; } "
         "); } );\n"
         "workload = { rate = \"const(1)\"; };\n",
         2, "must be an integer"},
        {"services = ( { name = \"a\"; handler = ( { call = \"b\"; } ); },\n"
         "  { name = \"b\"; handler = ( { compute = \"1ms\"; },\n { call = \"a\"; } ); } );\n"
         "workload = { rate = \"const(1)\"; };\n",
         3, "call cycle"},
        {"services = ( { name = \"a\"; handler = ( { compute = \"1ms\"; } ); },\n"
         "  { name = \"a\"; handler = ( { compute = \"1ms\"; } ); } );\n"
         "workload = { rate = \"const(1)\"; };\n",
         2, "defined twice"},
        {"services = ( { name = \"a\"; handler = (\n { compute = \"exp(-1ms)\"; } ); } );\n"
         "workload = { rate = \"const(1)\"; };\n",
         2, "not a non-negative duration"},
        {"services = ( { name = \"a\"; handler = ( { compute = \"1ms\"; } ); } );\n"
         "workload = { entry = \"b\";\n rate = \"const(1)\"; };\n",
         2, "not a service"},
        {"run = { duration = \"10s\";\n warmup = \"20s\"; };\n"
         "services = ( { name = \"a\"; handler = ( { compute = \"1ms\"; } ); } );\n"
         "workload = { rate = \"const(1)\"; };\n",
         2, "shorter than duration"},
        {"services = ( { name = \"a\"; handler = (\n { compute = \"1ms\"; call = \"a\"; } ); } );\n"
         "workload = { rate = \"const(1)\"; };\n",
         2, "exactly one of compute or call"},
        {"services = ( { name = \"a\"; handler = ( { call = (\"b\", \"c\");\n pick = (1); } ); },\n"
         " { name = \"b\"; handler = ( { compute = \"1ms\"; } ); },\n"
         " { name = \"c\"; handler = ( { compute = \"1ms\"; } ); } );\n"
         "workload = { rate = \"const(1)\"; };\n",
         2, "one weight per callee"},
        {"services = ( { name = \"a\"; handler = ( { compute = \"1ms\";\n p = 1.5; } ); } );\n"
         "workload = { rate = \"const(1)\"; };\n",
         2, "not a probability"},
        {"services = ( { name = \"a\"; handler = ( { compute = \"1ms\"; } );\n"
         "  handlers = ( { class = \"nope\"; steps = ( { compute = \"1ms\"; } ); } ); } );\n"
         "workload = { rate = \"const(1)\"; };\n",
         2, "no workload class \"nope\""},
        {"services = ( { name = \"a\";\n zone = \"mars\"; handler = ( { compute = \"1ms\"; } ); } "
         ");\n"
         "workload = { rate = \"const(1)\"; };\n",
         2, "defines no zones"},
        {"services = ( { name = \"a\"; handler = ( { compute = \"1ms\"; } ); } );\n"
         "workload = { rate = \"const(1)\";\n users = 5; };\n",
         2, "either rate"},
        {"network = { zones = (\"a\", \"b\");\n zone_latency = ( (\"1ms\", \"2ms\") ); };\n"
         "services = ( { name = \"a\"; handler = ( { compute = \"1ms\"; } ); } );\n"
         "workload = { rate = \"const(1)\"; };\n",
         2, "2 rows"},
        {"services = ( { name = \"a\"; handler = ( { compute = \"1ms\"; } ); } );\n"
         "workload = { rate = \"const(1)\"; classes = (\n { name = \"x\"; entry = \"zz\"; } ); "
         "};\n",
         3, "not a service"},
        {"services = ( { name = \"a\"; instances = 5;\n max = 3; handler = ( { compute = \"1ms\"; "
         "} ); } );\n"
         "workload = { rate = \"const(1)\"; };\n",
         1, "outside [min, max]"},
        {"services = ( { name = \"a\";\n platform = \"mainframe\"; handler = ( { compute = "
         "\"1ms\"; } ); } );\n"
         "workload = { rate = \"const(1)\"; };\n",
         2, "expected one of unikernel"},
        {"services = ( { name = \"a\"; handler = ( { compute = \"1ms\"; } ); },\n"
         "  { name = \"orphan\"; handler = ( { compute = \"1ms\"; } ); } );\n"
         "workload = { entry = \"a\"; rate = \"const(1)\"; };\n",
         2, "\"orphan\" is unreachable"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct mdl_model m;
        struct sim_diag d = {0};
        int rc = mdl_load_string(&m, cases[i].text, "bad.cfg", NULL, 0, &d);
        if (rc == 0)
            fail_msg("case %zu accepted", i);
        char buf[1000];
        sim_diag_format(&d, buf, sizeof buf);
        if (d.line != cases[i].line || !strstr(d.msg, cases[i].needle) ||
            strncmp(buf, "bad.cfg:", 8) != 0)
            fail_msg("case %zu: got \"%s\" (line %d), want line %d and \"%s\"", i, buf, d.line,
                     cases[i].line, cases[i].needle);
        mdl_model_fini(&m);
    }
}

static void test_missing_file(void **state)
{
    (void)state;
    struct mdl_model m;
    struct sim_diag d = {0};
    assert_int_equal(mdl_load_file(&m, "/nonexistent/model.cfg", NULL, 0, &d), SIM_EIO);
    assert_string_equal(d.file, "/nonexistent/model.cfg");
    assert_non_null(strstr(d.msg, "No such file"));
}

static void test_policy_and_slo(void **state)
{
    (void)state;
    struct mdl_model m;
    struct sim_diag d = {0};
    const char *text =
        "services = ( { name = \"a\"; handler = ( { compute = \"1ms\"; } ); } );\n"
        "slo = { latency_p95 = \"50ms\"; };\n"
        "workload = { rate = \"const(1)\"; };\n"
        "policy = { name = \"hpa\"; period = \"10s\";\n target = 0.6; window = \"2min\"; };\n";
    assert_int_equal(mdl_load_string(&m, text, "p.cfg", NULL, 0, &d), 0);
    assert_string_equal(m.policy.name, "hpa");
    assert_true(m.policy.period == 10.0);
    assert_int_equal(m.policy.nparams, 2);
    assert_string_equal(m.policy.params[0].key, "target");
    assert_true(m.policy.params[0].value == 0.6 && m.policy.params[0].line == 5);
    assert_true(m.policy.params[1].value == 120.0);
    assert_true(m.slo.latency_p95 == 0.05 && m.slo.max_utilization == 0.8);
    assert_int_equal(m.nwarnings, 0);
    mdl_model_fini(&m);
    const char *bad = "services = ( { name = \"a\"; handler = ( { compute = \"1ms\"; } ); } );\n"
                      "workload = { rate = \"const(1)\"; };\n"
                      "policy = { name = \"hpa\";\n target = \"fast\"; };\n";
    assert_int_not_equal(mdl_load_string(&m, bad, "p.cfg", NULL, 0, &d), 0);
    assert_int_equal(d.line, 4);
}

/* Random damage to a real model never crashes the loader or the run: every
 * mutant either loads (and runs) or is rejected with a message and a line.
 * Under --enable-asan this also checks for memory errors. */
static void test_mutated_models_never_crash(void **state)
{
    (void)state;
    static const char *const bits[] = {"\"", ";", "(", ")", "{", "}", "=", "-1", "1e400",
                                       "exp(", "0", "nan", ",", "\"ms\"", "99999999999999999999",
                                       "const(", "p = 2;", "call = \"x\";"};
    size_t len = strlen(mdl_builtin_default);
    char *text = malloc(len + 512);
    uint64_t x = 88172645463325252ULL;
    int loaded = 0, rejected = 0;
    for (int round = 0; round < 300; round++) {
        memcpy(text, mdl_builtin_default, len + 1);
        size_t n = len;
        int edits = 1 + (int)(x % 5);
        for (int e = 0; e < edits; e++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            size_t pos = (size_t)(x % n);
            int op = (int)((x >> 32) % 3);
            if (op == 0) { /* delete a run */
                size_t k = 1 + (size_t)((x >> 40) % 20);
                if (pos + k > n)
                    k = n - pos;
                memmove(text + pos, text + pos + k, n - pos - k + 1);
                n -= k;
            } else if (op == 1) { /* insert a token */
                const char *b = bits[(x >> 20) % (sizeof bits / sizeof bits[0])];
                size_t k = strlen(b);
                memmove(text + pos + k, text + pos, n - pos + 1);
                memcpy(text + pos, b, k);
                n += k;
            } else { /* replace a character */
                text[pos] = (char)(32 + (x >> 48) % 95);
            }
            if (n == 0)
                break;
        }
        struct mdl_model m;
        struct sim_diag d = {0};
        const char *sets[] = {"run.duration=2s", "run.warmup=0s"};
        int rc = mdl_load_string(&m, text, "mutant", sets, 2, &d);
        if (rc) {
            assert_true(rc == SIM_ECONFIG || rc == SIM_EINVAL || rc == SIM_EIO);
            assert_true(d.msg[0] != '\0');
            rejected++;
            continue;
        }
        loaded++;
        struct run_summary s;
        assert_int_equal(run_model(&m, 1, &s), 0);
        run_summary_fini(&s);
        mdl_model_fini(&m);
    }
    free(text);
    printf("  %d mutants loaded and ran, %d rejected with a message\n", loaded, rejected);
    assert_true(loaded > 0 && rejected > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_model_and_defaults),
        cmocka_unit_test(test_overrides),
        cmocka_unit_test(test_builtin_default_loads),
        cmocka_unit_test(test_bad_models_name_line_and_reason),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_policy_and_slo),
        cmocka_unit_test(test_mutated_models_never_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
