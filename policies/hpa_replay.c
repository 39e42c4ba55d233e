/* SPDX-License-Identifier: MIT */
/* policies/hpa_replay.c: `uksim policy replay`. Recorded observations go
 * through the HPA controller with no simulation (format in hpa_replay.h).
 * The output is built whole and written only when every line was read. */
#include "policies/hpa_replay.h"

#include "policies/hpa_spec.h"
#include "sim/strbuf.h"
#include "sim/xalloc.h"

#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define REPLAY_LINE_MAX (64u << 20)
#define REPLAY_PODS_MAX 100000
#define REPLAY_CPU_MAX 1e7   /* percent of the request */
#define REPLAY_TIME_MAX 1e12 /* s */

struct replay {
    const char *file;
    int line;
    struct sim_diag *d;
    struct hpa_spec spec;
    struct hpa_config cfg;
    struct hpa_state st;
    struct hpa_pod *pods;
    size_t cap;
    double last_t;
    char warned[16][64]; /* ignored keys already reported */
    int nwarned;
};

__attribute__((format(printf, 3, 4))) static int bad(struct replay *r, const char *field,
                                                     const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return sim_diag_set(r->d, SIM_ECONFIG, r->file, r->line, "%s: %s", field, msg);
}

/* An unknown key is ignored, and said once per name. */
static void ignored(struct replay *r, const char *where, const char *key)
{
    for (int i = 0; i < r->nwarned; i++)
        if (!strcmp(r->warned[i], key))
            return;
    if (r->nwarned < 16)
        snprintf(r->warned[r->nwarned++], sizeof r->warned[0], "%s", key);
    fprintf(stderr, "%s:%d: %s%s: ignored (not a field uksim reads)\n", r->file, r->line, where,
            key);
}

static int num(struct replay *r, const json_t *obj, const char *key, const char *field, double lo,
               double hi, double *out)
{
    const json_t *v = json_object_get(obj, key);
    if (!v)
        return 0;
    if (!json_is_number(v))
        return bad(r, field, "must be a number");
    double x = json_number_value(v);
    if (!(x >= lo && x <= hi))
        return bad(r, field, "%g is outside [%g, %g]", x, lo, hi);
    *out = x;
    return 0;
}

static int boolean(struct replay *r, const json_t *obj, const char *key, const char *field,
                   bool *out)
{
    const json_t *v = json_object_get(obj, key);
    if (!v)
        return 0;
    if (!json_is_boolean(v))
        return bad(r, field, "must be true or false");
    *out = json_is_true(v);
    return 0;
}

static int read_header(struct replay *r, const json_t *h)
{
    static const char *const keys[] = {"sync_period",
                                       "tolerance",
                                       "cpu_initialization_period",
                                       "initial_readiness_delay",
                                       "downscale_stabilization",
                                       "metric_window",
                                       NULL};
    if (!json_is_object(h))
        return bad(r, "(line)", "the first line must be a JSON object with \"hpa\"");
    const json_t *hpa = json_object_get(h, "hpa");
    if (!hpa)
        return bad(r, "hpa", "is required on the first line");
    struct hpa_src src = {.file = r->file, .line = r->line, .prefix = "hpa"};
    int err = hpa_spec_from_json(hpa, &src, &r->spec, r->d);
    if (err)
        return err;
    hpa_config_default(&r->cfg);
    const json_t *c = json_object_get(h, "controller");
    if (!c || json_is_null(c))
        return 0;
    if (!json_is_object(c))
        return bad(r, "controller", "must be an object");
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)c, k, v)
    {
        if (!hpa_key_known(keys, k))
            return bad(r, "controller", "unknown setting \"%s\"", k);
    }
    double *dst[] = {&r->cfg.sync_period,     &r->cfg.tolerance,        &r->cfg.cpu_init,
                     &r->cfg.readiness_delay, &r->cfg.downscale_window, &r->cfg.metric_window};
    for (size_t i = 0; i < 6; i++) {
        char field[96];
        snprintf(field, sizeof field, "controller.%s", keys[i]);
        if ((err = num(r, c, keys[i], field, 0, 1e9, dst[i])))
            return err;
    }
    if (r->cfg.sync_period <= 0)
        return bad(r, "controller.sync_period", "must be above 0");
    return 0;
}

