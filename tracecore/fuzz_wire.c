/* SPDX-License-Identifier: MIT */
/* fuzz_wire.c: libFuzzer target for the header decoders. Each input is
 * decoded as a context and as a response value; a successful decode must
 * re-encode to a value that decodes to the same fields. */
#include "wtrace.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Copy into an exact-size heap buffer so that ASan sees any overread. */
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    struct wt_ctx c;
    if (wt_ctx_decode(&c, buf, size) == WT_OK) {
        char out[WT_CTX_LEN + 1];
        struct wt_ctx d;
        if (wt_ctx_encode(&c, out, sizeof out) != WT_CTX_LEN ||
            wt_ctx_decode(&d, out, WT_CTX_LEN) != WT_OK || d.trace_id != c.trace_id ||
            d.ctx_id != c.ctx_id || d.flags != c.flags)
            abort();
    }
    uint64_t t, a;
    if (wt_resp_decode(buf, size, &t, &a) == WT_OK) {
        char out[WT_AGG_MAXLEN + 1];
        uint64_t t2, a2;
        int n = wt_resp_encode_values(t, a, out, sizeof out);
        if (n < 0 || wt_resp_decode(out, (size_t)n, &t2, &a2) != WT_OK || t2 != t || a2 != a)
            abort();
    }
    free(buf);
    return 0;
}
