/* SPDX-License-Identifier: MIT */
/* fuzz/fuzz_hpa.c: libFuzzer target for the HPA inputs: a first byte below
 * 128 makes the rest a `uksim policy replay` file (JSON Lines), otherwise a
 * YAML manifest. Any input is replayed or rejected with a diagnostic, never
 * a crash, a leak or a hang. */
#include "policies/hpa_replay.h"
#include "policies/hpa_spec.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct sim_diag d = {0};
    if (data[0] < 128) {
        FILE *f = fmemopen((void *)(data + 1), size - 1, "r");
        if (!f)
            return 0;
        struct sim_buf out = {0};
        int rc = pol_hpa_replay(f, "fuzz.jsonl", &out, &d);
        if (rc && !d.msg[0])
            abort(); /* an error without a message */
        free(out.p);
        fclose(f);
    } else {
        struct hpa_manifests m;
        int rc = hpa_manifests_load_text(&m, (const char *)data + 1, size - 1, "fuzz.yaml", &d);
        if (rc && !d.msg[0])
            abort();
        hpa_manifests_fini(&m);
    }
    return 0;
}
