/* SPDX-License-Identifier: MIT */
/* models/view.h: the contract between the simulated cluster and scaling
 * policies. Each decision period the run builds a read-only view of every
 * service (instances by state, utilization, arrivals, the tracing core's
 * statistics over the period and its verdict) and the client's latency
 * against the SLO; a policy writes a target instance count per service.
 * Ownership: the run owns the view and its arrays, valid during the call. */
#ifndef MODELS_VIEW_H
#define MODELS_VIEW_H

#include "tracecore/wtrace.h"

#include <stdbool.h>
#include <stdint.h>

/* One instance as an orchestrator sees a pod. Times are simulated seconds. */
struct pol_inst_view {
    double cpu;          /* CPU busy share of its one vCPU over the last metric
                            sample, as metrics-server reports it (see
                            run_control); NaN: no sample yet */
    double sampled;      /* s, when that sample was taken; NaN: none */
    double start;        /* s, when it was created (began waiting or booting) */
    double ready_change; /* s, when it last became ready (or start) */
    bool ready;          /* serving */
    bool pending;        /* waiting for a host slot: not started */
    bool draining;       /* being removed: finishes what it holds */
};

struct pol_svc_view {
    const char *name;
    int ready, booting, draining; /* booting includes waiting for a host slot */
    int min, max;
    double utilization;     /* CPU-busy / serving time over the period; NaN: none */
    double arrival_rate;    /* visits arriving per second over the period */
    double completion_rate; /* visits completed per second */
    double cpu;             /* mean CPU time per traced visit, s; NaN: none */
    double latency_mean;    /* mean of the service's total per traced visit, s */
    double latency_p95;
    double local_wait; /* mean per traced visit, s */
    int ncallees;
    const int *callees;     /* service indices */
    const double *net_wait; /* per callee: mean over the period's calls, s; NaN: none */
    const double *remote_wait;
    uint64_t traced;                  /* traced visits in the period */
    enum wt_verdict verdict;          /* the tracing core's window verdict */
    int verdict_callee;               /* for LINK and DELEGATE: a service index; else -1 */
    double verdict_wait;              /* the mean wait that decided it, s */
    uint64_t queued;                  /* requests waiting at the balancer now */
    double idle;                      /* s since a visit last arrived */
    double since_change;              /* s since the policy last changed this service */
    int ninst;                        /* instances not yet stopped */
    const struct pol_inst_view *inst; /* ninst of them */
};

struct pol_view {
    double now;    /* s */
    double period; /* s, the length this view covers */
    int nsvcs;
    const struct pol_svc_view *svcs;
    int root;                       /* entry service of the first request class */
    double client_rate;             /* requests sent per second */
    double client_mean, client_p95; /* latency of requests completed, s; NaN: none */
    double slo_p95;                 /* target, s; 0: none */
};

/* What a policy returns: target[i] is the wanted number of instances of
 * service i (booting or ready), or -1 to leave it. The run clamps targets to
 * [min, max] and ignores a change to a service within its cooldown. */
struct pol_action {
    int *target;
};

#endif
