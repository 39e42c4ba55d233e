/* SPDX-License-Identifier: MIT */
/* models/load_int.h: private to the model loader (models/load_*.c and
 * models/model_load.c). One file reads each section of the model file; they
 * share the loader's state and the typed getters declared here, each of which
 * reports a bad value as "file:line: message" and returns SIM_ECONFIG.
 * Ownership: everything a section loader allocates hangs off the model, and
 * mdl_model_fini() frees it, also after a failed load. */
#ifndef MODELS_LOAD_INT_H
#define MODELS_LOAD_INT_H

#include "models/model.h"

#include <libconfig.h>
#include <stdbool.h>

/* Longest name of a service, class or zone, in bytes. Names reach file
 * names (plots/svc-<name>.csv) and graph labels, so they stay well below
 * NAME_MAX. */
#define MDL_NAME_MAX 200

/* The most request classes, callees of one step, and handler steps the
 * simulator's counters hold (checked by the loader). */
#define MDL_CLASSES_MAX 1000000
#define MDL_CALLEES_MAX 1000000
#define MDL_STEPS_MAX 1000000

/* Input data files (empirical(), trace()) are read only if they are regular
 * files of at most this many bytes. */
#define MDL_DATA_FILE_MAX (256L * 1024 * 1024)

struct loader {
    struct mdl_model *m;
    struct sim_diag *d;
    const char *file;
    char *dir; /* directory of the model file, for relative data files ("" if none) */
};

/* Reports msg at setting s (or at no line when s is NULL); returns SIM_ECONFIG. */
int ld_fail(struct loader *L, const config_setting_t *s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Reports msg at a line of the file; returns SIM_ECONFIG. */
int ld_fail_line(struct loader *L, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Adds "file:line: warning: msg" to the model's warnings. */
void ld_warn(struct loader *L, const config_setting_t *s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Rejects members of group g not named in allowed (NULL-terminated). */
int ld_check_keys(struct loader *L, const config_setting_t *g, const char *what,
                  const char *const *allowed);
/* The group called name in root, or NULL; *err is set if it is not a group. */
const config_setting_t *ld_group(struct loader *L, const config_setting_t *root, const char *name,
                                 int *err);
/* "an integer", "a string", ...: for messages. */
const char *ld_type_name(const config_setting_t *s);
/* Typed getters of key in group g: a missing key leaves *out unchanged and
 * returns 0. */
int ld_duration(struct loader *L, const config_setting_t *g, const char *key, double *out);
int ld_int(struct loader *L, const config_setting_t *g, const char *key, long long lo, long long hi,
           long long *out);
int ld_string(struct loader *L, const config_setting_t *g, const char *key, const char **out,
              const config_setting_t **where);
int ld_bool(struct loader *L, const config_setting_t *g, const char *key, bool *out);
/* A distribution (key must be present). */
int ld_dist(struct loader *L, const config_setting_t *g, const char *key, struct sim_dist *out);
int ld_dist_unit(struct loader *L, const config_setting_t *g, const char *key,
                 enum sim_dist_unit unit, struct sim_dist *out);
/* zone = "<name>" of the network's zones (default: the first). */
int ld_zone(struct loader *L, const config_setting_t *g, int *zone);
/* Checks a name (service, class, zone): not empty, at most MDL_NAME_MAX
 * bytes, letters, digits, '-', '_' and '.' only. what: "service name". */
int ld_name(struct loader *L, const config_setting_t *where, const char *what, const char *name);

/* The sections, in the order load_config() reads them. */
int ld_run(struct loader *L, const config_setting_t *root);
int ld_network(struct loader *L, const config_setting_t *root);
int ld_service(struct loader *L, const config_setting_t *s, struct mdl_service *svc);
int ld_services(struct loader *L, const config_setting_t *root);
int ld_hosts(struct loader *L, const config_setting_t *root);
int ld_workload(struct loader *L, const config_setting_t *root);
int ld_class_handlers(struct loader *L);
int ld_reachable(struct loader *L);
int ld_tracing(struct loader *L, const config_setting_t *root);
int ld_policy(struct loader *L, const config_setting_t *root);
int ld_slo(struct loader *L, const config_setting_t *root);

/* Builds the model's name index (after every service is loaded); returns the
 * index of a service defined twice, or -1. */
long ld_index_names(struct mdl_model *m);

#endif
