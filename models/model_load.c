/* SPDX-License-Identifier: MIT */
/* models/model_load.c: reads a libconfig model file into struct mdl_model and
 * checks it: unknown keys, wrong types, impossible values, unknown services and
 * call cycles are reported as "file:line: message". Keys of the documented
 * schema that this version does not model yet are accepted with a warning. */
#include "models/model.h"

#include "models/boot.h"

#include "sim/units.h"
#include "sim/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct loader {
    struct mdl_model *m;
    struct sim_diag *d;
    const char *file;
    char dir[1024]; /* directory of the model file, for relative data files */
};

__attribute__((format(printf, 3, 4))) static int fail(struct loader *L, const config_setting_t *s,
                                                      const char *fmt, ...)
{
    char msg[480];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int line = s ? (int)config_setting_source_line(s) : 0;
    if (s && line == 0)
        return sim_diag_set(L->d, SIM_ECONFIG, L->file, 0, "%s (set with --set)", msg);
    return sim_diag_set(L->d, SIM_ECONFIG, L->file, line, "%s", msg);
}

/* Rejects members of group g not named in allowed (NULL-terminated). */
static int check_keys(struct loader *L, const config_setting_t *g, const char *what,
                      const char *const *allowed)
{
    int n = config_setting_length(g);
    for (int i = 0; i < n; i++) {
        const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
        const char *name = config_setting_name(s);
        bool ok = false;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = name && strcmp(*a, name) == 0;
        if (!ok) {
            char list[400] = "";
            for (const char *const *a = allowed; *a; a++) {
                strncat(list, *a, sizeof list - strlen(list) - 3);
                if (a[1])
                    strncat(list, ", ", sizeof list - strlen(list) - 1);
            }
            return fail(L, s, "unknown key \"%s\" in %s (known: %s)", name ? name : "?", what,
                        list);
        }
    }
    return 0;
}

static const config_setting_t *group_of(struct loader *L, const config_setting_t *root,
                                        const char *name, int *err)
{
    config_setting_t *g = config_setting_get_member(root, name);
    *err = 0;
    if (g && !config_setting_is_group(g)) {
        *err = fail(L, g, "\"%s\" must be a group: %s = { ... };", name, name);
        return NULL;
    }
    return g;
}

static const char *type_name(const config_setting_t *s)
{
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64: return "an integer";
    case CONFIG_TYPE_FLOAT: return "a number";
    case CONFIG_TYPE_STRING: return "a string";
    case CONFIG_TYPE_BOOL: return "a boolean";
    case CONFIG_TYPE_GROUP: return "a group";
    case CONFIG_TYPE_ARRAY: return "an array";
    case CONFIG_TYPE_LIST: return "a list";
    default: return "a value";
    }
}

/* A duration: a number of seconds or a string with a unit. */
static int get_duration(struct loader *L, const config_setting_t *g, const char *key, double *out)
{
    const config_setting_t *s = g ? config_setting_get_member(g, key) : NULL;
    if (!s)
        return 0;
    int t = config_setting_type(s);
    if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64 || t == CONFIG_TYPE_FLOAT) {
        double v = config_setting_get_float(s);
        if (t != CONFIG_TYPE_FLOAT)
            v = (double)config_setting_get_int64(s);
        if (!(v >= 0) || !isfinite(v))
            return fail(L, s, "%s must be a non-negative duration", key);
        *out = v;
        return 0;
    }
    if (t == CONFIG_TYPE_STRING) {
        const char *txt = config_setting_get_string(s);
        if (sim_parse_duration(txt, out))
            return fail(L, s, "%s: \"%s\" is not a duration (e.g. \"2ms\", \"150us\", 1.5)", key,
                        txt);
        return 0;
    }
    return fail(L, s, "%s must be a duration, not %s", key, type_name(s));
}

static int get_int(struct loader *L, const config_setting_t *g, const char *key, long long lo,
                   long long hi, long long *out)
{
    const config_setting_t *s = g ? config_setting_get_member(g, key) : NULL;
    if (!s)
        return 0;
    int t = config_setting_type(s);
    if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
        return fail(L, s, "%s must be an integer, not %s", key, type_name(s));
    long long v = config_setting_get_int64(s);
    if (v < lo || v > hi)
        return fail(L, s, "%s = %lld is out of range [%lld, %lld]", key, v, lo, hi);
    *out = v;
    return 0;
}

static int get_string(struct loader *L, const config_setting_t *g, const char *key,
                      const char **out, const config_setting_t **where)
{
    const config_setting_t *s = g ? config_setting_get_member(g, key) : NULL;
    if (where)
        *where = s;
    if (!s)
        return 0;
    if (config_setting_type(s) != CONFIG_TYPE_STRING)
        return fail(L, s, "%s must be a string, not %s", key, type_name(s));
    *out = config_setting_get_string(s);
    return 0;
}

static int get_bool(struct loader *L, const config_setting_t *g, const char *key, bool *out)
{
    const config_setting_t *s = g ? config_setting_get_member(g, key) : NULL;
    if (!s)
        return 0;
    if (config_setting_type(s) != CONFIG_TYPE_BOOL)
        return fail(L, s, "%s must be true or false, not %s", key, type_name(s));
    *out = config_setting_get_bool(s);
    return 0;
}

static int get_dist_unit(struct loader *L, const config_setting_t *g, const char *key,
                         enum sim_dist_unit unit, struct sim_dist *out);

static int get_dist(struct loader *L, const config_setting_t *g, const char *key,
                    struct sim_dist *out)
{
    return get_dist_unit(L, g, key, SIM_DIST_SECONDS, out);
}

/* A distribution of durations or sizes: a number (constant), a plain value
 * with a unit (constant), or "name(args)". */
static int get_dist_unit(struct loader *L, const config_setting_t *g, const char *key,
                         enum sim_dist_unit unit, struct sim_dist *out)
{
    const config_setting_t *s = config_setting_get_member(g, key);
    int t = config_setting_type(s);
    if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64 || t == CONFIG_TYPE_FLOAT) {
        double v = t == CONFIG_TYPE_FLOAT ? config_setting_get_float(s)
                                          : (double)config_setting_get_int64(s);
        if (!(v >= 0))
            return fail(L, s, "%s must be non-negative", key);
        sim_dist_init_const(out, v);
        return 0;
    }
    if (t != CONFIG_TYPE_STRING)
        return fail(L, s, "%s must be a distribution such as \"%s\", not %s", key,
                    unit == SIM_DIST_BYTES ? "exp(1KiB)" : "exp(2ms)", type_name(s));
    char err[400];
    double v;
    const char *txt = config_setting_get_string(s);
    int plain = unit == SIM_DIST_BYTES ? sim_parse_size(txt, &v) : sim_parse_duration(txt, &v);
    if (plain == 0) { /* "2ms" means const(2ms) */
        sim_dist_init_const(out, v);
        return 0;
    }
    if (sim_dist_init_parse(out, txt, unit, L->dir, err, sizeof err))
        return fail(L, s, "%s: %s", key, err);
    return 0;
}

