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
#include "models/step.h"
#include "sim/engine.h"
#include "sim/units.h"
#include "tracecore/wtrace.h"

#include <assert.h>
#include <gsl/gsl_rng.h>
#include <stdalign.h>
#include <stddef.h>

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
    uint64_t arrivals, completions, drops;
    double busy;    /* CPU-busy seconds */
    double serving; /* instance-seconds ready or draining */
};

struct client_acc {
    int64_t start;
    struct wt_sketch lat; /* latencies of requests completed */
    uint64_t sent, completed, failed;
};

/* What ends the burst a visit runs on the CPU. */
enum burst_end { BURST_YIELD, BURST_CALL, BURST_REPLY };

struct visit {
    struct visit *next;          /* NIC ring, run or yield queue, balancer queue, free list */
    struct visit *parent;        /* caller's visit; NULL for the client */
    struct visit *done_children; /* replied calls, kept for the tracing fold */
    struct visit *sibling;       /* link in the parent's done_children */
    struct svc_service *svc;
    struct svc_instance *inst;   /* set when the balancer dispatches it */
    struct svc_instance *caller; /* the parent's instance (its inst), or NULL */
    uint64_t req_id;
    int64_t t_sent;                   /* caller sent the call (or client sent the request) */
    int64_t t_nic;                    /* the packet now in a NIC ring arrived */
    int64_t t_arrive;                 /* dispatched to an instance */
    int64_t t_call;                   /* current call step started */
    int64_t slice_ns;                 /* CPU time of the burst being run */
    int64_t nic_wait_ns;              /* ground truth: time this request sat in NIC rings */
    struct step_state hs;             /* position in the handler (models/step.h) */
    uint32_t call_first, call_count;  /* the call step ending the running burst */
    uint32_t cls;                     /* workload class */
    uint32_t hooks;                   /* tracing hooks charged to the running burst */
    uint32_t user;                    /* closed loop: the user who sent the request */
    int from_zone;                    /* the sender's zone, where the reply goes */
    double bytes;                     /* size of the message in flight */
    uint8_t exported;                 /* its timeline goes to trace.json */
    uint32_t span_id;                 /* for exported visits */
    int64_t t_mark;                   /* exported: start of the current waiting segment */
    uint8_t is_reply;                 /* in a NIC ring as a reply to its parent */
    uint8_t measured;                 /* request was sent after warm-up */
    uint8_t end;                      /* enum burst_end of the running burst */
    uint8_t failed;                   /* dropped here or below: the reply is an error */
    uint8_t first_burst;              /* request_cost not yet charged */
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
    uint64_t dropped;     /* measured requests refused at maxqueue */
};

enum inst_state {
    INST_PENDING,     /* requested, waiting for a free host slot */
    INST_BOOTING,     /* booting on a host */
    INST_REGISTERING, /* booted, not yet known to the balancer */
    INST_READY,
    INST_DRAINING, /* finishing what it holds, taking nothing new */
    INST_STOPPED,
};

/* Three cache lines: the first two (SVC_INSTANCE_HOT bytes) hold every field
 * a request touches, and a balancer prefetches them for the instance it is
 * about to pick; records start at cache-line boundaries (instance.c). */
struct svc_instance {
    struct svc_service *svc;
    enum inst_state state;
    int outstanding;        /* visits held, from dispatch to reply */
    struct visit *running;  /* on the CPU (a burst, or &world.stack_work), or NULL */
    int64_t run_start;      /* when the running burst started */
    int64_t busy_ns;        /* CPU-busy time since created, to the last burst end */
    int ready_pos;          /* position in svc->ready while READY */
    int busy_pos;           /* position in svc->busy while running */
    struct visit *stack_rx; /* network stack: the packet being read, or NULL */
    /* Lwt scheduler */
    struct visit *ring_head, *ring_tail; /* NIC ring: packets not yet read */
    struct visit *yq_head, *yq_tail;     /* threads that yielded */
    uint32_t ring_len;
    uint32_t yq_len;
    uint32_t batch_left; /* packets of the current poll still to handle */
    uint32_t wake_left;  /* yielded threads of this iteration still to resume */
    /* FIFO scheduler */
    struct visit *rq_head, *rq_tail; /* runnable visits */
    int lo_pos;                      /* least-outstanding: position in svc->lo, or -1 */
    bool wake_pending;               /* Lwt: the wake phase of this iteration has not begun */
    /* Read rarely: at state changes, scrapes and scaling. */
    alignas(64) int index;
    struct svc_instance *next_stopped; /* free list of stopped instances */
    int64_t created;                   /* requested (pol_inst_view.start) */
    int64_t since;                     /* started booting (cost counts from here) */
    int64_t serving_since;             /* ready */
    int64_t *scrapes;     /* cumulative busy_ns at the last metric scrapes (control.c) */
    int64_t first_scrape; /* index of the first scrape it was in; -1: none */
    int64_t link_free;    /* its egress link is busy until then */
};
#define SVC_INSTANCE_HOT offsetof(struct svc_instance, index)
static_assert(SVC_INSTANCE_HOT <= 128, "the fields a request touches fit two cache lines");
static_assert(sizeof(struct svc_instance) <= 192, "an instance record is three cache lines");

