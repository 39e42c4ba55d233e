/* SPDX-License-Identifier: MIT */
/* tests/test_engine.c: the event list against a reference order, same-time
 * FIFO, cancellation, owned events, stop conditions and stream stability. */
#include "sim/engine.h"
#include "sim/rng.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_rng.h>

struct log {
    int tags[4096];
    int n;
};

struct tagged {
    struct log *log;
    int tag;
};

struct big_log {
    int tags[200000];
    int n;
};
static struct big_log big;

static void record_big(struct sim_engine *eng, void *arg)
{
    (void)eng;
    struct tagged *t = arg;
    big.tags[big.n++] = t->tag;
}

static void record(struct sim_engine *eng, void *arg)
{
    (void)eng;
    struct tagged *t = arg;
    t->log->tags[t->log->n++] = t->tag;
}

static void test_same_time_fifo(void **state)
{
    (void)state;
    struct sim_engine *e = sim_engine_create(1);
    struct log log = {.n = 0};
    struct tagged t[100];
    for (int i = 0; i < 100; i++) {
        t[i] = (struct tagged){&log, i};
        /* Two interleaved times: even tags at 5, odd tags at 3. */
        sim_schedule(e, i % 2 ? 3 : 5, record, &t[i]);
    }
    assert_int_equal(sim_run(e, NULL), SIM_STOP_EMPTY);
    assert_int_equal(log.n, 100);
    for (int i = 0; i < 50; i++) {
        assert_int_equal(log.tags[i], 2 * i + 1);
        assert_int_equal(log.tags[50 + i], 2 * i);
    }
    assert_int_equal(sim_now_ns(e), 5);
    sim_engine_destroy(e);
}

struct ref {
    int64_t t;
    uint64_t seq;
    uint64_t id;
    int tag;
};