static int load_run(struct loader *L, const config_setting_t *root)
{
    static const char *const keys[] = {"seed",         "duration",   "warmup", "window",
                                       "max_requests", "max_events", NULL};
    struct mdl_run *r = &L->m->run;
    r->seed = 1;
    r->duration = 60.0;
    r->warmup = 0.0;
    r->window = 1.0;
    int err;
    const config_setting_t *g = group_of(L, root, "run", &err);
    if (err || !g)
        return err;
    if ((err = check_keys(L, g, "run", keys)))
        return err;
    long long v;
    if (config_setting_get_member(g, "seed")) {
        if ((err = get_int(L, g, "seed", 0, LLONG_MAX, &v)))
            return err;
        r->seed = (uint64_t)v;
    }
    if ((err = get_duration(L, g, "duration", &r->duration)) ||
        (err = get_duration(L, g, "warmup", &r->warmup)) ||
        (err = get_duration(L, g, "window", &r->window)))
        return err;
    if (!(r->duration > 0))
        return fail(L, config_setting_get_member(g, "duration"), "duration must be > 0");
    if (r->warmup >= r->duration)
        return fail(L, config_setting_get_member(g, "warmup"),
                    "warmup must be shorter than duration");
    if (!(r->window > 0))
        return fail(L, config_setting_get_member(g, "window"), "window must be > 0");
    v = 0;
    if ((err = get_int(L, g, "max_requests", 0, LLONG_MAX, &v)))
        return err;
    r->max_requests = (uint64_t)v;
    v = 0;
    if ((err = get_int(L, g, "max_events", 0, LLONG_MAX, &v)))
        return err;
    r->max_events = (uint64_t)v;
    return 0;
}

static int load_network(struct loader *L, const config_setting_t *root)
{
    static const char *const keys[] = {"latency", "bandwidth",    "queueing",
                                       "zones",   "zone_latency", NULL};
    struct mdl_network *n = &L->m->net;
    sim_dist_init_const(&n->latency, 0.0);
    int err;
    const config_setting_t *g = group_of(L, root, "network", &err);
    if (err || !g)
        return err;
    if ((err = check_keys(L, g, "network", keys)))
        return err;
    if (config_setting_get_member(g, "latency") && (err = get_dist(L, g, "latency", &n->latency)))
        return err;
    const char *bw = NULL;
    const config_setting_t *where;
    if ((err = get_string(L, g, "bandwidth", &bw, &where)))
        return err;
    if (bw && sim_parse_bandwidth(bw, &n->bandwidth))
        return fail(L, where, "bandwidth: \"%s\" is not a bandwidth (e.g. \"10Gbps\")", bw);
    if ((err = get_bool(L, g, "queueing", &n->queueing)))
        return err;
    if (n->queueing && !bw)
        return fail(L, config_setting_get_member(g, "queueing"),
                    "queueing needs a link bandwidth: bandwidth = \"1Gbps\";");
    const config_setting_t *z = config_setting_get_member(g, "zones");
    const config_setting_t *zl = config_setting_get_member(g, "zone_latency");
    if (!z && !zl)
        return 0;
    if (!z || !zl)
        return fail(L, z ? z : zl, "zones and zone_latency go together");
    if (config_setting_type(z) != CONFIG_TYPE_LIST && config_setting_type(z) != CONFIG_TYPE_ARRAY)
        return fail(L, z, "zones must list names: zones = (\"edge\", \"cloud\");");
    size_t nz = (size_t)config_setting_length(z);
    if (nz == 0)
        return fail(L, z, "zones lists no zone");
    n->zones = xcalloc(nz, sizeof *n->zones);
    for (size_t i = 0; i < nz; i++) {
        const char *name = config_setting_get_string_elem(z, (int)i);
        if (!name)
            return fail(L, z, "zones must list names as strings");
        for (size_t j = 0; j < i; j++)
            if (strcmp(n->zones[j], name) == 0)
                return fail(L, z, "zone \"%s\" is listed twice", name);
        n->zones[i] = xstrdup(name);
        n->nzones = i + 1;
    }
    if (config_setting_type(zl) != CONFIG_TYPE_LIST || (size_t)config_setting_length(zl) != nz)
        return fail(L, zl, "zone_latency must be a list of %zu rows, one per zone", nz);
    n->zone_latency = xcalloc(nz * nz, sizeof *n->zone_latency);
    for (size_t i = 0; i < nz * nz; i++)
        sim_dist_init_const(&n->zone_latency[i], 0.0);
    for (size_t i = 0; i < nz; i++) {
        const config_setting_t *row = config_setting_get_elem(zl, (unsigned)i);
        if (!config_setting_is_aggregate(row) || config_setting_type(row) == CONFIG_TYPE_GROUP ||
            (size_t)config_setting_length(row) != nz)
            return fail(L, row, "row %zu of zone_latency must have %zu entries", i + 1, nz);
        for (size_t j = 0; j < nz; j++) {
            const char *txt = config_setting_get_string_elem(row, (int)j);
            char why[300];
            double v;
            if (!txt)
                return fail(L, row, "zone_latency entries are strings such as \"10ms\"");
            if (sim_parse_duration(txt, &v) == 0)
                sim_dist_init_const(&n->zone_latency[i * nz + j], v);
            else if (sim_dist_init_parse(&n->zone_latency[i * nz + j], txt, SIM_DIST_SECONDS,
                                         L->dir, why, sizeof why))
                return fail(L, row, "zone_latency from %s to %s: %s", n->zones[i], n->zones[j],
                            why);
        }
    }
    return 0;
}

static int load_tracing(struct loader *L, const config_setting_t *root)
{
    static const char *const keys[] = {
        "sampling", "sample_at", "packet_timestamps", "hook_cost", "fold", "export", NULL};
    struct mdl_tracing *t = &L->m->tracing;
    t->sampling = 1;
    t->export_requests = 20;
    t->fold = MDL_FOLD_MAX;
    int err;
    const config_setting_t *g = group_of(L, root, "tracing", &err);
    if (err || !g)
        return err;
    if ((err = check_keys(L, g, "tracing", keys)))
        return err;
    long long v = 1;
    if ((err = get_int(L, g, "sampling", 0, UINT32_MAX, &v)))
        return err;
    t->sampling = (uint32_t)v;
    v = t->export_requests;
    if ((err = get_int(L, g, "export", 0, 100000, &v)))
        return err;
    t->export_requests = (uint32_t)v;
    if ((err = get_bool(L, g, "packet_timestamps", &t->packet_timestamps)) ||
        (err = get_duration(L, g, "hook_cost", &t->hook_cost)))
        return err;
    const char *txt = NULL;
    const config_setting_t *where;
    if ((err = get_string(L, g, "sample_at", &txt, &where)))
        return err;
    if (txt && strcmp(txt, "service") == 0)
        t->per_service = true;
    else if (txt && strcmp(txt, "root") != 0)
        return fail(L, where, "sample_at = \"%s\": expected \"root\" or \"service\"", txt);
    txt = NULL;
    if ((err = get_string(L, g, "fold", &txt, &where)))
        return err;
    if (txt) {
        if (strcmp(txt, "max") == 0)
            t->fold = MDL_FOLD_MAX;
        else if (strcmp(txt, "sum") == 0)
            t->fold = MDL_FOLD_SUM;
        else if (strcmp(txt, "min") == 0)
            t->fold = MDL_FOLD_MIN;
        else
            return fail(L, where, "fold = \"%s\": expected \"max\", \"sum\" or \"min\"", txt);
    }
    return 0;
}