/* Per call edge, for measured traced calls. */
struct edge_stats {
    uint64_t calls;
    double network_wait; /* sums, seconds */
    double remote_wait;
};

struct ready_slot {
    struct svc_instance *in;
    int outstanding; /* random, power-of-two: in->outstanding (svc_lb_changed) */
};

/* The balancer's draws made ahead (balancer.c): a ring of the stream's
 * next values, head first. */
#define LB_AHEAD 16
struct lb_ahead {
    uint64_t v[LB_AHEAD];
    unsigned head, len;
};

/* An instance in the least-outstanding heap, with what the heap orders by:
 * comparisons read the heap alone. */
struct lo_entry {
    struct svc_instance *in;
    uint64_t stamp;  /* when last picked, or made ready (ties: earliest first) */
    int outstanding; /* in->outstanding (svc_lb_changed) */
};

struct svc_service {
    const struct mdl_service *def;
    int index;
    struct svc_world *world;
    struct svc_instance **inst; /* every instance ever started; slots reused */
    int ninst, inst_cap;
    /* The READY ones, in no particular order, each with the copy of its
     * outstanding count that a random or power-of-two pick reads: a pick
     * then touches the chosen instance only, not every candidate. */
    struct ready_slot *ready;
    int nready;
    size_t ready_cap;
    /* The instances whose CPU is taken (running != NULL): a window closes
     * over these, not over every instance. */
    struct svc_instance **busy;
    int nbusy;
    size_t busy_cap;
    /* lb = "least-outstanding": the READY ones in a min-heap by
     * (outstanding, stamp), so a pick is O(log n). */
    struct lo_entry *lo;
    int nlo;
    size_t lo_cap;
    uint64_t lo_clock;
    struct svc_instance *stopped; /* stopped instances, to reuse first */
    /* inst[live_end..ninst) are all STOPPED, so scale-in scans below it.
     * Raised when a record comes to life, lowered lazily by svc_scale_to. */
    int live_end;
    int count[INST_STOPPED + 1]; /* instances by state */
    /* Invariant bookkeeping (svc_check_invariants): the integral of the
     * billed instance count after warm-up, kept apart from inst_seconds. */
    double billed_integral;
    int64_t billed_mark;
    uint64_t drains_started, drains_stopped;
    int64_t discovery_ns;
    struct step_cfg step_cfg; /* how its compute steps slice */
    gsl_rng *rng_boot;
    int rr;                        /* round-robin cursor */
    struct visit *q_head, *q_tail; /* balancer queue (maxconn reached) */
    uint64_t q_len;
    gsl_rng *rng_compute;
    gsl_rng *rng_lb;
    gsl_rng *rng_branch;  /* step probabilities and picks */
    gsl_rng *rng_size;    /* message sizes */
    struct wt_service wt; /* tracing configuration and id stream */
    struct svc_stats st;
    /* Callees, numbered locally for the tracing core's per-callee stats. */
    int *callee_global;       /* by local index */
    int *callee_sorted;       /* the callees' service indices, ascending */
    int *callee_sorted_local; /* their local indices */
    int ncallees;
    struct edge_stats *edges; /* per local callee: measured traced calls */
    /* The current time-series window and policy period (instances merged). */
    struct svc_acc acc[NACC];
    /* The run's window takes the current series window whole when it closes
     * (one merge) instead of each visit of it (an add per visit): chosen per
     * window, for windows after a busy one, so that each visit is counted
     * once either way. */
    bool run_by_merge;
    uint64_t run_visits;   /* sampled visits ended since the run's window began */
    int64_t serving_mark;  /* last change of the serving count */
    int64_t last_arrival;  /* of a visit, for idle timeouts */
    struct lb_ahead ahead; /* random, power-of-two: rng_lb's next values */
};

