/* SPDX-License-Identifier: MIT */
/* models/load_run.c: the run section (seed, duration, warm-up, window,
 * stop conditions, the in-flight guard). */
#include "models/load_int.h"

#include <limits.h>
#include <math.h>

int ld_run(struct loader *L, const config_setting_t *root)
{
    static const char *const keys[] = {"seed",          "duration",      "warmup",
                                       "window",        "max_requests",  "max_events",
                                       "max_in_flight", "exact_latency", NULL};
    struct mdl_run *r = &L->m->run;
    r->seed = 1;
    r->duration = 60.0;
    r->warmup = 0.0;
    r->window = 1.0;
    r->max_in_flight = MDL_MAX_IN_FLIGHT_DEFAULT;
    int err;
    const config_setting_t *g = ld_group(L, root, "run", &err);
    if (err || !g)
        return err;
    if ((err = ld_check_keys(L, g, "run", keys)))
        return err;
    long long v;
    if (config_setting_get_member(g, "seed")) {
        if ((err = ld_int(L, g, "seed", 0, LLONG_MAX, &v)))
            return err;
        r->seed = (uint64_t)v;
    }
    if ((err = ld_duration(L, g, "duration", &r->duration)) ||
        (err = ld_duration(L, g, "warmup", &r->warmup)) ||
        (err = ld_duration(L, g, "window", &r->window)))
        return err;
    if (!(r->duration > 0))
        return ld_fail(L, config_setting_get_member(g, "duration"), "duration must be > 0");
    if (r->warmup >= r->duration)
        return ld_fail(L, config_setting_get_member(g, "warmup"),
                       "warmup must be shorter than duration");
    const config_setting_t *win = config_setting_get_member(g, "window");
    if (!win && r->window > r->duration)
        r->window = r->duration; /* the default window, for a run shorter than it */
    if (!(r->window >= MDL_MIN_PERIOD))
        return ld_fail(L, win, "window = %g s is shorter than the minimum of 1us", r->window);
    if (r->window > r->duration) {
        ld_warn(L, win, "window = %g s is longer than the run; using duration = %g s", r->window,
                r->duration);
        r->window = r->duration;
    }
    v = 0;
    if ((err = ld_int(L, g, "max_requests", 0, LLONG_MAX, &v)))
        return err;
    r->max_requests = (uint64_t)v;
    v = 0;
    if ((err = ld_int(L, g, "max_events", 0, LLONG_MAX, &v)))
        return err;
    r->max_events = (uint64_t)v;
    v = (long long)r->max_in_flight;
    if ((err = ld_int(L, g, "max_in_flight", 1, 1000000000, &v)))
        return err;
    r->max_in_flight = (uint64_t)v;
    return ld_bool(L, g, "exact_latency", &r->exact_latency);
}
