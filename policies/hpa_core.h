/* SPDX-License-Identifier: MIT */
/* policies/hpa_core.h: the Kubernetes Horizontal Pod Autoscaler's decision
 * (autoscaling/v2, CPU utilization), as kube-controller-manager computes it
 * in pkg/controller/podautoscaler (horizontal.go, replica_calculator.go),
 * reimplemented from its documented behaviour and source:
 *
 *  - pods being deleted or failed are ignored; pending pods, pods without a
 *    start time, and pods that are unready (see hpa_pod) are set aside;
 *    pods without a sample are "missing";
 *  - utilization is the integer percentage floor(100 * sum usage / sum
 *    requests) over the ready pods with samples, and the ratio is that
 *    integer over the target;
 *  - within [1 - tolerance_down, 1 + tolerance_up] nothing changes; else,
 *    with no pod set aside, desired = ceil(ratio * ready pods);
 *  - otherwise missing pods count as max(100%, target) on a scale-down and
 *    0% on a scale-up, unready pods as 0% on a scale-up, and the scale is
 *    cancelled if that reverses its direction or lands in the tolerance;
 *  - without spec.behavior: the highest recommendation of the last
 *    downscale_window seconds (history seeded with the current replicas at
 *    the first sync), then clamped to [min, min(max, max(2 * current, 4))];
 *  - with spec.behavior: recommendations stabilized in both directions,
 *    then Pods/Percent rate limits over the scale events of each policy's
 *    period, chosen by selectPolicy, then [min, max].
 *
 * Everything is pure computation over the caller's observations; the state
 * keeps the controller's per-HPA memory (recommendations and scale events).
 * Ownership: hpa_state_fini() frees what hpa_sync() allocated in the state. */
#ifndef POLICIES_HPA_CORE_H
#define POLICIES_HPA_CORE_H

#include <stdbool.h>
#include <stddef.h>

#define HPA_POLICIES_MAX 64

enum hpa_select { HPA_SELECT_MAX, HPA_SELECT_MIN, HPA_SELECT_DISABLED };
enum hpa_policy_type { HPA_POLICY_PODS, HPA_POLICY_PERCENT };

struct hpa_rate_policy {
    enum hpa_policy_type type;
    int value;  /* pods, or percent */
    int period; /* s */
};

/* One direction of spec.behavior, after the API server's defaulting. */
struct hpa_rules {
    int stabilization; /* s; -1: unset (scale-down: the controller's window) */
    enum hpa_select select;
    int npolicies;
    struct hpa_rate_policy policies[HPA_POLICIES_MAX];
    double tolerance; /* NaN: the controller's --horizontal-pod-autoscaler-tolerance */
};

struct hpa_spec {
    char name[256];   /* metadata.name, may be empty */
    char target[256]; /* spec.scaleTargetRef.name, may be empty */
    int min, max;     /* replicas */
    int target_util;  /* averageUtilization, percent of the CPU request */
    bool has_behavior;
    struct hpa_rules up, down; /* meaningful when has_behavior */
};

/* kube-controller-manager's flags, plus the metric sample's length. */
struct hpa_config {
    double sync_period;      /* s, 15 */
    double tolerance;        /* 0.1 */
    double cpu_init;         /* s, 300: --horizontal-pod-autoscaler-cpu-initialization-period */
    double readiness_delay;  /* s, 30: ...-initial-readiness-delay */
    double downscale_window; /* s, 300: ...-downscale-stabilization */
    double metric_window;    /* s, 60: the length of a CPU sample */
    double metric_resolution; /* s, 15: metrics-server's scrape interval (simulator only) */
};

enum hpa_phase { HPA_RUNNING, HPA_PENDING, HPA_FAILED };

/* What the controller knows of one pod at a sync. */
struct hpa_pod {
    double cpu;          /* usage over the sample, percent of the request; NaN: no sample */
    bool ready;          /* the Ready condition */
    double start;        /* s; NaN: no start time */
    double ready_change; /* s, the Ready condition's last transition */
    bool deleting;       /* has a deletion timestamp */
    enum hpa_phase phase;
    double sampled;      /* s, the sample's timestamp; NaN: the sync time */
};

struct hpa_rec {
    double t;
    int n;
    bool outdated; /* scale events only */
};

struct hpa_state {
    bool seeded;
    struct hpa_rec *recs, *ups, *downs; /* recommendations, scale-up and -down events */
    size_t nrecs, nups, ndowns, caprecs, capups, capdowns;
};

/* The defaults of struct hpa_config (the controller's flag defaults). */
void hpa_config_default(struct hpa_config *c);
/* An HPA spec with the defaults of autoscaling/v2 (min 1, CPU 80%, no
 * behavior); max is 0 and must be set. */
void hpa_spec_default(struct hpa_spec *s);
/* spec.behavior's defaults for a direction the manifest left out (up: 0 s,
 * Max of 4 pods and 100% per 15 s; down: unset window, 100% per 15 s). */
void hpa_rules_default(struct hpa_rules *r, bool up);

/* One sync of the controller at time now (s, not before the previous sync)
 * with the target's spec.replicas and its pods. Returns the replica count
 * the controller writes (the current count when it does not scale). */
int hpa_sync(struct hpa_state *st, const struct hpa_spec *spec, const struct hpa_config *cfg,
             double now, int replicas, const struct hpa_pod *pods, size_t npods);

void hpa_state_fini(struct hpa_state *st);

#endif
