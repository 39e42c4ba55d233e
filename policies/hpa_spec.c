/* SPDX-License-Identifier: MIT */
/* policies/hpa_spec.c: a HorizontalPodAutoscaler object (JSON tree) into
 * struct hpa_spec, with the API server's defaulting and validation
 * (pkg/apis/autoscaling: defaults.go, validation.go) for the fields uksim
 * models, and a clear refusal of the fields it does not. */
#include "policies/hpa_spec.h"

#include <math.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct reader {
    const struct hpa_src *src;
    struct sim_diag *d;
    char path[512];
};

static int line_of(const struct reader *r, const json_t *node)
{
    const struct hpa_lines *l = r->src->lines;
    for (size_t i = 0; l && i < l->n; i++)
        if (l->node[i] == node)
            return l->line[i];
    return r->src->line;
}

/* Appends part to the dotted path in buf ("[i]" parts attach directly). */
static void join(char *buf, size_t size, const char *part)
{
    size_t len = strlen(buf);
    if (!*part || len >= size)
        return;
    snprintf(buf + len, size - len, "%s%s", len && part[0] != '[' ? "." : "", part);
}

__attribute__((format(printf, 4, 5))) static int fail(struct reader *r, const json_t *node,
                                                      const char *field, const char *fmt, ...)
{
    char msg[384], path[640] = "";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    join(path, sizeof path, r->src->prefix ? r->src->prefix : "");
    join(path, sizeof path, r->path);
    join(path, sizeof path, field);
    return sim_diag_set(r->d, SIM_ECONFIG, r->src->file, line_of(r, node), "%s: %s",
                        *path ? path : "(top)", msg);
}

/* Enters object field key (the path grows by ".key"); returns the old length. */
static size_t enter(struct reader *r, const char *key)
{
    size_t len = strlen(r->path);
    join(r->path, sizeof r->path, key);
    return len;
}

static void leave(struct reader *r, size_t len)
{
    r->path[len] = '\0';
}

bool hpa_key_known(const char *const *keys, const char *k)
{
    for (size_t i = 0; keys[i]; i++)
        if (!strcmp(k, keys[i]))
            return true;
    return false;
}

/* Every key of obj must be one of keys (NULL-terminated). */
static int only_keys(struct reader *r, const json_t *obj, const char *const *keys)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v)
    {
        if (!hpa_key_known(keys, k))
            return fail(r, v, k, "unknown or unsupported field");
    }
    return 0;
}

static int want_object(struct reader *r, const json_t *v, const char *field)
{
    return json_is_object(v) ? 0 : fail(r, v, field, "must be an object");
}

static int get_int(struct reader *r, const json_t *obj, const char *key, long lo, long hi, int *out)
{
    const json_t *v = json_object_get(obj, key);
    if (!v)
        return 0;
    if (!json_is_integer(v))
        return fail(r, v, key, "must be an integer");
    json_int_t x = json_integer_value(v);
    if (x < lo || x > hi)
        return fail(r, v, key, "%lld is outside [%ld, %ld]", (long long)x, lo, hi);
    *out = (int)x;
    return 0;
}

static int get_str(struct reader *r, const json_t *obj, const char *key, const char **out)
{
    const json_t *v = json_object_get(obj, key);
    if (!v)
        return 0;
    if (!json_is_string(v))
        return fail(r, v, key, "must be a string");
    *out = json_string_value(v);
    return 0;
}

/* A resource.Quantity used as a fraction: a number, or a decimal string
 * with an optional "m" (milli) suffix. */
static int get_quantity(struct reader *r, const json_t *obj, const char *key, double *out)
{
    const json_t *v = json_object_get(obj, key);
    if (!v)
        return 0;
    double x;
    if (json_is_number(v)) {
        x = json_number_value(v);
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char *end;
        x = strtod(s, &end);
        if (end == s)
            return fail(r, v, key, "\"%s\" is not a quantity", s);
        if (!strcmp(end, "m"))
            x /= 1000;
        else if (*end)
            return fail(r, v, key, "\"%s\" is not a quantity (a number, or a number with m)", s);
    } else {
        return fail(r, v, key, "must be a quantity");
    }
    if (!(x >= 0 && x <= 1e6))
        return fail(r, v, key, "must be a non-negative number");
    *out = x;
    return 0;
}

static int read_policy(struct reader *r, const json_t *p, struct hpa_rate_policy *out)
{
    static const char *const keys[] = {"type", "value", "periodSeconds", NULL};
    int err;
    const char *type = NULL;
    if ((err = want_object(r, p, "")) || (err = only_keys(r, p, keys)) ||
        (err = get_str(r, p, "type", &type)))
        return err;
    if (!type)
        return fail(r, p, "type", "is required (Pods or Percent)");
    if (!strcmp(type, "Pods"))
        out->type = HPA_POLICY_PODS;
    else if (!strcmp(type, "Percent"))
        out->type = HPA_POLICY_PERCENT;
    else
        return fail(r, json_object_get(p, "type"), "type", "\"%s\" is not Pods or Percent", type);
    out->value = 0;
    out->period = 0;
    if ((err = get_int(r, p, "value", 1, INT32_MAX, &out->value)) ||
        (err = get_int(r, p, "periodSeconds", 1, 1800, &out->period)))
        return err;
    if (!json_object_get(p, "value"))
        return fail(r, p, "value", "is required (> 0)");
    if (!json_object_get(p, "periodSeconds"))
        return fail(r, p, "periodSeconds", "is required (1 to 1800)");
    return 0;
}

