/* SPDX-License-Identifier: MIT */
/* models/models_int.h: the simulated world's private state, shared by the
 * modules of models/ only. A request's handling at one service instance is a
 * visit; visits form a tree that mirrors the call tree. Every visit is owned by
 * the world's visit pool from creation until its reply reaches its caller. */
#ifndef MODELS_INT_H
#define MODELS_INT_H

#include "models/model.h"
#include "models/run.h"
#include "sim/engine.h"

#include <gsl/gsl_rng.h>

struct svc_instance;
struct svc_service;

struct visit {
    struct visit *next;          /* run queue, balancer queue or free list */
    struct visit *parent;        /* caller's visit; NULL for the client */
    struct svc_service *svc;
    struct svc_instance *inst;   /* set when the balancer dispatches it */
    uint64_t req_id;
    int64_t t_sent;              /* caller sent the call (or client sent the request) */
    int64_t t_arrive;            /* dispatched to an instance: handler starts */
    int64_t t_ready;             /* became runnable, waiting for the CPU */
    int64_t t_call;              /* current call step started */
    int64_t cpu_ns, wait_ns, call_ns;
    int64_t slice_ns;            /* CPU time of the current compute step */
    int64_t total_ns;            /* reply sent - t_arrive, set when done */
    uint32_t step;               /* index of the current handler step */
    uint32_t sub;                /* next callee of a sequential call step */
    uint32_t pending;            /* replies still awaited */
    bool measured;               /* request was sent after warm-up */
};

/* Statistics of one measured period, per service. */
struct svc_stats {
    uint64_t visits;
    double cpu, wait, call; /* sums, seconds */
    double busy;            /* CPU-busy seconds after warm-up */
};

struct svc_instance {
    struct svc_service *svc;
    int index;
    struct visit *rq_head, *rq_tail; /* runnable visits, FIFO */
    struct visit *running;           /* on the CPU, or NULL */
    int64_t run_start;               /* when running started its slice */
    int outstanding;                 /* visits held, from dispatch to reply */
};

struct svc_service {
    const struct mdl_service *def;
    int index;
    struct svc_world *world;
    struct svc_instance *inst;
    int ninst;
    int rr;                           /* round-robin cursor */
    struct visit *q_head, *q_tail;    /* balancer queue (maxconn reached) */
    gsl_rng *rng_compute;
    gsl_rng *rng_lb;
    struct svc_stats st;
};

/* Per call edge, for measured calls. */
struct edge_stats {
    uint64_t calls;
    double network_wait; /* sum of caller-observed call time - callee total */
};

struct svc_world {
    struct sim_engine *eng;
    const struct mdl_model *model;
    struct svc_service *svcs;
    size_t nsvcs;
    struct edge_stats *edges;         /* nsvcs x nsvcs, [caller * nsvcs + callee] */
    gsl_rng *rng_net;
    gsl_rng *rng_arrivals;
    struct visit *free_visits;
    struct visit_chunk *chunks;       /* every visit ever allocated */
    uint64_t next_req;
    int64_t warmup_ns;
    /* Client-side results. */
    uint64_t sent, completed;         /* measured requests */
    double *lat;                      /* latencies of measured requests, seconds */
    size_t nlat, lat_cap;
    uint64_t max_requests;
};

/* service.c */
void svc_world_init_services(struct svc_world *w);
void svc_world_fini_services(struct svc_world *w);
/* Sends request or call v to service `to` over the network. */
void svc_send(struct svc_world *w, struct visit *v, struct svc_service *to);
/* A request or call arrives at service s's balancer. */
void svc_deliver(struct svc_service *s, struct visit *v);
/* A reply from child reached its caller parent (the child is not freed). */
void svc_reply_arrived(struct svc_world *w, struct visit *parent, struct visit *child);
/* Adds CPU time of slices still running at `now` to the busy statistics. */
void svc_close_busy(struct svc_world *w, int64_t now);

/* net.c: one-way delay of a message. */
int64_t net_delay_ns(struct svc_world *w);

/* run.c: a visit finished; its reply travels back to its caller. */
void run_visit_done(struct svc_world *w, struct visit *v);
struct visit *run_visit_new(struct svc_world *w);

#endif
