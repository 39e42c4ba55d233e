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

/* gen(), for callers that need only the totals. */
static char *gen_totals(struct topo_opts *o, struct topo_stats *st)
{
    char *text = gen(o, st);
    topo_stats_fini(st);
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
    free(gen_totals(&o, &st));
    assert_int_equal(st.services, 7);
    assert_int_equal(st.depth, 6);
    assert_int_equal(st.leaves, 1);
    o.kind = "tree";
    o.depth = 3;
    o.degree = 3;
    free(gen_totals(&o, &st));
    assert_int_equal(st.services, 40);
    assert_int_equal(st.leaves, 27);
    assert_int_equal(st.depth, 3);
    o.kind = "dag";
    o.layers = 5;
    o.width = 6;
    o.p = 0.2;
    free(gen_totals(&o, &st));
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
    char *a = gen_totals(&o, &st), *b = gen_totals(&o, &st);
    assert_string_equal(a, b);
    o.seed = 43;
    char *c = gen_totals(&o, &st);
    assert_true(strcmp(a, c) != 0);
    free(a);
    free(b);
    free(c);
}

static int cmp_int(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

/* Per call graph (an entry and what it reaches), over 40 applications of
 * 2000 services: the figures of doc/generators.md within its tolerances. */
static void test_alibaba_statistics(void **state)
{
    (void)state;
    enum { APPS = 40, MAXG = 40000 };
    int *size = malloc(MAXG * sizeof *size);
    int ng = 0, shallow = 0, big = 0;
    long leaves = 0, services = 0;
    struct topo_opts o;
    topo_opts_init(&o);
    o.kind = "alibaba";
    o.services = 2000;
    for (int i = 0; i < APPS; i++) {
        struct topo_stats st;
        o.seed = (uint64_t)i + 1000;
        free(gen(&o, &st));
        assert_true(st.max_fanout <= 10);
        leaves += st.leaves;
        services += st.services;
        for (int k = 0; k < st.roots && ng < MAXG; k++) {
            int depth = st.graph_depth[k] + 1; /* services on the longest path */
            assert_true(depth >= 2 && depth <= 6);
            shallow += depth <= 4;
            big += st.graph_size[k] >= 20;
            size[ng++] = st.graph_size[k];
        }
        topo_stats_fini(&st);
    }
    qsort(size, (size_t)ng, sizeof size[0], cmp_int);
    double share = (double)leaves / (double)services;
    printf("  %d call graphs: median size %d, %.1f%% with >= 20, leaf share %.3f, %.1f%% at "
           "depth <= 4\n",
           ng, size[ng / 2], 100.0 * big / ng, share, 100.0 * shallow / ng);
    assert_true(size[ng / 2] <= 10);
    assert_true(big >= ng * 5 / 100 && big <= ng * 25 / 100);
    assert_true(share >= 0.34 && share <= 0.54);
    assert_true(shallow >= ng / 2);
    free(size);
}

/* --services N gives N services, from 10 to 100000. */
static void test_alibaba_size_asked(void **state)
{
    (void)state;
    static const int sizes[] = {10, 11, 80, 137, 1000, 25000, 100000};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        for (uint64_t seed = 1; seed <= 3; seed++) {
            struct topo_opts o;
            struct topo_stats st;
            topo_opts_init(&o);
            o.kind = "alibaba";
            o.services = sizes[i];
            o.seed = seed;
            free(gen(&o, &st));
            assert_int_equal(st.services, sizes[i]);
            int reached = 0;
            for (int k = 0; k < st.roots; k++)
                reached += st.graph_size[k];
            assert_true(reached == sizes[i]); /* graphs are disjoint and cover it */
            topo_stats_fini(&st);
            if (sizes[i] >= 25000)
                break; /* one seed of the big ones is enough */
        }
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
        cmocka_unit_test(test_exact_shapes),       cmocka_unit_test(test_same_seed_same_text),
        cmocka_unit_test(test_alibaba_statistics), cmocka_unit_test(test_alibaba_size_asked),
        cmocka_unit_test(test_bad_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
