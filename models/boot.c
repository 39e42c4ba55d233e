/* SPDX-License-Identifier: MIT */
/* models/boot.c: the platform presets. Boot time is dominated by the VMM or
 * toolstack and the measured sets show a tight body with rare 2x outliers,
 * so each preset is a lognormal with the measured mean and a spread that
 * covers the measured range (research/seed-and-parameters.md, s2). */
#include "models/boot.h"

#include <string.h>

static const struct boot_preset presets[] = {
    {"unikernel", "lognormal(3.2ms, 0.16)",
     "what the seeds mean by a unikernel booting at packet round-trip timescales; measured "
     "as Unikraft on Solo5 hvt, the monitor MirageOS uses: mean 3.19 ms, sd 0.49 ms, n=26 "
     "(unikraft/eurosys21-artifacts, fig_10 solo5.csv). A MirageOS/OCaml runtime adds "
     "some ms: see mirage-solo5"},
    {"mirage-solo5", "lognormal(20ms, 0.2)",
     "MirageOS unikernels, reported near 20 ms to boot (D. Williams, \"Solo5: Building a "
     "Unikernel Base From Scratch\", SCALE 14x, 2016); spread an estimate"},
    {"unikernel-xen", "lognormal(38ms, 0.12)",
     "MirageOS on Xen with the Jitsu toolstack: 30-45 ms (Jitsu, NSDI'15, 'Masking boot "
     "latency')"},
    {"lightvm", "lognormal(3ms, 0.3)", "LightVM: 2.3 ms VM boot (SOSP'17); estimate of spread"},
    {"firecracker", "lognormal(125ms, 0.2)",
     "Firecracker: guest init within 125 ms (NSDI'20; SPECIFICATION.md); spread an estimate"},
    {"container", "lognormal(568ms, 0.3)",
     "Docker on Linux: mean 568 ms on premium SSD, 50 runs (arXiv 2602.15214)"},
    {"k8s-pod", "sum(lognormal(1.38s, 0.29), lognormal(568ms, 0.3), uniform(0s, 10s))",
     "a Kubernetes pod, three phases: API, scheduling and kubelet start with a cached "
     "image, p50 1.33 s and p99 2.56 s in a half-full 100-node cluster (Kubernetes blog, "
     "\"Kubernetes Performance Measurements and Roadmap\", 2015; SLO p99 <= 5 s); the "
     "application container's start, Docker 568 ms as the container preset; the readiness "
     "probe, periodSeconds 10 s and initialDelaySeconds 0 by default (Kubernetes Probe API), "
     "the first passing probe at a uniform point of the period (an inference): mean 6.95 s"},
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
