/* SPDX-License-Identifier: MIT */
/* sketch.c: the log-linear quantile sketch described in wtrace.h. Bucket i
 * (1 <= i < last) covers [L, L + 2^(e-4)) with L = 2^e + sub * 2^(e-4). */
#include "wtrace.h"

#include <string.h>

#define LAST (WT_SKETCH_BUCKETS - 1)

static int ilog2(uint64_t v)
{
#if defined(__GNUC__)
    return 63 - __builtin_clzll(v); /* v > 0 here */
#else
    int e = 0;
    while (v >>= 1)
        e++;
    return e;
#endif
}

static unsigned bucket_of(uint64_t v)
{
    if (v < (UINT64_C(1) << WT_SKETCH_MIN_EXP))
        return 0;
    if (v >= (UINT64_C(1) << WT_SKETCH_MAX_EXP))
        return LAST;
    int e = ilog2(v);
    unsigned sub = (unsigned)(v >> (e - 4)) & (WT_SKETCH_SUB - 1);
    return 1 + (unsigned)(e - WT_SKETCH_MIN_EXP) * WT_SKETCH_SUB + sub;
}

void wt_sketch_init(struct wt_sketch *s)
{
    memset(s, 0, sizeof *s);
    s->min = UINT64_MAX;
}

void wt_sketch_add(struct wt_sketch *s, uint64_t v)
{
    s->n++;
    s->sum += v;
    if (v < s->min)
        s->min = v;
    if (v > s->max)
        s->max = v;
    uint32_t *c = &s->counts[bucket_of(v)];
    if (*c != UINT32_MAX)
        (*c)++;
}

void wt_sketch_merge(struct wt_sketch *into, const struct wt_sketch *from)
{
    if (from->n == 0)
        return;
    into->n += from->n;
    into->sum += from->sum;
    if (from->min < into->min)
        into->min = from->min;
    if (from->max > into->max)
        into->max = from->max;
    for (unsigned i = 0; i < WT_SKETCH_BUCKETS; i++) {
        uint64_t c = (uint64_t)into->counts[i] + from->counts[i];
        into->counts[i] = c > UINT32_MAX ? UINT32_MAX : (uint32_t)c;
    }
}

void wt_stat_init(struct wt_stat *s)
{
    memset(s, 0, sizeof *s);
    s->min = UINT64_MAX;
}

void wt_stat_add(struct wt_stat *s, uint64_t v)
{
    s->n++;
    s->sum += v;
    if (v < s->min)
        s->min = v;
    if (v > s->max)
        s->max = v;
}

void wt_stat_merge(struct wt_stat *into, const struct wt_stat *from)
{
    if (from->n == 0)
        return;
    into->n += from->n;
    into->sum += from->sum;
    if (from->min < into->min)
        into->min = from->min;
    if (from->max > into->max)
        into->max = from->max;
}

double wt_stat_mean(const struct wt_stat *s)
{
    return s->n ? (double)s->sum / (double)s->n : 0.0;
}

double wt_sketch_mean(const struct wt_sketch *s)
{
    return s->n ? (double)s->sum / (double)s->n : 0.0;
}

double wt_sketch_quantile(const struct wt_sketch *s, double q)
{
    if (s->n == 0)
        return 0.0;
    uint64_t n = 0;
    for (unsigned i = 0; i < WT_SKETCH_BUCKETS; i++)
        n += s->counts[i];
    if (!(q > 0))
        return (double)s->min;
    if (q >= 1)
        return (double)s->max;
    uint64_t rank = (uint64_t)(q * (double)n);
    if ((double)rank < q * (double)n)
        rank++; /* ceil */
    if (rank == 0)
        rank = 1;
    uint64_t seen = 0;
    unsigned i = 0;
    for (; i < WT_SKETCH_BUCKETS; i++) {
        seen += s->counts[i];
        if (seen >= rank)
            break;
    }
    double est;
    if (i == 0) {
        est = (double)s->min;
    } else if (i >= LAST) {
        est = (double)s->max;
    } else {
        unsigned k = i - 1;
        int e = WT_SKETCH_MIN_EXP + (int)(k / WT_SKETCH_SUB);
        double w = (double)(UINT64_C(1) << (e - 4));
        double lo = (double)(UINT64_C(1) << e) + (double)(k % WT_SKETCH_SUB) * w;
        double hi = lo + w;
        est = 2.0 * lo * hi / (lo + hi);
    }
    if (est < (double)s->min)
        est = (double)s->min;
    if (est > (double)s->max)
        est = (double)s->max;
    return est;
}
