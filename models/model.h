/* SPDX-License-Identifier: MIT */
/* models/model.h: an experiment as a model file describes it: run control,
 * network, services with their handlers, and the workload. Plain data that the
 * loader fills and the run reads; services are referred to by index.
 * Ownership: mdl_model_fini() frees everything a loader put in the model. */
#ifndef MODELS_MODEL_H
#define MODELS_MODEL_H

#include "models/workload.h"
#include "sim/dist.h"
#include "sim/err.h"
#include "sim/strmap.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum mdl_step_kind {
    MDL_STEP_COMPUTE, /* run on the service's CPU for a drawn time */
    MDL_STEP_CALL,    /* call one or more services and wait for every reply */
};

struct mdl_step {
    enum mdl_step_kind kind;
    double p;                /* probability that the step runs (1: always) */
    struct sim_dist compute; /* seconds, for MDL_STEP_COMPUTE */
    int *callees;            /* service indices, for MDL_STEP_CALL */
    size_t ncallees;
    bool parallel;        /* send all calls at once, or one after another */
    double *pick;         /* or call one callee, drawn with these cumulative
                             probabilities (NULL: call them all) */
    struct sim_dist size; /* bytes of each call's request */
    int line;             /* where the step is written */
};

/* A handler: the steps a visit of one request class runs. */
struct mdl_handler {
    struct mdl_step *steps;
    size_t nsteps;
};

enum mdl_lb {
    MDL_LB_ROUND_ROBIN,
    MDL_LB_RANDOM,
    MDL_LB_LEAST_OUTSTANDING,
    MDL_LB_POWER_OF_TWO,
};

enum mdl_sched {
    MDL_SCHED_LWT,  /* Lwt's event loop: one poll per iteration, cooperative slices */
    MDL_SCHED_FIFO, /* idealised: compute steps queue FIFO, messages need no CPU */
};

/* A scripted change of a service's instance count. */
struct mdl_scale {
    double at; /* s */
    int instances;
};

struct mdl_service {
    char *name;
    int line;
    int instances;              /* ready at time 0 */
    int min, max;               /* bounds for scaling */
    struct sim_dist boot;       /* s, from request to booted */
    double discovery;           /* s, from booted to receiving requests */
    struct mdl_scale *scale_at; /* sorted by time */
    size_t nscale;
    enum mdl_sched sched;
    int yield_points;   /* yields inside each compute step: k + 1 equal slices */
    double yield_every; /* s; > 0: yield after each such quantum of CPU instead */
    enum mdl_lb lb;
    int maxconn;            /* requests one instance holds at once; beyond, calls queue at
                               the balancer (0: no limit). 1 with FIFO CPUs gives M/M/c. */
    int maxqueue;           /* requests that may wait: without maxconn, the most one
                               instance holds; with it, the balancer queue's length.
                               Beyond, a request is dropped (0: no limit). */
    struct mdl_step *steps; /* the default handler */
    size_t nsteps;
    struct mdl_handler *by_class; /* per workload class (nsteps 0: the default); NULL
                                     when the service has no class handlers */
    /* As written: handlers = ( { class = "..."; steps = (...); } ). */
    char **handler_class;
    int *handler_line;
    struct mdl_handler *handlers;
    size_t nhandlers;
    struct sim_dist response_size; /* bytes of each reply */
    int zone;
    double speed; /* CPU speed of its instances: compute steps take demand / speed */
};

/* Time limits every duration the loader accepts stays within, in seconds:
 * simulated time is int64_t nanoseconds (about 292 years), so no sum of two
 * accepted times can overflow. */
#define MDL_TIME_MAX 1e9
#define MDL_MIN_PERIOD 1e-6 /* shortest window, policy period and yield quantum */
/* Time-series rows (windows x services) a run may produce. */
#define MDL_ROWS_MAX 10000000.0
#define MDL_MAX_IN_FLIGHT_DEFAULT 500000 /* about 250 MB of visits */
#define MDL_YIELD_POINTS_MAX 10000
#define MDL_FILE_MAX (256L * 1024 * 1024) /* bytes of a model file */
#define MDL_INSTANCES_MAX 10000000        /* live instances of all services, at any time */