static int read_pod(struct replay *r, const json_t *p, size_t i, struct hpa_pod *out)
{
    static const char *const keys[] = {"cpu",      "ready", "start", "ready_change",
                                       "deleting", "phase", "name",  NULL};
    char f[64];
    int err;
    if (!json_is_object(p)) {
        snprintf(f, sizeof f, "pods[%zu]", i);
        return bad(r, f, "must be an object");
    }
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)p, k, v)
    {
        if (!hpa_key_known(keys, k))
            ignored(r, "pods[].", k);
    }
    *out = (struct hpa_pod){
        .cpu = NAN, .start = NAN, .ready_change = NAN, .phase = HPA_RUNNING, .sampled = NAN};
    const json_t *cpu = json_object_get(p, "cpu");
    if (cpu && !json_is_null(cpu)) {
        snprintf(f, sizeof f, "pods[%zu].cpu", i);
        if ((err = num(r, p, "cpu", f, 0, REPLAY_CPU_MAX, &out->cpu)))
            return err;
    }
    snprintf(f, sizeof f, "pods[%zu].ready", i);
    if ((err = boolean(r, p, "ready", f, &out->ready)))
        return err;
    snprintf(f, sizeof f, "pods[%zu].deleting", i);
    if ((err = boolean(r, p, "deleting", f, &out->deleting)))
        return err;
    snprintf(f, sizeof f, "pods[%zu].start", i);
    const json_t *st = json_object_get(p, "start");
    if (st && !json_is_null(st) &&
        (err = num(r, p, "start", f, -REPLAY_TIME_MAX, REPLAY_TIME_MAX, &out->start)))
        return err;
    snprintf(f, sizeof f, "pods[%zu].ready_change", i);
    if ((err = num(r, p, "ready_change", f, -REPLAY_TIME_MAX, REPLAY_TIME_MAX, &out->ready_change)))
        return err;
    if (isnan(out->ready_change))
        out->ready_change = out->start;
    const json_t *ph = json_object_get(p, "phase");
    if (ph) {
        snprintf(f, sizeof f, "pods[%zu].phase", i);
        const char *s = json_is_string(ph) ? json_string_value(ph) : "";
        if (!strcmp(s, "Running"))
            out->phase = HPA_RUNNING;
        else if (!strcmp(s, "Pending"))
            out->phase = HPA_PENDING;
        else if (!strcmp(s, "Failed"))
            out->phase = HPA_FAILED;
        else
            return bad(r, f, "must be \"Running\", \"Pending\" or \"Failed\"");
    }
    return 0;
}

static int read_sync(struct replay *r, const json_t *o, struct sim_buf *out)
{
    static const char *const keys[] = {"t", "replicas", "pods", NULL};
    int err;
    if (!json_is_object(o))
        return bad(r, "(line)", "a sync must be a JSON object with t, replicas and pods");
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v)
    {
        if (!hpa_key_known(keys, k))
            ignored(r, "", k);
    }
    double t = NAN;
    if (!json_object_get(o, "t"))
        return bad(r, "t", "is required");
    if ((err = num(r, o, "t", "t", -REPLAY_TIME_MAX, REPLAY_TIME_MAX, &t)))
        return err;
    if (t < r->last_t)
        return bad(r, "t", "%g is before the previous sync (%g)", t, r->last_t);
    const json_t *rep = json_object_get(o, "replicas");
    if (!rep)
        return bad(r, "replicas", "is required");
    if (!json_is_integer(rep) || json_integer_value(rep) < 0 || json_integer_value(rep) > INT32_MAX)
        return bad(r, "replicas", "must be an integer in [0, %d]", INT32_MAX);
    const json_t *pods = json_object_get(o, "pods");
    if (!pods)
        return bad(r, "pods", "is required (a list, possibly empty)");
    if (!json_is_array(pods))
        return bad(r, "pods", "must be a list");
    size_t n = json_array_size(pods);
    if (n > REPLAY_PODS_MAX)
        return bad(r, "pods", "%zu pods; at most %d", n, REPLAY_PODS_MAX);
    if (n > r->cap)
        r->pods = xgrow(r->pods, &r->cap, n, sizeof *r->pods);
    for (size_t i = 0; i < n; i++)
        if ((err = read_pod(r, json_array_get(pods, i), i, &r->pods[i])))
            return err;
    int desired = hpa_sync(&r->st, &r->spec, &r->cfg, t, (int)json_integer_value(rep), r->pods, n);
    r->last_t = t;
    sim_buf_printf(out, "{\"t\": %.17g, \"desired\": %d}\n", t, desired);
    return 0;
}

static int replay_lines(struct replay *r, FILE *in, struct sim_buf *out)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int err = 0;
    bool header = false;
    while (!err && (len = getline(&line, &cap, in)) >= 0) {
        r->line++;
        if ((size_t)len > REPLAY_LINE_MAX) {
            err = bad(r, "(line)", "longer than %u bytes", REPLAY_LINE_MAX);
            break;
        }
        if (strspn(line, " \t\r\n") == (size_t)len)
            continue; /* blank lines separate nothing */
        if (memchr(line, '\0', (size_t)len)) {
            err = bad(r, "(line)", "contains a NUL byte");
            break;
        }
        json_error_t je;
        json_t *o = json_loadb(line, (size_t)len, JSON_REJECT_DUPLICATES, &je);
        if (!o) {
            err = bad(r, "(line)", "not JSON: %s (column %d)", je.text, je.column);
            break;
        }
        if (!header) {
            err = read_header(r, o);
            header = true;
        } else {
            err = read_sync(r, o, out);
        }
        json_decref(o);
    }
    if (!err && ferror(in))
        err = sim_diag_set(r->d, SIM_EIO, r->file, 0, "read failed");
    if (!err && !header)
        err =
            sim_diag_set(r->d, SIM_ECONFIG, r->file, 1, "empty: the first line must give \"hpa\"");
    free(line);
    return err;
}

int pol_hpa_replay(FILE *in, const char *name, struct sim_buf *out, struct sim_diag *d)
{
    struct replay r = {.file = name, .d = d, .last_t = -INFINITY};
    int err = replay_lines(&r, in, out);
    hpa_state_fini(&r.st);
    free(r.pods);
    return err;
}
