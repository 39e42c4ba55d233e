/* SPDX-License-Identifier: MIT */
/* sim/engine.h: virtual clock, future-event list, random streams and run loop.
 * Events run in (time, seq) order; seq only increases, so ties run first-in
 * first-out and one seed gives one history.
 * Ownership: the caller destroys what sim_engine_create() returns; the engine
 * owns the streams it hands out and never frees an event's arg unless the event
 * was scheduled with a free_fn. */
#ifndef SIM_ENGINE_H
#define SIM_ENGINE_H

#include <gsl/gsl_rng.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sim_engine; /* opaque */
typedef void sim_event_fn(struct sim_engine *eng, void *arg);
typedef void sim_free_fn(void *arg);

/* Creates an engine at time 0 whose random streams derive from seed. */
struct sim_engine *sim_engine_create(uint64_t seed);
/* Destroys pending events (running their free_fn) and streams. NULL: no-op. */
void sim_engine_destroy(struct sim_engine *eng);

int64_t sim_now_ns(const struct sim_engine *eng);
uint64_t sim_seed(const struct sim_engine *eng);

/* Schedules fn(eng, arg) at absolute time at_ns (>= now; earlier is a bug).
 * Returns the event id, never 0. */
uint64_t sim_schedule(struct sim_engine *eng, int64_t at_ns, sim_event_fn *fn, void *arg);
/* Same, and free_fn(arg) runs after the event fires, when it is cancelled, or
 * when the engine is destroyed with it pending. */
uint64_t sim_schedule_owned(struct sim_engine *eng, int64_t at_ns, sim_event_fn *fn, void *arg,
                            sim_free_fn *free_fn);
/* Schedules at now + delay_ns (delay_ns >= 0), saturating at INT64_MAX (an
 * event that never runs) rather than overflowing. */
uint64_t sim_schedule_in(struct sim_engine *eng, int64_t delay_ns, sim_event_fn *fn, void *arg);
/* Schedules fn(eng, arg) at the current time, after every event already due
 * now: the same order as sim_schedule_in(eng, 0, ...), at a fraction of the
 * cost (no event slot, no list work). Such an event cannot be cancelled;
 * the engine never frees its arg. For the model's zero-delay messages. */
void sim_schedule_now(struct sim_engine *eng, sim_event_fn *fn, void *arg);
/* sim_schedule_in() for an event nobody will cancel (no id): with a zero
 * delay it takes sim_schedule_now()'s cheaper path, in the same order. */
void sim_schedule_in_fixed(struct sim_engine *eng, int64_t delay_ns, sim_event_fn *fn, void *arg);
/* Cancels a pending event in O(log n). Returns false if id already fired, was
 * cancelled, or is 0. */
bool sim_cancel(struct sim_engine *eng, uint64_t id);

size_t sim_pending(const struct sim_engine *eng);
uint64_t sim_events_run(const struct sim_engine *eng);

/* Returns a new random stream owned by the engine, seeded from the engine's seed
 * and name only: adding a stream never changes another stream's draws. Asking
 * twice for one name is a bug (the two would be identical). */
gsl_rng *sim_stream(struct sim_engine *eng, const char *name);

/* Why sim_run() returned. */
enum sim_stop_reason {
    SIM_STOP_EMPTY,       /* no pending events */
    SIM_STOP_TIME,        /* next event lies after until_ns */
    SIM_STOP_EVENTS,      /* max_events executed */
    SIM_STOP_REQUESTED,   /* an event called sim_stop_request() */
    SIM_STOP_INTERRUPTED, /* *interrupt became non-zero (a signal) */
    SIM_STOP_STUCK,       /* max_same_time events ran without time moving */
};

struct sim_run_opts {
    int64_t until_ns;        /* stop before the first event after this; < 0: no limit */
    uint64_t max_events;     /* 0: no limit; counts events of this call */
    int64_t warmup_ns;       /* statistics start at this time (0: at once) */
    sim_event_fn *on_warmup; /* optional: runs once when warm-up ends */
    void *warmup_arg;
    /* Optional: checked before each event; non-zero stops the run (a signal
     * handler sets it). */
    const volatile sig_atomic_t *interrupt;
    /* Optional: stop once this many events in a row run at one instant (a
     * model whose loop takes no time at all would never end); 0: no limit. */
    uint64_t max_same_time;
};

/* Runs events until a stop condition holds. On SIM_STOP_TIME the clock is
 * advanced to until_ns. May be called again to continue. */
enum sim_stop_reason sim_run(struct sim_engine *eng, const struct sim_run_opts *opts);
/* Asks the running loop to return after the current event. */
void sim_stop_request(struct sim_engine *eng);
/* True once the warm-up period of the current run has ended. */
bool sim_warm(const struct sim_engine *eng);

/* For tests only: moves the internal sequence counter forward (to exercise
 * the renumbering that happens after 2^40 events). */
void sim_engine_test_set_seq(struct sim_engine *eng, uint64_t seq);

#endif