static int load_hosts(struct loader *L, const config_setting_t *root)
{
    static const char *const keys[] = {"count", "capacity", NULL};
    struct mdl_model *m = L->m;
    int err;
    const config_setting_t *g = group_of(L, root, "hosts", &err);
    if (err || !g)
        return err;
    if ((err = check_keys(L, g, "hosts", keys)))
        return err;
    long long count = 0, cap = 1;
    if ((err = get_int(L, g, "count", 1, 10000000, &count)) ||
        (err = get_int(L, g, "capacity", 1, 100000, &cap)))
        return err;
    if (!config_setting_get_member(g, "count"))
        return fail(L, g, "hosts needs a count");
    m->hosts.count = (int)count;
    m->hosts.capacity = (int)cap;
    long long initial = 0;
    for (size_t i = 0; i < m->nservices; i++)
        initial += m->services[i].instances;
    if (initial > count * cap)
        return fail(L, g, "the %lld initial instances do not fit on %lld hosts of %lld slots",
                    initial, count, cap);
    return 0;
}

/* Groups of the documented schema that later versions model. */
static int load_policy(struct loader *L, const config_setting_t *root)
{
    struct mdl_policy *p = &L->m->policy;
    p->period = 15.0; /* Kubernetes HPA's sync period */
    p->cooldown = 0.0;
    int err;
    const config_setting_t *g = group_of(L, root, "policy", &err);
    if (err || !g)
        return err;
    p->line = (int)config_setting_source_line(g);
    const char *name = NULL;
    const config_setting_t *where;
    if ((err = get_string(L, g, "name", &name, &where)))
        return err;
    if (!name)
        return fail(L, g, "policy needs a name, e.g. name = \"hpa\";");
    p->name = xstrdup(name);
    if ((err = get_duration(L, g, "period", &p->period)) ||
        (err = get_duration(L, g, "cooldown", &p->cooldown)))
        return err;
    if (!(p->period > 0))
        return fail(L, config_setting_get_member(g, "period"), "period must be > 0");
    int n = config_setting_length(g);
    p->params = xcalloc((size_t)n + 1, sizeof *p->params);
    for (int i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(g, (unsigned)i);
        const char *key = config_setting_name(e);
        if (!strcmp(key, "name") || !strcmp(key, "period") || !strcmp(key, "cooldown"))
            continue;
        struct mdl_param *q = &p->params[p->nparams];
        int t = config_setting_type(e);
        if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
            q->value = (double)config_setting_get_int64(e);
        else if (t == CONFIG_TYPE_FLOAT)
            q->value = config_setting_get_float(e);
        else if (t == CONFIG_TYPE_BOOL)
            q->value = config_setting_get_bool(e);
        else if (t == CONFIG_TYPE_STRING) {
            if (sim_parse_duration(config_setting_get_string(e), &q->value))
                return fail(L, e, "policy %s: \"%s\" is not a number or a duration", key,
                            config_setting_get_string(e));
        } else
            return fail(L, e, "policy %s must be a number, a duration or a boolean", key);
        if (!isfinite(q->value))
            return fail(L, e, "policy %s is not a finite number", key);
        q->key = xstrdup(key);
        q->line = (int)config_setting_source_line(e);
        p->nparams++;
    }
    return 0;
}

