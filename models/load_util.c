/* SPDX-License-Identifier: MIT */
/* models/load_util.c: the loader's typed getters and messages. Each getter
 * checks the type and range of one key and reports a bad one with its line. */
#include "models/load_int.h"

#include "sim/strbuf.h"
#include "sim/units.h"
#include "sim/xalloc.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* line < 0: a value set with --set (it has no line in the file). */
static int vfail(struct loader *L, int line, const char *fmt, va_list ap)
{
    char msg[480];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (line < 0)
        return sim_diag_set(L->d, SIM_ECONFIG, L->file, 0, "%s (set with --set)", msg);
    return sim_diag_set(L->d, SIM_ECONFIG, L->file, line, "%s", msg);
}

int ld_fail(struct loader *L, const config_setting_t *s, const char *fmt, ...)
{
    int line = s ? (int)config_setting_source_line(s) : 0;
    va_list ap;
    va_start(ap, fmt);
    int rc = vfail(L, s && line == 0 ? -1 : line, fmt, ap);
    va_end(ap);
    return rc;
}

int ld_fail_line(struct loader *L, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vfail(L, line, fmt, ap);
    va_end(ap);
    return rc;
}

void ld_warn(struct loader *L, const config_setting_t *s, const char *fmt, ...)
{
    char msg[480];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    struct sim_buf b = {0};
    int line = s ? (int)config_setting_source_line(s) : 0;
    if (line > 0)
        sim_buf_printf(&b, "%s:%d: warning: %s", L->file, line, msg);
    else
        sim_buf_printf(&b, "%s: warning: %s", L->file, msg);
    struct mdl_model *m = L->m;
    m->warnings = xrealloc(m->warnings, (m->nwarnings + 1) * sizeof *m->warnings);
    m->warnings[m->nwarnings++] = b.p;
}

int ld_name(struct loader *L, const config_setting_t *where, const char *what, const char *name)
{
    size_t n = strlen(name);
    if (n == 0)
        return ld_fail(L, where, "a %s must not be empty", what);
    if (n > MDL_NAME_MAX)
        return ld_fail(L, where, "%s \"%.40s...\" is %zu bytes long; the limit is %d", what, name,
                       n, MDL_NAME_MAX);
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
            return ld_fail(L, where, "%s \"%s\": use letters, digits, '-', '_' or '.'", what, name);
    return 0;
}

int ld_check_keys(struct loader *L, const config_setting_t *g, const char *what,
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
            return ld_fail(L, s, "unknown key \"%s\" in %s (known: %s)", name ? name : "?", what,
                           list);
        }
    }
    return 0;
}

const config_setting_t *ld_group(struct loader *L, const config_setting_t *root, const char *name,
                                 int *err)
{
    config_setting_t *g = config_setting_get_member(root, name);
    *err = 0;
    if (g && !config_setting_is_group(g)) {
        *err = ld_fail(L, g, "\"%s\" must be a group: %s = { ... };", name, name);
        return NULL;
    }
    return g;
}

const char *ld_type_name(const config_setting_t *s)
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
int ld_duration(struct loader *L, const config_setting_t *g, const char *key, double *out)
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
            return ld_fail(L, s, "%s must be a non-negative duration", key);
        if (v > MDL_TIME_MAX)
            return ld_fail(L, s, "%s = %g s is beyond the longest time uksim simulates (%g s)", key,
                           v, MDL_TIME_MAX);
        *out = v;
        return 0;
    }
    if (t == CONFIG_TYPE_STRING) {
        const char *txt = config_setting_get_string(s);
        double v;
        if (sim_parse_duration(txt, &v))
            return ld_fail(L, s, "%s: \"%s\" is not a duration (e.g. \"2ms\", \"150us\", 1.5)", key,
                           txt);
        if (v > MDL_TIME_MAX)
            return ld_fail(L, s, "%s = \"%s\" is beyond the longest time uksim simulates (%g s)",
                           key, txt, MDL_TIME_MAX);
        *out = v;
        return 0;
    }
    return ld_fail(L, s, "%s must be a duration, not %s", key, ld_type_name(s));
}

