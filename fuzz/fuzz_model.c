/* SPDX-License-Identifier: MIT */
/* fuzz/fuzz_model.c: libFuzzer target for the model loader: any input is
 * loaded or rejected with a message, never a crash or a leak. */
#include "models/model.h"

#include "fuzz/fuzz_text.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    if (!text)
        return 0;
    struct mdl_model m;
    struct sim_diag d = {0};
    if (mdl_load_string(&m, text, "fuzz", NULL, 0, &d) == 0)
        mdl_model_fini(&m);
    else if (!d.msg[0])
        abort(); /* a rejection always says why */
    free(text);
    return 0;
}