struct svc_world {
    struct sim_engine *eng;
    const struct mdl_model *model;
    struct svc_service *svcs;
    size_t nsvcs;
    gsl_rng *rng_net;
    gsl_rng *rng_arrivals;
    gsl_rng *rng_class; /* request class of each client request */
    gsl_rng *rng_think;
    struct visit *free_visits;
    struct visit_chunk *chunks; /* every visit ever allocated */
    uint64_t next_req;
    uint64_t live_visits;   /* visits in flight, for run.max_in_flight */
    uint64_t live_measured; /* measured requests sent and not yet answered */
    uint64_t live_requests; /* client requests not yet answered */
    long live_instances;    /* not stopped, over all services */
    bool failed;            /* the run stopped on an error, in diag */
    struct sim_diag diag;
    int64_t warmup_ns;
    int64_t hook_ns;      /* CPU per tracing hook of a sampled request */
    int64_t propagate_ns; /* CPU per tracing hook of every request */
    int64_t request_ns;   /* CPU once per request, at its first burst */
    /* Network stack on an Lwt instance's CPU (network.stack_cost): */
    int64_t stack_msg_ns;    /* per message received or sent */
    int64_t host_latency_ns; /* network.host_latency */
    double stack_byte_ns;    /* per byte */
    /* Per zone pair (one without zones): a constant latency in ns, or -1
     * where it is drawn (net.c). */
    int64_t *latency_ns;
    struct visit stack_work; /* marks a CPU busy with the network stack */
    /* Client-side results. */
    uint64_t sent, completed;    /* measured requests */
    uint64_t failed_requests;    /* measured requests answered with an error (a drop) */
    struct wt_sketch lat_sketch; /* latencies of measured requests, ns */
    double lat_sum;              /* s, for the exact mean */
    uint64_t lat_over;           /* measured requests slower than the SLO target */
    int64_t slo_ns;              /* that target (p95, else p99); 0: none */
    double *lat;                 /* run.exact_latency: every latency, seconds */
    size_t nlat, lat_cap;
    uint64_t max_requests;
    struct user *users;     /* closed loop */
    struct run_span *spans; /* exported timelines */
    size_t nspans, spans_cap;
    uint32_t exported, next_span_id;
    struct control *control; /* the policy loop, or NULL */
    /* Upcalls, so that the layers below (instances, balancer, scheduler)
     * never call the run driver or the control loop directly: */
    void (*on_client_reply)(struct svc_world *w, struct visit *v);      /* a root replied */
    void (*on_no_instance)(struct svc_world *w, struct svc_service *s); /* NULL: none */
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

/* Queues of visits linked through next. */
static inline void q_push(struct visit **head, struct visit **tail, struct visit *v)
{
    v->next = NULL;
    if (*tail)
        (*tail)->next = v;
    else
        *head = v;
    *tail = v;
}

static inline struct visit *q_pop(struct visit **head, struct visit **tail)
{
    struct visit *v = *head;
    if (v) {
        *head = v->next;
        if (!*head)
            *tail = NULL;
        v->next = NULL;
    }
    return v;
}

/* world.c: the visit pool, exported spans, and run errors. */
/* A fresh visit (zeroed where it matters); counts toward run.max_in_flight,
 * beyond which the run stops as overloaded. */
struct visit *svc_visit_new(struct svc_world *w);
/* Returns v and the replied calls below it to the pool. */
void svc_visit_free_tree(struct svc_world *w, struct visit *v);
void svc_visit_pool_fini(struct svc_world *w);
/* Appends a span of exported visit v over [from, to) (nothing if empty). */
void span_record(struct svc_world *w, const struct visit *v, int kind, int64_t from, int64_t to);
static inline void span_add(struct svc_world *w, const struct visit *v, int kind, int64_t from,
                            int64_t to)
{
    if (v->exported) /* the test inline: most visits are not exported */
        span_record(w, v, kind, from, to);
}
/* Converts a drawn time in seconds to nanoseconds. A value that is not a
 * finite time within the run's range (MDL_TIME_MAX) stops the run with an
 * error naming what drew it (what: e.g. "compute of service \"db\" (line
 * 12)") and returns 0. */
int64_t svc_time_ns(struct svc_world *w, double s, const char *what, ...)
    __attribute__((format(printf, 3, 4)));
/* The same for hot paths, where s is a plain variable (it is evaluated more
 * than once): inline, and the message is only formatted when s is out of
 * range (a variadic function is never inlined). */
#define SVC_TIME_NS(w, s, ...)                                                                     \
    ((s) >= 0 && (s) <= MDL_TIME_MAX ? sim_sec_to_ns(s) : svc_time_ns((w), (s), __VA_ARGS__))
/* Stops the run with an error (the first one is kept). */
void svc_fail(struct svc_world *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* instance.c: instance lifecycle. */
/* A new instance of s in state st (READY at time 0, else PENDING), reusing a
 * stopped one if there is one (O(1)). */
struct svc_instance *svc_instance_new(struct svc_service *s, enum inst_state st);
/* Puts a requested instance on a host and boots it, or queues it for a slot. */
void svc_instance_boot(struct svc_world *w, struct svc_instance *in);
/* A draining instance stops once it holds nothing. */
void svc_instance_maybe_stop(struct svc_instance *in);
/* Starts or drains instances of service s so that those booting or ready
 * number target (within the service's min and max). Returns the new target. */
int svc_scale_to(struct svc_world *w, struct svc_service *s, int target);
/* Instances of s requested but not yet ready (waiting for a host, booting
 * or registering), and those plus the ready ones: what a target counts. */
int svc_booting(const struct svc_service *s);
int svc_live(const struct svc_service *s);
/* Integrates the serving count of s up to now into its accumulators. */
void svc_serving_mark(struct svc_service *s);
/* Closes the books at `now`: CPU time of running bursts, and the time of
 * instances still alive. */
void svc_close_busy(struct svc_world *w, int64_t now);
/* After svc_close_busy(): checks that each service's instance-seconds equal
 * the integral of its billed instance count, that no draining instance is
 * left holding nothing, and that measured requests sent = completed +
 * refused + in flight. A violation is a simulator bug: the run fails with
 * "internal error: ..." (svc_fail). */
void svc_check_invariants(struct svc_world *w);
void svc_instances_fini(struct svc_service *s);
/* Adds the CPU burst [from, to) of in to its busy time and the part after
 * warm-up to its service's. */
void svc_add_busy(struct svc_world *w, struct svc_instance *in, int64_t from, int64_t to);
/* Sets in->running (what: a visit, &world.stack_work, or NULL) and keeps
 * the service's list of busy instances. */
void svc_cpu_set(struct svc_instance *in, struct visit *what);

/* balancer.c: requests reaching a service. */
/* Sends request or call v (its class and bytes set) to service `to` from
 * zone from_zone, over the egress link of instance link (NULL: the client's,
 * never congested), after_ns after now (the sender's network stack). */
void svc_send(struct svc_world *w, struct visit *v, struct svc_service *to, int from_zone,
              struct svc_instance *link, int64_t after_ns);
/* Hands requests waiting at the balancer to instances with room. */
void svc_dispatch_queued(struct svc_service *s);
/* The instance v goes to, or NULL when none has room. */
struct svc_instance *svc_lb_pick(struct svc_service *s);
/* Keep the least-outstanding heap: in became READY, stopped being READY,
 * or its outstanding count changed. No-ops for other balancers. */
void svc_lb_ready(struct svc_instance *in);
void svc_lb_unready(struct svc_instance *in);
void svc_lb_changed(struct svc_instance *in);

/* lwt.c: the schedulers. */
/* Instance in takes request v (dispatched by the balancer). */
void svc_accept(struct svc_instance *in, struct visit *v);
/* v's reply (or refusal) travels back to its caller or the client. */
void svc_reply_send(struct svc_world *w, struct visit *v, int64_t delay_ns);

/* service.c: services and their statistics. */
/* The local index of callee (a service index) at s, or -1 (O(log n)). */
int svc_callee_local(const struct svc_service *s, int callee);
void svc_world_init_services(struct svc_world *w);
void svc_world_fini_services(struct svc_world *w);
/* Closes the current time-series window at the current time, appending one
 * row per service, and opens the next. */
void svc_window_flush(struct svc_world *w);
/* Starts accumulator k afresh at the current time (after reading it). */
void svc_acc_reset(struct svc_world *w, int k);
/* The tracing core's verdict over accumulator k of service s. */
void svc_verdict(const struct svc_service *s, int k, int *kind, int *callee, double *wait);
/* Adds running bursts and serving time up to now into accumulator k. */
void svc_acc_close(struct svc_world *w, int k);

/* control.c: the policy loop. */
void ctl_start(struct svc_world *w, const struct run_control *ctl);
void ctl_stop(struct svc_world *w);

/* net.c: one-way delay of a message of `bytes` from zone `from` to zone `to`,
 * leaving over instance link's egress link (NULL: an uncongested link). */
int64_t net_delay_ns(struct svc_world *w, int from, int to, double bytes,
                     struct svc_instance *link);
/* Converts the constant latencies to nanoseconds once, not per message;
 * net_fini() frees what net_init() made. */
void net_init(struct svc_world *w);
void net_fini(struct svc_world *w);

#endif
