/* SPDX-License-Identifier: MIT */
/* topologies/gen.c: topology generators. A graph is built as adjacency
 * lists over service indices 0..n-1 (0 is the root) with edges only from
 * lower to higher depth, so it is a DAG by construction; it is then printed
 * as a model file. */
#include "topologies/gen.h"

#include "sim/dist.h"
#include "sim/rng.h"
#include "sim/strbuf.h"
#include "sim/xalloc.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void topo_opts_init(struct topo_opts *o)
{
    memset(o, 0, sizeof *o);
    o->kind = "chain";
    o->seed = 1;
    o->services = 10;
    o->depth = 3;
    o->degree = 3;
    o->layers = 4;
    o->width = 4;
    o->p = 0.3;
    o->demand = "lognormal(1ms, 1)";
    o->rate = 100;
    o->platform = "unikernel";
}

struct graph {
    int n, cap;
    int *depth;
    int **kids;
    int *nkids, *capkids;
};

static int add_node(struct graph *g, int depth)
{
    if (g->n == g->cap) {
        g->cap = g->cap ? 2 * g->cap : 16;
        g->depth = xrealloc(g->depth, (size_t)g->cap * sizeof *g->depth);
        g->kids = xrealloc(g->kids, (size_t)g->cap * sizeof *g->kids);
        g->nkids = xrealloc(g->nkids, (size_t)g->cap * sizeof *g->nkids);
        g->capkids = xrealloc(g->capkids, (size_t)g->cap * sizeof *g->capkids);
    }
    g->depth[g->n] = depth;
    g->kids[g->n] = NULL;
    g->nkids[g->n] = g->capkids[g->n] = 0;
    return g->n++;
}

static void add_edge(struct graph *g, int a, int b)
{
    for (int i = 0; i < g->nkids[a]; i++)
        if (g->kids[a][i] == b)
            return;
    if (g->nkids[a] == g->capkids[a]) {
        g->capkids[a] = g->capkids[a] ? 2 * g->capkids[a] : 4;
        g->kids[a] = xrealloc(g->kids[a], (size_t)g->capkids[a] * sizeof **g->kids);
    }
    g->kids[a][g->nkids[a]++] = b;
}

static void graph_free(struct graph *g)
{
    for (int i = 0; i < g->n; i++)
        free(g->kids[i]);
    free(g->kids);
    free(g->nkids);
    free(g->capkids);
    free(g->depth);
}

static void gen_chain(struct graph *g, int n)
{
    for (int i = 0; i < n; i++) {
        add_node(g, i);
        if (i)
            add_edge(g, i - 1, i);
    }
}

static void gen_tree(struct graph *g, int depth, int degree)
{
    add_node(g, 0);
    for (int i = 0; i < g->n; i++)
        if (g->depth[i] < depth)
            for (int k = 0; k < degree; k++)
                add_edge(g, i, add_node(g, g->depth[i] + 1));
}

static void gen_dag(struct graph *g, int layers, int width, double p, gsl_rng *r)
{
    add_node(g, 0);
    int prev_lo = 0, prev_hi = 1;
    for (int l = 1; l < layers; l++) {
        int lo = g->n;
        for (int k = 0; k < width; k++)
            add_node(g, l);
        int hi = g->n;
        for (int b = lo; b < hi; b++) {
            bool called = false;
            for (int a = prev_lo; a < prev_hi; a++)
                if (gsl_rng_uniform(r) < p) {
                    add_edge(g, a, b);
                    called = true;
                }
            if (!called) /* every service has a caller */
                add_edge(g,
                         prev_lo + (int)gsl_rng_uniform_int(r, (unsigned long)(prev_hi - prev_lo)),
                         b);
        }
        prev_lo = lo;
        prev_hi = hi;
    }
}

/* Alibaba-shaped graphs (doc/generators.md): grown breadth-first from the
 * root. A service at depth d is a leaf with probability leaf_p[d] (1 from
 * depth 5 on, so paths have at most 5 calls, 6 services); otherwise it calls
 * k services, k from a Zipf law on 1..10 with exponent 1.5. A call goes to
 * an existing service one level deeper with probability 0.25 (services
 * shared between call paths), else to a new one, until n services exist. */
/* One call graph, grown breadth first from a new root until it ends or the
 * application has n services. A call may go to a service of the right depth
 * already in this graph (services shared between call paths), so depth stays
 * within 5 calls. Graphs do not share services with each other: each keeps
 * the calibrated shape of one Alibaba call graph. */