struct mdl_run {
    uint64_t seed;
    double duration;        /* s; stop time */
    double warmup;          /* s; statistics start */
    double window;          /* s; time-series window */
    uint64_t max_requests;  /* stop after this many completions (0: none) */
    uint64_t max_events;    /* stop after this many events (0: none) */
    uint64_t max_in_flight; /* requests and calls in flight beyond which the run
                               stops as overloaded (exit 1) */
    bool exact_latency;     /* keep every latency for exact quantiles (memory grows
                               with the run); else a sketch within 3% */
};

/* Default network.stack_cost: fitted to the dissertation's MirageOS
 * backend (unix target, direct OCaml TCP stack over tuntap, Cohttp with a
 * connection per call) [Diss Fig. 5.2, 5.7; research s1.8]: saturated at
 * about 440 requests/s with 1000 yield points and about 2300/s with 100
 * (390 clients at 0.17 s), so 1/440 s = F + 1000 y and 1/2300 s = F + 100 y
 * give y = 2.04 us per yield and F = 231 us per request outside the
 * handler: two messages (request in, reply out), 115 us each. */
#define MDL_STACK_COST_DEFAULT 115e-6
/* Default network.stack_batch: the unikernel's device yields one frame per
 * poll of the loop (MirageOS netif reads a frame, hands it to the stack and
 * reads again at the next poll). With it, at the costs above, the backend
 * of Fig. 5.7 (390 clients, closed loop) shows 0.17 s of latency of which
 * 0.04 s local wait at 100 yield points (the dissertation: 0.17 s, about
 * 0.03 s) and 0.881 of 0.885 s at 1000 (0.82 of 0.87 s); reading every
 * frame at each poll instead leaves 0.167 of 0.169 s as local wait at 100
 * yield points, unlike the measurement. */
#define MDL_STACK_BATCH_DEFAULT 1

struct mdl_network {
    struct sim_dist latency; /* s, one way, per message (without zones) */
    double bandwidth;        /* bits/s per link; 0: no serialisation delay */
    bool queueing;           /* messages leaving an instance share its link, FIFO */
    char **zones;            /* zone names; none: one flat network */
    size_t nzones;
    struct sim_dist *zone_latency; /* nzones x nzones, [from * nzones + to] */
    /* The network stack's CPU on an Lwt instance (not on fifo), s: */
    double stack_cost;      /* per message received or sent */
    double stack_byte_cost; /* per byte of it */
    uint32_t stack_batch;   /* messages read per poll of the loop; 0: all */
    double host_latency;    /* s added to every message by the hosts' kernels
                               (loopback on the testbed: testbed calibrate) */
};

/* Default tracing costs, fitted to the dissertation's throughput overhead
 * (Fig. 5.6: per-service sampling at 1 in 1024 or none, 100 and 1000 yield
 * points; research s1.7) on the backend whose other costs were fitted to
 * Fig. 5.2/5.7 (2.04 us per yield, network.stack_cost): a backend request
 * with n yield points calls 2n + 3 hooks. Overhead rises with n even when 1
 * in 1024 is sampled (under 1.8% at 100, 1-4% at 1000), so every request
 * pays per hook (carrying the context across each yield: propagate_cost);
 * a cost once per request would fall with n, and the fit leaves it at 0.
 * propagate_cost = 29 ns from the 2.5% midpoint at 1000 with sampling;
 * hook_cost = 145 ns from 7.5% at 100 without (the peak read is about 8%).
 * Predicted: 7.5% and 13.3% without sampling (measured up to 8%, and 8% to
 * 40%), 1.3% and 2.5% with (under 1.8%, 1-4%). */
#define MDL_HOOK_COST_DEFAULT 145e-9
#define MDL_PROPAGATE_COST_DEFAULT 29e-9
#define MDL_REQUEST_COST_DEFAULT 0.0

enum mdl_fold { MDL_FOLD_MAX, MDL_FOLD_SUM, MDL_FOLD_MIN };

