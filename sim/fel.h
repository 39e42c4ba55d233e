/* SPDX-License-Identifier: MIT */
/* sim/fel.h: the future-event list, a priority queue of (time, seq) records.
 * It is a two-level structure in the manner of a one-rung ladder queue: a
 * small 4-ary heap holds the events before a moving boundary, and beyond it
 * events are appended unsorted to fixed-width time buckets (or an overflow
 * list), which are heapified one at a time as the clock reaches them. Push is
 * O(1) for far events and pop is O(log b) for a bucket of b events, so the
 * cost per event stays flat as the number pending grows; with a skewed time
 * distribution it degrades to a plain heap, never worse. Records for the time
 * just popped (zero-delay events) go to a FIFO queue instead, merged with the
 * heap's minimum at each peek.
 * Records are ordered by t, then key.
 * Ownership: caller storage via sim_fel_init()/sim_fel_fini(). */
#ifndef SIM_FEL_H
#define SIM_FEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 16 bytes, so that four records share a cache line and a heap of a thousand
 * fits in L1. key must be unique; the engine packs a sequence number in its
 * high bits and its event slot in the low bits. */
struct sim_fel_rec {
    int64_t t;
    uint64_t key;
};

struct sim_fel_vec {
    struct sim_fel_rec *v;
    size_t n, cap;
};

struct sim_fel {             /* fields private */
    struct sim_fel_vec near; /* 4-ary heap of records with t < near_end */
    struct sim_fel_vec *bkt; /* bkt[j] holds t in [base + j*width, base + (j+1)*width) */
    size_t nbkt, bkt_cap;
    size_t cur; /* buckets before cur have been moved to near */
    int64_t base, width, near_end;
    struct sim_fel_vec over; /* t >= base + nbkt*width */
    /* Records pushed for the time of the last pop, in key order: a queue
     * beside the heap, so that a zero-delay event costs no heap work. */
    struct sim_fel_vec imm;
    size_t imm_head;
    int64_t last_t; /* time of the last popped record */
    bool top_imm;   /* the last peek returned imm's head */
    size_t size;
};

void sim_fel_init(struct sim_fel *f);
void sim_fel_fini(struct sim_fel *f);
size_t sim_fel_size(const struct sim_fel *f);
void sim_fel_push(struct sim_fel *f, struct sim_fel_rec r);
/* Copies the minimum record to *out and returns true, or returns false when
 * empty. May reorganise internally. */
bool sim_fel_peek(struct sim_fel *f, struct sim_fel_rec *out);
/* Removes the minimum record; only after a successful sim_fel_peek(). */
void sim_fel_pop(struct sim_fel *f);
/* The record that will probably come next (for prefetching), or NULL. */
static inline const struct sim_fel_rec *sim_fel_hint(const struct sim_fel *f)
{
    if (f->imm_head < f->imm.n)
        return &f->imm.v[f->imm_head];
    return f->near.n ? &f->near.v[0] : NULL;
}
/* Keeps only the records for which keep() is true. O(n). */
void sim_fel_filter(struct sim_fel *f, bool (*keep)(const struct sim_fel_rec *r, void *ctx),
                    void *ctx);

#endif
