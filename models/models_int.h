/* SPDX-License-Identifier: MIT */
/* models/models_int.h: the simulated world's private state, shared by the
 * modules of models/ only. A request's handling at one service instance is a
 * visit; visits form a tree that mirrors the call tree. A visit is owned by
 * the world's visit pool from creation until its caller has replied in turn
 * (its tracing record, a struct wt_call, is read at the caller's reply), or
 * for a client request until the reply reaches the client. */
#ifndef MODELS_INT_H
#define MODELS_INT_H

#include "models/model.h"
#include "models/run.h"
#include "sim/engine.h"
#include "tracecore/wtrace.h"

#include <gsl/gsl_rng.h>

struct svc_instance;
struct svc_service;
struct user;
struct control;

/* Statistics are gathered three times over: per time-series window, per
 * policy decision period, and over the measured part of the run. */
enum { ACC_SERIES, ACC_POLICY, ACC_RUN, NACC };

struct svc_acc {
    struct wt_window win; /* the tracing core's statistics */
    struct wt_callee_stats *callees;
    uint64_t arrivals, completions;
    double busy;    /* CPU-busy seconds */
    double serving; /* instance-seconds ready or draining */
};

struct client_acc {
    int64_t start;
    struct wt_sketch lat; /* latencies of requests completed */
    uint64_t sent, completed;
};

/* What ends the burst a visit runs on the CPU. */
enum burst_end { BURST_YIELD, BURST_CALL, BURST_REPLY };

struct visit {
    struct visit *next;          /* NIC ring, run or yield queue, balancer queue, free list */
    struct visit *parent;        /* caller's visit; NULL for the client */
    struct visit *done_children; /* replied calls, kept for the tracing fold */
    struct visit *sibling;       /* link in the parent's done_children */
    struct svc_service *svc;
    struct svc_instance *inst; /* set when the balancer dispatches it */
    uint64_t req_id;
    int64_t t_sent;               /* caller sent the call (or client sent the request) */
    int64_t t_nic;                /* the packet now in a NIC ring arrived */
    int64_t t_arrive;             /* dispatched to an instance */
    int64_t t_call;               /* current call step started */
    int64_t slice_ns;             /* CPU time of the burst being run */
    int64_t step_ns;              /* current compute step's demand; < 0: not begun */
    int64_t step_done_ns;         /* of which already run */
    int64_t nic_wait_ns;          /* ground truth: time this request sat in NIC rings */
    const struct mdl_step *steps; /* the handler for this service and class */
    uint32_t nsteps;
    uint32_t step;                    /* index of the current handler step */
    uint32_t sub;                     /* slices run of a compute step, or callees sent of a
                                         call step */
    uint32_t pending;                 /* replies still awaited */
    uint16_t cls;                     /* workload class */
    uint16_t pick;                    /* callee drawn by the current call step's pick */
    uint32_t user;                    /* closed loop: the user who sent the request */
    double bytes;                     /* size of the message in flight */
    uint8_t entered;                  /* the current step's draws are made */
    uint8_t exported;                 /* its timeline goes to trace.json */
    uint32_t span_id;                 /* for exported visits */
    int64_t t_mark;                   /* exported: start of the current waiting segment */
    uint8_t is_reply;                 /* in a NIC ring as a reply to its parent */
    uint8_t measured;                 /* request was sent after warm-up */
    uint8_t end;                      /* enum burst_end of the running burst */
    uint8_t hooks;                    /* tracing hooks charged to the running burst */
    char ctx_hdr[WT_CTX_LEN + 1];     /* request context, as sent */
    char resp_hdr[WT_AGG_MAXLEN + 1]; /* response value, as sent */
    struct wt_req wt;                 /* this visit's tracing state */
    struct wt_call wt_call;           /* the caller's record of this call */
};

/* Statistics of one measured period, per service. */
struct svc_stats {
    uint64_t visits;
    double cpu, wait, call; /* sums, seconds (traced, sampled visits) */
    uint64_t traced;
    double nic_wait;     /* ground truth sum over measured visits */
    double busy;         /* CPU-busy seconds after warm-up */
    double inst_seconds; /* requested -> stopped, after warm-up */
    uint64_t scale_ups, scale_downs;
    double serve_seconds; /* ready -> stopped, after warm-up */
};

enum inst_state {
    INST_PENDING,     /* requested, waiting for a free host slot */
    INST_BOOTING,     /* booting on a host */
    INST_REGISTERING, /* booted, not yet known to the balancer */
    INST_READY,
    INST_DRAINING, /* finishing what it holds, taking nothing new */
    INST_STOPPED,
};

struct svc_instance {
    struct svc_service *svc;
    int index;
    enum inst_state state;
    int64_t since;         /* started booting (cost counts from here) */
    int64_t serving_since; /* ready */
    struct visit *running; /* on the CPU, or NULL */
    int64_t run_start;     /* when the running burst started */
    int outstanding;       /* visits held, from dispatch to reply */
    int64_t link_free;     /* its egress link is busy until then */
    /* FIFO scheduler */
    struct visit *rq_head, *rq_tail; /* runnable visits */
    /* Lwt scheduler */
    struct visit *ring_head, *ring_tail; /* NIC ring: packets not yet read */
    uint32_t ring_len;
    struct visit *yq_head, *yq_tail; /* threads that yielded */
    uint32_t yq_len;
    uint32_t batch_left; /* packets of the current poll still to handle */
    uint32_t wake_left;  /* yielded threads of this iteration still to resume */
    bool wake_pending;   /* the wake phase of this iteration has not begun */
};

