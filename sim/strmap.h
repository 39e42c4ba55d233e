/* SPDX-License-Identifier: MIT */
/* sim/strmap.h: a hash map from strings to indices (open addressing, FNV-1a,
 * linear probing, at most half full), for name lookups in O(1).
 * Ownership: the map borrows the keys; they must outlive it. sim_strmap_fini()
 * frees the table only. */
#ifndef SIM_STRMAP_H
#define SIM_STRMAP_H

#include <stdbool.h>
#include <stddef.h>

struct sim_strmap {
    const char **keys; /* NULL: empty slot */
    size_t *vals;
    size_t cap, n; /* cap is 0 or a power of two */
};

void sim_strmap_init(struct sim_strmap *m);
void sim_strmap_fini(struct sim_strmap *m);
/* Maps key to val unless key is present already: then returns false and sets
 * *old (may be NULL) to the value it has. */
bool sim_strmap_put(struct sim_strmap *m, const char *key, size_t val, size_t *old);
/* Looks key up: true and *val set if present. */
bool sim_strmap_get(const struct sim_strmap *m, const char *key, size_t *val);

#endif
