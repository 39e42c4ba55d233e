/* SPDX-License-Identifier: MIT */
/* tests/tracecore_test.h: what the tracing core's tests share (built with
 * only -I tracecore): a millisecond in ns and a small deterministic
 * generator (xorshift64). */
#ifndef TESTS_TRACECORE_TEST_H
#define TESTS_TRACECORE_TEST_H

#include <stdint.h>

#define MS 1000000ull

static uint64_t rng_state = 12345;
static inline uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}
static inline uint64_t rnd_below(uint64_t n)
{
    return rnd() % n;
}

#endif
