/* SPDX-License-Identifier: MIT */
/* tests/test_topologies.c: the generators. Exact shapes for chain, tree and
 * dag; for the Alibaba-shaped generator, the statistics of doc/generators.md
 * within their stated tolerance over 400 seeds. Every generated text loads
 * as a model, and one seed gives one text. */
#include "models/model.h"
#include "topologies/gen.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static char *gen(struct topo_opts *o, struct topo_stats *st)
{
    struct sim_diag d = {0};
    char *text = topo_generate(o, st, &d);
    if (!text)
        fail_msg("%s: %s", o->kind, d.msg);
    struct mdl_model m;
    if (mdl_load_string(&m, text, "gen", NULL, 0, &d))
        fail_msg("generated %s does not load: line %d: %s", o->kind, d.line, d.msg);
    assert_int_equal((int)m.nservices, st->services);
    mdl_model_fini(&m);
    return text;
}

static void test_exact_shapes(void **state)
{
    (void)state;
    struct topo_opts o;
    struct topo_stats st;
    topo_opts_init(&o);
    o.kind = "chain";
    o.services = 7;
    free(gen(&o, &st));
    assert_int_equal(st.services, 7);
    assert_int_equal(st.depth, 6);
    assert_int_equal(st.leaves, 1);
    o.kind = "tree";
    o.depth = 3;
    o.degree = 3;
    free(gen(&o, &st));
    assert_int_equal(st.services, 40);
    assert_int_equal(st.leaves, 27);
    assert_int_equal(st.depth, 3);
    o.kind = "dag";
    o.layers = 5;
    o.width = 6;
    o.p = 0.2;
    free(gen(&o, &st));
    assert_int_equal(st.services, 1 + 4 * 6);
    assert_int_equal(st.depth, 4);
    assert_true(st.edges >= 4 * 6); /* every service has a caller */
}

static void test_same_seed_same_text(void **state)
{
    (void)state;
    struct topo_opts o;
    struct topo_stats st;
    topo_opts_init(&o);
    o.kind = "alibaba";
    o.services = 100;
    o.seed = 42;
    char *a = gen(&o, &st), *b = gen(&o, &st);
    assert_string_equal(a, b);
    o.seed = 43;
    char *c = gen(&o, &st);
    assert_true(strcmp(a, c) != 0);
    free(a);
    free(b);
    free(c);
}

static int cmp_int(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

static void test_alibaba_statistics(void **state)
{
    (void)state;
    enum { N = 400 };
    int size[N], shallow = 0, big = 0;
    long leaves = 0, pooled = 0;
    struct topo_opts o;
    topo_opts_init(&o);
    o.kind = "alibaba";
    o.services = 200;
    for (int i = 0; i < N; i++) {
        struct topo_stats st;
        o.seed = (uint64_t)i + 1000;
        free(gen(&o, &st));
        size[i] = st.services;
        assert_true(st.depth + 1 >= 2 && st.depth + 1 <= 6);
        assert_true(st.max_fanout <= 10);
        shallow += st.depth + 1 <= 4;
        big += st.services >= 20;
        if (st.services >= 5) {
            leaves += st.leaves;
            pooled += st.services;
        }
    }
    qsort(size, N, sizeof size[0], cmp_int);
    double share = (double)leaves / (double)pooled;
    printf("  median size %d, %.1f%% with >= 20, leaf share %.3f, %.1f%% at depth <= 4\n",
           size[N / 2], 100.0 * big / N, share, 100.0 * shallow / N);
    assert_true(size[N / 2] <= 10);
    assert_true(big >= N * 5 / 100 && big <= N * 25 / 100);
    assert_true(share >= 0.34 && share <= 0.54);
    assert_true(shallow >= N / 2);
}

static void test_bad_options(void **state)
{
    (void)state;
    struct topo_opts o;
    struct sim_diag d = {0};
    topo_opts_init(&o);
    o.kind = "ring";
    assert_null(topo_generate(&o, NULL, &d));
    topo_opts_init(&o);
    o.kind = "dag";
    o.p = 1.5;
    assert_null(topo_generate(&o, NULL, &d));
    topo_opts_init(&o);
    o.demand = "exp(-1ms)";
    assert_null(topo_generate(&o, NULL, &d));
    assert_string_equal(d.file, "--demand");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_shapes),
        cmocka_unit_test(test_same_seed_same_text),
        cmocka_unit_test(test_alibaba_statistics),
        cmocka_unit_test(test_bad_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