static int load_slo(struct loader *L, const config_setting_t *root)
{
    static const char *const keys[] = {"latency_p95", "latency_p99", "latency_mean",
                                       "max_utilization", NULL};
    struct mdl_slo *o = &L->m->slo;
    o->max_utilization = 0.8;
    int err;
    const config_setting_t *g = group_of(L, root, "slo", &err);
    if (err || !g)
        return err;
    if ((err = check_keys(L, g, "slo", keys)) ||
        (err = get_duration(L, g, "latency_p95", &o->latency_p95)) ||
        (err = get_duration(L, g, "latency_p99", &o->latency_p99)) ||
        (err = get_duration(L, g, "latency_mean", &o->latency_mean)))
        return err;
    const config_setting_t *mu = config_setting_get_member(g, "max_utilization");
    if (mu) {
        int t = config_setting_type(mu);
        if (t != CONFIG_TYPE_FLOAT && t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
            return fail(L, mu, "max_utilization must be a number in (0, 1]");
        o->max_utilization = t == CONFIG_TYPE_FLOAT ? config_setting_get_float(mu)
                                                    : (double)config_setting_get_int64(mu);
        if (!(o->max_utilization > 0 && o->max_utilization <= 1))
            return fail(L, mu, "max_utilization must be in (0, 1]");
    }
    return 0;
}

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
        return fail(L, s,
                    "service \"%s\": each handler step must be a group such as "
                    "{ compute = \"exp(1ms)\"; }",
                    svc->name);
    if ((err = check_keys(L, s, "a handler step", keys)))
        return err;
    const config_setting_t *comp = config_setting_get_member(s, "compute");
    const config_setting_t *call = config_setting_get_member(s, "call");
    if (!!comp == !!call)
        return fail(L, s, "service \"%s\": a handler step needs exactly one of compute or call",
                    svc->name);
    const config_setting_t *ps = config_setting_get_member(s, "p");
    if (ps) {
        int t = config_setting_type(ps);
        if (t != CONFIG_TYPE_FLOAT && t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
            return fail(L, ps, "p must be a probability, not %s", type_name(ps));
        st->p = t == CONFIG_TYPE_FLOAT ? config_setting_get_float(ps)
                                       : (double)config_setting_get_int64(ps);
        if (!(st->p >= 0 && st->p <= 1))
            return fail(L, ps, "p = %g is not a probability in [0, 1]", st->p);
    }
    if (comp) {
        st->kind = MDL_STEP_COMPUTE;
        static const char *const call_only[] = {"parallel", "pick", "request_size", NULL};
        for (const char *const *k = call_only; *k; k++)
            if (config_setting_get_member(s, *k))
                return fail(L, config_setting_get_member(s, *k), "%s applies to call steps only",
                            *k);
        return get_dist(L, s, "compute", &st->compute);
    }
    st->kind = MDL_STEP_CALL;
    if ((err = get_bool(L, s, "parallel", &st->parallel)))
        return err;
    if (config_setting_get_member(s, "request_size") &&
        (err = get_dist_unit(L, s, "request_size", SIM_DIST_BYTES, &st->size)))
        return err;
    /* Callee names are resolved once every service is known. */
    if (config_setting_type(call) == CONFIG_TYPE_STRING) {
        st->ncallees = 1;
    } else if (config_setting_is_aggregate(call) &&
               config_setting_type(call) != CONFIG_TYPE_GROUP) {
        st->ncallees = (size_t)config_setting_length(call);
        if (st->ncallees == 0)
            return fail(L, call, "service \"%s\": call lists no service", svc->name);
        for (size_t i = 0; i < st->ncallees; i++)
            if (config_setting_type(config_setting_get_elem(call, (unsigned)i)) !=
                CONFIG_TYPE_STRING)
                return fail(L, call, "service \"%s\": call must list service names as strings",
                            svc->name);
    } else {
        return fail(L, call, "call must be a service name or a list of names, not %s",
                    type_name(call));
    }
    st->callees = xcalloc(st->ncallees, sizeof *st->callees);
    const config_setting_t *pk = config_setting_get_member(s, "pick");
    if (pk) {
        if (st->parallel)
            return fail(L, pk, "pick chooses one callee: it cannot be parallel");
        if (!config_setting_is_aggregate(pk) || config_setting_type(pk) == CONFIG_TYPE_GROUP ||
            (size_t)config_setting_length(pk) != st->ncallees)
            return fail(L, pk, "pick must list one weight per callee (%zu)", st->ncallees);
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
                return fail(L, pk, "pick weights must be non-negative numbers");
            sum += wgt;
            st->pick[i] = sum;
        }
        if (!(sum > 0))
            return fail(L, pk, "pick weights must not all be zero");
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
        return fail(L, h, "%s of \"%s\" must be a list of steps: ( { ... }, { ... } )", what,
                    svc->name);
    size_t n = (size_t)config_setting_length(h);
    if (n == 0)
        return fail(L, h, "%s of \"%s\" has no steps", what, svc->name);
    out->steps = xcalloc(n, sizeof *out->steps);
    int err;
    for (size_t i = 0; i < n; i++) {
        out->nsteps = i + 1;
        if ((err = load_step(L, svc, config_setting_get_elem(h, (unsigned)i), &out->steps[i])))
            return err;
    }
    return 0;
}

/* zone = "<name>" of the network's zones (default: the first). */
static int get_zone(struct loader *L, const config_setting_t *g, int *zone)
{
    const char *name = NULL;
    const config_setting_t *where;
    int err;
    *zone = 0;
    if ((err = get_string(L, g, "zone", &name, &where)) || !name)
        return err;
    const struct mdl_network *n = &L->m->net;
    for (size_t i = 0; i < n->nzones; i++)
        if (strcmp(n->zones[i], name) == 0) {
            *zone = (int)i;
            return 0;
        }
    if (n->nzones == 0)
        return fail(L, where, "zone = \"%s\": the network defines no zones", name);
    return fail(L, where, "zone = \"%s\" is not one of the network's zones", name);
}

/* boot = "<dist>" or platform = "<preset>" (default "unikernel"). */
static int load_boot(struct loader *L, const config_setting_t *s, struct mdl_service *svc)
{
    const char *platform = NULL;
    const config_setting_t *where;
    int err;
    if ((err = get_string(L, s, "platform", &platform, &where)))
        return err;
    if (config_setting_get_member(s, "boot")) {
        if (platform)
            return fail(L, config_setting_get_member(s, "boot"),
                        "service \"%s\": give platform or boot, not both", svc->name);
        return get_dist(L, s, "boot", &svc->boot);
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
        return fail(L, where, "platform = \"%s\": expected one of %s, or boot = \"<dist>\"",
                    platform, list);
    }
    char why[300];
    if (sim_dist_init_parse(&svc->boot, p->dist, SIM_DIST_SECONDS, NULL, why, sizeof why))
        return fail(L, where, "preset %s: %s", p->name, why);
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
        return fail(L, list, "scale_at must be a list: ( { at = \"30s\"; instances = 4; } )");
    svc->nscale = (size_t)config_setting_length(list);
    svc->scale_at = xcalloc(svc->nscale ? svc->nscale : 1, sizeof *svc->scale_at);
    int err;
    for (size_t i = 0; i < svc->nscale; i++) {
        const config_setting_t *e = config_setting_get_elem(list, (unsigned)i);
        if (!config_setting_is_group(e))
            return fail(L, e, "each scale_at entry is a group { at = ...; instances = ...; }");
        if ((err = check_keys(L, e, "a scale_at entry", keys)))
            return err;
        if (!config_setting_get_member(e, "at") || !config_setting_get_member(e, "instances"))
            return fail(L, e, "a scale_at entry needs at and instances");
        long long n = 0;
        if ((err = get_duration(L, e, "at", &svc->scale_at[i].at)) ||
            (err = get_int(L, e, "instances", svc->min, svc->max, &n)))
            return err;
        svc->scale_at[i].instances = (int)n;
        if (i > 0 && svc->scale_at[i].at < svc->scale_at[i - 1].at)
            return fail(L, e, "scale_at entries must be in time order");
    }
    return 0;
}

static int load_service(struct loader *L, const config_setting_t *s, struct mdl_service *svc)
{
    static const char *const keys[] = {
        "name",        "instances", "min",       "max",           "lb",      "maxconn",
        "platform",    "boot",      "discovery", "scale_at",      "handler", "yield_points",
        "yield_every", "scheduler", "handlers",  "response_size", "zone",    NULL};

    int err;
    svc->line = (int)config_setting_source_line(s);
    if (!config_setting_is_group(s))
        return fail(L, s, "each service must be a group: { name = \"...\"; handler = (...); }");
    if ((err = check_keys(L, s, "a service", keys)))
        return err;
    const char *name = NULL;
    const config_setting_t *where;
    if ((err = get_string(L, s, "name", &name, &where)))
        return err;
    if (!name)
        return fail(L, s, "a service needs a name");
    if (!name[0])
        return fail(L, where, "a service name must not be empty");
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
            return fail(L, where, "service name \"%s\": use letters, digits, '-', '_' or '.'",
                        name);
    svc->name = xstrdup(name);
    long long v = 1;
    if ((err = get_int(L, s, "instances", 0, 1000000, &v)))
        return err;
    svc->instances = (int)v;
    v = svc->instances > 0; /* as Kubernetes' minReplicas: 1, unless starting from zero */
    if ((err = get_int(L, s, "min", 0, 1000000, &v)))
        return err;
    svc->min = (int)v;
    v = 1000000;
    if ((err = get_int(L, s, "max", 1, 1000000, &v)))
        return err;
    svc->max = (int)v;
    if (svc->min > svc->max)
        return fail(L, config_setting_get_member(s, "min"), "min = %d is above max = %d", svc->min,
                    svc->max);
    if (svc->instances < svc->min || svc->instances > svc->max)
        return fail(
            L,
            config_setting_get_member(s, "instances") ? config_setting_get_member(s, "instances")
                                                      : s,
            "instances = %d is outside [min, max] = [%d, %d]", svc->instances, svc->min, svc->max);
    if ((err = load_boot(L, s, svc)) || (err = get_duration(L, s, "discovery", &svc->discovery)) ||
        (err = load_scale_at(L, s, svc)))
        return err;
    v = 0;
    if ((err = get_int(L, s, "maxconn", 0, INT_MAX, &v)))
        return err;
    svc->maxconn = (int)v;
    const char *lb = NULL;
    if ((err = get_string(L, s, "lb", &lb, &where)))
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
            return fail(L, where,
                        "lb = \"%s\": expected round-robin, random, least-outstanding or "
                        "power-of-two",
                        lb);
        svc->lb = lbs[i].lb;
    }

    v = 0;
    if ((err = get_int(L, s, "yield_points", 0, 1000000, &v)))
        return err;
    svc->yield_points = (int)v;
    if ((err = get_duration(L, s, "yield_every", &svc->yield_every)))
        return err;
    if (config_setting_get_member(s, "yield_every")) {
        if (!(svc->yield_every > 0))
            return fail(L, config_setting_get_member(s, "yield_every"), "yield_every must be > 0");
        if (config_setting_get_member(s, "yield_points"))
            return fail(L, config_setting_get_member(s, "yield_every"),
                        "service \"%s\": give yield_points or yield_every, not both", svc->name);
    }
    const char *sched = NULL;
    if ((err = get_string(L, s, "scheduler", &sched, &where)))
        return err;
    svc->sched = MDL_SCHED_LWT;
    if (sched) {
        if (strcmp(sched, "fifo") == 0)
            svc->sched = MDL_SCHED_FIFO;
        else if (strcmp(sched, "lwt") != 0)
            return fail(L, where, "scheduler = \"%s\": expected \"lwt\" or \"fifo\"", sched);
    }
    const config_setting_t *h = config_setting_get_member(s, "handler");
    if (!h)
        return fail(L, s,
                    "service \"%s\" needs a handler: handler = ( { compute = \"exp(1ms)\"; } );",
                    svc->name);
    struct mdl_handler dh = {0};
    err = load_handler(L, svc, h, "handler", &dh);
    svc->steps = dh.steps;
    svc->nsteps = dh.nsteps;
    if (err)
        return err;
    if (config_setting_get_member(s, "response_size") &&
        (err = get_dist_unit(L, s, "response_size", SIM_DIST_BYTES, &svc->response_size)))
        return err;
    if ((err = get_zone(L, s, &svc->zone)))
        return err;
    const config_setting_t *hs = config_setting_get_member(s, "handlers");
    if (!hs)
        return 0;
    if (config_setting_type(hs) != CONFIG_TYPE_LIST)
        return fail(L, hs, "handlers must be a list: ( { class = \"...\"; steps = (...); } )");
    size_t n = (size_t)config_setting_length(hs);
    svc->handlers = xcalloc(n ? n : 1, sizeof *svc->handlers);
    svc->handler_class = xcalloc(n ? n : 1, sizeof *svc->handler_class);
    svc->handler_line = xcalloc(n ? n : 1, sizeof *svc->handler_line);
    for (size_t i = 0; i < n; i++) {
        static const char *const hkeys[] = {"class", "steps", NULL};
        const config_setting_t *e = config_setting_get_elem(hs, (unsigned)i);
        if (!config_setting_is_group(e))
            return fail(L, e, "each entry of handlers is a group { class = ...; steps = (...); }");
        if ((err = check_keys(L, e, "a class handler", hkeys)))
            return err;
        const char *cls = NULL;
        if ((err = get_string(L, e, "class", &cls, NULL)))
            return err;
        if (!cls || !config_setting_get_member(e, "steps"))
            return fail(L, e, "a class handler needs class and steps");
        svc->handler_class[i] = xstrdup(cls);
        svc->handler_line[i] = (int)config_setting_source_line(e);
        svc->nhandlers = i + 1;
        if ((err = load_handler(L, svc, config_setting_get_member(e, "steps"), "steps",
                                &svc->handlers[i])))
            return err;
    }
    return 0;
}

