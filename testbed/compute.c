/* SPDX-License-Identifier: MIT */
/* testbed/compute.c: hold and spin (testbed/compute.h). */
#define _GNU_SOURCE
#include "testbed/compute.h"

#include "testbed/clock.h"

#include <errno.h>
#include <time.h>

uint64_t tb_compute(enum tb_compute mode, uint64_t from, int64_t ns, uint64_t *late)
{
    uint64_t deadline = from + (uint64_t)(ns > 0 ? ns : 0);
    uint64_t now = tb_now();
    if (mode == TB_HOLD && deadline > now + TB_HOLD_SPIN_NS) {
        uint64_t wake = deadline - TB_HOLD_SPIN_NS;
        struct timespec ts = {(time_t)(wake / 1000000000u), (long)(wake % 1000000000u)};
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
            ;
    }
    while ((now = tb_now()) < deadline)
        ;
    *late = now - deadline;
    return deadline;
}
