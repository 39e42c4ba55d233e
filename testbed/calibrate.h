/* SPDX-License-Identifier: MIT */
/* testbed/calibrate.h: `uksim testbed calibrate`: this machine's costs per
 * message as the testbed meets them, measured, and written as model keys
 * so that the simulator describes the same machine:
 * - network.host_latency: half the round trip of an empty request through
 *   an idle uksim-svc beyond the model's latency (loopback transit,
 *   wake-ups, the delay line, the client's share) less the loop's own CPU
 *   time for it;
 * - network.stack_cost: the loop's busy time per message beyond compute
 *   steps (read, parse, tracing hooks, write, the delay line's hand-off),
 *   as the instance measures it (wall time less libuv's idle time less
 *   compute) on a caller at utilization 0.15 and its callee at 0.75;
 * - network.stack_batch = 0: the testbed's loop reads every readable
 *   connection at each poll.
 * Also reported, not set: HTTP head writing and parsing per message, and
 * the timing error of hold and spin compute steps (a compute step on the
 * testbed takes its demand plus that error).
 * Ownership: plain data; tb_calibration_text() returns a string to free. */
#ifndef TESTBED_CALIBRATE_H
#define TESTBED_CALIBRATE_H

#include "sim/err.h"

struct tb_calibration {
    double rtt_idle, rtt_busy;  /* s: round trip beyond the model's latency, idle
                                   server and back to back */
    double saturated;           /* requests/s at 16 clients (reported only) */
    double stack_cost;          /* s per message */
    double host_latency;        /* s per message */
    double http_ns;             /* ns to write and parse one message head */
    double hold_mean, hold_p99; /* s late, 1 ms holds */
    double spin_mean, spin_p99; /* s late, 1 ms spins */
};

/* Measures (about 15 s); svc_bin is the uksim-svc program, tmpdir a
 * directory of the caller's for the probe model. Returns 0 or an error
 * with d. */
int tb_calibrate(const char *svc_bin, const char *tmpdir, struct tb_calibration *c,
                 struct sim_diag *d);
/* The model fragment: the network keys, each with what it came from. */
char *tb_calibration_text(const struct tb_calibration *c);

#endif
