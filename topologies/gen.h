/* SPDX-License-Identifier: MIT */
/* topologies/gen.h: generated topologies, written as model files. Each is
 * reproducible from its seed. Kinds:
 *   chain     n services, each calling the next;
 *   tree      a fan-out tree of depth d and degree k (parallel calls);
 *   dag       a random layered DAG: layers of `width` services, each calling
 *             each service of the next layer with probability p (and at least
 *             one, so every service is reachable);
 *   alibaba   an application of exactly `services` services made of heavy-tailed
 *             call graphs shaped after Alibaba's microservice traces, each
 *             rooted at an entry (a request class), sharing services
 *             (doc/generators.md gives the figures and tolerances).
 * Each service's mean CPU demand is drawn from `demand`; its compute step is
 * exponential with that mean. Ownership: topo_generate() returns a string
 * the caller frees. */
#ifndef TOPOLOGIES_GEN_H
#define TOPOLOGIES_GEN_H

#include "sim/err.h"

#include <stddef.h>
#include <stdint.h>

struct topo_opts {
    const char *kind;
    uint64_t seed;
    int services;       /* chain, alibaba */
    int depth, degree;  /* tree */
    int layers, width;  /* dag */
    double p;           /* dag */
    const char *demand; /* distribution of per-service mean CPU, e.g. "lognormal(1ms, 1)" */
    double rate;        /* requests per second at the root */
    int yield_points;
    const char *platform;
};

void topo_opts_init(struct topo_opts *o);

/* The shape of a generated graph, for tests and reports. */
struct topo_stats {
    int services, leaves, edges, depth; /* depth: longest call path, in calls */
    double mean_fanout;                 /* calls per non-leaf service */
    int max_fanout;
    int roots;        /* entry services, one per call graph (request class) */
    int *graph_size;  /* per call graph: services reachable from its root */
    int *graph_depth; /* per call graph: its longest call path, in calls */
};

/* Frees the per-graph arrays of a topo_stats filled by topo_generate(). */
void topo_stats_fini(struct topo_stats *s);

/* Generates the model text; stats (may be NULL) receives the shape (free
 * it with topo_stats_fini()).
 * Returns NULL with the reason in d for bad options. */
char *topo_generate(const struct topo_opts *o, struct topo_stats *stats, struct sim_diag *d);

#endif
