/* SPDX-License-Identifier: MIT */
/* uksim/policy.h: scaling policies of one's own, as shared objects that
 * uksim loads at run time (policy = { plugin = "./my_policy.so"; }).
 *
 * A plugin defines one object, named uksim_policy, of type struct
 * uksim_policy, with api_version = UKSIM_POLICY_API_VERSION and
 * struct_size = sizeof(struct uksim_policy). uksim refuses a plugin built
 * for another version of this interface, with a message saying which.
 * Everything here is plain C99 with no dependency; build a plugin with
 *   cc -shared -fPIC -O2 -I<prefix>/include my_policy.c -o my_policy.so
 *
 * Each decision period uksim calls decide() with a read-only view of every
 * service (its instances, utilization, the tracing core's statistics and
 * verdict) and the client's latency; the policy writes a wanted instance
 * count per service, or -1 to leave it. uksim clamps counts to the
 * service's [min, max] and boots or drains instances with the platform's
 * delays. Times are simulated seconds.
 *
 * Ownership: the view and its arrays belong to uksim and are valid during
 * the call only; init() allocates the state that fini() frees.
 * doc/plugins.md walks through writing, building and sweeping a plugin. */
#ifndef UKSIM_POLICY_H
#define UKSIM_POLICY_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Version 1. A change to any structure below increments it. */
#define UKSIM_POLICY_API_VERSION 1u

/* The tracing core's verdict on a service (uksim_service.verdict). */
enum uksim_verdict {
    UKSIM_VERDICT_NONE = 0,     /* not sampled, or no wait at all */
    UKSIM_VERDICT_SELF = 1,     /* requests wait for this service's own CPU */
    UKSIM_VERDICT_LINK = 2,     /* the network to verdict_callee */
    UKSIM_VERDICT_DELEGATE = 3, /* the wait is downstream, at verdict_callee */
};

/* One instance (an orchestrator's pod). */
struct uksim_instance {
    double cpu;          /* CPU busy share of its one vCPU over its last metric sample
                            (metrics-server style, see doc/model.md); NaN: none yet */
    double sampled;      /* when that sample was taken; NaN: none */
    double start;        /* when it was created */
    double ready_change; /* when it last became ready (or start) */
    int ready;           /* serving */
    int pending;         /* waiting for a host slot */
    int draining;        /* being removed */
};

struct uksim_service {
    const char *name;
    int ready, booting, draining; /* instances by state */
    int min, max;                 /* bounds from the model */
    double utilization;           /* CPU-busy / serving time over the period; NaN: none */
    double arrival_rate;          /* visits per second over the period */
    double completion_rate;
    double cpu;          /* mean CPU time per traced visit, s; NaN: none */
    double latency_mean; /* mean time per traced visit, s */
    double latency_p95;
    double local_wait; /* mean wait for its own CPU per traced visit, s */
    int ncallees;
    const int *callees;        /* service indices */
    const double *net_wait;    /* per callee, mean network wait per call, s; NaN: none */
    const double *remote_wait; /* per callee, mean wait inside the callee, s */
    uint64_t traced;           /* traced visits in the period */
    int verdict;               /* enum uksim_verdict */
    int verdict_callee;        /* LINK and DELEGATE: a service index; else -1 */
    double verdict_wait;       /* the mean wait that decided it, s */
    uint64_t queued;           /* requests waiting at its balancer now */
    double idle;               /* s since a visit last arrived */
    double since_change;       /* s since the policy last changed it */
    int ninst;                 /* instances not yet stopped */
    const struct uksim_instance *inst;
};

struct uksim_view {
    double now;    /* s */
    double period; /* s, the length this view covers */
    int nsvcs;
    const struct uksim_service *svcs;
    int root;                       /* entry service of the first request class */
    double client_rate;             /* requests sent per second */
    double client_mean, client_p95; /* latency of requests completed, s; NaN: none */
    double slo_p95;                 /* target, s; 0: none */
};

/* What init() is given. */
struct uksim_policy_args {
    int nsvcs;
    const char *const *names; /* service names */
    const int *min, *max;     /* service bounds */
    double period;            /* s between decisions */
    double slo_p95;           /* s; 0: none */
    /* Reads parameter key of the model's policy group (a number or a
     * duration in seconds), def when absent. Returns 0, or -1 when it lies
     * outside [lo, hi]: return -1 from init() and uksim reports the file
     * and line. A key of the policy group that no call reads is an error. */
    int (*param)(const struct uksim_policy_args *a, const char *key, double def, double lo,
                 double hi, double *out);
    void *priv; /* uksim's */
};

struct uksim_policy {
    unsigned api_version; /* UKSIM_POLICY_API_VERSION */
    size_t struct_size;   /* sizeof(struct uksim_policy) */
    const char *name;     /* what policy.name may call it */
    const char *summary;  /* one line for uksim help */
    /* Returns 0, or -1 with a message in err (errlen bytes). Either way
     * fini() is later called with what init() stored in *state (if not
     * NULL), so that a failed init() need not clean up after itself. */
    int (*init)(void **state, const struct uksim_policy_args *a, char *err, size_t errlen);
    /* target[i]: the wanted count of service i, or -1 (all start at -1). */
    void (*decide)(void *state, const struct uksim_view *v, int *target);
    void (*fini)(void *state);
};

#ifdef __cplusplus
}
#endif

#endif
