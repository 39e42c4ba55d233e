/* SPDX-License-Identifier: MIT */
/* models/model_load.c: reads a libconfig model file into struct mdl_model:
 * applies --set overrides, then each section's loader (models/load_*.c) in
 * order. Unknown keys, wrong types, impossible values, unknown services and
 * call cycles are reported as "file:line: message". */
#include "models/load_int.h"

#include "sim/datafile.h"
#include "sim/digest.h"
#include "sim/strbuf.h"
#include "sim/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Applies one "path=value" override to the parsed configuration. Path
 * components are group keys; in the services list a component may be a
 * service's name or its index. */
static int set_path(struct loader *L, config_t *cfg, const char *text, char *path,
                    const char *value);

static int apply_override(struct loader *L, config_t *cfg, const char *text)
{
    const char *eq = strchr(text, '=');
    if (!eq || eq == text)
        return sim_diag_set(L->d, SIM_EINVAL, "--set", 0,
                            "\"%s\": expected path=value, e.g. run.duration=10s", text);
    char *path = xstrndup(text, (size_t)(eq - text));
    int err = set_path(L, cfg, text, path, eq + 1);
    free(path);
    return err;
}

/* apply_override() on a copy of the path, which strtok_r cuts up. */
static int set_path(struct loader *L, config_t *cfg, const char *text, char *path,
                    const char *value)
{
    config_setting_t *cur = config_root_setting(cfg);
    char *save = NULL;
    char *tok = strtok_r(path, ".", &save);
    while (tok) {
        char *next = strtok_r(NULL, ".", &save);
        config_setting_t *child = NULL;
        if (config_setting_type(cur) == CONFIG_TYPE_LIST) {
            char *end;
            errno = 0;
            long long idx = strtoll(tok, &end, 10);
            if (tok[0] >= '0' && tok[0] <= '9' && *end == '\0') {
                if (errno == 0 && idx < config_setting_length(cur))
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
                    char *buf = n >= 2 && value[0] == '"' && value[n - 1] == '"'
                                    ? xstrndup(value + 1, n - 2)
                                    : xstrdup(value);
                    s = config_setting_add(cur, tok, CONFIG_TYPE_STRING);
                    if (s)
                        config_setting_set_string(s, buf);
                    free(buf);
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

static int load_sections(struct loader *L, config_t *cfg, const char *const *overrides,
                         size_t noverrides);

static int load_config(struct mdl_model *m, config_t *cfg, const char *file,
                       const char *const *overrides, size_t noverrides, struct sim_diag *d)
{
    const char *slash = strrchr(file, '/');
    char *dir = slash ? xstrndup(file, (size_t)(slash - file)) : xstrdup("");
    struct loader L = {.m = m, .d = d, .file = file, .dir = dir};
    m->source = xstrdup(file);
    int err = load_sections(&L, cfg, overrides, noverrides);
    free(dir);
    return err;
}

/* Adds the name and contents of a file (if it can be read) to dg. */
static void digest_file(struct sim_digest *dg, const char *path)
{
    if (!path)
        return;
    sim_digest_str(dg, path);
    char why[256], buf[65536];
    FILE *f = sim_data_open(path, why, sizeof why);
    if (!f)
        return;
    size_t k;
    while ((k = fread(buf, 1, sizeof buf, f)) > 0)
        sim_digest_add(dg, buf, k);
    fclose(f);
}

/* Applies the overrides, then reads every section in order. */
static int load_sections(struct loader *L, config_t *cfg, const char *const *overrides,
                         size_t noverrides)
{
    int err;
    for (size_t i = 0; i < noverrides; i++)
        if ((err = apply_override(L, cfg, overrides[i])))
            return err;
    /* What the model is, after overrides: its canonical text, digested. */
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    struct sim_digest dg;
    sim_digest_init(&dg);
    if (mem) {
        config_write(cfg, mem);
        fclose(mem);
        sim_digest_add(&dg, text, len);
    }
    free(text);
    static const char *const top[] = {"run",      "network", "tracing", "services", "hosts",
                                      "workload", "policy",  "slo",     NULL};
    const config_setting_t *root = config_root_setting(cfg);
    if ((err = ld_check_keys(L, root, "the model", top)) || (err = ld_run(L, root)) ||
        (err = ld_network(L, root)) || (err = ld_services(L, root)) || (err = ld_hosts(L, root)) ||
        (err = ld_workload(L, root)) || (err = ld_class_handlers(L)) || (err = ld_reachable(L)) ||
        (err = ld_tracing(L, root)) || (err = ld_policy(L, root)) || (err = ld_slo(L, root)))
        return err;
    /* The policy's manifests and plugin are part of what the model is. */
    const struct mdl_policy *pol = &L->m->policy;
    for (size_t i = 0; i <= pol->nmanifests; i++)
        digest_file(&dg, i < pol->nmanifests ? pol->manifests[i] : pol->plugin);
    sim_digest_hex(&dg, L->m->digest);
    /* The time series holds a row per window and service. */
    const struct mdl_run *r = &L->m->run;
    double rows = ceil(r->duration / r->window) * (double)L->m->nservices;
    if (rows > MDL_ROWS_MAX)
        return ld_fail(L, config_setting_get_member(root, "run"),
                       "run.window = %g s gives %.3g time-series rows (%zu services); the limit is "
                       "%.3g: use a longer window",
                       r->window, rows, L->m->nservices, MDL_ROWS_MAX);
    return 0;
}

static int finish(struct mdl_model *m, config_t *cfg, int err)
{
    config_destroy(cfg);
    if (err)
        mdl_model_fini(m);
    return err ? SIM_ECONFIG : 0;
}

/* Reads all of f (any kind of file: a model may come through a pipe), up to
 * MDL_FILE_MAX bytes. Returns the text or NULL with errno-like *why. */
static char *read_all(FILE *f, size_t *len, const char **why)
{
    size_t cap = 0, n = 0;
    char *text = NULL;
    for (;;) {
        text = xgrow(text, &cap, n + 65536 + 1, 1);
        size_t k = fread(text + n, 1, cap - n - 1, f);
        if (memchr(text + n, '\0', k)) {
            free(text);
            *why = "not a text file (it holds NUL bytes)";
            return NULL;
        }
        n += k;
        if (n > MDL_FILE_MAX) {
            free(text);
            *why = "larger than 256 MiB";
            return NULL;
        }
        if (k == 0)
            break;
    }
    if (ferror(f)) {
        free(text);
        *why = "read error";
        return NULL;
    }
    text[n] = '\0';
    *len = n;
    return text;
}

/* Checks the @include directives of text (from file, resolved against dir)
 * and of the files they name, depth first: each must be a regular file of
 * bounded size, so that an include of a device or a FIFO cannot hang the
 * load. libconfig then reads them itself. */
/* If the line at p is an @include, where its argument starts (after the
 * keyword and blanks); else NULL. */
static const char *include_arg(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    if (strncmp(p, "@include", 8) != 0)
        return NULL;
    p += 8;
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

static int check_includes(const char *text, const char *file, const char *dir, int depth,
                          struct sim_diag *d)
{
    int line = 1;
    for (const char *p = text; *p; line++) {
        const char *eol = strchr(p, '\n');
        const char *q = include_arg(p);
        if (q) {
            const char *end = *q == '"' ? strchr(q + 1, '"') : NULL;
            if (!end || (eol && end > eol))
                return sim_diag_set(d, SIM_ECONFIG, file, line,
                                    "@include needs a file name in quotes");
            if (depth >= 10)
                return sim_diag_set(d, SIM_ECONFIG, file, line,
                                    "@include nested more than 10 deep");
            char *name = xstrndup(q + 1, (size_t)(end - q - 1));
            if (depth > 0 && name[0] == '/') {
                free(name);
                return sim_diag_set(d, SIM_ECONFIG, file, line,
                                    "@include in an included file must name a file relative to "
                                    "the model's folder");
            }
            char *path = sim_path_join_new(dir, name);
            free(name);
            char why[300];
            FILE *f = sim_data_open(path, why, sizeof why);
            int err = 0;
            if (!f) {
                err = sim_diag_set(d, SIM_EIO, file, line, "@include: %s", why);
            } else {
                size_t len;
                const char *rw = NULL;
                char *sub = read_all(f, &len, &rw);
                fclose(f);
                if (!sub)
                    err = sim_diag_set(d, SIM_EIO, path, 0, "cannot include: %s", rw);
                else
                    err = check_includes(sub, path, dir, depth + 1, d);
                free(sub);
            }
            free(path);
            if (err)
                return err;
        }
        if (!eol)
            break;
        p = eol + 1;
    }
    return 0;
}

/* libconfig 1.5 joins every @include to the include directory, absolute or
 * not. An absolute "/x/y" in the model file becomes "../" x 64 + "x/y"
 * (".." stops at the root), which the join turns back into /x/y. Included
 * files are read by libconfig itself, so check_includes() refuses absolute
 * names there. Returns a new text, or NULL when no name is absolute. */
static char *absolute_includes(const char *text)
{
    bool any = false;
    for (const char *p = text; p && *p && !any; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        const char *q = include_arg(p);
        any = q && q[0] == '"' && q[1] == '/';
    }
    if (!any)
        return NULL;
    struct sim_buf b = {0};
    for (const char *p = text; *p;) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p + 1) : strlen(p);
        const char *q = include_arg(p);
        if (q && q[0] == '"' && q[1] == '/' && (!eol || q < eol)) {
            sim_buf_printf(&b, "%.*s\"", (int)(q - p), p);
            for (int i = 0; i < 64; i++)
                sim_buf_printf(&b, "../");
            sim_buf_printf(&b, "%.*s", (int)(len - (size_t)(q + 2 - p)), q + 2);
        } else {
            sim_buf_printf(&b, "%.*s", (int)len, p);
        }
        p += len;
    }
    return b.p;
}

int mdl_load_file(struct mdl_model *m, const char *path, const char *const *overrides,
                  size_t noverrides, struct sim_diag *d)
{
    memset(m, 0, sizeof *m);
    FILE *f = fopen(path, "r");
    if (!f)
        return sim_diag_set(d, SIM_EIO, path, 0, "cannot read model file: %s", strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        return sim_diag_set(d, SIM_EIO, path, 0, "cannot read model file: it is a directory");
    }
    size_t len;
    const char *why = NULL;
    char *text = read_all(f, &len, &why);
    fclose(f);
    if (!text)
        return sim_diag_set(d, SIM_EIO, path, 0, "cannot read model file: %s", why);
    /* Includes are relative to the model file, like its data files. */
    const char *slash = strrchr(path, '/');
    char *dir = slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup(".");
    int err = check_includes(text, path, dir, 0, d);
    if (err) {
        free(text);
        free(dir);
        return err;
    }
    char *abs = absolute_includes(text);
    if (abs) {
        free(text);
        text = abs;
    }
    config_t cfg;
    config_init(&cfg);
    config_set_include_dir(&cfg, dir);
    if (config_read_string(&cfg, text) != CONFIG_TRUE) {
        err = sim_diag_set(d, SIM_ECONFIG, config_error_file(&cfg) ? config_error_file(&cfg) : path,
                           config_error_line(&cfg), "%s", config_error_text(&cfg));
        config_destroy(&cfg);
        free(text);
        free(dir);
        return err;
    }
    free(text);
    free(dir);
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
    for (size_t i = 0; i < m->policy.nmanifests; i++)
        free(m->policy.manifests[i]);
    free(m->policy.manifests);
    free(m->policy.plugin);
    free(m->policy.name);
    sim_dist_fini(&m->workload.think);
    wl_rate_fini(&m->workload.rate);
    for (size_t i = 0; i < m->nwarnings; i++)
        free(m->warnings[i]);
    free(m->warnings);
    free(m->source);
    sim_strmap_fini(&m->names);
    memset(m, 0, sizeof *m);
}

int mdl_service_find(const struct mdl_model *m, const char *name)
{
    size_t i;
    if (m->names.cap)
        return sim_strmap_get(&m->names, name, &i) ? (int)i : -1;
    for (i = 0; i < m->nservices; i++)
        if (m->services[i].name && strcmp(m->services[i].name, name) == 0)
            return (int)i;
    return -1;
}