/* Resolves the callee names of handler hd, written as the list of steps h. */
static int resolve_handler(struct loader *L, size_t i, const config_setting_t *h,
                           struct mdl_handler *hd)
{
    struct mdl_model *m = L->m;
    struct mdl_service *svc = &m->services[i];
    for (size_t k = 0; k < hd->nsteps; k++) {
        struct mdl_step *st = &hd->steps[k];
        if (st->kind != MDL_STEP_CALL)
            continue;
        const config_setting_t *call =
            config_setting_get_member(config_setting_get_elem(h, (unsigned)k), "call");
        for (size_t c = 0; c < st->ncallees; c++) {
            const char *name = config_setting_type(call) == CONFIG_TYPE_STRING
                                   ? config_setting_get_string(call)
                                   : config_setting_get_string_elem(call, (int)c);
            int idx = mdl_service_find(m, name);
            if (idx < 0)
                return fail(L, call, "service \"%s\" calls unknown service \"%s\"", svc->name,
                            name);
            if ((size_t)idx == i)
                return fail(L, call, "service \"%s\" calls itself", svc->name);
            st->callees[c] = idx;
        }
    }
    return 0;
}

/* Resolves callee names; list is the services list. */
static int resolve_calls(struct loader *L, const config_setting_t *list)
{
    struct mdl_model *m = L->m;
    int err;
    for (size_t i = 0; i < m->nservices; i++) {
        const config_setting_t *s = config_setting_get_elem(list, (unsigned)i);
        struct mdl_service *svc = &m->services[i];
        struct mdl_handler dh = {svc->steps, svc->nsteps};
        if ((err = resolve_handler(L, i, config_setting_get_member(s, "handler"), &dh)))
            return err;
        const config_setting_t *hs = config_setting_get_member(s, "handlers");
        for (size_t k = 0; k < svc->nhandlers; k++) {
            const config_setting_t *e = config_setting_get_elem(hs, (unsigned)k);
            if ((err = resolve_handler(L, i, config_setting_get_member(e, "steps"),
                                       &svc->handlers[k])))
                return err;
        }
    }
    return 0;
}

/* The k-th handler of svc: 0 is the default, then the class handlers. */
static struct mdl_handler handler_at(const struct mdl_service *svc, size_t k)
{
    if (k == 0)
        return (struct mdl_handler){svc->steps, svc->nsteps};
    return svc->handlers[k - 1];
}

