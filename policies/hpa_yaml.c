/* SPDX-License-Identifier: MIT */
/* policies/hpa_yaml.c: HorizontalPodAutoscaler manifests in YAML, read with
 * libyaml (Debian's libyaml-dev: the reference C implementation of YAML 1.1,
 * which PyYAML and others build on) into the JSON tree hpa_spec.c reads,
 * keeping each node's line; and written back from a spec. */
#include "policies/hpa_spec.h"

#include "sim/datafile.h"
#include "sim/xalloc.h"

#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define YAML_DEPTH_MAX 64
#define YAML_NODES_MAX 100000

struct conv {
    yaml_document_t *doc;
    struct hpa_lines *lines;
    size_t made;
    const char *file;
    struct sim_diag *d;
};

static void note_line(struct hpa_lines *l, const json_t *node, int line)
{
    if (l->n == l->cap)
        l->node = xgrow(l->node, &l->cap, l->n + 1, sizeof *l->node),
        l->line = xrealloc(l->line, l->cap * sizeof *l->line);
    l->node[l->n] = node;
    l->line[l->n++] = line;
}

static bool matches(const char *pattern, const char *s)
{
    regex_t re;
    if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB))
        return false;
    bool ok = !regexec(&re, s, 0, NULL, 0);
    regfree(&re);
    return ok;
}

/* YAML 1.1 core resolution of a plain scalar. */
static json_t *scalar(const yaml_node_t *n)
{
    const char *s = (const char *)n->data.scalar.value;
    if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return json_string(s);
    if (!*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL"))
        return json_null();
    if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"))
        return json_true();
    if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))
        return json_false();
    if (matches("^[-+]?[0-9]+$", s)) {
        errno = 0;
        long long v = strtoll(s, NULL, 10);
        if (errno == 0)
            return json_integer(v);
    }
    if (matches("^[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?$", s))
        return json_real(strtod(s, NULL)); /* NULL when not finite (jansson) */
    return json_string(s);
}

static json_t *convert(struct conv *c, const yaml_node_t *n, int depth)
{
    int line = (int)n->start_mark.line + 1;
    if (depth > YAML_DEPTH_MAX || ++c->made > YAML_NODES_MAX) {
        sim_diag_set(c->d, SIM_ECONFIG, c->file, line, "nested or aliased too deeply");
        return NULL;
    }
    json_t *j = NULL;
    switch (n->type) {
    case YAML_SCALAR_NODE:
        j = scalar(n);
        if (!j) {
            sim_diag_set(c->d, SIM_ECONFIG, c->file, line, "%.40s: a number out of range",
                         (const char *)n->data.scalar.value);
            return NULL;
        }
        break;
    case YAML_SEQUENCE_NODE:
        j = json_array();
        for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
             it++) {
            json_t *v = convert(c, yaml_document_get_node(c->doc, *it), depth + 1);
            if (!v) {
                json_decref(j);
                return NULL;
            }
            json_array_append_new(j, v);
        }
        break;
    case YAML_MAPPING_NODE:
        j = json_object();
        for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
             p++) {
            const yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
            if (!k || k->type != YAML_SCALAR_NODE) {
                sim_diag_set(c->d, SIM_ECONFIG, c->file, line, "a mapping key must be a scalar");
                json_decref(j);
                return NULL;
            }
            const char *key = (const char *)k->data.scalar.value;
            if (json_object_get(j, key)) {
                sim_diag_set(c->d, SIM_ECONFIG, c->file, (int)k->start_mark.line + 1,
                             "%s: given twice", key);
                json_decref(j);
                return NULL;
            }
            json_t *v = convert(c, yaml_document_get_node(c->doc, p->value), depth + 1);
            if (!v) {
                json_decref(j);
                return NULL;
            }
            json_object_set_new(j, key, v);
        }
        break;
    default: sim_diag_set(c->d, SIM_ECONFIG, c->file, line, "empty YAML node"); return NULL;
    }
    note_line(c->lines, j, line);
    return j;
}