static void grow_graph(struct graph *g, int n, gsl_rng *r, const double *zipf, double zsum)
{
    static const double leaf_p[] = {0.0, 0.05, 0.4, 0.7, 0.9, 1.0};
    int root = add_node(g, 0);
    for (int i = root; i < g->n; i++) {
        int d = g->depth[i];
        if (d >= 5 || (i > root && gsl_rng_uniform(r) < leaf_p[d]))
            continue;
        double u = gsl_rng_uniform(r) * zsum;
        int k = 0;
        while (k < 9 && u >= zipf[k])
            u -= zipf[k++];
        k++;
        for (int j = 0; j < k; j++) {
            int shared = -1;
            if (gsl_rng_uniform(r) < 0.25) {
                for (int t = 0; t < 8 && shared < 0; t++) {
                    int c = root + (int)gsl_rng_uniform_int(r, (unsigned long)(g->n - root));
                    if (g->depth[c] == d + 1)
                        shared = c;
                }
            }
            if (shared >= 0)
                add_edge(g, i, shared);
            else if (g->n < n)
                add_edge(g, i, add_node(g, d + 1));
        }
    }
}

/* An application of exactly n services: call graphs, each rooted at an
 * entry service, until n services exist. */
static void gen_alibaba(struct graph *g, int n, gsl_rng *r)
{
    double zipf[10], zsum = 0;
    for (int k = 0; k < 10; k++)
        zsum += zipf[k] = pow(k + 1, -2.0);
    while (g->n < n) {
        if (n - g->n == 1) {
            /* One service left: a graph needs two, so the first root calls it. */
            add_edge(g, 0, add_node(g, 1));
            break;
        }
        grow_graph(g, n, r, zipf, zsum);
    }
}

static void stats_of(const struct graph *g, struct topo_stats *s)
{
    memset(s, 0, sizeof *s);
    s->services = g->n;
    int *longest = xcalloc((size_t)g->n + 1, sizeof *longest);
    int nonleaf = 0;
    /* Every edge goes one level deeper: sweeping from the deepest level up
     * sees callees before callers. */
    int maxd = 0;
    for (int i = 0; i < g->n; i++)
        if (g->depth[i] > maxd)
            maxd = g->depth[i];
    for (int d = maxd; d >= 0; d--)
        for (int i = 0; i < g->n; i++) {
            if (g->depth[i] != d)
                continue;
            for (int k = 0; k < g->nkids[i]; k++)
                if (longest[g->kids[i][k]] + 1 > longest[i])
                    longest[i] = longest[g->kids[i][k]] + 1;
        }
    for (int i = 0; i < g->n; i++) {
        s->edges += g->nkids[i];
        if (g->nkids[i] == 0)
            s->leaves++;
        else
            nonleaf++;
        if (g->nkids[i] > s->max_fanout)
            s->max_fanout = g->nkids[i];
        s->roots += g->depth[i] == 0;
        if (g->depth[i] == 0 && longest[i] > s->depth)
            s->depth = longest[i];
    }
    s->mean_fanout = nonleaf ? (double)s->edges / nonleaf : 0;
    /* Per call graph: the services reachable from each root, and its depth. */
    s->graph_size = xcalloc((size_t)s->roots + 1, sizeof *s->graph_size);
    s->graph_depth = xcalloc((size_t)s->roots + 1, sizeof *s->graph_depth);
    int *mark = xcalloc((size_t)g->n + 1, sizeof *mark);
    int *stack = xcalloc((size_t)g->n + 1, sizeof *stack);
    int k = 0;
    for (int i = 0; i < g->n; i++) {
        if (g->depth[i] != 0)
            continue;
        int top = 0, size = 0;
        stack[top++] = i;
        mark[i] = k + 1;
        while (top) {
            int v = stack[--top];
            size++;
            for (int j = 0; j < g->nkids[v]; j++)
                if (mark[g->kids[v][j]] != k + 1) {
                    mark[g->kids[v][j]] = k + 1;
                    stack[top++] = g->kids[v][j];
                }
        }
        s->graph_size[k] = size;
        s->graph_depth[k] = longest[i];
        k++;
    }
    free(mark);
    free(stack);
    free(longest);
}

void topo_stats_fini(struct topo_stats *s)
{
    free(s->graph_size);
    free(s->graph_depth);
    s->graph_size = s->graph_depth = NULL;
}

