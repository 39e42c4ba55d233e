/* SPDX-License-Identifier: MIT */
/* models/run.h: runs one model with one seed and summarises what it measured.
 * Statistics cover the measured period: requests sent after warm-up, and CPU
 * and instance time between warm-up and the end of the run.
 * Ownership: run_summary_fini() frees what run_model() put in the summary;
 * names in it borrow from the model, which must outlive the summary. */
#ifndef MODELS_RUN_H
#define MODELS_RUN_H

#include "models/model.h"
#include "models/view.h"

#include <signal.h>
#include <stdint.h>

/* SPEC RG elasticity metrics (models/elastic.h), in %, jitter per minute. */
struct run_elasticity {
    double theta_u, theta_o; /* under-/over-provisioning accuracy */
    double tau_u, tau_o;     /* under-/over-provisioning timeshare */
    double instability;      /* share of time supply and demand move apart */
    double jitter;           /* (supply changes - demand changes) per minute */
};

struct run_svc_summary {
    const char *name;
    uint64_t visits; /* measured visits completed */
    uint64_t traced; /* of which sampled by the tracing core */
    /* Means per traced visit, as the tracing core measured them, s: */
    double cpu;                      /* time running */
    double local_wait;               /* time runnable but not running (with packet
                                        timestamps, also unread in the NIC ring) */
    double call_time;                /* time blocked on calls */
    double nic_wait;                 /* ground truth: mean time the request and its
                                        replies sat unread in NIC rings, s */
    double utilization;              /* busy CPU time / instance time */
    double instance_seconds;         /* summed over instances, measured period */
    uint64_t scale_ups, scale_downs; /* changes made by the controller */
    uint64_t dropped;                /* measured requests refused at maxqueue */
    int draining_at_end;             /* instances still finishing work when the run ended */
    int verdict;                     /* the tracing core's verdict over the measured period */
    int verdict_callee;              /* LINK/DELEGATE: a service index; else -1 */
    double verdict_wait;             /* s */
    struct run_elasticity el;        /* over the windows after warm-up */
};

struct run_edge_summary {
    const char *caller, *callee;
    uint64_t calls;      /* traced measured calls */
    double network_wait; /* mean caller-observed call time - callee total, s */
    double remote_wait;  /* mean aggregate the callee returned, s */
};

/* One service over one time window (all windows, warm-up included). Means
 * and quantiles cover the visits the tracing core sampled in the window. */
struct run_window_row {
    double t_start, t_end;        /* s */
    int svc;                      /* index into svcs */
    int ready, booting, draining; /* instances at the window's end */
    double serving;               /* mean instances ready or draining over the window */
    double demand;                /* instances the offered load needs (models/elastic.h);
                                     a whole number, possibly beyond INT_MAX */
    double utilization;           /* busy / serving time in the window */
    uint64_t arrivals, completions, drops;
    double p50, p95, p99; /* of the service's total per visit, s */
    double cpu, local_wait, call_time, network_wait, remote_wait; /* means, s */
    int verdict;        /* the tracing core's window verdict (enum wt_verdict) */
    int verdict_callee; /* LINK/DELEGATE: a service index; else -1 */
};

/* One span of an exported request's timeline at one instance. */
enum run_span_kind { SPAN_VISIT, SPAN_CPU, SPAN_WAIT, SPAN_CALLS, SPAN_RING };
struct run_span {
    int kind; /* enum run_span_kind */
    int svc, inst;
    double ts, dur;                    /* s */
    uint64_t req;                      /* the client request */
    uint32_t visit, parent;            /* visit ids (parent 0: the client) */
    double cpu, local_wait, call_time; /* SPAN_VISIT: the tracing core's figures, s */
};

/* The client's view over one time window. */
struct run_client_row {
    double t_start, t_end;
    uint64_t sent, completed, failed;
    double p50, p95, p99, mean; /* latency of requests completed in the window, s */
};