/* Every HorizontalPodAutoscaler of the YAML stream f (named path). */
static int load_stream(struct hpa_manifests *m, FILE *f, const char *path, struct sim_diag *d)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return sim_diag_set(d, SIM_ENOMEM, path, 0, "cannot start the YAML parser");
    yaml_parser_set_input_file(&parser, f);
    int err = 0, found = 0;
    for (;;) {
        yaml_document_t doc;
        if (!yaml_parser_load(&parser, &doc)) {
            err = sim_diag_set(d, SIM_ECONFIG, path, (int)parser.problem_mark.line + 1,
                               "YAML: %s%s%s", parser.problem ? parser.problem : "syntax error",
                               parser.context ? " " : "", parser.context ? parser.context : "");
            break;
        }
        yaml_node_t *root = yaml_document_get_root_node(&doc);
        if (!root) {
            yaml_document_delete(&doc);
            break;
        }
        int root_line = (int)root->start_mark.line + 1;
        struct hpa_lines lines = {0};
        struct conv c = {.doc = &doc, .lines = &lines, .file = path, .d = d};
        json_t *j = convert(&c, root, 0);
        yaml_document_delete(&doc);
        if (!j) {
            err = SIM_ECONFIG;
        } else {
            const char *kind = json_string_value(json_object_get(j, "kind"));
            if (!json_is_object(j) || !kind) {
                err = sim_diag_set(d, SIM_ECONFIG, path, root_line,
                                   "not a Kubernetes object (no kind)");
            } else if (!strcmp(kind, "HorizontalPodAutoscaler")) {
                struct hpa_src src = {.file = path, .line = 1, .lines = &lines, .prefix = ""};
                struct hpa_spec spec;
                err = hpa_spec_from_json(j, &src, &spec, d);
                if (!err && !spec.target[0])
                    err = sim_diag_set(d, SIM_ECONFIG, path, root_line,
                                       "spec.scaleTargetRef.name: is required");
                if (!err) {
                    m->specs = xrealloc(m->specs, (m->n + 1) * sizeof *m->specs);
                    m->specs[m->n++] = spec;
                    found++;
                }
            }
            json_decref(j);
        }
        free(lines.node);
        free(lines.line);
        if (err)
            break;
    }
    yaml_parser_delete(&parser);
    if (!err && !found)
        err = sim_diag_set(d, SIM_ECONFIG, path, 0, "no HorizontalPodAutoscaler in the file");
    return err;
}

static int load_file(struct hpa_manifests *m, const char *path, struct sim_diag *d)
{
    char why[256];
    FILE *f = sim_data_open(path, why, sizeof why);
    if (!f)
        return sim_diag_set(d, SIM_ECONFIG, path, 0, "%s", why);
    int err = load_stream(m, f, path, d);
    fclose(f);
    return err;
}

int hpa_manifests_load_text(struct hpa_manifests *m, const char *text, size_t len, const char *name,
                            struct sim_diag *d)
{
    *m = (struct hpa_manifests){0};
    FILE *f = fmemopen((void *)text, len, "r");
    if (!f)
        return sim_diag_set(d, SIM_ENOMEM, name, 0, "cannot read the text");
    int err = load_stream(m, f, name, d);
    fclose(f);
    if (err)
        hpa_manifests_fini(m);
    return err;
}

int hpa_manifests_load(struct hpa_manifests *m, const char *const *files, size_t nfiles,
                       struct sim_diag *d)
{
    *m = (struct hpa_manifests){0};
    for (size_t i = 0; i < nfiles; i++) {
        int err = load_file(m, files[i], d);
        if (err) {
            hpa_manifests_fini(m);
            return err;
        }
    }
    return 0;
}

void hpa_manifests_fini(struct hpa_manifests *m)
{
    free(m->specs);
    *m = (struct hpa_manifests){0};
}

static const char *select_name(enum hpa_select s)
{
    return s == HPA_SELECT_MIN ? "Min" : s == HPA_SELECT_DISABLED ? "Disabled" : "Max";
}

static void write_rules(FILE *f, const char *dir, const struct hpa_rules *r)
{
    fprintf(f, "    %s:\n", dir);
    if (r->stabilization >= 0)
        fprintf(f, "      stabilizationWindowSeconds: %d\n", r->stabilization);
    fprintf(f, "      selectPolicy: %s\n", select_name(r->select));
    if (!isnan(r->tolerance))
        fprintf(f, "      tolerance: \"%.6g\"\n", r->tolerance);
    fprintf(f, "      policies:\n");
    for (int i = 0; i < r->npolicies; i++)
        fprintf(f, "        - type: %s\n          value: %d\n          periodSeconds: %d\n",
                r->policies[i].type == HPA_POLICY_PODS ? "Pods" : "Percent", r->policies[i].value,
                r->policies[i].period);
}

int hpa_spec_write_yaml(FILE *f, const struct hpa_spec *s)
{
    fprintf(f,
            "apiVersion: autoscaling/v2\n"
            "kind: HorizontalPodAutoscaler\n"
            "metadata:\n"
            "  name: %s\n"
            "spec:\n"
            "  scaleTargetRef:\n"
            "    apiVersion: apps/v1\n"
            "    kind: Deployment\n"
            "    name: %s\n"
            "  minReplicas: %d\n"
            "  maxReplicas: %d\n"
            "  metrics:\n"
            "    - type: Resource\n"
            "      resource:\n"
            "        name: cpu\n"
            "        target:\n"
            "          type: Utilization\n"
            "          averageUtilization: %d\n",
            s->name[0] ? s->name : s->target, s->target, s->min, s->max, s->target_util);
    if (s->has_behavior) {
        fprintf(f, "  behavior:\n");
        write_rules(f, "scaleUp", &s->up);
        write_rules(f, "scaleDown", &s->down);
    }
    return ferror(f) ? SIM_EIO : 0;
}