char *topo_generate(const struct topo_opts *o, struct topo_stats *stats, struct sim_diag *d)
{
    struct sim_dist demand;
    char why[300];
    if (sim_dist_init_parse(&demand, o->demand, SIM_DIST_SECONDS, NULL, why, sizeof why)) {
        sim_diag_set(d, SIM_EINVAL, "--demand", 0, "%s", why);
        return NULL;
    }
    if (!(o->rate > 0)) {
        sim_diag_set(d, SIM_EINVAL, "--rate", 0, "the rate must be > 0");
        sim_dist_fini(&demand);
        return NULL;
    }
    gsl_rng *r = sim_rng_create(o->seed, "gen/graph");
    gsl_rng *rd = sim_rng_create(o->seed, "gen/demand");
    struct graph g = {0};
    const char *bad = NULL;
    if (!strcmp(o->kind, "chain")) {
        if (o->services < 1 || o->services > 100000)
            bad = "--services must be in [1, 100000]";
        else
            gen_chain(&g, o->services);
    } else if (!strcmp(o->kind, "tree")) {
        if (o->depth < 0 || o->degree < 1 || pow(o->degree, o->depth) > 100000)
            bad = "--depth >= 0 and --degree >= 1, with at most 100000 services";
        else
            gen_tree(&g, o->depth, o->degree);
    } else if (!strcmp(o->kind, "dag")) {
        if (o->layers < 1 || o->width < 1 || (long)o->layers * o->width > 100000 || !(o->p >= 0) ||
            o->p > 1)
            bad = "--layers >= 1, --width >= 1 and 0 <= --p <= 1";
        else
            gen_dag(&g, o->layers, o->width, o->p, r);
    } else if (!strcmp(o->kind, "alibaba")) {
        if (o->services < 1 || o->services > 100000)
            bad = "--services must be in [1, 100000]";
        else
            gen_alibaba(&g, o->services, r);
    } else {
        bad = "unknown kind (expected chain, tree, dag or alibaba)";
    }
    gsl_rng_free(r);
    if (bad) {
        sim_diag_set(d, SIM_EINVAL, o->kind, 0, "%s", bad);
        gsl_rng_free(rd);
        graph_free(&g);
        sim_dist_fini(&demand);
        return NULL;
    }
    struct topo_stats st;
    stats_of(&g, &st);
    struct sim_buf b = {0};
    sim_buf_printf(&b,
                   "# Generated by uksim gen %s (seed %llu): %d services, %d calls, depth %d.\n",
                   o->kind, (unsigned long long)o->seed, st.services, st.edges, st.depth);
    sim_buf_printf(&b, "# Mean CPU demand per service drawn from %s.\n", o->demand);
    /* A window long enough that the time series stays within 5e6 rows. */
    double window = fmax(1.0, ceil(120.0 * g.n / 5e6 * 10) / 10);
    sim_buf_printf(&b,
                   "run:      { seed = %llu; duration = \"120s\"; warmup = \"10s\"; window = "
                   "\"%gs\"; };\n",
                   (unsigned long long)o->seed, window);
    sim_buf_printf(&b, "network:  { latency = \"const(100us)\"; };\n");
    sim_buf_printf(&b, "tracing:  { sampling = 1; packet_timestamps = true; };\n");
    sim_buf_printf(&b, "services = (\n");
    for (int i = 0; i < g.n; i++) {
        double mean = sim_dist_sample(&demand, rd);
        if (!(mean > 1e-9))
            mean = 1e-9;
        sim_buf_printf(&b, "  { name = \"s%d\"; platform = \"%s\"; max = 100;%s", i, o->platform,
                       o->yield_points ? "" : "");
        if (o->yield_points)
            sim_buf_printf(&b, " yield_points = %d;", o->yield_points);
        sim_buf_printf(&b, "\n    handler = ( { compute = \"exp(%.6gus)\"; }", mean * 1e6);
        if (g.nkids[i]) {
            sim_buf_printf(&b, ", { call = (");
            for (int k = 0; k < g.nkids[i]; k++)
                sim_buf_printf(&b, "%s\"s%d\"", k ? ", " : "", g.kids[i][k]);
            sim_buf_printf(&b, ")%s; }", g.nkids[i] > 1 ? "; parallel = true" : "");
        }
        sim_buf_printf(&b, " ); }%s\n", i + 1 < g.n ? "," : "");
    }
    if (st.roots <= 1) {
        sim_buf_printf(&b, ");\nworkload: { entry = \"s0\"; rate = \"const(%g)\"; };\n", o->rate);
    } else {
        /* A request class per call graph, with Zipf(1) popularity: the
         * first graph's entry gets the most requests. */
        sim_buf_printf(&b, ");\nworkload: { rate = \"const(%g)\";\n  classes = (", o->rate);
        int k = 0;
        for (int i = 0; i < g.n; i++)
            if (g.depth[i] == 0) {
                sim_buf_printf(&b, "%s\n    { name = \"g%d\"; entry = \"s%d\"; share = %.6g; }",
                               k ? "," : "", k, i, 1.0 / (k + 1));
                k++;
            }
        sim_buf_printf(&b, " ); };\n");
    }
    gsl_rng_free(rd);
    graph_free(&g);
    sim_dist_fini(&demand);
    if (stats)
        *stats = st;
    else
        topo_stats_fini(&st);
    return b.p;
}
