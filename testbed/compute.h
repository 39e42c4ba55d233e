/* SPDX-License-Identifier: MIT */
/* testbed/compute.h: how a testbed instance spends a compute step's time.
 * "hold" blocks the thread until the deadline (sleeping, then spinning the
 * last TB_HOLD_SPIN_NS, since a sleep wakes late), using almost no CPU, so
 * that each instance behaves as if it had its own core; "spin" spins the
 * CPU throughout. Ownership: nothing is kept. */
#ifndef TESTBED_COMPUTE_H
#define TESTBED_COMPUTE_H

#include <stdint.h>

enum tb_compute { TB_HOLD, TB_SPIN };

/* Spin the last part of a hold this long: sleeping is not that precise. */
#define TB_HOLD_SPIN_NS 50000

/* Occupies the thread from `from` (CLOCK_MONOTONIC ns) until from + ns.
 * Returns the deadline; *late gets by how much the thread came back after it. */
uint64_t tb_compute(enum tb_compute mode, uint64_t from, int64_t ns, uint64_t *late);

#endif
