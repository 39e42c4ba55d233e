/* SPDX-License-Identifier: MIT */
/* sim/units.h: parsing of numbers with units, and of "name(arg, ...)" calls,
 * the syntax of distributions and rate profiles in model files.
 * Ownership: parsers write into caller storage; nothing is allocated. */
#ifndef SIM_UNITS_H
#define SIM_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* Parses a duration: a number of seconds, or a number with one of the units
 * ns, us, ms, s, min, h ("2ms", "150us", "1.5"). Returns 0 or SIM_EINVAL;
 * negative, NaN and infinite values are rejected. */
int sim_parse_duration(const char *text, double *seconds);
/* Parses a bandwidth in bits per second: a number, or with bps, Kbps, Mbps,
 * Gbps (decimal prefixes). Must be > 0. */
int sim_parse_bandwidth(const char *text, double *bits_per_s);
/* Parses a byte size: a number, or with B, KB, MB, GB, KiB, MiB, GiB. */
int sim_parse_size(const char *text, double *bytes);
/* Parses a finite plain number (no unit). */
int sim_parse_number(const char *text, double *value);

/* Converts seconds to integer nanoseconds, rounding half away from zero (as
 * llround does, without the libm call) and saturating. Inline: every drawn
 * time passes through it. */
static inline int64_t sim_sec_to_ns(double s)
{
    double ns = s * 1e9;
    if (!(ns < 9.2e18))
        return INT64_MAX;
    if (ns <= -9.2e18)
        return INT64_MIN;
    return ns >= 0 ? (int64_t)(ns + 0.5) : -(int64_t)(-ns + 0.5);
}
static inline double sim_ns_to_sec(int64_t ns)
{
    return (double)ns * 1e-9;
}

#define SIM_CALL_MAX_ARGS 6
/* "name(a, b, ...)": the name, and each argument as trimmed text. A quoted
 * argument ("file.csv") has its quotes removed. */
struct sim_call {
    char name[32];
    int nargs;
    char args[SIM_CALL_MAX_ARGS][256];
};
/* Returns 0, or SIM_EINVAL with a reason in err. */
int sim_call_parse(const char *text, struct sim_call *out, char *err, size_t errlen);

/* One accepted form of a call: its name, argument count and usage text. */
struct sim_call_sig {
    const char *name;
    int nargs;
    const char *usage; /* e.g. "exp(mean)" */
};
/* Parses text and matches it against sigs; `what` names the family in
 * messages ("distribution"). Returns the index of the matching signature, or
 * SIM_EINVAL with a reason in err (unknown name: the known ones are listed;
 * wrong argument count: the usage is shown). */
int sim_call_parse_sig(const char *text, const struct sim_call_sig *sigs, size_t nsigs,
                       const char *what, struct sim_call *out, char *err, size_t errlen);

#endif
