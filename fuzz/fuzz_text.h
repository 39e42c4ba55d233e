/* SPDX-License-Identifier: MIT */
/* fuzz/fuzz_text.h: libFuzzer hands bytes; the parsers take text. */
#ifndef FUZZ_FUZZ_TEXT_H
#define FUZZ_FUZZ_TEXT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* data as a NUL-terminated string the caller frees, or NULL. */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text) {
        memcpy(text, data, size);
        text[size] = '\0';
    }
    return text;
}

#endif
