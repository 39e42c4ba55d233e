/* SPDX-License-Identifier: MIT */
/* sim/fel.c: near heap + time buckets + overflow. Invariant: every record in
 * near has t < near_end <= every record in buckets cur.. and overflow;
 * near_end = base + cur * width, and bucket j (j >= cur) holds exactly the
 * records with t in [base + j*width, base + (j+1)*width). */
#include "sim/fel.h"

#include "sim/xalloc.h"

#include <stdlib.h>
#include <string.h>

/* Target records per bucket: small enough that the near heap stays tiny. */
#ifndef PER_BUCKET
#define PER_BUCKET 32
#endif
#define MIN_BUCKETS 16
/* Below SMALL records the near heap alone holds everything (it fits in cache
 * and beats the buckets); above BIG records it hands over to the buckets. */
#define SMALL 4096
#define BIG 16384

/* Written so that the compiler branches only on equal times (rare, so
 * predictable) and selects with conditional moves otherwise: heap comparisons
 * are unpredictable, and this form halved the time per event of a
 * 1000-event heap. */
static inline bool before(const struct sim_fel_rec *a, const struct sim_fel_rec *b)
{
    if (__builtin_expect(a->t == b->t, 0))
        return a->key < b->key;
    return a->t < b->t;
}

static void vec_push(struct sim_fel_vec *v, struct sim_fel_rec r)
{
    if (v->n == v->cap)
        v->v = xgrow(v->v, &v->cap, v->n + 1, sizeof *v->v);
    v->v[v->n++] = r;
}

static void heap_up(struct sim_fel_rec *h, size_t i, struct sim_fel_rec x)
{
    while (i > 0) {
        size_t p = (i - 1) / 4;
        if (!before(&x, &h[p]))
            break;
        h[i] = h[p];
        i = p;
    }
    h[i] = x;
}

static void heap_down(struct sim_fel_rec *h, size_t n, size_t i, struct sim_fel_rec x)
{
    for (;;) {
        size_t c = 4 * i + 1;
        if (c >= n)
            break;
        size_t end = c + 4 < n ? c + 4 : n;
        size_t m = c;
        for (size_t k = c + 1; k < end; k++)
            m = before(&h[k], &h[m]) ? k : m;
        if (!before(&h[m], &x))
            break;
        h[i] = h[m];
        i = m;
    }
    h[i] = x;
}

static void heapify(struct sim_fel_rec *h, size_t n)
{
    for (size_t i = n / 4 + 1; i-- > 0;)
        if (i < n)
            heap_down(h, n, i, h[i]);
}

void sim_fel_init(struct sim_fel *f)
{
    memset(f, 0, sizeof *f);
    f->width = 1;
    f->near_end = INT64_MAX; /* start as a plain heap */
}

void sim_fel_fini(struct sim_fel *f)
{
    free(f->near.v);
    for (size_t j = 0; j < f->bkt_cap; j++)
        free(f->bkt[j].v);
    free(f->bkt);
    free(f->over.v);
    free(f->imm.v);
    memset(f, 0, sizeof *f);
}

size_t sim_fel_size(const struct sim_fel *f)
{
    return f->size;
}

static void far_push(struct sim_fel *f, struct sim_fel_rec r)
{
    /* r.t >= near_end = base + cur * width, so j >= cur. */
    uint64_t j = (uint64_t)(r.t - f->base) / (uint64_t)f->width;
    if (j < f->nbkt)
        vec_push(&f->bkt[j], r);
    else
        vec_push(&f->over, r);
}

/* True if r may join the queue of records at the last popped time: it keeps
 * that queue sorted. */
static inline bool imm_fits(const struct sim_fel *f, const struct sim_fel_rec *r)
{
    if (f->imm_head == f->imm.n)
        return r->t == f->last_t;
    const struct sim_fel_rec *tail = &f->imm.v[f->imm.n - 1];
    return r->t == tail->t && r->key > tail->key;
}

void sim_fel_push(struct sim_fel *f, struct sim_fel_rec r)
{
    f->size++;
    if (imm_fits(f, &r)) {
        if (f->imm_head == f->imm.n)
            f->imm_head = f->imm.n = 0;
        vec_push(&f->imm, r);
    } else if (r.t < f->near_end) {
        vec_push(&f->near, r);
        heap_up(f->near.v, f->near.n - 1, r);
        if (f->near.n > BIG && f->near_end == INT64_MAX) {
            /* Hand everything to the overflow; the next refill buckets it. */
            struct sim_fel_vec tmp = f->over;
            f->over = f->near;
            f->near = tmp;
            f->near.n = 0;
            f->near_end = INT64_MIN;
            f->nbkt = f->cur = 0;
        }
    } else if (f->nbkt == 0) {
        vec_push(&f->over, r);
    } else {
        far_push(f, r);
    }
}

