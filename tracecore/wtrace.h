/* SPDX-License-Identifier: MIT */
/* wtrace.h: libwtrace, the aggregated tracing core (Isstaif 2019, extended to
 * parallel calls). A service measures, for each request, how long it ran
 * (cpu), waited for its own CPU (local wait) and waited on calls (call time);
 * for each call, the network wait (observed call time minus the callee's
 * reported total) and the remote wait (the callee's aggregate). It returns
 * upstream its total and a fold of those waits, and decides whether it is the
 * root cause of a slowdown or should delegate to a callee.
 *
 * Every hook takes the caller's timestamp in nanoseconds: the library never
 * reads a clock, allocates nothing, does no I/O and keeps no global state.
 * It includes only C library headers and builds as C99.
 * Ownership: every struct is caller storage. A struct wt_call passed to
 * wt_call_send() must stay valid until wt_req_reply() for its request.
 *
 * Life of a request at one service (timestamps non-decreasing):
 *
 *   wt_req_arrive(&r, &svc, &in_ctx_or_NULL, nic_ns_or_0, read_ns);
 *   wt_req_run(&r, t);             handler starts or resumes on the CPU
 *   wt_req_yield(&r, t);           cooperative yield: runnable, not running
 *   wt_req_run(&r, t);
 *   wt_call_send(&r, &c, callee, t, &child_ctx);   encode child_ctx, send
 *   wt_req_block(&r, t);           waits for replies
 *   wt_call_done(&r, &c, hdr, len, t);             callee's reply read
 *   wt_req_runnable(&r, t);        woken, waits for the CPU
 *   wt_req_run(&r, t);
 *   wt_req_reply(&r, t);           reply sent: totals, aggregate, verdict
 *   wt_resp_encode(&r, buf, size); header value for the reply
 *
 * An unsampled request pays one branch per hook. */
#ifndef WTRACE_H
#define WTRACE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Error codes (negative). */
enum {
    WT_OK = 0,
    WT_EFORMAT = -1,  /* malformed header value */
    WT_EVERSION = -2, /* header from an unknown format version */
    WT_ESPACE = -3,   /* output buffer too small */
    WT_ESTATE = -4,   /* hook called in a state where it makes no sense */
    WT_EINVAL = -5,   /* invalid argument */
};

/* Returns a static explanation of an error code. */
const char *wt_strerror(int err);

/* ---- Configuration of one service ---- */

/* How a service folds its local wait and its calls' waits into the aggregate
 * it returns upstream. MAX is the dissertation's default. */
enum wt_fold {
    WT_FOLD_MAX,      /* max(local, net_i, remote_i) */
    WT_FOLD_SUM,      /* local + sum_i (net_i + remote_i): act on every branch */
    WT_FOLD_MIN,      /* min(local, net_i, remote_i): the cheapest single wait */
    WT_FOLD_WEIGHTED, /* max(w_cpu*local, w_net*net_i, remote_i): cost-weighted */
};

enum wt_sampling {
    WT_SAMPLE_ROOT,    /* decided once at the root, carried in the context */
    WT_SAMPLE_SERVICE, /* decided independently at each service (as the prototype) */
};

/* What a service has heard from one callee: means of the network and remote
 * waits of its reported calls, each new call weighing 1/16 (the first sets
 * them). Used to fill in calls whose reply carried no aggregate. */
struct wt_callee_est {
    uint64_t reported;
    double net_mean, remote_mean; /* ns */
};

struct wt_service {
    /* Set by wt_service_init(); fields may be changed afterwards. */
    enum wt_fold fold;
    double w_cpu, w_net; /* weights for WT_FOLD_WEIGHTED (default 1) */
    enum wt_sampling sampling;
    uint32_t sample_every; /* 1 in N requests is traced; 1: all, 0: none */
    int packet_timestamps; /* nonzero: count NIC ring time as local wait */
    uint64_t salt;         /* per-service sampling salt */
    uint64_t rng;          /* state for trace and context ids */
    /* Optional caller storage, one entry per callee index (NULL, 0: none):
     * with it, the aggregate a request returns upstream fills in its calls
     * of unknown value from these means (see "Critical-path attribution"). */
    struct wt_callee_est *est;
    uint32_t nest;
};

/* Defaults: max fold, root sampling, every request, no packet timestamps.
 * seed feeds the id generator and the per-service sampling salt. */
void wt_service_init(struct wt_service *s, uint64_t seed);

/* ---- Context carried on requests ---- */

#define WT_CTX_SAMPLED 0x01u

struct wt_ctx {
    uint64_t trace_id;
    uint64_t ctx_id; /* the caller's call (remote context) id */
    uint8_t flags;   /* WT_CTX_SAMPLED */
};

/* ---- One call from a request to a callee ---- */