/* Depth-first search for a synchronous call cycle (which would deadlock). */
static int find_cycle(struct loader *L, int v, char *color, int *parent)
{
    struct mdl_model *m = L->m;
    color[v] = 1;
    const struct mdl_service *svc = &m->services[v];
    for (size_t hk = 0; hk <= svc->nhandlers; hk++) {
        struct mdl_handler hd = handler_at(svc, hk);
        for (size_t k = 0; k < hd.nsteps; k++) {
            const struct mdl_step *st = &hd.steps[k];
            for (size_t c = 0; st->kind == MDL_STEP_CALL && c < st->ncallees; c++) {
                int w = st->callees[c];
                if (color[w] == 1) {
                    /* parent[] links v back to w: print w -> ... -> v -> w. */
                    int chain[256], n = 0;
                    for (int x = v; x != w && n < 256; x = parent[x])
                        chain[n++] = x;
                    char path[400];
                    size_t used = (size_t)snprintf(path, sizeof path, "%s", m->services[w].name);
                    for (int j = n - 1; j >= 0 && used < sizeof path; j--)
                        used += (size_t)snprintf(path + used, sizeof path - used, " -> %s",
                                                 m->services[chain[j]].name);
                    if (used < sizeof path)
                        snprintf(path + used, sizeof path - used, " -> %s", m->services[w].name);
                    return sim_diag_set(L->d, SIM_ECONFIG, L->file, st->line,
                                        "call cycle: %s (synchronous calls must form a DAG)", path);
                }
                if (color[w] == 0) {
                    parent[w] = v;
                    int err = find_cycle(L, w, color, parent);
                    if (err)
                        return err;
                }
            }
        }
    }
    color[v] = 2;
    return 0;
}

static int load_services(struct loader *L, const config_setting_t *root)
{
    struct mdl_model *m = L->m;
    const config_setting_t *list = config_setting_get_member(root, "services");
    if (!list)
        return sim_diag_set(L->d, SIM_ECONFIG, L->file, 0,
                            "no services: add services = ( { name = ...; handler = (...); } );");
    if (config_setting_type(list) != CONFIG_TYPE_LIST)
        return fail(L, list, "services must be a list: services = ( { ... }, { ... } );");
    m->nservices = (size_t)config_setting_length(list);
    if (m->nservices == 0)
        return fail(L, list, "services lists no service");
    m->services = xcalloc(m->nservices, sizeof *m->services);
    int err;
    for (size_t i = 0; i < m->nservices; i++) {
        const config_setting_t *s = config_setting_get_elem(list, (unsigned)i);
        if ((err = load_service(L, s, &m->services[i])))
            return err;
        for (size_t j = 0; j < i; j++)
            if (strcmp(m->services[j].name, m->services[i].name) == 0)
                return fail(L, config_setting_get_member(s, "name"),
                            "service \"%s\" is defined twice (first at line %d)",
                            m->services[i].name, m->services[j].line);
    }
    if ((err = resolve_calls(L, list)))
        return err;
    char *color = xcalloc(m->nservices, 1);
    int *parent = xcalloc(m->nservices, sizeof *parent);
    for (size_t i = 0; i < m->nservices && !err; i++)
        if (!color[i])
            err = find_cycle(L, (int)i, color, parent);
    free(color);
    free(parent);
    return err;
}