static int cmp_t(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Spreads the overflow list over a fresh set of buckets. The width is set so
 * that the earlier half of the records (by a deterministic sample's median)
 * fills half the buckets: a few far-future events (timeouts, cooldowns) then
 * stay in the overflow instead of squeezing the bulk into one bucket. */
static void rebuild(struct sim_fel *f)
{
    struct sim_fel_vec o = f->over;
    int64_t lo = o.v[0].t;
    for (size_t i = 1; i < o.n; i++)
        if (o.v[i].t < lo)
            lo = o.v[i].t;
    enum { SAMPLE = 255 };
    int64_t sample[SAMPLE];
    size_t ns = o.n < SAMPLE ? o.n : SAMPLE;
    for (size_t i = 0; i < ns; i++)
        sample[i] = o.v[i * (o.n / ns)].t;
    qsort(sample, ns, sizeof sample[0], cmp_t);
    int64_t mid = sample[ns / 2];
    size_t nb = o.n / PER_BUCKET;
    if (nb < MIN_BUCKETS)
        nb = MIN_BUCKETS;
    if (f->bkt_cap < nb) {
        f->bkt = xrealloc(f->bkt, nb * sizeof *f->bkt);
        memset(f->bkt + f->bkt_cap, 0, (nb - f->bkt_cap) * sizeof *f->bkt);
        f->bkt_cap = nb;
    }
    for (size_t j = 0; j < nb; j++)
        f->bkt[j].n = 0;
    uint64_t span = (uint64_t)mid - (uint64_t)lo + 1, half = nb / 2;
    uint64_t w = span / half + (span % half != 0);
    f->nbkt = nb;
    f->base = lo;
    f->width = (int64_t)w;
    f->cur = 0;
    f->near_end = lo;
    /* Refill a fresh overflow list; the old one's storage is reused after. */
    f->over = (struct sim_fel_vec){0};
    for (size_t i = 0; i < o.n; i++)
        far_push(f, o.v[i]);
    if (f->over.n == 0) {
        free(f->over.v);
        o.n = 0;
        f->over = o;
    } else {
        free(o.v);
    }
}

/* Makes near non-empty if any record exists. */
static bool refill(struct sim_fel *f)
{
    while (f->near.n == 0) {
        while (f->cur < f->nbkt && f->bkt[f->cur].n == 0)
            f->cur++;
        if (f->cur < f->nbkt) {
            /* Swap bucket storage into near: no copy. */
            struct sim_fel_vec b = f->bkt[f->cur];
            f->bkt[f->cur] = f->near;
            f->bkt[f->cur].n = 0;
            f->near = b;
            f->cur++;
            f->near_end = f->base + (int64_t)f->cur * f->width;
            heapify(f->near.v, f->near.n);
            return true;
        }
        if (f->over.n == 0)
            return false;
        if (f->over.n < SMALL) {
            struct sim_fel_vec tmp = f->near;
            f->near = f->over;
            f->over = tmp;
            f->nbkt = f->cur = 0;
            f->near_end = INT64_MAX;
            heapify(f->near.v, f->near.n);
            return true;
        }
        rebuild(f);
    }
    return true;
}

bool sim_fel_peek(struct sim_fel *f, struct sim_fel_rec *out)
{
    size_t nimm = f->imm.n - f->imm_head;
    bool heap = f->size > nimm && refill(f);
    f->top_imm = nimm && (!heap || before(&f->imm.v[f->imm_head], &f->near.v[0]));
    if (f->top_imm)
        *out = f->imm.v[f->imm_head];
    else if (heap)
        *out = f->near.v[0];
    else
        return false;
    return true;
}

void sim_fel_pop(struct sim_fel *f)
{
    f->size--;
    if (f->top_imm) {
        f->last_t = f->imm.v[f->imm_head++].t;
        f->top_imm = false;
        return;
    }
    struct sim_fel_vec *h = &f->near;
    f->last_t = h->v[0].t;
    struct sim_fel_rec last = h->v[--h->n];
    if (h->n)
        heap_down(h->v, h->n, 0, last);
}

static void filter_vec(struct sim_fel_vec *v, bool (*keep)(const struct sim_fel_rec *, void *),
                       void *ctx, size_t *size)
{
    size_t k = 0;
    for (size_t i = 0; i < v->n; i++)
        if (keep(&v->v[i], ctx))
            v->v[k++] = v->v[i];
    *size -= v->n - k;
    v->n = k;
}

void sim_fel_filter(struct sim_fel *f, bool (*keep)(const struct sim_fel_rec *r, void *ctx),
                    void *ctx)
{
    filter_vec(&f->near, keep, ctx, &f->size);
    heapify(f->near.v, f->near.n);
    for (size_t j = f->cur; j < f->nbkt; j++)
        filter_vec(&f->bkt[j], keep, ctx, &f->size);
    filter_vec(&f->over, keep, ctx, &f->size);
    /* The queue keeps its order: compact it to the front. */
    size_t k = 0;
    for (size_t i = f->imm_head; i < f->imm.n; i++)
        if (keep(&f->imm.v[i], ctx))
            f->imm.v[k++] = f->imm.v[i];
    f->size -= (f->imm.n - f->imm_head) - k;
    f->imm.n = k;
    f->imm_head = 0;
    f->top_imm = false;
}