struct run_summary {
    uint64_t seed;
    const char *model;
    const char *model_digest; /* of the resolved model (struct mdl_model) */
    const char *stop_reason;  /* "time", "requests", "events", "idle", "interrupted" */
    double sim_seconds;       /* simulated time at the end */
    double measured_seconds;  /* end - warm-up */
    uint64_t events;
    uint64_t sent, completed; /* measured requests */
    uint64_t failed;          /* measured requests refused somewhere */
    uint64_t in_flight;       /* measured requests unanswered at the end */
    uint64_t lat_over;        /* measured requests slower than the SLO's p95 (else p99) target */
    double lat_mean, lat_p50, lat_p95, lat_p99; /* client-observed, s; the mean exact, the
                                                   quantiles exact with run.exact_latency,
                                                   else within 3% (tracecore sketch) */
    struct run_svc_summary *svcs;
    size_t nsvcs;
    struct run_edge_summary *edges; /* edges with at least one measured call */
    size_t nedges;
    struct run_window_row *rows; /* time series, by window then service */
    size_t nrows;
    struct run_client_row *crows;
    size_t ncrows;
    struct run_span *spans; /* timelines of the exported requests */
    size_t nspans;
    struct run_elasticity el; /* means of the services' metrics */
    /* SLO (NaN without a target): */
    double slo_windows_violated; /* share of windows exceeding any target (p95, p99, mean) */
    double slo_requests_over;    /* share of measured requests above the p95 target (or,
                                    without one, the p99 target) */
    /* For a step(r0, r1, t) load: s from the step until supply first meets
     * demand everywhere, and until the p95 stays within the SLO; NaN: never
     * or not a step. */
    double step_to_scale_out, step_to_slo_recovery;
    struct sim_diag error; /* why the run failed (run_model() < 0) */
    /* Where the figures come from: NULL for the simulator, "measured" for
     * the testbed (testbed/driver.h), with its compute mode, the timing
     * error of its compute steps and of its delay line (mean and largest
     * lateness, s). */
    const char *source;
    const char *compute_mode;
    double compute_err_mean, compute_err_max;
    double wire_late_mean, wire_late_max;
    double loop_msg_cost; /* the loops' busy time beyond compute steps per message, s */
    int entry;             /* entry service of the first request class */
    int *entries;          /* the request classes' entry services, each once */
    size_t nentries;
};

/* Fills out->entry, entries and nentries from m's request classes. */
void run_summary_entries(const struct mdl_model *m, struct run_summary *out);

/* Where the run's verdicts lead: from an entry service, follow DELEGATE
 * until a service blames itself (its index s), a link (nsvcs + caller *
 * nsvcs + callee), or nothing (NONE, a loop, no tracing). With several
 * entry services, the chain whose end removes the most waiting in total
 * (the deciding wait per visit times the visits of the service it was
 * measured at) wins. Returns -1 when no chain ends at a blame. */
long long run_blame_end(const struct run_summary *s);

/* A controller the run consults: every period it gets a view and returns
 * targets; demand (optional) is asked when a request reaches a service with
 * no instance at all, and returns a target for it (or -1). */
struct run_control {
    double period;                                                             /* s */
    double cooldown;                                                           /* s */
    void (*decide)(void *ctx, const struct pol_view *v, struct pol_action *a); /* NULL: none */
    int (*demand)(void *ctx, const struct pol_view *v, int svc);
    void *ctx;
    /* Per-instance CPU samples in the view (pol_inst_view.cpu), as
     * metrics-server takes them: cumulative CPU read every metric_resolution
     * s, usage = the rate over metric_window s (a multiple of the
     * resolution), seen by the policy metric_lag s after the scrape.
     * metric_resolution 0: no samples (cpu is NaN). */
    double metric_resolution, metric_window, metric_lag;
    /* Optional: called 200 times over the run with the simulated time, the
     * run's end and the events so far (for a progress line). */
    void (*progress)(void *pctx, double now, double end, uint64_t events);
    void *pctx;
    /* Optional: non-zero (set by a signal handler) stops the run after the
     * current event; the summary then says "interrupted". */
    const volatile sig_atomic_t *interrupt;
};

/* Runs m with the given seed to its stop condition and fills out.
 * Returns 0, or SIM_ERANGE when the run failed (a drawn time out of range,
 * overload past run.max_in_flight): out->error says why, nothing else in
 * out is set, and run_summary_fini() is still safe. */
int run_model(const struct mdl_model *m, uint64_t seed, struct run_summary *out);
/* The same under a controller (ctl may be NULL). */
int run_model_ctl(const struct mdl_model *m, uint64_t seed, const struct run_control *ctl,
                  struct run_summary *out);
void run_summary_fini(struct run_summary *s);

#endif