struct svc_service {
    const struct mdl_service *def;
    int index;
    struct svc_world *world;
    struct svc_instance **inst; /* every instance ever started; slots reused */
    int ninst, inst_cap;
    int count[INST_STOPPED + 1]; /* instances by state */
    int64_t discovery_ns;
    gsl_rng *rng_boot;
    int rr;                        /* round-robin cursor */
    struct visit *q_head, *q_tail; /* balancer queue (maxconn reached) */
    gsl_rng *rng_compute;
    gsl_rng *rng_lb;
    gsl_rng *rng_branch;  /* step probabilities and picks */
    gsl_rng *rng_size;    /* message sizes */
    struct wt_service wt; /* tracing configuration and id stream */
    struct svc_stats st;
    /* Callees, numbered locally for the tracing core's per-callee stats. */
    int *callee_local;  /* by service index; -1: not called */
    int *callee_global; /* by local index */
    int ncallees;
    /* The current time-series window and policy period (instances merged). */
    struct svc_acc acc[NACC];
    int64_t serving_mark; /* last change of the serving count */
    int64_t last_arrival; /* of a visit, for idle timeouts */
};

/* Per call edge, for measured traced calls. */
struct edge_stats {
    uint64_t calls;
    double network_wait; /* sums, seconds */
    double remote_wait;
};

struct svc_world {
    struct sim_engine *eng;
    const struct mdl_model *model;
    struct svc_service *svcs;
    size_t nsvcs;
    struct edge_stats *edges; /* nsvcs x nsvcs, [caller * nsvcs + callee] */
    gsl_rng *rng_net;
    gsl_rng *rng_arrivals;
    gsl_rng *rng_class; /* request class of each client request */
    gsl_rng *rng_think;
    struct visit *free_visits;
    struct visit_chunk *chunks; /* every visit ever allocated */
    uint64_t next_req;
    int64_t warmup_ns;
    int64_t hook_ns; /* CPU per tracing hook */
    /* Client-side results. */
    uint64_t sent, completed; /* measured requests */
    double *lat;              /* latencies of measured requests, seconds */
    size_t nlat, lat_cap;
    uint64_t max_requests;
    struct user *users;     /* closed loop */
    struct run_span *spans; /* exported timelines */
    size_t nspans, spans_cap;
    uint32_t exported, next_span_id;
    struct control *control; /* the policy loop, or NULL */
    const struct run_control *progress_ctl;
    int64_t progress_step;
    long host_free;                /* free host slots; < 0: no host pool */
    struct svc_instance **pending; /* instances waiting for a slot, FIFO ring */
    size_t pending_head, npending, pending_cap;
    /* Time series. */
    int64_t window_ns;
    struct client_acc cacc[NACC];
    struct run_window_row *rows;
    size_t nrows, rows_cap;
    struct run_client_row *crows;
    size_t ncrows, crows_cap;
};

/* service.c */
void svc_world_init_services(struct svc_world *w);
void svc_world_fini_services(struct svc_world *w);
/* Sends request or call v (its class and bytes set) to service `to` from
 * zone from_zone, over the egress link of instance link (NULL: the client's,
 * never congested). */
void svc_send(struct svc_world *w, struct visit *v, struct svc_service *to, int from_zone,
              struct svc_instance *link);
/* Closes the books at `now`: CPU time of running bursts, and the time of
 * instances still alive. */
void svc_close_busy(struct svc_world *w, int64_t now);
/* Closes the current time-series window at the current time, appending one
 * row per service, and opens the next. */
void svc_window_flush(struct svc_world *w);
/* Starts accumulator k afresh at the current time (after reading it). */
void svc_acc_reset(struct svc_world *w, int k);
/* The tracing core's verdict over accumulator k of service s. */
void svc_verdict(const struct svc_service *s, int k, int *kind, int *callee, double *wait);
/* Adds running bursts and serving time up to now into accumulator k. */
void svc_acc_close(struct svc_world *w, int k);
/* Starts or drains instances of service s so that those booting or ready
 * number target (within the service's min and max). Returns the new target. */
int svc_scale_to(struct svc_world *w, struct svc_service *s, int target);
/* Instances of s requested but not yet ready (waiting for a host, booting
 * or registering), and those plus the ready ones: what a target counts. */
int svc_booting(const struct svc_service *s);
int svc_live(const struct svc_service *s);

/* control.c: the policy loop. */
void ctl_start(struct svc_world *w, const struct run_control *ctl);
void ctl_stop(struct svc_world *w);
/* A request reached service s, which has no instance at all. */
void ctl_demand(struct svc_world *w, struct svc_service *s);

/* Appends a span of exported visit v over [from, to) (nothing if empty). */
void span_add(struct svc_world *w, const struct visit *v, int kind, int64_t from, int64_t to);

/* net.c: one-way delay of a message of `bytes` from zone `from` to zone `to`,
 * leaving over instance link's egress link (NULL: an uncongested link). */
int64_t net_delay_ns(struct svc_world *w, int from, int to, double bytes,
                     struct svc_instance *link);

/* run.c */
struct visit *run_visit_new(struct svc_world *w);
/* Returns v and the replied calls below it to the pool. */
void run_visit_free_tree(struct svc_world *w, struct visit *v);
/* A root visit's reply reached the client. */
void run_client_reply(struct svc_world *w, struct visit *v);

#endif
