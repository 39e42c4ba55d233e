/* SPDX-License-Identifier: MIT */
/* models/step.c: the handler-step machine (models/step.h). Pure: it reads
 * the steps and its own state and writes only its own state. */
#include "models/step.h"

void step_begin(struct step_state *s, const struct mdl_step *steps, uint32_t nsteps)
{
    *s = (struct step_state){.steps = steps, .nsteps = nsteps};
}

static void advance(struct step_state *s)
{
    s->step++;
    s->entered = 0;
    s->sub = 0;
}

/* A call step without p and pick has nothing to draw. */
static bool needs_draw(const struct mdl_step *st)
{
    return st->kind == MDL_STEP_COMPUTE || st->p < 1.0 || st->pick;
}

/* Length of the next slice of the current compute step. */
static int64_t slice_len(const struct step_state *s, const struct step_cfg *cfg)
{
    int64_t left = s->step_ns - s->step_done_ns;
    if (cfg->yield_points > 0) {
        int64_t per = s->step_ns / ((int64_t)cfg->yield_points + 1);
        return s->sub >= cfg->yield_points ? left : per;
    }
    if (cfg->quantum_ns > 0)
        return left < cfg->quantum_ns ? left : cfg->quantum_ns;
    return left;
}

struct step_act step_next(struct step_state *s, const struct step_cfg *cfg)
{
    for (;;) {
        if (s->step >= s->nsteps)
            return (struct step_act){.kind = STEP_REPLY};
        const struct mdl_step *st = &s->steps[s->step];
        if (!s->entered) {
            if (needs_draw(st))
                return (struct step_act){.kind = STEP_DRAW, .step = st};
            s->entered = 1;
        }
        if (st->kind == MDL_STEP_CALL) {
            struct step_act a = {.kind = STEP_CALL, .step = st, .count = 1};
            if (st->parallel)
                a.count = (uint32_t)st->ncallees;
            else
                a.first = st->pick ? s->pick : s->sub;
            s->sub++;
            s->pending = a.count;
            return a;
        }
        int64_t len = slice_len(s, cfg);
        s->step_done_ns += len;
        s->sub++;
        bool more =
            cfg->yield_points > 0 ? s->sub < cfg->yield_points + 1 : s->step_done_ns < s->step_ns;
        if (!more)
            advance(s);
        return (struct step_act){.kind = STEP_COMPUTE, .ns = len, .yield_after = more};
    }
}

void step_drawn(struct step_state *s, bool runs, int64_t demand_ns, uint32_t pick)
{
    const struct mdl_step *st = &s->steps[s->step];
    if (!runs) {
        advance(s);
        return;
    }
    s->entered = 1;
    s->sub = 0;
    if (st->kind == MDL_STEP_COMPUTE) {
        s->step_ns = demand_ns;
        s->step_done_ns = 0;
    } else {
        s->pick = pick;
    }
}

bool step_reply(struct step_state *s)
{
    const struct mdl_step *st = &s->steps[s->step];
    if (--s->pending > 0)
        return false;
    if (st->parallel || st->pick || s->sub >= st->ncallees)
        advance(s);
    return true;
}

bool step_at_message(const struct step_state *s)
{
    if (s->step >= s->nsteps)
        return true;
    const struct mdl_step *st = &s->steps[s->step];
    return st->kind == MDL_STEP_CALL && !needs_draw(st);
}

uint32_t step_pick_index(const struct mdl_step *st, double u)
{
    size_t lo = 0, hi = st->ncallees - 1; /* the last one takes what is left */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (u < st->pick[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return (uint32_t)lo;
}