struct wt_call {
    struct wt_call *next; /* private: the request's list of calls */
    uint32_t callee;      /* the caller's index for the callee service */
    uint32_t flags;       /* private */
    uint64_t ctx_id;
    uint64_t sent_ns;
    /* Results, valid after wt_call_done(): */
    uint64_t observed_ns;  /* call sent -> reply read */
    uint64_t remote_total; /* callee's reported total */
    uint64_t net_wait;     /* observed - remote_total (0 if negative) */
    uint64_t remote_wait;  /* callee's aggregate */
    int unknown;           /* the reply carried no usable aggregate: net_wait and
                              remote_wait are unknown (left 0), never network wait */
    /* Critical path, valid once the request is runnable again: */
    uint64_t delay_ns;    /* how long this call delayed its request (0 off the path) */
    uint64_t crit_net;    /* min(net_wait, delay_ns) */
    uint64_t crit_remote; /* min(remote_wait, delay_ns) */
    /* Per callee, on the first call to each callee on the critical path (the
     * request's representative of that callee; 0 on the others): */
    uint64_t sum_net, sum_remote; /* crit_net, crit_remote summed over the
                                     request's calls to that callee */
    uint64_t est_net, est_remote; /* the same for its calls of unknown value,
                                     filled in from the callee's means */
    uint32_t ncrit;               /* its reported calls with a delay */
    int delegated;                /* after wt_req_reply(): the verdict delegates here */
    struct wt_call *rep_next;     /* private: the request's list of representatives */
};

/* ---- Critical-path attribution ----
 *
 * The waits a request compares, folds and reports are those on its critical
 * path, because only shortening those shortens the request:
 *
 * 1. Groups. A request that blocks (wt_req_block) waits for the calls whose
 *    replies it reads until it is runnable again (wt_req_runnable): those
 *    calls form a group. A call whose reply is read while the request is not
 *    blocked delayed nothing.
 * 2. The critical call of a group is the one whose reply was read last (the
 *    later read on a tie); its delay is its reply time minus the later of the
 *    block time and the group's other replies' latest time. The other calls of
 *    the group have delay 0. So the delays of a request add up to at most its
 *    call time, exactly to it when each wake-up is at the last reply.
 * 3. A call counts with crit_net = min(net_wait, delay) and crit_remote =
 *    min(remote_wait, delay): each wait, at most, for the time by which the
 *    call delayed the request. A sequential call is a group of one and counts
 *    in full.
 * 4. Repeated calls to one callee add up per request (sum_net, sum_remote on
 *    the representative) before callees are compared or folded.
 * 5. Calls with unknown values (no aggregate in the reply: the callee did not
 *    sample, or the header was malformed) are never network wait. The
 *    request counts their delay in unknown_ns; its verdict and the windows
 *    leave them out. Only the aggregate sent upstream fills them in, when
 *    the service keeps callee means (wt_service.est): remote = min(remote
 *    mean, delay), net = min(net mean, delay - remote), summed per callee
 *    in est_net, est_remote. So under per-service sampling a caller still
 *    hears of a bottleneck two levels down.
 *
 * The verdict then works per callee on sum_net_j and sum_remote_j, and the
 * fold on n_j = sum_net_j + est_net_j and r_j = sum_remote_j + est_remote_j:
 *   MAX:      agg = max(local, n_j, r_j)
 *   SUM:      agg = local + sum_j (n_j + r_j)
 *   MIN:      agg = min(local, n_j, r_j)
 *   WEIGHTED: agg = max(w_cpu*local, w_net*n_j, r_j)
 * over the callees j on the critical path. */

/* ---- One request at one service ---- */

enum wt_verdict {
    WT_VERDICT_NONE,     /* not sampled, or no wait at all */
    WT_VERDICT_SELF,     /* local wait dominates: this service's CPU */
    WT_VERDICT_LINK,     /* a call's network wait dominates: the link to that callee */
    WT_VERDICT_DELEGATE, /* a callee's remote wait dominates: ask that callee */
};

/* "none", "self", "link" or "delegate" (also for out-of-range values: "none"). */
const char *wt_verdict_name(enum wt_verdict v);

