/* SPDX-License-Identifier: MIT */
/* testbed/loadgen.h: the model's workload sent to the testbed's entry
 * instances over HTTP/1.1 on 127.0.0.1.
 *
 * Open loop: the arrival times and classes are the simulator's for the same
 * seed (the streams "workload/arrivals" and "workload/class", drawn as
 * models/run.c draws them). Closed loop: each user thinks ("workload/think")
 * and sends its next request when its reply is in. A request waits for a
 * free connection if there is none (at most TB_LOAD_CONNS are opened), and
 * its latency counts from its intended send time, so that a slow system
 * cannot hide its queueing (no coordinated omission). The client's network
 * latency to the entry service is applied before the write, as the
 * services apply theirs. It stops at run.duration or after run.max_requests
 * measured completions; the driver stops a run whose requests in flight
 * pass run.max_in_flight (overload), so memory stays bounded.
 * Ownership: tb_load_fini() frees what tb_load_init() and the run made. */
#ifndef TESTBED_LOADGEN_H
#define TESTBED_LOADGEN_H

#include "models/model.h"
#include "models/run.h"
#include "wtrace.h"

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#define TB_LOAD_CONNS 4096

struct tb_load_win {
    uint64_t sent, completed, failed;
    struct wt_sketch lat;
};

struct tb_load;

/* The client's results. */
struct tb_load_result {
    uint64_t sent, completed, failed, in_flight; /* measured requests */
    uint64_t lat_over;                           /* slower than slo_ns */
    double lat_sum;                              /* s */
    struct wt_sketch lat;                        /* ns */
    double *lat_exact;                           /* with run.exact_latency, s */
    size_t nexact, exact_cap;
    struct tb_load_win *wins; /* by window since t0 */
    size_t nwins, wins_cap;
};

/* Prepares a load for m with seed; ports[c] are the instance ports of each
 * class's entry service (entry_ports[svc][k], entry_n[svc]). */
struct tb_load *tb_load_new(uv_loop_t *loop, const struct mdl_model *m, uint64_t seed,
                            int *const *ports, const int *nports);
/* Starts sending at t0 (CLOCK_MONOTONIC ns). */
void tb_load_start(struct tb_load *l, uint64_t t0);
/* True once run.duration has passed, or run.max_requests measured requests
 * have completed. */
bool tb_load_done(const struct tb_load *l, uint64_t now);
/* Stops: nothing more is sent; connections are closed (their handles close
 * at the loop's next turn: run it before tb_load_free()). The results stay. */
void tb_load_stop(struct tb_load *l);
const struct tb_load_result *tb_load_result(const struct tb_load *l);
/* Requests in flight now (all, not only measured). */
uint64_t tb_load_in_flight(const struct tb_load *l);
/* After tb_load_stop() and a turn of the loop. */
void tb_load_free(struct tb_load *l);

#endif