struct mdl_tracing {
    uint32_t sampling;        /* 1 in N requests traced; 0: tracing off */
    bool per_service;         /* sampling decided at each service, not at the root */
    bool packet_timestamps;   /* NIC arrival times reach the tracing core */
    double hook_cost;         /* s of CPU per hook of a sampled request */
    double propagate_cost;    /* s of CPU per hook of every request (context carried) */
    double request_cost;      /* s of CPU once per request (decision, context parse) */
    uint32_t export_requests; /* timelines of this many requests go to trace.json */
    enum mdl_fold fold;
};

/* A finite pool of hosts: each instance takes one slot from boot to stop;
 * instances requested when every slot is taken wait for one, first come
 * first served. count 0: no limit. */
struct mdl_hosts {
    int count;
    int capacity; /* instance slots per host */
};

/* One policy parameter as written: a number, or a duration in seconds. */
struct mdl_param {
    char *key;
    double value;
    int line;
};

/* policy = { name = "hpa"; period = "15s"; cooldown = "30s"; <param> = ...; } */
struct mdl_policy {
    char *name;               /* NULL: no policy (the instance counts stay as written) */
    double period;            /* s between decisions */
    double cooldown;          /* s after a change to a service before the next one */
    struct mdl_param *params; /* the policy's own keys */
    size_t nparams;
    char **manifests; /* manifests = ("hpa.yaml", ...): paths, resolved */
    size_t nmanifests;
    int manifests_line;
    char *plugin; /* plugin = "./my.so": the path, resolved; NULL: none */
    int plugin_line;
    int line;
};

/* slo = { latency_p95 = "50ms"; } : targets for the client-observed latency
 * (0: none). max_utilization sets the demand used by the elasticity metrics. */
struct mdl_slo {
    double latency_p95, latency_p99, latency_mean;
    double max_utilization;
};

struct mdl_model {
    char *source;    /* file name, or "<built-in>" */
    char digest[33]; /* of the configuration after overrides (sim/digest.h), in hex;
                        data files it names (empirical, trace) are not included */
    struct mdl_run run;
    struct mdl_policy policy;
    struct mdl_slo slo;
    struct mdl_hosts hosts;
    struct mdl_network net;
    struct mdl_tracing tracing;
    struct mdl_service *services;
    size_t nservices;
    struct wl_spec workload;
    struct sim_strmap names; /* service name -> index, for mdl_service_find() */
    char **warnings;         /* "file:line: warning: ..." lines the loader produced */
    size_t nwarnings;
};

/* Loads a model file. overrides (may be NULL), each "path=value" as given to
 * --set, are applied to the parsed
 * configuration before it is checked. Returns 0, or SIM_ECONFIG / SIM_EIO with
 * "file:line: message" in d. On error the model holds nothing to free, but
 * calling mdl_model_fini() is still safe. */
int mdl_load_file(struct mdl_model *m, const char *path, const char *const *overrides,
                  size_t noverrides, struct sim_diag *d);
/* Same, from text; name stands for the file in messages. */
int mdl_load_string(struct mdl_model *m, const char *text, const char *name,
                    const char *const *overrides, size_t noverrides, struct sim_diag *d);
void mdl_model_fini(struct mdl_model *m);

/* Calls written in def's handlers (an upper bound on its callees). */
size_t mdl_service_ncalls(const struct mdl_service *def);
/* Numbers the services def calls 0, 1, ... in the order its handlers first
 * call them (default handler, then class handlers): out[k] is the service
 * index of callee k (out has mdl_service_ncalls() entries). mark is scratch
 * of nservices entries, all -1; the callees' entries are left holding
 * their numbers. Returns the number of callees. */
size_t mdl_service_callees(const struct mdl_service *def, int *mark, int *out);

/* Sets a tracing core service from the model's tracing section: sampling
 * (1 in N, root or per service), packet timestamps and the fold. The one
 * place the simulator and the testbed configure the core. */
struct wt_service;
void mdl_tracing_apply(const struct mdl_tracing *tr, struct wt_service *wt);

/* Index of the service called name, or -1. */
int mdl_service_find(const struct mdl_model *m, const char *name);

/* The model `uksim run` uses without a file: topologies/teastore.cfg. */
extern const char mdl_builtin_default[];

#endif
