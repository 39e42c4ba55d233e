/* SPDX-License-Identifier: MIT */
/* testbed/stats.h: what one testbed instance measures, per time window and
 * over the measured period, in the tracing core's own structures, and their
 * JSON form on the instance's control endpoint (GET /_uksim/stats). The
 * driver reads each instance's JSON back and merges the instances of a
 * service with wt_window_merge(), as the simulator merges its instances.
 *
 * A visit counts in the window in which its reply was sent (as in the
 * simulator); CPU busy time is split across the windows it spans. The
 * measured period starts at run.warmup: its window gives the verdict, its
 * sums the per-service means and the per-edge waits.
 * Ownership: tb_stats_fini() frees what tb_stats_init() and the adds made. */
#ifndef TESTBED_STATS_H
#define TESTBED_STATS_H

#include "wtrace.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One instance (or, merged, one service) over one window. */
struct tb_win {
    struct wt_window win; /* callees: ncallees slots */
    uint64_t arrivals, completions, drops;
    uint64_t busy_ns;
};

/* Per callee over the measured period (traced calls). */
struct tb_edge {
    uint64_t calls;
    uint64_t net_ns, remote_ns; /* sums */
};

struct tb_stats {
    uint64_t t0_ns, warmup_ns, window_ns; /* run start (CLOCK_MONOTONIC), s after it */
    uint32_t ncallees;
    struct tb_win *wins; /* window k covers [t0 + k w, t0 + (k + 1) w) */
    size_t nwins, cap;
    /* Measured period: */
    struct tb_win run;
    uint64_t visits, traced, dropped;
    uint64_t cpu_ns, wait_ns, call_ns, nic_ns; /* sums; nic over all visits */
    struct tb_edge *edges;                     /* ncallees */
    /* The loop: time busy (not waiting in epoll) since it started, time
     * spent in compute steps, and the messages it read and sent: their
     * difference per message is what the loop costs beyond the model's
     * demands (the network stack's share, network.stack_cost). */
    uint64_t loop_busy_ns, compute_ns, messages;
    /* Timing error of compute (deadline overshoot) and of the delay line
     * (writes behind their due time), ns: */
    struct wt_stat compute_err, wire_late;
};

void tb_stats_init(struct tb_stats *s, uint64_t t0_ns, uint64_t warmup_ns, uint64_t window_ns,
                   uint32_t ncallees);
void tb_stats_fini(struct tb_stats *s);
/* The window holding time t (NULL before t0). */
struct tb_win *tb_stats_win(struct tb_stats *s, uint64_t t_ns);
/* CPU busy from `from` to `to`, split over windows and the measured period. */
void tb_stats_busy(struct tb_stats *s, uint64_t from, uint64_t to);
/* A replied request r at time t: measured says whether its root request was
 * sent after warm-up; nic_ns the time it and its replies sat unread. */
void tb_stats_reply(struct tb_stats *s, const struct wt_req *r, uint64_t t_ns, bool measured,
                    uint64_t nic_ns);

/* JSON: {"ncallees": n, "windows": [...], "run": {...}, ...}. */
json_t *tb_stats_to_json(const struct tb_stats *s);
/* Reads tb_stats_to_json()'s form back into s (initialised by the caller with
 * the same ncallees) and merges it in: windows by index, the measured period,
 * sums. Returns 0, or -1 with a reason in err if the JSON is not that form. */
int tb_stats_merge_json(struct tb_stats *s, const json_t *j, char *err, size_t errlen);

#endif
