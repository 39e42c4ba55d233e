/* SPDX-License-Identifier: MIT */
/* wire.c: encoding and strictly bounds-checked decoding of the header values
 * documented in wtrace.h. Decoders look only at buf[0..len). */
#include "wtrace.h"

#include <string.h>

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

/* Eight characters as one 64-bit word, the first in the low byte, whatever
 * the machine's byte order: one load or store where the order is known to
 * be little-endian, byte by byte elsewhere. */
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) &&                                 \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
static uint64_t load8(const char *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
    return x;
}

static void store8(char *p, uint64_t x)
{
    memcpy(p, &x, 8);
}
#else
static uint64_t load8(const char *p)
{
    uint64_t x = 0;
    for (int i = 7; i >= 0; i--)
        x = (x << 8) | (unsigned char)p[i];
    return x;
}

static void store8(char *p, uint64_t x)
{
    for (int i = 0; i < 8; i++)
        p[i] = (char)(x >> (8 * i));
}
#endif

#define ONES UINT64_C(0x0101010101010101)
#define HIGH UINT64_C(0x8080808080808080)

/* The word of eight hex digits for the low 32 bits of v, most significant
 * first, lower case. Eight lanes of arithmetic in one register: the context
 * is encoded on every call, so this is on the hot path. */
static uint64_t hex8(uint64_t v)
{
    uint64_t n = v & 0xffffffffu;
    /* Spread: nibble k (from the least significant) into byte 7 - k. */
    n = ((n >> 16) | (n << 32)) & UINT64_C(0x0000ffff0000ffff);
    n = ((n >> 8) | (n << 16)) & UINT64_C(0x00ff00ff00ff00ff);
    n = ((n >> 4) | (n << 8)) & UINT64_C(0x0f0f0f0f0f0f0f0f);
    /* Bytes of 10..15 get 'a' - '0' - 10 more than '0' + value. */
    uint64_t alpha = ((n + 6 * ONES) >> 4) & ONES;
    return n + '0' * ONES + alpha * ('a' - '0' - 10);
}

/* Lanes (high bit of each byte) where the byte b of x, all < 0x80, has
 * b >= k, and where b <= k; k < 0x80. No lane carries into the next. */
static uint64_t lanes_ge(uint64_t x, unsigned k)
{
    return (x + (0x80 - k) * ONES) & HIGH;
}

static uint64_t lanes_le(uint64_t x, unsigned k)
{
    return ((0x80 + k) * ONES - x) & HIGH;
}

/* Parses eight hex digits (either case) at p into *v; no branch per digit. */
static int get8(const char *p, uint64_t *v)
{
    uint64_t x = load8(p);
    uint64_t low = x | 0x20 * ONES; /* 'A'..'F' -> 'a'..'f'; digits keep 0x20 */
    uint64_t ok = (lanes_ge(x, '0') & lanes_le(x, '9')) | (lanes_ge(low, 'a') & lanes_le(low, 'f'));
    if ((x & HIGH) || ok != HIGH)
        return WT_EFORMAT;
    /* Digit values: low nibble, + 9 for letters (bit 6 set). */
    uint64_t n = (x & 0x0f * ONES) + ((x >> 6) & ONES) * 9;
    /* Gather: byte 0 is the most significant nibble. */
    n = ((n << 4) | (n >> 8)) & UINT64_C(0x00ff00ff00ff00ff);
    n = ((n << 8) | (n >> 16)) & UINT64_C(0x0000ffff0000ffff);
    n = ((n << 16) | (n >> 32)) & UINT64_C(0x00000000ffffffff);
    *v = n;
    return WT_OK;
}

/* Writes v as 16 hex digits. */
static void put16(char *out, uint64_t v)
{
    store8(out, hex8(v >> 32));
    store8(out + 8, hex8(v));
}

static int get16(const char *buf, uint64_t *v)
{
    uint64_t hi, lo;
    if (get8(buf, &hi) || get8(buf + 8, &lo))
        return WT_EFORMAT;
    *v = hi << 32 | lo;
    return WT_OK;
}

/* Hex digits of v written minimally ("0" for zero). */
static int hex_digits(uint64_t v)
{
#if defined(__GNUC__)
    return v ? (64 - __builtin_clzll(v) + 3) / 4 : 1;
#else
    int n = 1;
    while (n < 16 && (v >> (4 * n)))
        n++;
    return n;
#endif
}

/* Writes the n (1..16) digits of v at p in whole words: the 8 bytes from p
 * are overwritten whatever n, so they must be there to write. */
static void put_field(char *p, uint64_t v, int n)
{
    if (n > 8) {
        store8(p, hex8(v >> 32) >> (8 * (16 - n)));
        store8(p + n - 8, hex8(v));
    } else {
        store8(p, hex8(v) >> (8 * (8 - n)));
    }
}

/* Writes the n digits of v, a digit at a time. */
static void put_digits(char *out, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        out[i] = hexdig[v & 15];
        v >>= 4;
    }
}

/* Parses buf[0..n) as 1..16 hex digits; no branch per digit. */
static int get_field(const char *buf, size_t n, uint64_t *v)
{
    if (n < 1 || n > 16)
        return WT_EFORMAT;
    uint64_t x = 0;
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        int d = hexvals[(unsigned char)buf[i]];
        bad |= d == 0;
        x = (x << 4) | (uint64_t)((d - 1) & 15);
    }
    *v = x;
    return bad ? WT_EFORMAT : WT_OK;
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
    put16(buf + 2, c->trace_id);
    buf[18] = '-';
    put16(buf + 19, c->ctx_id);
    buf[35] = '-';
    put_digits(buf + 36, c->flags, 2);
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
    if (buf[18] != '-' || buf[35] != '-' || get16(buf + 2, &trace) || get16(buf + 19, &ctx) ||
        get_field(buf + 36, 2, &flags))
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
    int n1 = hex_digits(total), n2 = hex_digits(agg), n = 2 + n1 + 1 + n2;
    if (size < (size_t)n + 1)
        return WT_ESPACE;
    buf[0] = '1';
    buf[1] = '-';
    if (size >= (size_t)n + 8) {
        /* Room for the last field's whole words: each field is written
         * in one or two, the next byte written over what spilled. */
        put_field(buf + 2, total, n1);
        buf[2 + n1] = '-';
        put_field(buf + 3 + n1, agg, n2);
    } else {
        put_digits(buf + 2, total, n1);
        buf[2 + n1] = '-';
        put_digits(buf + 3 + n1, agg, n2);
    }
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
    size_t dash = 2;
    while (dash < len && buf[dash] != '-')
        dash++;
    if (dash == len)
        return WT_EFORMAT;
    uint64_t t, a;
    if (get_field(buf + 2, dash - 2, &t) || get_field(buf + dash + 1, len - dash - 1, &a))
        return WT_EFORMAT;
    *total = t;
    *agg = a;
    return WT_OK;
}
