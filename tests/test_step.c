/* SPDX-License-Identifier: MIT */
/* tests/test_step.c: the handler-step machine (models/step.h) on hand-built
 * handlers: slices and yields, call steps of each kind, probabilities, and
 * picks among more callees than a 16-bit index holds. */
#include "models/step.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

static struct mdl_step compute(double p)
{
    return (struct mdl_step){.kind = MDL_STEP_COMPUTE, .p = p};
}

static struct mdl_step call(int *callees, size_t n, bool parallel)
{
    return (struct mdl_step){
        .kind = MDL_STEP_CALL, .p = 1.0, .callees = callees, .ncallees = n, .parallel = parallel};
}

/* yield_points = 2: three equal slices, the last taking the remainder. */
static void test_yield_points_slice_a_step(void **state)
{
    (void)state;
    struct mdl_step steps[] = {compute(1.0)};
    struct step_state s;
    struct step_cfg cfg = {.yield_points = 2};
    step_begin(&s, steps, 1);
    struct step_act a = step_next(&s, &cfg);
    assert_int_equal(a.kind, STEP_DRAW);
    step_drawn(&s, true, 1000, 0);
    int64_t want[] = {333, 333, 334};
    for (int i = 0; i < 3; i++) {
        a = step_next(&s, &cfg);
        assert_int_equal(a.kind, STEP_COMPUTE);
        assert_int_equal(a.ns, want[i]);
        assert_int_equal(a.yield_after, i < 2);
    }
    assert_int_equal(step_next(&s, &cfg).kind, STEP_REPLY);
}

/* A quantum of 300 ns: 300, 300, 300, 100, yielding after each but the last. */
static void test_quantum_slices(void **state)
{
    (void)state;
    struct mdl_step steps[] = {compute(1.0)};
    struct step_state s;
    struct step_cfg cfg = {.quantum_ns = 300};
    step_begin(&s, steps, 1);
    step_next(&s, &cfg);
    step_drawn(&s, true, 1000, 0);
    int64_t sum = 0;
    int n = 0;
    struct step_act a;
    while ((a = step_next(&s, &cfg)).kind == STEP_COMPUTE) {
        sum += a.ns;
        n++;
        assert_true(a.ns <= 300);
    }
    assert_int_equal(sum, 1000);
    assert_int_equal(n, 4);
    assert_int_equal(a.kind, STEP_REPLY);
}

/* Sequential calls: one at a time, each its reply; parallel: all at once. */
static void test_calls(void **state)
{
    (void)state;
    int cs[] = {4, 5, 6};
    struct mdl_step steps[] = {call(cs, 3, false), call(cs, 3, true)};
    struct step_state s;
    struct step_cfg cfg = {0};
    step_begin(&s, steps, 2);
    for (uint32_t k = 0; k < 3; k++) {
        struct step_act a = step_next(&s, &cfg);
        assert_int_equal(a.kind, STEP_CALL);
        assert_int_equal(a.first, k);
        assert_int_equal(a.count, 1);
        assert_true(step_reply(&s));
    }
    struct step_act a = step_next(&s, &cfg);
    assert_int_equal(a.kind, STEP_CALL);
    assert_int_equal(a.first, 0);
    assert_int_equal(a.count, 3);
    assert_false(step_reply(&s));
    assert_false(step_reply(&s));
    assert_true(step_reply(&s));
    assert_int_equal(step_next(&s, &cfg).kind, STEP_REPLY);
}

/* A skipped step (its p drew false) is passed over. */
static void test_skipped_step(void **state)
{
    (void)state;
    struct mdl_step steps[] = {compute(0.5), compute(1.0)};
    struct step_state s;
    struct step_cfg cfg = {0};
    step_begin(&s, steps, 2);
    assert_int_equal(step_next(&s, &cfg).kind, STEP_DRAW);
    step_drawn(&s, false, 0, 0);
    struct step_act a = step_next(&s, &cfg);
    assert_int_equal(a.kind, STEP_DRAW);
    assert_ptr_equal(a.step, &steps[1]);
    step_drawn(&s, true, 7, 0);
    assert_int_equal(step_next(&s, &cfg).ns, 7);
}

/* A pick among 70000 callees reaches indices beyond 65535. */
static void test_pick_beyond_16_bits(void **state)
{
    (void)state;
    enum { N = 70000 };
    int *cs = calloc(N, sizeof *cs);
    double *pick = calloc(N, sizeof *pick);
    for (int i = 0; i < N; i++)
        pick[i] = (double)(i + 1) / N;
    struct mdl_step st = call(cs, N, false);
    st.pick = pick;
    assert_int_equal(step_pick_index(&st, 0.0), 0);
    assert_int_equal(step_pick_index(&st, 69999.5 / N), 69999);
    assert_int_equal(step_pick_index(&st, 65536.5 / N), 65536);
    assert_int_equal(step_pick_index(&st, 0.9999999999), 69999);
    struct step_state s;
    struct step_cfg cfg = {0};
    step_begin(&s, &st, 1);
    assert_int_equal(step_next(&s, &cfg).kind, STEP_DRAW);
    step_drawn(&s, true, 0, 66000);
    struct step_act a = step_next(&s, &cfg);
    assert_int_equal(a.first, 66000);
    assert_int_equal(a.count, 1);
    free(cs);
    free(pick);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_yield_points_slice_a_step),
        cmocka_unit_test(test_quantum_slices),
        cmocka_unit_test(test_calls),
        cmocka_unit_test(test_skipped_step),
        cmocka_unit_test(test_pick_beyond_16_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
