/* SPDX-License-Identifier: MIT */
/* models/step.h: what a handler's steps mean, as a pure state machine. Given
 * a visit's position in its handler and what just happened, step_next()
 * returns the next action: draw the random values of a step, compute for N
 * ns (then yield, or go on), send calls, or reply. It calls nothing and
 * draws nothing; its one caller is a scheduler (models/lwt.c in virtual
 * time; a real runtime in real time), which makes the draws it asks for,
 * spends the CPU, sends the calls and feeds back each reply.
 *
 *     step_begin(&st, steps, nsteps);
 *     for (;;) {
 *         struct step_act a = step_next(&st, &cfg);
 *         if (a.kind == STEP_DRAW)  { ...; step_drawn(&st, runs, demand_ns, pick); }
 *         if (a.kind == STEP_CALL)  { send a.count calls; on each reply: if
 *                                     (step_reply(&st)) continue from here }
 *         ...
 *     }
 *
 * Semantics (DESIGN.md): a compute step with yield_points = k runs as k + 1
 * equal slices with a yield after each but the last; with a quantum q it
 * yields after each q of CPU; a call step sends its calls at once when
 * parallel, else one after another (one reply each), or one drawn callee
 * with pick; a step with p < 1 runs with that probability.
 * Ownership: struct step_state is caller storage and borrows the steps. */
#ifndef MODELS_STEP_H
#define MODELS_STEP_H

#include "models/model.h"

#include <gsl/gsl_rng.h>

#include <stdbool.h>
#include <stdint.h>

/* How a service slices compute steps. */
struct step_cfg {
    uint32_t yield_points; /* yields inside each compute step (0: none) */
    int64_t quantum_ns;    /* > 0: yield after each quantum instead */
};

struct step_state {
    const struct mdl_step *steps;
    uint32_t nsteps;
    uint32_t step;        /* index of the current step */
    uint32_t sub;         /* slices run of a compute step, or calls sent of a call step */
    uint32_t pending;     /* replies still awaited */
    uint32_t pick;        /* callee drawn by the current call step's pick */
    uint8_t entered;      /* the current step's draws are made */
    int64_t step_ns;      /* current compute step's demand */
    int64_t step_done_ns; /* of which already run */
};

enum step_act_kind {
    STEP_DRAW,    /* make step's draws, then call step_drawn() */
    STEP_COMPUTE, /* run ns of CPU; then yield if yield_after */
    STEP_CALL,    /* send calls to step->callees[first .. first + count) */
    STEP_REPLY,   /* the handler is done: send the reply */
};

struct step_act {
    enum step_act_kind kind;
    const struct mdl_step *step; /* DRAW, CALL: the step */
    int64_t ns;                  /* COMPUTE */
    bool yield_after;            /* COMPUTE */
    uint32_t first, count;       /* CALL */
};

void step_begin(struct step_state *s, const struct mdl_step *steps, uint32_t nsteps);
/* The next action. After STEP_CALL, call it again only once step_reply()
 * has returned true. */
struct step_act step_next(struct step_state *s, const struct step_cfg *cfg);
/* The draws of the step STEP_DRAW named: whether it runs (its p), its CPU
 * demand (compute steps), the callee index drawn by pick (pick steps). */
void step_drawn(struct step_state *s, bool runs, int64_t demand_ns, uint32_t pick);
/* A reply to the current call step came in: true when the step is complete
 * and the handler can go on. */
bool step_reply(struct step_state *s);
/* True when the next action needs no CPU (a call or the reply), so that an
 * idealised server can take it without queueing for the CPU. */
bool step_at_message(const struct step_state *s);
/* Index of the callee a pick step draws for uniform u in [0, 1), by binary
 * search over its cumulative weights. */
uint32_t step_pick_index(const struct mdl_step *st, double u);

/* The draws a STEP_DRAW asks for, made in the one order both schedulers use
 * (models/step_draw.c; the one part that touches random streams): the
 * step's probability from branch, then its demand from compute (seconds,
 * divided by the CPU's speed) or its pick from branch. The caller turns the
 * demand into nanoseconds its own way and calls step_drawn(). */
struct step_draws {
    bool runs;
    double demand; /* s; compute steps */
    uint32_t pick;
};
struct step_draws step_draw(const struct mdl_step *st, double speed, gsl_rng *branch,
                            gsl_rng *compute);

#endif
