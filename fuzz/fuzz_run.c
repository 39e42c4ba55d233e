/* SPDX-License-Identifier: MIT */
/* fuzz/fuzz_run.c: libFuzzer target for load plus a bounded run: every model
 * the loader accepts runs (capped at 5000 events and 5000 requests and
 * calls in flight) to a summary or a run error with a message, and the
 * summary's invariants hold. */
#include "models/model.h"
#include "models/run.h"
#include "policies/policy.h"

#include <math.h>
#include <stdbool.h>
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
    static const char *const sets[] = {"run.max_events=5000", "run.max_in_flight=5000",
                                       "tracing.export=5"};
    struct mdl_model m;
    struct sim_diag d = {0};
    if (mdl_load_string(&m, text, "fuzz", sets, 3, &d) == 0) {
        /* With the model's policy, if it names a valid one. */
        struct pol_control pc;
        struct sim_diag pd = {0};
        bool policy = pol_control_init(&pc, &m, &pd) == 0;
        struct run_summary s;
        int err = run_model_ctl(&m, 1, policy && pc.ops ? &pc.ctl : NULL, &s);
        if (policy)
            pol_control_fini(&pc);
        if (err && !s.error.msg[0])
            abort(); /* a failed run always says why */
        if (!err && s.completed + s.failed > s.sent)
            abort(); /* more answers than requests */
        run_summary_fini(&s);
        mdl_model_fini(&m);
    }
    free(text);
    return 0;
}