int ld_int(struct loader *L, const config_setting_t *g, const char *key, long long lo, long long hi,
           long long *out)
{
    const config_setting_t *s = g ? config_setting_get_member(g, key) : NULL;
    if (!s)
        return 0;
    int t = config_setting_type(s);
    if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
        return ld_fail(L, s, "%s must be an integer, not %s", key, ld_type_name(s));
    long long v = config_setting_get_int64(s);
    if (v < lo || v > hi)
        return ld_fail(L, s, "%s = %lld is out of range [%lld, %lld]", key, v, lo, hi);
    *out = v;
    return 0;
}

int ld_string(struct loader *L, const config_setting_t *g, const char *key, const char **out,
              const config_setting_t **where)
{
    const config_setting_t *s = g ? config_setting_get_member(g, key) : NULL;
    if (where)
        *where = s;
    if (!s)
        return 0;
    if (config_setting_type(s) != CONFIG_TYPE_STRING)
        return ld_fail(L, s, "%s must be a string, not %s", key, ld_type_name(s));
    *out = config_setting_get_string(s);
    return 0;
}

int ld_bool(struct loader *L, const config_setting_t *g, const char *key, bool *out)
{
    const config_setting_t *s = g ? config_setting_get_member(g, key) : NULL;
    if (!s)
        return 0;
    if (config_setting_type(s) != CONFIG_TYPE_BOOL)
        return ld_fail(L, s, "%s must be true or false, not %s", key, ld_type_name(s));
    *out = config_setting_get_bool(s);
    return 0;
}

int ld_dist(struct loader *L, const config_setting_t *g, const char *key, struct sim_dist *out)
{
    return ld_dist_unit(L, g, key, SIM_DIST_SECONDS, out);
}

/* A distribution of durations or sizes: a number (constant), a plain value
 * with a unit (constant), or "name(args)". */
int ld_dist_unit(struct loader *L, const config_setting_t *g, const char *key,
                 enum sim_dist_unit unit, struct sim_dist *out)
{
    const config_setting_t *s = config_setting_get_member(g, key);
    int t = config_setting_type(s);
    if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64 || t == CONFIG_TYPE_FLOAT) {
        double v = t == CONFIG_TYPE_FLOAT ? config_setting_get_float(s)
                                          : (double)config_setting_get_int64(s);
        if (!(v >= 0) || !isfinite(v))
            return ld_fail(L, s, "%s must be a non-negative number", key);
        if (unit == SIM_DIST_SECONDS && v > MDL_TIME_MAX)
            return ld_fail(L, s, "%s = %g s is beyond the longest time uksim simulates (%g s)", key,
                           v, MDL_TIME_MAX);
        sim_dist_init_const(out, v);
        return 0;
    }
    if (t != CONFIG_TYPE_STRING)
        return ld_fail(L, s, "%s must be a distribution such as \"%s\", not %s", key,
                       unit == SIM_DIST_BYTES ? "exp(1KiB)" : "exp(2ms)", ld_type_name(s));
    char err[400];
    double v;
    const char *txt = config_setting_get_string(s);
    int plain = unit == SIM_DIST_BYTES ? sim_parse_size(txt, &v) : sim_parse_duration(txt, &v);
    if (plain == 0) /* "2ms" means const(2ms) */
        sim_dist_init_const(out, v);
    else if (sim_dist_init_parse(out, txt, unit, L->dir, err, sizeof err))
        return ld_fail(L, s, "%s: %s", key, err);
    if (unit == SIM_DIST_SECONDS && !(out->mean <= MDL_TIME_MAX))
        return ld_fail(L, s,
                       "%s = \"%s\": its mean is beyond the longest time uksim simulates "
                       "(%g s)",
                       key, txt, MDL_TIME_MAX);
    return 0;
}

/* zone = "<name>" of the network's zones (default: the first). */
int ld_zone(struct loader *L, const config_setting_t *g, int *zone)
{
    const char *name = NULL;
    const config_setting_t *where;
    int err;
    *zone = 0;
    if ((err = ld_string(L, g, "zone", &name, &where)) || !name)
        return err;
    const struct mdl_network *n = &L->m->net;
    for (size_t i = 0; i < n->nzones; i++)
        if (strcmp(n->zones[i], name) == 0) {
            *zone = (int)i;
            return 0;
        }
    if (n->nzones == 0)
        return ld_fail(L, where, "zone = \"%s\": the network defines no zones", name);
    return ld_fail(L, where, "zone = \"%s\" is not one of the network's zones", name);
}
