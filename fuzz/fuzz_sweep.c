/* SPDX-License-Identifier: MIT */
/* fuzz/fuzz_sweep.c: libFuzzer target for the sweep file parser: any input
 * is read or rejected with exit status 2, never a crash or a leak. */
#include "cli/sweep_int.h"

#include "fuzz/fuzz_text.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    if (!text)
        return 0;
    struct sweep w;
    int rc = sweep_load_string(&w, text, "fuzz/sweep.cfg");
    if (rc != 0 && rc != 2)
        abort();
    if (rc == 0) {
        size_t n;
        for (size_t p = 0; p < w.npoints && p < 4; p++)
            sweep_sets_free(sweep_sets(&w, p, &n), n);
    }
    sweep_free(&w);
    free(text);
    return 0;
}