static int load_class(struct loader *L, const config_setting_t *g, const char *entry_default,
                      struct wl_class *c)
{
    int err;
    const char *name = NULL, *entry = NULL;
    const config_setting_t *wn, *we;
    c->line = (int)config_setting_source_line(g);
    sim_dist_init_const(&c->size, 0.0);
    c->share = 1.0;
    if ((err = get_string(L, g, "name", &name, &wn)) ||
        (err = get_string(L, g, "entry", &entry, &we)))
        return err;
    c->name = xstrdup(name ? name : "default");
    if (!entry)
        entry = entry_default;
    c->entry = mdl_service_find(L->m, entry);
    if (c->entry < 0)
        return fail(L, we ? we : g, "workload entry \"%s\" is not a service", entry);
    const config_setting_t *sh = config_setting_get_member(g, "share");
    if (sh) {
        int t = config_setting_type(sh);
        if (t != CONFIG_TYPE_FLOAT && t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
            return fail(L, sh, "share must be a number, not %s", type_name(sh));
        c->share = t == CONFIG_TYPE_FLOAT ? config_setting_get_float(sh)
                                          : (double)config_setting_get_int64(sh);
        if (!(c->share >= 0) || !isfinite(c->share))
            return fail(L, sh, "share must be a non-negative number");
    }
    if (config_setting_get_member(g, "request_size") &&
        (err = get_dist_unit(L, g, "request_size", SIM_DIST_BYTES, &c->size)))
        return err;
    return 0;
}

static int load_workload(struct loader *L, const config_setting_t *root)
{
    static const char *const keys[] = {"entry",   "arrivals", "rate",         "users", "think",
                                       "classes", "zone",     "request_size", NULL};
    static const char *const class_keys[] = {"name", "entry", "share", "request_size", NULL};
    struct mdl_model *m = L->m;
    struct wl_spec *wl = &m->workload;
    int err;
    const config_setting_t *g = group_of(L, root, "workload", &err);
    if (err)
        return err;
    if (!g)
        return sim_diag_set(
            L->d, SIM_ECONFIG, L->file, 0,
            "no workload: add workload = { entry = \"...\"; rate = \"const(100)\"; };");
    wl->line = (int)config_setting_source_line(g);
    if ((err = check_keys(L, g, "workload", keys)))
        return err;
    const char *arrivals = NULL, *rate = NULL;
    const config_setting_t *wa, *wr;
    if ((err = get_string(L, g, "arrivals", &arrivals, &wa)) ||
        (err = get_string(L, g, "rate", &rate, &wr)) || (err = get_zone(L, g, &wl->zone)))
        return err;
    const config_setting_t *users = config_setting_get_member(g, "users");
    if (!!rate == !!users)
        return fail(L, g,
                    "workload needs either rate (open loop, e.g. rate = \"const(100)\";) or "
                    "users (closed loop, with think)");
    if (rate) {
        wl->kind = WL_OPEN;
        if (arrivals && strcmp(arrivals, "poisson") != 0)
            return fail(L, wa, "arrivals = \"%s\": only \"poisson\" is supported", arrivals);
        if (config_setting_get_member(g, "think"))
            return fail(L, config_setting_get_member(g, "think"),
                        "think applies to closed-loop users only");
        char why[400];
        if (wl_rate_parse(&wl->rate, rate, L->dir, why, sizeof why))
            return fail(L, wr, "rate: %s", why);
    } else {
        wl->kind = WL_CLOSED;
        long long n = 0;
        if ((err = get_int(L, g, "users", 1, 10000000, &n)))
            return err;
        wl->users = (uint32_t)n;
        if (arrivals)
            return fail(L, wa, "arrivals applies to open-loop load (rate) only");
        if (!config_setting_get_member(g, "think"))
            sim_dist_init_const(&wl->think, 0.0);
        else if ((err = get_dist(L, g, "think", &wl->think)))
            return err;
    }
    const char *entry = NULL;
    const config_setting_t *we;
    if ((err = get_string(L, g, "entry", &entry, &we)))
        return err;
    const config_setting_t *cl = config_setting_get_member(g, "classes");
    if (!cl) {
        wl->classes = xcalloc(1, sizeof *wl->classes);
        wl->nclasses = 1;
        return load_class(L, g, entry ? entry : m->services[0].name, &wl->classes[0]);
    }
    if (entry || config_setting_get_member(g, "request_size"))
        return fail(L, we ? we : config_setting_get_member(g, "request_size"),
                    "with classes, give entry and request_size per class");
    if (config_setting_type(cl) != CONFIG_TYPE_LIST || config_setting_length(cl) == 0)
        return fail(L, cl,
                    "classes must be a list: ( { name = \"browse\"; entry = \"...\"; "
                    "share = 0.8; }, ... )");
    size_t n = (size_t)config_setting_length(cl);
    wl->classes = xcalloc(n, sizeof *wl->classes);
    double total = 0;
    for (size_t i = 0; i < n; i++) {
        const config_setting_t *c = config_setting_get_elem(cl, (unsigned)i);
        if (!config_setting_is_group(c))
            return fail(L, c, "each class is a group { name = ...; entry = ...; share = ...; }");
        if ((err = check_keys(L, c, "a class", class_keys)))
            return err;
        if (!config_setting_get_member(c, "name") || !config_setting_get_member(c, "entry"))
            return fail(L, c, "a class needs a name and an entry");
        wl->nclasses = i + 1;
        if ((err = load_class(L, c, NULL, &wl->classes[i])))
            return err;
        for (size_t j = 0; j < i; j++)
            if (strcmp(wl->classes[j].name, wl->classes[i].name) == 0)
                return fail(L, c, "class \"%s\" is defined twice", wl->classes[i].name);
        total += wl->classes[i].share;
    }
    if (!(total > 0))
        return fail(L, cl, "the class shares must not all be zero");
    for (size_t i = 0; i < n; i++)
        wl->classes[i].share /= total;
    return 0;
}

/* Marks the services reachable from service s, for class c. */
static void mark_reachable(const struct mdl_model *m, size_t c, int s, char *seen)
{
    if (seen[s] & 2)
        return;
    seen[s] |= 3; /* reachable, and visited for this class */
    const struct mdl_service *svc = &m->services[s];
    struct mdl_handler h =
        svc->by_class[c].nsteps ? svc->by_class[c] : (struct mdl_handler){svc->steps, svc->nsteps};
    for (size_t k = 0; k < h.nsteps; k++)
        for (size_t j = 0; h.steps[k].kind == MDL_STEP_CALL && j < h.steps[k].ncallees; j++)
            mark_reachable(m, c, h.steps[k].callees[j], seen);
}

/* Every service must be reachable from some class's entry. */
static int check_reachable(struct loader *L)
{
    const struct mdl_model *m = L->m;
    char *seen = xcalloc(m->nservices, 1);
    for (size_t c = 0; c < m->workload.nclasses; c++) {
        for (size_t i = 0; i < m->nservices; i++)
            seen[i] &= 1;
        mark_reachable(m, c, m->workload.classes[c].entry, seen);
    }
    int err = 0;
    for (size_t i = 0; i < m->nservices && !err; i++)
        if (!(seen[i] & 1))
            err = sim_diag_set(L->d, SIM_ECONFIG, L->file, m->services[i].line,
                               "service \"%s\" is unreachable: no request class's entry leads "
                               "to it",
                               m->services[i].name);
    free(seen);
    return err;
}

/* Maps each service's class handlers to class indices. */
static int resolve_class_handlers(struct loader *L)
{
    struct mdl_model *m = L->m;
    for (size_t i = 0; i < m->nservices; i++) {
        struct mdl_service *svc = &m->services[i];
        svc->by_class = xcalloc(m->workload.nclasses, sizeof *svc->by_class);
        for (size_t k = 0; k < svc->nhandlers; k++) {
            size_t c;
            for (c = 0; c < m->workload.nclasses; c++)
                if (strcmp(m->workload.classes[c].name, svc->handler_class[k]) == 0)
                    break;
            if (c == m->workload.nclasses)
                return sim_diag_set(L->d, SIM_ECONFIG, L->file, svc->handler_line[k],
                                    "service \"%s\": no workload class \"%s\"", svc->name,
                                    svc->handler_class[k]);
            if (svc->by_class[c].nsteps)
                return sim_diag_set(L->d, SIM_ECONFIG, L->file, svc->handler_line[k],
                                    "service \"%s\": two handlers for class \"%s\"", svc->name,
                                    svc->handler_class[k]);
            svc->by_class[c] = svc->handlers[k];
        }
    }
    return 0;
}

/* Applies one "path=value" override to the parsed configuration. Path
 * components are group keys; in the services list a component may be a
 * service's name or its index. */
static int apply_override(struct loader *L, config_t *cfg, const char *text)
{
    const char *eq = strchr(text, '=');
    if (!eq || eq == text)
        return sim_diag_set(L->d, SIM_EINVAL, "--set", 0,
                            "\"%s\": expected path=value, e.g. run.duration=10s", text);
    char path[256];
    size_t plen = (size_t)(eq - text);
    if (plen >= sizeof path)
        return sim_diag_set(L->d, SIM_EINVAL, "--set", 0, "path too long in \"%s\"", text);
    memcpy(path, text, plen);
    path[plen] = '\0';
    const char *value = eq + 1;
    config_setting_t *cur = config_root_setting(cfg);
    char *save = NULL;
    char *tok = strtok_r(path, ".", &save);
    while (tok) {
        char *next = strtok_r(NULL, ".", &save);
        config_setting_t *child = NULL;
        if (config_setting_type(cur) == CONFIG_TYPE_LIST) {
            char *end;
            long idx = strtol(tok, &end, 10);
            if (*end == '\0' && idx >= 0) {
                child = config_setting_get_elem(cur, (unsigned)idx);
            } else {
                for (int i = 0; i < config_setting_length(cur) && !child; i++) {
                    config_setting_t *e = config_setting_get_elem(cur, (unsigned)i);
                    const char *n = NULL;
                    if (config_setting_is_group(e) && config_setting_lookup_string(e, "name", &n) &&
                        strcmp(n, tok) == 0)
                        child = e;
                }
            }
            if (!child)
                return sim_diag_set(L->d, SIM_EINVAL, "--set", 0, "%s: no element \"%s\"", text,
                                    tok);
        } else if (config_setting_is_group(cur)) {
            child = config_setting_get_member(cur, tok);
            if (!child && next)
                child = config_setting_add(cur, tok, CONFIG_TYPE_GROUP);
        } else {
            return sim_diag_set(L->d, SIM_EINVAL, "--set", 0, "%s: \"%s\" is not a group", text,
                                tok);
        }
        if (!next) {
            if (!config_setting_is_group(cur))
                return sim_diag_set(L->d, SIM_EINVAL, "--set", 0,
                                    "%s: only keys of groups can be set", text);
            if (child && config_setting_is_aggregate(child))
                return sim_diag_set(L->d, SIM_EINVAL, "--set", 0,
                                    "%s: \"%s\" is a group or list, not a value", text, tok);
            if (child)
                config_setting_remove(cur, tok);
            char *end;
            errno = 0;
            long long iv = strtoll(value, &end, 10);
            config_setting_t *s;
            if (*value && *end == '\0' && errno == 0) {
                s = config_setting_add(cur, tok, CONFIG_TYPE_INT64);
                config_setting_set_int64(s, iv);
            } else if (strcmp(value, "true") == 0 || strcmp(value, "false") == 0) {
                s = config_setting_add(cur, tok, CONFIG_TYPE_BOOL);
                config_setting_set_bool(s, value[0] == 't');
            } else {
                double dv = strtod(value, &end);
                if (*value && *end == '\0' && isfinite(dv)) {
                    s = config_setting_add(cur, tok, CONFIG_TYPE_FLOAT);
                    config_setting_set_float(s, dv);
                } else {
                    size_t n = strlen(value);
                    char buf[512];
                    if (n >= 2 && value[0] == '"' && value[n - 1] == '"')
                        snprintf(buf, sizeof buf, "%.*s", (int)(n - 2), value + 1);
                    else
                        snprintf(buf, sizeof buf, "%s", value);
                    s = config_setting_add(cur, tok, CONFIG_TYPE_STRING);
                    config_setting_set_string(s, buf);
                }
            }
            if (!s)
                return sim_diag_set(L->d, SIM_EINVAL, "--set", 0, "%s: cannot set \"%s\"", text,
                                    tok);
            return 0;
        }
        if (!child)
            return sim_diag_set(L->d, SIM_EINVAL, "--set", 0, "%s: no key \"%s\"", text, tok);
        cur = child;
        tok = next;
    }
    return sim_diag_set(L->d, SIM_EINVAL, "--set", 0, "\"%s\": empty path", text);
}

static int load_config(struct mdl_model *m, config_t *cfg, const char *file,
                       const char *const *overrides, size_t noverrides, struct sim_diag *d)
{
    struct loader L = {.m = m, .d = d, .file = file};
    const char *slash = strrchr(file, '/');
    if (slash)
        snprintf(L.dir, sizeof L.dir, "%.*s", (int)(slash - file), file);
    m->source = xstrdup(file);
    int err;
    for (size_t i = 0; i < noverrides; i++)
        if ((err = apply_override(&L, cfg, overrides[i])))
            return err;
    static const char *const top[] = {"run",      "network", "tracing", "services", "hosts",
                                      "workload", "policy",  "slo",     NULL};
    const config_setting_t *root = config_root_setting(cfg);
    if ((err = check_keys(&L, root, "the model", top)) || (err = load_run(&L, root)) ||
        (err = load_network(&L, root)) || (err = load_services(&L, root)) ||
        (err = load_hosts(&L, root)) || (err = load_workload(&L, root)) ||
        (err = resolve_class_handlers(&L)) || (err = check_reachable(&L)) ||
        (err = load_tracing(&L, root)) || (err = load_policy(&L, root)) ||
        (err = load_slo(&L, root)))
        return err;
    return 0;
}

static int finish(struct mdl_model *m, config_t *cfg, int err)
{
    config_destroy(cfg);
    if (err)
        mdl_model_fini(m);
    return err ? SIM_ECONFIG : 0;
}

int mdl_load_file(struct mdl_model *m, const char *path, const char *const *overrides,
                  size_t noverrides, struct sim_diag *d)
{
    memset(m, 0, sizeof *m);
    config_t cfg;
    config_init(&cfg);
    if (config_read_file(&cfg, path) != CONFIG_TRUE) {
        int err;
        if (config_error_type(&cfg) == CONFIG_ERR_FILE_IO) {
            FILE *f = fopen(path, "r");
            int e = f ? 0 : errno;
            if (f)
                fclose(f);
            err = sim_diag_set(d, SIM_EIO, path, 0, "cannot read model file: %s",
                               e ? strerror(e) : "read error");
        } else {
            err = sim_diag_set(d, SIM_ECONFIG,
                               config_error_file(&cfg) ? config_error_file(&cfg) : path,
                               config_error_line(&cfg), "%s", config_error_text(&cfg));
        }
        config_destroy(&cfg);
        return err;
    }
    return finish(m, &cfg, load_config(m, &cfg, path, overrides, noverrides, d));
}

int mdl_load_string(struct mdl_model *m, const char *text, const char *name,
                    const char *const *overrides, size_t noverrides, struct sim_diag *d)
{
    memset(m, 0, sizeof *m);
    config_t cfg;
    config_init(&cfg);
    if (config_read_string(&cfg, text) != CONFIG_TRUE) {
        int err = sim_diag_set(d, SIM_ECONFIG, name, config_error_line(&cfg), "%s",
                               config_error_text(&cfg));
        config_destroy(&cfg);
        return err;
    }
    return finish(m, &cfg, load_config(m, &cfg, name, overrides, noverrides, d));
}

void mdl_model_fini(struct mdl_model *m)
{
    for (size_t i = 0; i < m->nservices; i++) {
        struct mdl_service *s = &m->services[i];
        for (size_t h = 0; h <= s->nhandlers; h++) {
            struct mdl_handler hd =
                h == 0 ? (struct mdl_handler){s->steps, s->nsteps} : s->handlers[h - 1];
            for (size_t k = 0; k < hd.nsteps; k++) {
                sim_dist_fini(&hd.steps[k].compute);
                sim_dist_fini(&hd.steps[k].size);
                free(hd.steps[k].callees);
                free(hd.steps[k].pick);
            }
            free(hd.steps);
        }
        for (size_t h = 0; h < s->nhandlers; h++)
            free(s->handler_class[h]);
        free(s->handler_class);
        free(s->handler_line);
        free(s->handlers);
        free(s->by_class);
        sim_dist_fini(&s->response_size);
        free(s->name);
        free(s->scale_at);
        sim_dist_fini(&s->boot);
    }
    free(m->services);
    sim_dist_fini(&m->net.latency);
    for (size_t i = 0; i < m->net.nzones; i++)
        free(m->net.zones[i]);
    for (size_t i = 0; m->net.zone_latency && i < m->net.nzones * m->net.nzones; i++)
        sim_dist_fini(&m->net.zone_latency[i]);
    free(m->net.zones);
    free(m->net.zone_latency);
    for (size_t i = 0; i < m->workload.nclasses; i++) {
        free(m->workload.classes[i].name);
        sim_dist_fini(&m->workload.classes[i].size);
    }
    free(m->workload.classes);
    for (size_t i = 0; i < m->policy.nparams; i++)
        free(m->policy.params[i].key);
    free(m->policy.params);
    free(m->policy.name);
    sim_dist_fini(&m->workload.think);
    wl_rate_fini(&m->workload.rate);
    for (size_t i = 0; i < m->nwarnings; i++)
        free(m->warnings[i]);
    free(m->warnings);
    free(m->source);
    memset(m, 0, sizeof *m);
}

int mdl_service_find(const struct mdl_model *m, const char *name)
{
    for (size_t i = 0; i < m->nservices; i++)
        if (m->services[i].name && strcmp(m->services[i].name, name) == 0)
            return (int)i;
    return -1;
}
