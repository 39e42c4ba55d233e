/* SPDX-License-Identifier: MIT */
/* sim/strmap.c: open addressing with linear probing; the table doubles when
 * it would be more than half full, so a probe sequence stays short. */
#include "sim/strmap.h"

#include "sim/xalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash(const char *s)
{
    uint64_t h = UINT64_C(14695981039346656037);
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= UINT64_C(1099511628211);
    }
    return h;
}

void sim_strmap_init(struct sim_strmap *m)
{
    memset(m, 0, sizeof *m);
}

void sim_strmap_fini(struct sim_strmap *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

/* The slot holding key, or the empty slot where it would go. */
static size_t slot(const struct sim_strmap *m, const char *key)
{
    size_t i = (size_t)hash(key) & (m->cap - 1);
    while (m->keys[i] && strcmp(m->keys[i], key) != 0)
        i = (i + 1) & (m->cap - 1);
    return i;
}

static void grow(struct sim_strmap *m)
{
    struct sim_strmap old = *m;
    m->cap = old.cap ? 2 * old.cap : 16;
    m->keys = xcalloc(m->cap, sizeof *m->keys);
    m->vals = xcalloc(m->cap, sizeof *m->vals);
    for (size_t i = 0; i < old.cap; i++) {
        if (!old.keys[i])
            continue;
        size_t j = slot(m, old.keys[i]);
        m->keys[j] = old.keys[i];
        m->vals[j] = old.vals[i];
    }
    free(old.keys);
    free(old.vals);
}

bool sim_strmap_put(struct sim_strmap *m, const char *key, size_t val, size_t *old)
{
    if (2 * (m->n + 1) > m->cap)
        grow(m);
    size_t i = slot(m, key);
    if (m->keys[i]) {
        if (old)
            *old = m->vals[i];
        return false;
    }
    m->keys[i] = key;
    m->vals[i] = val;
    m->n++;
    return true;
}

bool sim_strmap_get(const struct sim_strmap *m, const char *key, size_t *val)
{
    if (m->cap == 0)
        return false;
    size_t i = slot(m, key);
    if (!m->keys[i])
        return false;
    *val = m->vals[i];
    return true;
}
