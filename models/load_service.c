/* SPDX-License-Identifier: MIT */
/* models/load_service.c: one service: its instances and bounds, boot,
 * balancer, scheduler, yield points, and its handlers' steps. Callee names
 * are resolved later, once every service is known (models/load_graph.c). */
#include "models/load_int.h"

#include "models/boot.h"

#include "sim/units.h"
#include "sim/xalloc.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static int load_step(struct loader *L, struct mdl_service *svc, const config_setting_t *s,
                     struct mdl_step *st)
{
    static const char *const keys[] = {"compute", "call",         "parallel", "p",
                                       "pick",    "request_size", NULL};
    int err;
    st->line = (int)config_setting_source_line(s);
    st->p = 1.0;
    sim_dist_init_const(&st->size, 0.0);
    if (!config_setting_is_group(s))
        return ld_fail(L, s,
                       "service \"%s\": each handler step must be a group such as "
                       "{ compute = \"exp(1ms)\"; }",
                       svc->name);
    if ((err = ld_check_keys(L, s, "a handler step", keys)))
        return err;
    const config_setting_t *comp = config_setting_get_member(s, "compute");
    const config_setting_t *call = config_setting_get_member(s, "call");
    if (!!comp == !!call)
        return ld_fail(L, s, "service \"%s\": a handler step needs exactly one of compute or call",
                       svc->name);
    const config_setting_t *ps = config_setting_get_member(s, "p");
    if (ps) {
        int t = config_setting_type(ps);
        if (t != CONFIG_TYPE_FLOAT && t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
            return ld_fail(L, ps, "p must be a probability, not %s", ld_type_name(ps));
        st->p = t == CONFIG_TYPE_FLOAT ? config_setting_get_float(ps)
                                       : (double)config_setting_get_int64(ps);
        if (!(st->p >= 0 && st->p <= 1))
            return ld_fail(L, ps, "p = %g is not a probability in [0, 1]", st->p);
    }
    if (comp) {
        st->kind = MDL_STEP_COMPUTE;
        static const char *const call_only[] = {"parallel", "pick", "request_size", NULL};
        for (const char *const *k = call_only; *k; k++)
            if (config_setting_get_member(s, *k))
                return ld_fail(L, config_setting_get_member(s, *k), "%s applies to call steps only",
                               *k);
        return ld_dist(L, s, "compute", &st->compute);
    }
    st->kind = MDL_STEP_CALL;
    if ((err = ld_bool(L, s, "parallel", &st->parallel)))
        return err;
    if (config_setting_get_member(s, "request_size") &&
        (err = ld_dist_unit(L, s, "request_size", SIM_DIST_BYTES, &st->size)))
        return err;
    /* Callee names are resolved once every service is known. */
    if (config_setting_type(call) == CONFIG_TYPE_STRING) {
        st->ncallees = 1;
    } else if (config_setting_is_aggregate(call) &&
               config_setting_type(call) != CONFIG_TYPE_GROUP) {
        st->ncallees = (size_t)config_setting_length(call);
        if (st->ncallees == 0)
            return ld_fail(L, call, "service \"%s\": call lists no service", svc->name);
        if (st->ncallees > MDL_CALLEES_MAX)
            return ld_fail(L, call,
                           "service \"%s\": a call step lists %zu callees; the limit is %d",
                           svc->name, st->ncallees, MDL_CALLEES_MAX);
        for (size_t i = 0; i < st->ncallees; i++)
            if (config_setting_type(config_setting_get_elem(call, (unsigned)i)) !=
                CONFIG_TYPE_STRING)
                return ld_fail(L, call, "service \"%s\": call must list service names as strings",
                               svc->name);
    } else {
        return ld_fail(L, call, "call must be a service name or a list of names, not %s",
                       ld_type_name(call));
    }
    st->callees = xcalloc(st->ncallees, sizeof *st->callees);
    const config_setting_t *pk = config_setting_get_member(s, "pick");
    if (pk) {
        if (st->parallel)
            return ld_fail(L, pk, "pick chooses one callee: it cannot be parallel");
        if (!config_setting_is_aggregate(pk) || config_setting_type(pk) == CONFIG_TYPE_GROUP ||
            (size_t)config_setting_length(pk) != st->ncallees)
            return ld_fail(L, pk, "pick must list one weight per callee (%zu)", st->ncallees);
        st->pick = xcalloc(st->ncallees, sizeof *st->pick);
        double sum = 0;
        for (size_t i = 0; i < st->ncallees; i++) {
            const config_setting_t *e = config_setting_get_elem(pk, (unsigned)i);
            int t = config_setting_type(e);
            double wgt = t == CONFIG_TYPE_FLOAT ? config_setting_get_float(e)
                         : (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
                             ? (double)config_setting_get_int64(e)
                             : -1;
            if (!(wgt >= 0) || !isfinite(wgt))
                return ld_fail(L, pk, "pick weights must be non-negative numbers");
            sum += wgt;
            st->pick[i] = sum;
        }
        if (!(sum > 0))
            return ld_fail(L, pk, "pick weights must not all be zero");
        for (size_t i = 0; i < st->ncallees; i++)
            st->pick[i] /= sum;
    }
    return 0;
}

/* A list of steps. */
static int load_handler(struct loader *L, struct mdl_service *svc, const config_setting_t *h,
                        const char *what, struct mdl_handler *out)
{
    if (config_setting_type(h) != CONFIG_TYPE_LIST)
        return ld_fail(L, h, "%s of \"%s\" must be a list of steps: ( { ... }, { ... } )", what,
                       svc->name);
    size_t n = (size_t)config_setting_length(h);
    if (n == 0)
        return ld_fail(L, h, "%s of \"%s\" has no steps", what, svc->name);
    if (n > MDL_STEPS_MAX)
        return ld_fail(L, h, "%s of \"%s\" has %zu steps; the limit is %d", what, svc->name, n,
                       MDL_STEPS_MAX);
    out->steps = xcalloc(n, sizeof *out->steps);
    int err;
    for (size_t i = 0; i < n; i++) {
        out->nsteps = i + 1;
        if ((err = load_step(L, svc, config_setting_get_elem(h, (unsigned)i), &out->steps[i])))
            return err;
    }
    return 0;
}

/* boot = "<dist>" or platform = "<preset>" (default "unikernel"). */
static int load_boot(struct loader *L, const config_setting_t *s, struct mdl_service *svc)
{
    const char *platform = NULL;
    const config_setting_t *where;
    int err;
    if ((err = ld_string(L, s, "platform", &platform, &where)))
        return err;
    if (config_setting_get_member(s, "boot")) {
        if (platform)
            return ld_fail(L, config_setting_get_member(s, "boot"),
                           "service \"%s\": give platform or boot, not both", svc->name);
        return ld_dist(L, s, "boot", &svc->boot);
    }
    const struct boot_preset *p = boot_find(platform ? platform : "unikernel");
    if (!p) {
        size_t n;
        const struct boot_preset *all = boot_presets(&n);
        char list[300] = "";
        for (size_t i = 0; i < n; i++) {
            strncat(list, all[i].name, sizeof list - strlen(list) - 3);
            if (i + 1 < n)
                strncat(list, ", ", sizeof list - strlen(list) - 1);
        }
        return ld_fail(L, where, "platform = \"%s\": expected one of %s, or boot = \"<dist>\"",
                       platform, list);
    }
    char why[300];
    if (sim_dist_init_parse(&svc->boot, p->dist, SIM_DIST_SECONDS, NULL, why, sizeof why))
        return ld_fail(L, where, "preset %s: %s", p->name, why);
    return 0;
}

/* scale_at = ( { at = "30s"; instances = 4; }, ... ): scripted scaling. */
static int load_scale_at(struct loader *L, const config_setting_t *s, struct mdl_service *svc)
{
    static const char *const keys[] = {"at", "instances", NULL};
    const config_setting_t *list = config_setting_get_member(s, "scale_at");
    if (!list)
        return 0;
    if (config_setting_type(list) != CONFIG_TYPE_LIST)
        return ld_fail(L, list, "scale_at must be a list: ( { at = \"30s\"; instances = 4; } )");
    svc->nscale = (size_t)config_setting_length(list);
    svc->scale_at = xcalloc(svc->nscale ? svc->nscale : 1, sizeof *svc->scale_at);
    int err;
    for (size_t i = 0; i < svc->nscale; i++) {
        const config_setting_t *e = config_setting_get_elem(list, (unsigned)i);
        if (!config_setting_is_group(e))
            return ld_fail(L, e, "each scale_at entry is a group { at = ...; instances = ...; }");
        if ((err = ld_check_keys(L, e, "a scale_at entry", keys)))
            return err;
        if (!config_setting_get_member(e, "at") || !config_setting_get_member(e, "instances"))
            return ld_fail(L, e, "a scale_at entry needs at and instances");
        long long n = 0;
        if ((err = ld_duration(L, e, "at", &svc->scale_at[i].at)) ||
            (err = ld_int(L, e, "instances", svc->min, svc->max, &n)))
            return err;
        svc->scale_at[i].instances = (int)n;
        if (i > 0 && svc->scale_at[i].at < svc->scale_at[i - 1].at)
            return ld_fail(L, e, "scale_at entries must be in time order");
    }
    return 0;
}

int ld_service(struct loader *L, const config_setting_t *s, struct mdl_service *svc)
{
    static const char *const keys[] = {"name",        "instances", "min",      "max",
                                       "lb",          "maxconn",   "platform", "boot",
                                       "discovery",   "scale_at",  "handler",  "yield_points",
                                       "yield_every", "scheduler", "handlers", "response_size",
                                       "zone",        "maxqueue",  "speed",    NULL};

    int err;
    svc->line = (int)config_setting_source_line(s);
    if (!config_setting_is_group(s))
        return ld_fail(L, s, "each service must be a group: { name = \"...\"; handler = (...); }");
    if ((err = ld_check_keys(L, s, "a service", keys)))
        return err;
    const char *name = NULL;
    const config_setting_t *where;
    if ((err = ld_string(L, s, "name", &name, &where)))
        return err;
    if (!name)
        return ld_fail(L, s, "a service needs a name");
    if ((err = ld_name(L, where, "service name", name)))
        return err;
    svc->name = xstrdup(name);
    long long v = 1;
    if ((err = ld_int(L, s, "instances", 0, 1000000, &v)))
        return err;
    svc->instances = (int)v;
    v = svc->instances > 0; /* as Kubernetes' minReplicas: 1, unless starting from zero */
    if ((err = ld_int(L, s, "min", 0, 1000000, &v)))
        return err;
    svc->min = (int)v;
    v = 1000000;
    if ((err = ld_int(L, s, "max", 1, 1000000, &v)))
        return err;
    svc->max = (int)v;
    if (svc->min > svc->max)
        return ld_fail(L, config_setting_get_member(s, "min"), "min = %d is above max = %d",
                       svc->min, svc->max);
    if (svc->instances < svc->min || svc->instances > svc->max)
        return ld_fail(
            L,
            config_setting_get_member(s, "instances") ? config_setting_get_member(s, "instances")
                                                      : s,
            "instances = %d is outside [min, max] = [%d, %d]", svc->instances, svc->min, svc->max);
    if ((err = load_boot(L, s, svc)) || (err = ld_duration(L, s, "discovery", &svc->discovery)) ||
        (err = load_scale_at(L, s, svc)))
        return err;
    v = 0;
    if ((err = ld_int(L, s, "maxconn", 0, INT_MAX, &v)))
        return err;
    svc->maxconn = (int)v;
    v = 0;
    if ((err = ld_int(L, s, "maxqueue", 0, INT_MAX, &v)))
        return err;
    svc->maxqueue = (int)v;
    const char *lb = NULL;
    if ((err = ld_string(L, s, "lb", &lb, &where)))
        return err;
    svc->lb = MDL_LB_ROUND_ROBIN;
    if (lb) {
        static const struct {
            const char *name;
            enum mdl_lb lb;
        } lbs[] = {{"round-robin", MDL_LB_ROUND_ROBIN},
                   {"random", MDL_LB_RANDOM},
                   {"least-outstanding", MDL_LB_LEAST_OUTSTANDING},
                   {"power-of-two", MDL_LB_POWER_OF_TWO}};
        size_t i;
        for (i = 0; i < sizeof lbs / sizeof lbs[0] && strcmp(lbs[i].name, lb); i++)
            ;
        if (i == sizeof lbs / sizeof lbs[0])
            return ld_fail(L, where,
                           "lb = \"%s\": expected round-robin, random, least-outstanding or "
                           "power-of-two",
                           lb);
        svc->lb = lbs[i].lb;
    }

    v = 0;
    if ((err = ld_int(L, s, "yield_points", 0, MDL_YIELD_POINTS_MAX, &v)))
        return err;
    svc->yield_points = (int)v;
    if ((err = ld_duration(L, s, "yield_every", &svc->yield_every)))
        return err;
    if (config_setting_get_member(s, "yield_every")) {
        if (!(svc->yield_every >= MDL_MIN_PERIOD))
            return ld_fail(L, config_setting_get_member(s, "yield_every"),
                           "yield_every = %g s is shorter than the minimum of 1us",
                           svc->yield_every);
        if (config_setting_get_member(s, "yield_points"))
            return ld_fail(L, config_setting_get_member(s, "yield_every"),
                           "service \"%s\": give yield_points or yield_every, not both", svc->name);
    }
    const char *sched = NULL;
    if ((err = ld_string(L, s, "scheduler", &sched, &where)))
        return err;
    svc->sched = MDL_SCHED_LWT;
    if (sched) {
        if (strcmp(sched, "fifo") == 0)
            svc->sched = MDL_SCHED_FIFO;
        else if (strcmp(sched, "lwt") != 0)
            return ld_fail(L, where, "scheduler = \"%s\": expected \"lwt\" or \"fifo\"", sched);
    }
    const config_setting_t *h = config_setting_get_member(s, "handler");
    if (!h)
        return ld_fail(L, s,
                       "service \"%s\" needs a handler: handler = ( { compute = \"exp(1ms)\"; } );",
                       svc->name);
    struct mdl_handler dh = {0};
    err = load_handler(L, svc, h, "handler", &dh);
    svc->steps = dh.steps;
    svc->nsteps = dh.nsteps;
    if (err)
        return err;
    if (config_setting_get_member(s, "response_size") &&
        (err = ld_dist_unit(L, s, "response_size", SIM_DIST_BYTES, &svc->response_size)))
        return err;
    if ((err = ld_zone(L, s, &svc->zone)))
        return err;
    svc->speed = 1.0;
    const config_setting_t *sp = config_setting_get_member(s, "speed");
    if (sp) {
        int t = config_setting_type(sp);
        if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64 && t != CONFIG_TYPE_FLOAT)
            return ld_fail(L, sp, "speed must be a number (1: as written), not %s",
                           ld_type_name(sp));
        svc->speed = t == CONFIG_TYPE_FLOAT ? config_setting_get_float(sp)
                                            : (double)config_setting_get_int64(sp);
        if (!(svc->speed >= 1e-6 && svc->speed <= 1e6))
            return ld_fail(L, sp, "speed = %g is out of range [1e-06, 1e+06]", svc->speed);
    }
    const config_setting_t *hs = config_setting_get_member(s, "handlers");
    if (!hs)
        return 0;
    if (config_setting_type(hs) != CONFIG_TYPE_LIST)
        return ld_fail(L, hs, "handlers must be a list: ( { class = \"...\"; steps = (...); } )");
    size_t n = (size_t)config_setting_length(hs);
    svc->handlers = xcalloc(n ? n : 1, sizeof *svc->handlers);
    svc->handler_class = xcalloc(n ? n : 1, sizeof *svc->handler_class);
    svc->handler_line = xcalloc(n ? n : 1, sizeof *svc->handler_line);
    for (size_t i = 0; i < n; i++) {
        static const char *const hkeys[] = {"class", "steps", NULL};
        const config_setting_t *e = config_setting_get_elem(hs, (unsigned)i);
        if (!config_setting_is_group(e))
            return ld_fail(L, e,
                           "each entry of handlers is a group { class = ...; steps = (...); }");
        if ((err = ld_check_keys(L, e, "a class handler", hkeys)))
            return err;
        const char *cls = NULL;
        const config_setting_t *wc;
        if ((err = ld_string(L, e, "class", &cls, &wc)))
            return err;
        if (!cls || !config_setting_get_member(e, "steps"))
            return ld_fail(L, e, "a class handler needs class and steps");
        if ((err = ld_name(L, wc, "class name", cls)))
            return err;
        svc->handler_class[i] = xstrdup(cls);
        svc->handler_line[i] = (int)config_setting_source_line(e);
        svc->nhandlers = i + 1;
        if ((err = load_handler(L, svc, config_setting_get_member(e, "steps"), "steps",
                                &svc->handlers[i])))
            return err;
    }
    return 0;
}
