/* SPDX-License-Identifier: MIT */
/* wire.c: encoding and strictly bounds-checked decoding of the header values
 * documented in wtrace.h. Decoders look only at buf[0..len). */
#include "wtrace.h"

#include <string.h>

static const char hexdig[] = "0123456789abcdef";

/* Hex digit values | 0x10, 0 for anything else: one load per character,
 * and the and of a field's entries keeps 0x10 only if all were digits. */
static const unsigned char hexvals[256] = {
    ['0'] = 0x10, ['1'] = 0x11, ['2'] = 0x12, ['3'] = 0x13, ['4'] = 0x14, ['5'] = 0x15,
    ['6'] = 0x16, ['7'] = 0x17, ['8'] = 0x18, ['9'] = 0x19, ['a'] = 0x1a, ['b'] = 0x1b,
    ['c'] = 0x1c, ['d'] = 0x1d, ['e'] = 0x1e, ['f'] = 0x1f, ['A'] = 0x1a, ['B'] = 0x1b,
    ['C'] = 0x1c, ['D'] = 0x1d, ['E'] = 0x1e, ['F'] = 0x1f,
};

static int hexval(char ch)
{
    unsigned t = hexvals[(unsigned char)ch];
    return t ? (int)(t & 15) : -1;
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

/* The lanes (high bit of each byte) of x that are not hex digits (either
 * case): 0 when all eight are. A byte of 0x80 or more may upset the other
 * lanes' tests, but is a lane of its own in x & HIGH. */
static uint64_t not_hex8(uint64_t x)
{
    uint64_t low = x | 0x20 * ONES; /* 'A'..'F' -> 'a'..'f'; digits keep 0x20 */
    uint64_t ok = (lanes_ge(x, '0') & lanes_le(x, '9')) | (lanes_ge(low, 'a') & lanes_le(low, 'f'));
    return (x & HIGH) | (ok ^ HIGH);
}

/* The value of eight hex digits x (not_hex8(x) == 0), the first the most
 * significant; no branch per digit. */
static uint64_t value8(uint64_t x)
{
    /* Digit values: low nibble, + 9 for letters (bit 6 set). */
    uint64_t n = (x & 0x0f * ONES) + ((x >> 6) & ONES) * 9;
    /* Gather: byte 0 is the most significant nibble. */
    n = ((n << 4) | (n >> 8)) & UINT64_C(0x00ff00ff00ff00ff);
    n = ((n << 8) | (n >> 16)) & UINT64_C(0x0000ffff0000ffff);
    return ((n << 16) | (n >> 32)) & UINT64_C(0x00000000ffffffff);
}

/* Writes v as 16 hex digits. */
static void put16(char *out, uint64_t v)
{
    store8(out, hex8(v >> 32));
    store8(out + 8, hex8(v));
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

/* Reads buf[i..) up to `end` or a '-' as a field of 1 to 16 hex digits
 * into *v; returns where it stopped, or 0 if the field was not that (0 is
 * never a field's end: fields follow the version). No branch per digit. */
static size_t get_field(const char *buf, size_t i, size_t end, uint64_t *v)
{
    size_t from = i;
    uint64_t x = 0;
    unsigned ok = 0x10;
    for (; i < end && buf[i] != '-'; i++) {
        unsigned d = hexvals[(unsigned char)buf[i]];
        ok &= d;
        x = (x << 4) | (d & 15);
    }
    *v = x;
    return ok && i > from && i - from <= 16 ? i : 0;
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
    /* The two ids as four words of eight digits, checked together: one
     * branch for the lot. */
    uint64_t w0 = load8(buf + 2), w1 = load8(buf + 10), w2 = load8(buf + 19), w3 = load8(buf + 27);
    uint64_t flags;
    if (buf[18] != '-' || buf[35] != '-' ||
        (not_hex8(w0) | not_hex8(w1) | not_hex8(w2) | not_hex8(w3)) ||
        get_field(buf, 36, WT_CTX_LEN, &flags) != WT_CTX_LEN)
        return WT_EFORMAT;
    uint64_t trace = value8(w0) << 32 | value8(w1), ctx = value8(w2) << 32 | value8(w3);
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
    uint64_t t, a;
    size_t dash = get_field(buf, 2, len, &t);
    if (dash == 0 || dash == len || get_field(buf, dash + 1, len, &a) != len)
        return WT_EFORMAT;
    *total = t;
    *agg = a;
    return WT_OK;
}
