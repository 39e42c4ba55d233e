/* SPDX-License-Identifier: MIT */
/* models/boot.h: boot-latency presets per platform, from published
 * measurements (each entry names its source). A preset is a distribution in
 * model-file syntax; a service may give its own with boot = "<dist>".
 * Ownership: the table is static. */
#ifndef MODELS_BOOT_H
#define MODELS_BOOT_H

#include <stddef.h>

struct boot_preset {
    const char *name;
    const char *dist;   /* e.g. "lognormal(3.2ms, 0.16)" */
    const char *source; /* where the numbers come from */
};

/* The preset called name, or NULL. */
const struct boot_preset *boot_find(const char *name);
/* All presets, for help texts; *n receives the count. */
const struct boot_preset *boot_presets(size_t *n);

#endif