static int ref_cmp(const void *a, const void *b)
{
    const struct ref *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Random schedule / cancel / pop sequences, checked against a sorted list. */
static void test_random_against_reference(void **state)
{
    (void)state;
    gsl_rng *r = sim_rng_create(42, "test");
    for (int round = 0; round < 30; round++) {
        struct sim_engine *e = sim_engine_create(7);
        /* Rounds from 20 on keep few events pending (as a model of a few
         * services does), the count rising and falling between 5 and 30. */
        bool small = round >= 20;
        static struct ref live[4096];
        static struct tagged tags[200000];
        struct log log = {.n = 0};
        int nlive = 0, ntags = 0;
        uint64_t seq = 0;
        /* Small time ranges in some rounds force many ties. */
        unsigned long range = round % 2 ? 5 : 1000000;
        for (int op = 0; op < 6000; op++) {
            int cap = !small ? 4000 : (op / 300) % 2 ? 30 : 5;
            double u = gsl_rng_uniform(r);
            if (u < 0.1 && nlive < cap) {
                /* Due now, after what is already due now; not cancellable. */
                tags[ntags] = (struct tagged){&log, ntags};
                sim_schedule_now(e, record, &tags[ntags]);
                live[nlive++] = (struct ref){sim_now_ns(e), seq++, 0, ntags++};
            } else if (u < 0.5 && nlive < cap) {
                int64_t at = sim_now_ns(e) + (int64_t)gsl_rng_uniform_int(r, range);
                tags[ntags] = (struct tagged){&log, ntags};
                uint64_t id = sim_schedule(e, at, record, &tags[ntags]);
                assert_true(id != 0);
                live[nlive++] = (struct ref){at, seq++, id, ntags++};
            } else if ((u < 0.7 || (small && nlive > cap)) && nlive > 0) {
                int k = (int)gsl_rng_uniform_int(r, (unsigned long)nlive);
                if (live[k].id == 0)
                    continue;
                assert_true(sim_cancel(e, live[k].id));
                assert_false(sim_cancel(e, live[k].id));
                live[k] = live[--nlive];
            } else if (nlive > 0) {
                qsort(live, (size_t)nlive, sizeof live[0], ref_cmp);
                log.n = 0;
                struct sim_run_opts one = {.until_ns = -1, .max_events = 1};
                sim_run(e, &one);
                assert_int_equal(log.n, 1);
                assert_int_equal(log.tags[0], live[0].tag);
                assert_int_equal(sim_now_ns(e), live[0].t);
                if (live[0].id)
                    assert_false(sim_cancel(e, live[0].id)); /* already fired */
                memmove(live, live + 1, (size_t)(nlive - 1) * sizeof live[0]);
                nlive--;
            }
            assert_int_equal(sim_pending(e), (size_t)nlive);
        }
        /* Drain: the rest fire in reference order. */
        qsort(live, (size_t)nlive, sizeof live[0], ref_cmp);
        log.n = 0;
        sim_run(e, NULL);
        assert_int_equal(log.n, nlive);
        for (int i = 0; i < nlive; i++)
            assert_int_equal(log.tags[i], live[i].tag);
        sim_engine_destroy(e);
    }
    gsl_rng_free(r);
}

/* Enough events to leave the plain-heap mode for the time buckets, with a
 * far-future tail, ties, cancellations and scheduling while draining. */
static void test_large_lists_against_reference(void **state)
{
    (void)state;
    enum { N = 60000 };
    static struct ref live[2 * N];
    static struct tagged tags[3 * N];
    gsl_rng *r = sim_rng_create(5, "large");
    for (int round = 0; round < 3; round++) {
        struct sim_engine *e = sim_engine_create(1);
        int nlive = 0, ntags = 0;
        uint64_t seq = 0;
        for (int i = 0; i < N; i++) {
            int64_t at;
            double u = gsl_rng_uniform(r);
            if (round == 0)
                at = (int64_t)gsl_rng_uniform_int(r, 1000000000);
            else if (round == 1)
                at = (int64_t)gsl_rng_uniform_int(r, 50); /* mostly ties */
            else
                at = u < 0.01 ? 30000000000 + (int64_t)gsl_rng_uniform_int(r, 10)
                              : (int64_t)gsl_rng_uniform_int(r, 1000000);
            tags[ntags] = (struct tagged){NULL, ntags};
            uint64_t id = sim_schedule(e, at, record_big, &tags[ntags]);
            live[nlive++] = (struct ref){at, seq++, id, ntags++};
        }
        for (int i = 0; i < nlive;) {
            if (gsl_rng_uniform(r) < (round == 2 ? 0.7 : 0.3)) {
                assert_true(sim_cancel(e, live[i].id));
                live[i] = live[--nlive];
            } else {
                i++;
            }
        }
        /* Drain half, then add events at or after now, then drain the rest. */
        qsort(live, (size_t)nlive, sizeof live[0], ref_cmp);
        big.n = 0;
        struct sim_run_opts half = {.until_ns = -1, .max_events = (uint64_t)nlive / 2};
        sim_run(e, &half);
        int done = nlive / 2;
        for (int i = 0; i < done; i++)
            assert_int_equal(big.tags[i], live[i].tag);
        memmove(live, live + done, (size_t)(nlive - done) * sizeof live[0]);
        nlive -= done;
        int64_t now = sim_now_ns(e);
        for (int i = 0; i < N / 2; i++) {
            int64_t at = now + (int64_t)gsl_rng_uniform_int(r, round == 1 ? 3 : 2000000);
            tags[ntags] = (struct tagged){NULL, ntags};
            uint64_t id = sim_schedule(e, at, record_big, &tags[ntags]);
            live[nlive++] = (struct ref){at, seq++, id, ntags++};
        }
        qsort(live, (size_t)nlive, sizeof live[0], ref_cmp);
        big.n = 0;
        sim_run(e, NULL);
        assert_int_equal(big.n, nlive);
        for (int i = 0; i < nlive; i++)
            if (big.tags[i] != live[i].tag)
                fail_msg("round %d: event %d fired %d, expected %d", round, i, big.tags[i],
                         live[i].tag);
        sim_engine_destroy(e);
    }
    gsl_rng_free(r);
}

/* Handlers that schedule and cancel while the run goes on (as models do):
 * each event, when it fires, must be the least pending one of a reference
 * list by (time, scheduling order). Ties at the current time are frequent,
 * so list events pushed at "now" meet the now-queue's events. */
enum { HANDLED_MAX = 60000 };
static struct {
    struct sim_engine *e;
    gsl_rng *r;
    struct ref live[HANDLED_MAX];
    int nlive, ntags, fired, wrong;
    uint64_t seq;
} hc;

static void handled_fire(struct sim_engine *e, void *arg);

static void handled_add(int64_t delay, bool now_queue)
{
    int tag = hc.ntags++;
    uint64_t id = 0;
    if (now_queue) {
        delay = 0;
        sim_schedule_now(hc.e, handled_fire, (void *)(intptr_t)tag);
    } else {
        id = sim_schedule_in(hc.e, delay, handled_fire, (void *)(intptr_t)tag);
    }
    hc.live[hc.nlive++] = (struct ref){sim_now_ns(hc.e) + delay, hc.seq++, id, tag};
}

static void handled_fire(struct sim_engine *e, void *arg)
{
    int tag = (int)(intptr_t)arg, m = 0;
    for (int i = 1; i < hc.nlive; i++)
        if (ref_cmp(&hc.live[i], &hc.live[m]) < 0)
            m = i;
    if (hc.nlive == 0 || hc.live[m].tag != tag || hc.live[m].t != sim_now_ns(e))
        hc.wrong++;
    for (int i = 0; i < hc.nlive; i++)
        if (hc.live[i].tag == tag) {
            hc.live[i] = hc.live[--hc.nlive];
            break;
        }
    hc.fired++;
    /* About one new event per event, more when few are left: the list
     * stays small (as in a model of a few services) until the tags run out. */
    bool few = hc.nlive < 5;
    int k = few ? 3 : (int)gsl_rng_uniform_int(hc.r, 3);
    for (; k > 0 && hc.ntags < HANDLED_MAX - 1; k--) {
        double u = gsl_rng_uniform(hc.r) * (few ? 0.85 : 1.0); /* no cancel */
        if (u < 0.35)
            handled_add(0, true);
        else if (u < 0.7)
            handled_add((int64_t)gsl_rng_uniform_int(hc.r, 3), false); /* 0: due now */
        else if (u < 0.85)
            handled_add((int64_t)gsl_rng_uniform_int(hc.r, 1000), false);
        else if (hc.nlive > 0) {
            int c = (int)gsl_rng_uniform_int(hc.r, (unsigned long)hc.nlive);
            if (hc.live[c].id && sim_cancel(e, hc.live[c].id))
                hc.live[c] = hc.live[--hc.nlive];
        }
    }
}

static void test_handlers_scheduling_while_running(void **state)
{
    (void)state;
    for (int round = 0; round < 4; round++) {
        memset(&hc, 0, sizeof hc);
        hc.e = sim_engine_create(3);
        hc.r = sim_rng_create((uint64_t)round, "handled");
        for (int i = 0; i < 8; i++)
            handled_add((int64_t)gsl_rng_uniform_int(hc.r, 4), i % 3 == 0);
        sim_run(hc.e, NULL);
        assert_int_equal(hc.wrong, 0);
        assert_int_equal(hc.nlive, 0);
        assert_true(hc.fired > HANDLED_MAX / 2);
        gsl_rng_free(hc.r);
        sim_engine_destroy(hc.e);
    }
}

/* After 2^40 sequence numbers pending records are renumbered; ties must keep
 * their order across that. */
static void test_sequence_renumbering_keeps_fifo(void **state)
{
    (void)state;
    struct sim_engine *e = sim_engine_create(1);
    struct log log = {.n = 0};
    struct tagged t[40];
    sim_engine_test_set_seq(e, (UINT64_C(1) << 40) - 20);
    for (int i = 0; i < 40; i++) {
        t[i] = (struct tagged){&log, i};
        sim_schedule(e, 100 - (i % 2), record, &t[i]); /* odd at 99, even at 100 */
    }
    sim_run(e, NULL);
    assert_int_equal(log.n, 40);
    for (int i = 0; i < 20; i++) {
        assert_int_equal(log.tags[i], 2 * i + 1);
        assert_int_equal(log.tags[20 + i], 2 * i);
    }
    sim_engine_destroy(e);
}

/* Events due now keep their place among same-time events across the
 * renumbering too. */
static void schedule_now_and_later(struct sim_engine *e, void *arg)
{
    struct tagged *t = arg; /* t[0] ran; t[1..4] are scheduled from it */
    t[0].log->tags[t[0].log->n++] = t[0].tag;
    sim_schedule_now(e, record, &t[1]);
    sim_schedule_in(e, 0, record, &t[2]);
    sim_schedule_in_fixed(e, 0, record, &t[3]); /* through the now-queue */
    sim_schedule_in_fixed(e, 1, record, &t[4]); /* through the list */
}

static void test_now_events_keep_order_across_renumbering(void **state)
{
    (void)state;
    /* Renumbered: never; while scheduling t[1] (an event due now is
     * renumbered while its list is empty); while scheduling t[4] (two are
     * pending). */
    static const uint64_t before_limit[] = {0, 4, 6};
    for (int k = 0; k < 3; k++) {
        struct sim_engine *e = sim_engine_create(1);
        struct log log = {.n = 0};
        struct tagged t[10];
        for (int i = 0; i < 10; i++)
            t[i] = (struct tagged){&log, i};
        if (before_limit[k])
            sim_engine_test_set_seq(e, (UINT64_C(1) << 40) - before_limit[k]);
        sim_schedule(e, 5, schedule_now_and_later, &t[0]);
        sim_schedule(e, 5, record, &t[5]);
        sim_schedule(e, 6, record, &t[6]);
        assert_int_equal(sim_run(e, NULL), SIM_STOP_EMPTY);
        static const int expect[] = {0, 5, 1, 2, 3, 6, 4};
        assert_int_equal(log.n, 7);
        for (int i = 0; i < 7; i++)
            assert_int_equal(log.tags[i], expect[i]);
        sim_engine_destroy(e);
    }
}

static void test_cancel_edge_cases(void **state)
{
    (void)state;
    struct sim_engine *e = sim_engine_create(1);
    struct log log = {.n = 0};
    struct tagged a = {&log, 1}, b = {&log, 2};
    assert_false(sim_cancel(e, 0));
    assert_false(sim_cancel(e, 12345));
    uint64_t ia = sim_schedule(e, 10, record, &a);
    uint64_t ib = sim_schedule(e, 20, record, &b);
    assert_true(sim_cancel(e, ia));
    /* The freed slot is reused; the old id must not cancel the new event. */
    uint64_t ic = sim_schedule(e, 30, record, &a);
    assert_false(sim_cancel(e, ia));
    assert_true(ic != ia);
    sim_run(e, NULL);
    assert_int_equal(log.n, 2);
    assert_int_equal(log.tags[0], 2);
    assert_int_equal(log.tags[1], 1);
    assert_false(sim_cancel(e, ib));
    assert_false(sim_cancel(e, ic));
    sim_engine_destroy(e);
}

static int freed;
static void count_free(void *arg)
{
    (void)arg;
    freed++;
}
static void noop(struct sim_engine *e, void *arg)
{
    (void)e;
    (void)arg;
}

static void test_owned_events_are_freed(void **state)
{
    (void)state;
    freed = 0;
    struct sim_engine *e = sim_engine_create(1);
    sim_schedule_owned(e, 1, noop, NULL, count_free);              /* fires */
    uint64_t c = sim_schedule_owned(e, 2, noop, NULL, count_free); /* cancelled */
    sim_schedule_owned(e, 100, noop, NULL, count_free);            /* pending at destroy */
    assert_true(sim_cancel(e, c));
    assert_int_equal(freed, 1);
    struct sim_run_opts o = {.until_ns = 50};
    assert_int_equal(sim_run(e, &o), SIM_STOP_TIME);
    assert_int_equal(freed, 2);
    assert_int_equal(sim_now_ns(e), 50);
    sim_engine_destroy(e);
    assert_int_equal(freed, 3);
}

static void chain(struct sim_engine *e, void *arg)
{
    int *count = arg;
    (*count)++;
    sim_schedule_in(e, 10, chain, arg);
}

static void stopper(struct sim_engine *e, void *arg)
{
    (void)arg;
    sim_stop_request(e);
}

static bool warm_seen;
static void on_warm(struct sim_engine *e, void *arg)
{
    (void)arg;
    warm_seen = sim_warm(e) && sim_now_ns(e) == 55;
}

static void test_stop_conditions(void **state)
{
    (void)state;
    int count = 0;
    struct sim_engine *e = sim_engine_create(1);
    sim_schedule(e, 0, chain, &count);
    struct sim_run_opts o = {.until_ns = 95, .warmup_ns = 55, .on_warmup = on_warm};
    warm_seen = false;
    assert_int_equal(sim_run(e, &o), SIM_STOP_TIME);
    assert_int_equal(count, 10); /* t = 0, 10, ..., 90 */
    assert_true(warm_seen);
    assert_true(sim_warm(e));
    assert_int_equal(sim_now_ns(e), 95);
    struct sim_run_opts budget = {.until_ns = -1, .max_events = 5};
    assert_int_equal(sim_run(e, &budget), SIM_STOP_EVENTS);
    assert_int_equal(count, 15);
    sim_schedule(e, sim_now_ns(e), stopper, NULL);
    assert_int_equal(sim_run(e, NULL), SIM_STOP_REQUESTED);
    sim_engine_destroy(e);
}

static void test_streams_depend_on_seed_and_name_only(void **state)
{
    (void)state;
    struct sim_engine *a = sim_engine_create(99), *b = sim_engine_create(99);
    struct sim_engine *c = sim_engine_create(100);
    gsl_rng *a1 = sim_stream(a, "arrivals");
    (void)sim_stream(b, "extra component"); /* adding a stream changes nothing */
    gsl_rng *b1 = sim_stream(b, "arrivals");
    gsl_rng *a2 = sim_stream(a, "svc/x");
    gsl_rng *c1 = sim_stream(c, "arrivals");
    int same_ab = 0, same_a2 = 0, same_c = 0;
    for (int i = 0; i < 1000; i++) {
        unsigned long x = gsl_rng_get(a1), y = gsl_rng_get(b1);
        same_ab += x == y;
        same_a2 += gsl_rng_get(a2) == x;
        same_c += gsl_rng_get(c1) == x;
    }
    assert_int_equal(same_ab, 1000);
    assert_true(same_a2 < 5);
    assert_true(same_c < 5);
    assert_true(sim_rng_derive(1, "a") != sim_rng_derive(1, "b"));
    assert_true(sim_rng_derive(1, "a") != sim_rng_derive(2, "a"));
    sim_engine_destroy(a);
    sim_engine_destroy(b);
    sim_engine_destroy(c);
}

/* The streams are xoshiro256** as published (Blackman and Vigna): from the
 * state {1, 2, 3, 4} its reference implementation gives these outputs; and
 * gsl_rng_set(seed) fills the state with splitmix64 from the seed. */
static void test_stream_is_xoshiro256ss(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(sim_rng_xoshiro256ss);
    const uint64_t s[4] = {1, 2, 3, 4};
    sim_xoshiro_seed_state(r->state, s);
    const uint64_t want[] = {11520u, 0u, 1509978240u, UINT64_C(1215971899390074240),
                             UINT64_C(1216172134540287360)};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        assert_true(gsl_rng_get(r) == want[i]);
    gsl_rng_set(r, 42);
    assert_true(gsl_rng_get(r) == UINT64_C(1546998764402558742));
    double u = gsl_rng_uniform(r);
    assert_true(u >= 0 && u < 1);
    assert_string_equal(gsl_rng_name(r), "xoshiro256**");
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_time_fifo),
        cmocka_unit_test(test_random_against_reference),
        cmocka_unit_test(test_large_lists_against_reference),
        cmocka_unit_test(test_handlers_scheduling_while_running),
        cmocka_unit_test(test_sequence_renumbering_keeps_fifo),
        cmocka_unit_test(test_now_events_keep_order_across_renumbering),
        cmocka_unit_test(test_cancel_edge_cases),
        cmocka_unit_test(test_owned_events_are_freed),
        cmocka_unit_test(test_stop_conditions),
        cmocka_unit_test(test_streams_depend_on_seed_and_name_only),
        cmocka_unit_test(test_stream_is_xoshiro256ss),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
