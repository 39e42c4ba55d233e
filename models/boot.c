/* SPDX-License-Identifier: MIT */
/* models/boot.c: the platform presets. Boot time is dominated by the VMM or
 * toolstack and the measured sets show a tight body with rare 2x outliers,
 * so each preset is a lognormal with the measured mean and a spread that
 * covers the measured range (research/seed-and-parameters.md, s2). */
#include "models/boot.h"

#include <string.h>

static const struct boot_preset presets[] = {
    {"unikernel", "lognormal(3.2ms, 0.16)",
     "Unikraft on Solo5 hvt, the monitor MirageOS uses: mean 3.19 ms, sd 0.49 ms, n=26 "
     "(unikraft/eurosys21-artifacts, fig_10 solo5.csv)"},
    {"unikernel-xen", "lognormal(38ms, 0.12)",
     "MirageOS on Xen with the Jitsu toolstack: 30-45 ms (Jitsu, NSDI'15, 'Masking boot "
     "latency')"},
    {"lightvm", "lognormal(3ms, 0.3)", "LightVM: 2.3 ms VM boot (SOSP'17); estimate of spread"},
    {"firecracker", "lognormal(125ms, 0.2)",
     "Firecracker: guest init within 125 ms (NSDI'20; SPECIFICATION.md); spread an estimate"},
    {"container", "lognormal(568ms, 0.3)",
     "Docker on Linux: mean 568 ms on premium SSD, 50 runs (arXiv 2602.15214)"},
    {"vm", "lognormal(97s, 0.3)",
     "EC2 Linux VM: mean 96.9 s (Mao and Humphrey, IEEE CLOUD 2012); spread an estimate"},
};

const struct boot_preset *boot_find(const char *name)
{
    for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++)
        if (strcmp(presets[i].name, name) == 0)
            return &presets[i];
    return NULL;
}

const struct boot_preset *boot_presets(size_t *n)
{
    *n = sizeof presets / sizeof presets[0];
    return presets;
}