/* One direction of behavior; fields left out keep the defaults in out. */
static int read_rules(struct reader *r, const json_t *v, struct hpa_rules *out)
{
    static const char *const keys[] = {"stabilizationWindowSeconds", "selectPolicy", "policies",
                                       "tolerance", NULL};
    int err;
    if ((err = want_object(r, v, "")) || (err = only_keys(r, v, keys)) ||
        (err = get_int(r, v, "stabilizationWindowSeconds", 0, 3600, &out->stabilization)) ||
        (err = get_quantity(r, v, "tolerance", &out->tolerance)))
        return err;
    const char *sel = NULL;
    if ((err = get_str(r, v, "selectPolicy", &sel)))
        return err;
    if (sel && !strcmp(sel, "Max"))
        out->select = HPA_SELECT_MAX;
    else if (sel && !strcmp(sel, "Min"))
        out->select = HPA_SELECT_MIN;
    else if (sel && !strcmp(sel, "Disabled"))
        out->select = HPA_SELECT_DISABLED;
    else if (sel)
        return fail(r, json_object_get(v, "selectPolicy"), "selectPolicy",
                    "\"%s\" is not Max, Min or Disabled", sel);
    const json_t *pol = json_object_get(v, "policies");
    if (!pol || json_is_null(pol))
        return 0;
    if (!json_is_array(pol))
        return fail(r, pol, "policies", "must be a list");
    size_t n = json_array_size(pol);
    if (n == 0)
        return fail(r, pol, "policies", "must specify at least one policy");
    if (n > HPA_POLICIES_MAX)
        return fail(r, pol, "policies", "at most %d policies", HPA_POLICIES_MAX);
    size_t len = enter(r, "policies");
    for (size_t i = 0; i < n; i++) {
        char idx[32];
        snprintf(idx, sizeof idx, "[%zu]", i);
        size_t len2 = enter(r, idx);
        if ((err = read_policy(r, json_array_get(pol, i), &out->policies[i])))
            return err;
        leave(r, len2);
    }
    leave(r, len);
    out->npolicies = (int)n;
    return 0;
}

static int read_behavior(struct reader *r, const json_t *b, struct hpa_spec *s)
{
    static const char *const keys[] = {"scaleUp", "scaleDown", NULL};
    int err;
    if ((err = want_object(r, b, "behavior")))
        return err;
    size_t len = enter(r, "behavior");
    if ((err = only_keys(r, b, keys)))
        return err;
    s->has_behavior = true;
    hpa_rules_default(&s->up, true);
    hpa_rules_default(&s->down, false);
    const char *dir[2] = {"scaleUp", "scaleDown"};
    struct hpa_rules *rules[2] = {&s->up, &s->down};
    for (int i = 0; i < 2; i++) {
        const json_t *v = json_object_get(b, dir[i]);
        if (!v || json_is_null(v))
            continue;
        size_t len2 = enter(r, dir[i]);
        if ((err = read_rules(r, v, rules[i])))
            return err;
        leave(r, len2);
    }
    leave(r, len);
    return 0;
}

/* One Resource (or ContainerResource: every pod here is one container)
 * metric on cpu with a Utilization target. */
static int read_metric(struct reader *r, const json_t *m, struct hpa_spec *s)
{
    static const char *const mkeys[] = {"type", "resource", NULL};
    static const char *const ckeys[] = {"type", "containerResource", NULL};
    static const char *const rkeys[] = {"name", "target", NULL};
    static const char *const crkeys[] = {"name", "container", "target", NULL};
    static const char *const tkeys[] = {"type", "averageUtilization", NULL};
    int err;
    const char *type = NULL, *name = NULL, *ttype = NULL;
    if ((err = want_object(r, m, "")) || (err = get_str(r, m, "type", &type)))
        return err;
    bool container = type && !strcmp(type, "ContainerResource");
    if (!type || (strcmp(type, "Resource") && !container))
        return fail(r, m, "type", "uksim models Resource metrics on cpu only (got %s)",
                    type ? type : "none");
    const char *field = container ? "containerResource" : "resource";
    if ((err = only_keys(r, m, container ? ckeys : mkeys)))
        return err;
    const json_t *res = json_object_get(m, field);
    if (!res)
        return fail(r, m, field, "is required");
    if ((err = want_object(r, res, field)))
        return err;
    size_t len = enter(r, field);
    if ((err = only_keys(r, res, container ? crkeys : rkeys)) ||
        (err = get_str(r, res, "name", &name)) ||
        (container && (err = get_str(r, res, "container", &(const char *){NULL}))))
        return err;
    if (!name || strcmp(name, "cpu"))
        return fail(r, res, "name", "uksim models cpu only (got %s)", name ? name : "none");
    const json_t *t = json_object_get(res, "target");
    if (!t)
        return fail(r, res, "target", "is required");
    if ((err = want_object(r, t, "target")))
        return err;
    size_t len2 = enter(r, "target");
    if ((err = only_keys(r, t, tkeys)) || (err = get_str(r, t, "type", &ttype)))
        return err;
    if (!ttype || strcmp(ttype, "Utilization"))
        return fail(r, t, "type", "uksim models Utilization targets only (got %s)",
                    ttype ? ttype : "none");
    if (!json_object_get(t, "averageUtilization"))
        return fail(r, t, "averageUtilization", "is required");
    if ((err = get_int(r, t, "averageUtilization", 1, 1000000, &s->target_util)))
        return err;
    leave(r, len2);
    leave(r, len);
    return 0;
}

