/* SPDX-License-Identifier: MIT */
/* wire.c: encoding and strictly bounds-checked decoding of the header values
 * documented in wtrace.h. Decoders look only at buf[0..len). */
#include "wtrace.h"

static const char hexdig[] = "0123456789abcdef";

/* Hex digit values, -1 for anything else: one load per character. */
static const signed char hexvals[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,  ['6'] = 7,  ['7'] = 8,
    ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
    ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
}; /* stored + 1 so that the zero default means "not a digit" */

static int hexval(char ch)
{
    return hexvals[(unsigned char)ch] - 1;
}

/* Writes v as exactly `digits` hex digits (digits even), a byte at a time:
 * the context is encoded on every call, so this is on the hot path. */
static void put_fixed(char *out, uint64_t v, int digits)
{
    for (int i = digits - 2; i >= 0; i -= 2) {
        unsigned b = (unsigned)(v & 0xff);
        out[i] = hexdig[b >> 4];
        out[i + 1] = hexdig[b & 15];
        v >>= 8;
    }
}

/* Parses exactly `digits` hex digits at buf; no branch per digit. */
static int get_fixed(const char *buf, int digits, uint64_t *v)
{
    uint64_t x = 0;
    int bad = 0;
    for (int i = 0; i < digits; i++) {
        int d = hexvals[(unsigned char)buf[i]];
        bad |= d == 0;
        x = (x << 4) | (uint64_t)((d - 1) & 15);
    }
    *v = x;
    return bad ? WT_EFORMAT : WT_OK;
}

/* Writes v in minimal hex ("0" for zero); returns the digit count. */
static int put_min(char *out, uint64_t v)
{
    char tmp[16];
    int n = 0;
    do {
        tmp[n++] = hexdig[v & 15];
        v >>= 4;
    } while (v);
    for (int i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

/* Parses buf[*pos..end) as 1..16 hex digits up to '-' or end. */
static int get_hex(const char *buf, size_t *pos, size_t end, size_t min, size_t max, uint64_t *v)
{
    size_t i = *pos;
    uint64_t x = 0;
    while (i < end && buf[i] != '-') {
        int d = hexval(buf[i]);
        if (d < 0 || i - *pos >= max)
            return WT_EFORMAT;
        x = (x << 4) | (uint64_t)d;
        i++;
    }
    if (i - *pos < min)
        return WT_EFORMAT;
    *pos = i;
    *v = x;
    return WT_OK;
}

/* Checks the "<version>-" prefix. */
static int get_version(const char *buf, size_t len)
{
    if (len < 2 || hexval(buf[0]) < 0 || buf[1] != '-')
        return WT_EFORMAT;
    return buf[0] == '1' ? WT_OK : WT_EVERSION;
}

int wt_ctx_encode(const struct wt_ctx *c, char *buf, size_t size)
{
    if (size < WT_CTX_LEN + 1)
        return WT_ESPACE;
    buf[0] = '1';
    buf[1] = '-';
    put_fixed(buf + 2, c->trace_id, 16);
    buf[18] = '-';
    put_fixed(buf + 19, c->ctx_id, 16);
    buf[35] = '-';
    put_fixed(buf + 36, c->flags, 2);
    buf[WT_CTX_LEN] = '\0';
    return WT_CTX_LEN;
}

int wt_ctx_decode(struct wt_ctx *c, const char *buf, size_t len)
{
    if (!buf)
        return WT_EFORMAT;
    int rc = get_version(buf, len);
    if (rc)
        return rc;
    if (len != WT_CTX_LEN)
        return WT_EFORMAT;
    uint64_t trace, ctx, flags;
    if (buf[18] != '-' || buf[35] != '-' || get_fixed(buf + 2, 16, &trace) ||
        get_fixed(buf + 19, 16, &ctx) || get_fixed(buf + 36, 2, &flags))
        return WT_EFORMAT;
    if (trace == 0)
        return WT_EFORMAT; /* 0 is never a trace id */
    c->trace_id = trace;
    c->ctx_id = ctx;
    c->flags = (uint8_t)flags;
    return WT_OK;
}

int wt_resp_encode_values(uint64_t total, uint64_t agg, char *buf, size_t size)
{
    char tmp[WT_AGG_MAXLEN + 1];
    int n = 0;
    tmp[n++] = '1';
    tmp[n++] = '-';
    n += put_min(tmp + n, total);
    tmp[n++] = '-';
    n += put_min(tmp + n, agg);
    if (size < (size_t)n + 1)
        return WT_ESPACE;
    for (int i = 0; i < n; i++)
        buf[i] = tmp[i];
    buf[n] = '\0';
    return n;
}

int wt_resp_encode(const struct wt_req *r, char *buf, size_t size)
{
    if (!r->sampled) {
        if (size)
            buf[0] = '\0';
        return 0;
    }
    return wt_resp_encode_values(r->total, r->agg, buf, size);
}

int wt_resp_decode(const char *buf, size_t len, uint64_t *total, uint64_t *agg)
{
    if (!buf)
        return WT_EFORMAT;
    int rc = get_version(buf, len);
    if (rc)
        return rc;
    if (len > WT_AGG_MAXLEN)
        return WT_EFORMAT;
    size_t pos = 2;
    uint64_t t, a;
    if (get_hex(buf, &pos, len, 1, 16, &t) || pos >= len || buf[pos++] != '-' ||
        get_hex(buf, &pos, len, 1, 16, &a) || pos != len)
        return WT_EFORMAT;
    *total = t;
    *agg = a;
    return WT_OK;
}