struct wt_req {
    /* Private state: */
    struct wt_call *calls, *calls_tail;
    uint64_t last_ns; /* time of the last state change */
    uint32_t state;
    uint32_t outstanding;
    struct wt_service *svc;
    /* Identity: */
    struct wt_ctx ctx; /* trace id and this request's context */
    uint64_t parent_ctx;
    int sampled;
    int is_root;
    /* Measurements, valid after wt_req_reply() for a sampled request: */
    uint64_t start_ns; /* NIC arrival with packet timestamps, else read time */
    uint64_t total, cpu, local_wait, call_time;
    uint64_t agg; /* the fold returned upstream */
    uint32_t ncalls;
    enum wt_verdict verdict;
    struct wt_call *blamed; /* LINK, DELEGATE: the representative of that callee */
    uint32_t ndelegated;    /* DELEGATE: calls with delegated set (several with SUM) */
    uint32_t nunknown;      /* calls whose reply carried no aggregate */
    uint64_t unknown_ns;    /* critical delay of those calls */
    int errors;             /* hooks called out of order (ignored) */
    /* Private state of the critical path: */
    struct wt_call *reps, *reps_tail; /* first call on the path to each callee */
    struct wt_call *period_last;      /* latest reply read in this block */
    uint64_t block_ns, period_2nd_ns;
};

/* A request arrived. in: the decoded request context, or NULL at the root
 * (a new trace id is drawn). nic_ns: NIC arrival time, or 0 if unknown;
 * read_ns: when the event loop read it. Decides sampling. The request is
 * runnable from its start until wt_req_run(). */
void wt_req_arrive(struct wt_req *r, struct wt_service *svc, const struct wt_ctx *in,
                   uint64_t nic_ns, uint64_t read_ns);
/* The handler starts or resumes on the CPU. */
void wt_req_run(struct wt_req *r, uint64_t now_ns);
/* The handler yields: runnable but not running. */
void wt_req_yield(struct wt_req *r, uint64_t now_ns);
/* The handler blocks waiting for replies to its calls. */
void wt_req_block(struct wt_req *r, uint64_t now_ns);
/* The blocked handler is woken (its replies are in) and waits for the CPU. */
void wt_req_runnable(struct wt_req *r, uint64_t now_ns);
/* The handler sends a call to callee (the service's own index). Fills *child
 * with the context to encode on the call. c must outlive the request. */
void wt_call_send(struct wt_req *r, struct wt_call *c, uint32_t callee, uint64_t now_ns,
                  struct wt_ctx *child);
/* The reply to call c was read at now_ns, with the callee's response header
 * value hdr[0..len) (len 0: none). Returns 0, or a negative code if the
 * header is malformed (the call then counts with unknown remote values). */
int wt_call_done(struct wt_req *r, struct wt_call *c, const char *hdr, size_t len, uint64_t now_ns);
/* The reply is sent: computes total, aggregate and verdict. */
void wt_req_reply(struct wt_req *r, uint64_t now_ns);

/* ---- Wire format (HTTP header values) ----
 *
 * Request header "wtrace-ctx", 38 characters:
 *     1-<trace id: 16 hex>-<context id: 16 hex>-<flags: 2 hex>
 *     e.g. 1-0af7651916cd43dd-b7ad6b7169203331-01
 * Response header "wtrace-agg", up to 35 characters:
 *     1-<total ns: 1-16 hex>-<aggregate ns: 1-16 hex>
 *     e.g. 1-1312d00-989680   (total 20 ms, aggregate 10 ms)
 * The leading digit is the format version. Hex digits are lowercase on
 * output and either case on input; anything else is WT_EFORMAT, and another
 * version WT_EVERSION. Decoders read exactly len bytes and never past them. */

#define WT_CTX_HEADER "wtrace-ctx"
#define WT_AGG_HEADER "wtrace-agg"
#define WT_CTX_LEN 38
#define WT_AGG_MAXLEN 35

/* Writes the value and a NUL; returns its length or WT_ESPACE. */
int wt_ctx_encode(const struct wt_ctx *c, char *buf, size_t size);
int wt_ctx_decode(struct wt_ctx *c, const char *buf, size_t len);
/* The response value for a replied request; returns 0 (nothing to send) for
 * an unsampled request, its length, or WT_ESPACE. */
int wt_resp_encode(const struct wt_req *r, char *buf, size_t size);
int wt_resp_encode_values(uint64_t total, uint64_t agg, char *buf, size_t size);
int wt_resp_decode(const char *buf, size_t len, uint64_t *total, uint64_t *agg);

/* ---- Quantile sketch ----
 * A log-linear histogram: each power of two in [2^4, 2^40) ns (16 ns to
 * about 18 minutes) is split into 16 equal buckets; smaller values share one
 * bucket, larger ones another. A quantile is reported as a bucket's
 * representative 2LU/(L+U), so for values inside the range its relative
 * error is at most 1/33 (3.03%); below 16 ns the minimum is reported, above
 * the range the maximum. Sketches merge exactly by adding counts, so
 * merging two sketches equals sketching the union. */

#define WT_SKETCH_SUB 16
#define WT_SKETCH_MIN_EXP 4
#define WT_SKETCH_MAX_EXP 40
#define WT_SKETCH_BUCKETS ((WT_SKETCH_MAX_EXP - WT_SKETCH_MIN_EXP) * WT_SKETCH_SUB + 2)