static int read_spec(struct reader *r, const json_t *spec, struct hpa_spec *s)
{
    static const char *const keys[] = {"scaleTargetRef", "minReplicas", "maxReplicas",
                                       "metrics",        "behavior",    NULL};
    static const char *const refkeys[] = {"apiVersion", "kind", "name", NULL};
    int err;
    if ((err = want_object(r, spec, "spec")))
        return err;
    size_t len = enter(r, "spec");
    if ((err = only_keys(r, spec, keys)))
        return err;
    const json_t *ref = json_object_get(spec, "scaleTargetRef");
    if (ref) {
        const char *name = NULL;
        if ((err = want_object(r, ref, "scaleTargetRef")))
            return err;
        size_t len2 = enter(r, "scaleTargetRef");
        if ((err = only_keys(r, ref, refkeys)) || (err = get_str(r, ref, "name", &name)) ||
            (err = get_str(r, ref, "kind", &(const char *){NULL})) ||
            (err = get_str(r, ref, "apiVersion", &(const char *){NULL})))
            return err;
        if (name && strlen(name) >= sizeof s->target)
            return fail(r, ref, "name", "longer than %zu bytes", sizeof s->target - 1);
        if (name)
            snprintf(s->target, sizeof s->target, "%s", name);
        leave(r, len2);
    }
    if ((err = get_int(r, spec, "minReplicas", 0, INT32_MAX, &s->min)))
        return err;
    if (!json_object_get(spec, "maxReplicas"))
        return fail(r, spec, "maxReplicas", "is required");
    if ((err = get_int(r, spec, "maxReplicas", 1, INT32_MAX, &s->max)))
        return err;
    if (s->max < s->min)
        return fail(r, json_object_get(spec, "maxReplicas"), "maxReplicas",
                    "%d is below minReplicas (%d)", s->max, s->min);
    const json_t *metrics = json_object_get(spec, "metrics");
    if (metrics && !json_is_null(metrics)) {
        if (!json_is_array(metrics))
            return fail(r, metrics, "metrics", "must be a list");
        if (json_array_size(metrics) > 1)
            return fail(r, json_array_get(metrics, 1), "metrics[1]",
                        "uksim models one metric (CPU utilization) per HPA");
        if (json_array_size(metrics) == 1) {
            size_t len2 = enter(r, "metrics[0]");
            if ((err = read_metric(r, json_array_get(metrics, 0), s)))
                return err;
            leave(r, len2);
        }
    }
    const json_t *b = json_object_get(spec, "behavior");
    if (b && !json_is_null(b) && (err = read_behavior(r, b, s)))
        return err;
    leave(r, len);
    return 0;
}

int hpa_spec_from_json(const json_t *obj, const struct hpa_src *src, struct hpa_spec *spec,
                       struct sim_diag *d)
{
    static const char *const keys[] = {"apiVersion", "kind", "metadata", "spec", "status", NULL};
    struct reader r = {.src = src, .d = d};
    int err;
    hpa_spec_default(spec);
    if ((err = want_object(&r, obj, "")) || (err = only_keys(&r, obj, keys)))
        return err;
    const char *api = NULL, *kind = NULL, *name = NULL;
    if ((err = get_str(&r, obj, "apiVersion", &api)) || (err = get_str(&r, obj, "kind", &kind)))
        return err;
    if (api && strcmp(api, "autoscaling/v2") && strcmp(api, "autoscaling/v2beta2"))
        return fail(&r, json_object_get(obj, "apiVersion"), "apiVersion",
                    "\"%s\" is not autoscaling/v2", api);
    if (kind && strcmp(kind, "HorizontalPodAutoscaler"))
        return fail(&r, json_object_get(obj, "kind"), "kind",
                    "\"%s\" is not HorizontalPodAutoscaler", kind);
    const json_t *meta = json_object_get(obj, "metadata");
    if (meta) {
        if ((err = want_object(&r, meta, "metadata")))
            return err;
        size_t len = enter(&r, "metadata");
        if ((err = get_str(&r, meta, "name", &name)))
            return err;
        leave(&r, len);
        if (name)
            snprintf(spec->name, sizeof spec->name, "%s", name);
    }
    const json_t *s = json_object_get(obj, "spec");
    if (!s)
        return fail(&r, obj, "spec", "is required");
    return read_spec(&r, s, spec);
}
