/* SPDX-License-Identifier: MIT */
/* policies/hpa_spec.h: HorizontalPodAutoscaler objects (autoscaling/v2) in
 * and out. An object is read from a JSON tree (jansson), which JSON Lines
 * replay files give directly and YAML manifests give through libyaml with
 * the line of every node, so that a field the controller would not accept,
 * or that uksim does not model, is reported as "file:line: path: message".
 * Supported: scaleTargetRef, minReplicas, maxReplicas, one Resource metric
 * on cpu with an Utilization target, and behavior (scaleUp/scaleDown:
 * stabilizationWindowSeconds, selectPolicy, policies, tolerance).
 * Ownership: hpa_manifests_fini() frees what hpa_manifests_load() built;
 * hpa_lines are owned by whoever built the tree they describe. */
#ifndef POLICIES_HPA_SPEC_H
#define POLICIES_HPA_SPEC_H

#include "policies/hpa_core.h"
#include "sim/err.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

/* The source line of each node of a tree built from YAML. */
struct hpa_lines {
    const json_t **node;
    int *line;
    size_t n, cap;
};

struct hpa_src {
    const char *file;
    int line;                      /* for nodes without a line of their own */
    const struct hpa_lines *lines; /* NULL for JSON */
    const char *prefix;            /* path prefix in messages, "" for none */
};

/* Whether k is one of keys (NULL-terminated). */
bool hpa_key_known(const char *const *keys, const char *k);

/* Reads a HorizontalPodAutoscaler object into spec. Returns 0, or
 * SIM_ECONFIG with the place and problem in d. */
int hpa_spec_from_json(const json_t *obj, const struct hpa_src *src, struct hpa_spec *spec,
                       struct sim_diag *d);

/* Every HorizontalPodAutoscaler of the YAML files (one or more documents
 * each), in order. */
struct hpa_manifests {
    struct hpa_spec *specs;
    size_t n;
};
int hpa_manifests_load(struct hpa_manifests *m, const char *const *files, size_t nfiles,
                       struct sim_diag *d);
/* The same from a text in memory (len bytes, named name in messages). */
int hpa_manifests_load_text(struct hpa_manifests *m, const char *text, size_t len, const char *name,
                            struct sim_diag *d);
void hpa_manifests_fini(struct hpa_manifests *m);

/* Writes spec as an autoscaling/v2 manifest, every default spelled out.
 * window is the controller's scale-down stabilization for an unset one.
 * Returns 0, or SIM_EIO. */
int hpa_spec_write_yaml(FILE *f, const struct hpa_spec *spec);

#endif