struct wt_sketch {
    uint64_t n;
    uint64_t min, max;
    uint64_t sum; /* exact, so that merging is exact (wraps after 584 years) */
    uint32_t counts[WT_SKETCH_BUCKETS]; /* saturate at UINT32_MAX */
};

void wt_sketch_init(struct wt_sketch *s);
void wt_sketch_add(struct wt_sketch *s, uint64_t v);
void wt_sketch_merge(struct wt_sketch *into, const struct wt_sketch *from);
/* The q-quantile (0 <= q <= 1) of the values added, 0 if empty: an estimate
 * of the value of rank ceil(q n), within the relative error above, and
 * always within [min, max]. */
double wt_sketch_quantile(const struct wt_sketch *s, double q);
double wt_sketch_mean(const struct wt_sketch *s);

/* Count, sum, minimum and maximum, where only means are needed (32 bytes
 * rather than a sketch's 2.3 KB). Merging is exact. */
struct wt_stat {
    uint64_t n;
    uint64_t min, max;
    uint64_t sum;
};

void wt_stat_init(struct wt_stat *s);
void wt_stat_add(struct wt_stat *s, uint64_t v);
void wt_stat_merge(struct wt_stat *into, const struct wt_stat *from);
double wt_stat_mean(const struct wt_stat *s); /* 0 if empty */

/* ---- Service-level windows ----
 * A window folds the sampled requests of one time window at one service (or,
 * merged, at all instances of a service) into statistics and a verdict. */

struct wt_callee_stats {
    uint64_t calls;                       /* all calls, reported or not */
    uint64_t unreported;                  /* calls whose reply carried no aggregate */
    struct wt_stat net_wait, remote_wait; /* per reported call (raw, off-path too) */
    /* Per request whose critical path reaches this callee: its sum_net and
     * sum_remote (so sum / requests is the saving per request). */
    struct wt_stat crit_net, crit_remote;
    uint64_t crit_calls;             /* reported calls on the critical path */
    uint64_t delegated, link_blamed; /* per-request verdicts pointing here */
};

struct wt_window {
    uint64_t start_ns, end_ns;
    uint64_t requests;
    struct wt_sketch total; /* quantiles of the service's time per request */
    struct wt_stat cpu, local_wait, call_time, agg;
    uint64_t verdict_self, verdict_none;
    struct wt_callee_stats *callees; /* caller storage, ncallees entries */
    uint32_t ncallees;
};

/* Thresholds for the window verdict; wt_window_verdict() documents them. */
struct wt_verdict_opts {
    uint64_t min_requests; /* default 10 */
    double min_share;      /* default 0.1 */
};
void wt_verdict_opts_init(struct wt_verdict_opts *o);

/* Starts an empty window over [start_ns, end_ns) with ncallees callee slots
 * (callees may be NULL when ncallees is 0). */
void wt_window_init(struct wt_window *w, uint64_t start_ns, uint64_t end_ns,
                    struct wt_callee_stats *callees, uint32_t ncallees);
/* Folds a replied request in (unsampled requests are ignored). Calls to a
 * callee index >= ncallees are counted in the request but not per callee. */
void wt_window_add(struct wt_window *w, const struct wt_req *r);
/* Adds from's statistics into into (same ncallees; callees beyond into's
 * count are dropped). Windows of several instances merge into one view. */
void wt_window_merge(struct wt_window *into, const struct wt_window *from);

struct wt_window_verdict {
    enum wt_verdict kind; /* NONE, SELF, LINK (callee), DELEGATE (callee) */
    uint32_t callee;
    uint64_t wait_ns;    /* the wait per request that decided it */
    uint64_t unreported; /* calls left out: their callee sent no aggregate */
};
/* The window's verdict, from the critical path (see above): NONE if fewer
 * than min_requests requests, or if the largest of these waits per request is
 * below min_share of the mean total:
 *   local:        the mean local wait;
 *   link to j:    the sum over requests of sum_net_j, less the link's floor
 *                 (the least network wait of any reported call to j in the
 *                 window: propagation, which no capacity removes) for each
 *                 call on the path, divided by requests;
 *   callee j:     the sum over requests of sum_remote_j, divided by requests.
 * Calls whose callee sent no aggregate are left out; a callee's sums are
 * scaled by calls / reported calls, so that they estimate the window's
 * (a callee none of whose calls reported is skipped), and the verdict says
 * how many were left out. Otherwise SELF, LINK or DELEGATE after whichever
 * is largest (ties: local, then network, then remote; lower callee index
 * first). */
struct wt_window_verdict wt_window_verdict(const struct wt_window *w,
                                           const struct wt_verdict_opts *o);

#ifdef __cplusplus
}
#endif
#endif
