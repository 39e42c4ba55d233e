/* SPDX-License-Identifier: MIT */
/* testbed/clock.h: the testbed's clock, CLOCK_MONOTONIC in ns: one clock
 * for every process of a run on this machine. */
#ifndef TESTBED_CLOCK_H
#define TESTBED_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t tb_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

#endif
