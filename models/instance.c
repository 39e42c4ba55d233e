/* SPDX-License-Identifier: MIT */
/* models/instance.c: the life of service instances: requested (waiting for
 * a host slot if the pool is full), booting, registering with the balancer
 * (discovery), ready, draining, stopped. Instance-seconds count from the
 * request for a slot to the stop; serving time from ready to stop. Counts
 * by state are kept exactly, so a service's live count is O(1); stopped
 * instances are reused from a free list, so creating one is O(1). */
#include "models/models_int.h"

#include "sim/units.h"
#include "sim/xalloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int svc_booting(const struct svc_service *s)
{
    return s->count[INST_PENDING] + s->count[INST_BOOTING] + s->count[INST_REGISTERING];
}

int svc_live(const struct svc_service *s)
{
    return svc_booting(s) + s->count[INST_READY];
}

/* Adds the part of [from, to) after warm-up, in seconds. */
static double after_warmup(const struct svc_world *w, int64_t from, int64_t to)
{
    if (from < w->warmup_ns)
        from = w->warmup_ns;
    return to > from ? sim_ns_to_sec(to - from) : 0.0;
}

static int serving(const struct svc_service *s)
{
    return s->count[INST_READY] + s->count[INST_DRAINING];
}

void svc_serving_mark(struct svc_service *s)
{
    int64_t now = sim_now_ns(s->world->eng);
    double add = serving(s) * sim_ns_to_sec(now - s->serving_mark);
    for (int k = 0; k < NACC; k++)
        s->acc[k].serving += add;
    s->serving_mark = now;
}

static void ready_add(struct svc_instance *in)
{
    struct svc_service *s = in->svc;
    s->ready = xgrow(s->ready, &s->ready_cap, (size_t)s->nready + 1, sizeof *s->ready);
    in->ready_pos = s->nready;
    s->ready[s->nready++] = (struct ready_slot){in, in->outstanding};
    svc_lb_ready(in);
}

static void ready_remove(struct svc_instance *in)
{
    struct svc_service *s = in->svc;
    struct ready_slot last = s->ready[--s->nready];
    s->ready[in->ready_pos] = last;
    last.in->ready_pos = in->ready_pos;
    svc_lb_unready(in);
}

/* Instances billed: those holding a host slot (from boot to stop). */
static int billed(const struct svc_service *s)
{
    return s->count[INST_BOOTING] + s->count[INST_REGISTERING] + s->count[INST_READY] +
           s->count[INST_DRAINING];
}

/* Adds the billed count since the last mark (after warm-up) to the integral. */
static void billed_mark(struct svc_service *s)
{
    int64_t now = sim_now_ns(s->world->eng), from = s->billed_mark;
    if (from < s->world->warmup_ns)
        from = s->world->warmup_ns;
    if (now > from)
        s->billed_integral += billed(s) * sim_ns_to_sec(now - from);
    s->billed_mark = now;
}

static void set_state(struct svc_instance *in, enum inst_state st)
{
    svc_serving_mark(in->svc);
    billed_mark(in->svc);
    if (st == INST_DRAINING)
        in->svc->drains_started++;
    if (in->state == INST_DRAINING && st == INST_STOPPED)
        in->svc->drains_stopped++;
    if (in->state == INST_READY)
        ready_remove(in);
    in->svc->count[in->state]--;
    in->svc->count[st]++;
    in->state = st;
    if (st == INST_READY)
        ready_add(in);
    if (st == INST_STOPPED) {
        in->next_stopped = in->svc->stopped;
        in->svc->stopped = in;
        in->svc->world->live_instances--;
    }
}

/* Instance records come in blocks, each at a cache-line boundary
 * (models_int.h, SVC_INSTANCE_HOT): instance 0 has a block of its own, and
 * block b >= 1 holds instances 2^(b-1) to 2^b - 1, so that the blocks grow
 * with the pointer array s->inst. A record is cleared when first used: a
 * block's unused tail costs address space, not memory.
 *
 * From HUGE_BLOCK bytes on, a block asks for huge pages: a balancer reads
 * records at random, and with small pages most reads among 10^5 records
 * missed the TLB (power-of-two at 10^5 instances cost 1.06x what it costs
 * at 10 without them, 1.0x with them). */
#define HUGE_BLOCK (2 * XHUGE_ALIGN)

static bool is_block_start(int k)
{
    return (k & (k - 1)) == 0;
}

struct svc_instance *svc_instance_new(struct svc_service *s, enum inst_state st)
{
    struct svc_instance *in = s->stopped;
    if (in) {
        s->stopped = in->next_stopped;
        int index = in->index;
        s->count[INST_STOPPED]--;
        memset(in, 0, sizeof *in);
        in->index = index;
    } else {
        if (s->ninst == s->inst_cap) {
            /* A new block of records, as many as there are already. */
            int add = s->inst_cap ? s->inst_cap : 1;
            s->inst = xrealloc(s->inst, (size_t)(s->inst_cap + add) * sizeof *s->inst);
            struct svc_instance *block =
                (size_t)add * sizeof *block >= HUGE_BLOCK
                    ? xhuge_array((size_t)add, sizeof *block)
                    : xaligned_array(alignof(struct svc_instance), (size_t)add, sizeof *block);
            for (int k = 0; k < add; k++)
                s->inst[s->inst_cap + k] = &block[k];
            s->inst_cap += add;
        }
        in = s->inst[s->ninst];
        memset(in, 0, sizeof *in);
        in->index = s->ninst++;
    }
    if (in->index >= s->live_end)
        s->live_end = in->index + 1;
    if (++s->world->live_instances > MDL_INSTANCES_MAX)
        svc_fail(s->world, "more than %d instances alive (service \"%s\" scaled to %d)",
                 MDL_INSTANCES_MAX, s->def->name, svc_live(s) + 1);
    int64_t now = sim_now_ns(s->world->eng);
    svc_serving_mark(s);
    billed_mark(s);
    in->svc = s;
    in->state = st;
    in->created = now;
    in->busy_ns = 0;
    in->first_scrape = -1;
    in->lo_pos = -1;
    in->since = now;
    in->serving_since = now;
    s->count[st]++;
    if (st == INST_READY)
        ready_add(in);
    return in;
}

static void instance_ready(struct sim_engine *eng, void *arg)
{
    struct svc_instance *in = arg;
    if (in->state != INST_REGISTERING)
        return; /* drained before it was known */
    set_state(in, INST_READY);
    in->serving_since = sim_now_ns(eng);
    svc_dispatch_queued(in->svc);
}

static void instance_booted(struct sim_engine *eng, void *arg)
{
    struct svc_instance *in = arg;
    (void)eng;
    if (in->state != INST_BOOTING)
        return;
    set_state(in, INST_REGISTERING);
    sim_schedule_in(in->svc->world->eng, in->svc->discovery_ns, instance_ready, in);
}

/* Appends in to the world's FIFO of instances waiting for a host slot. */
static void pending_push(struct svc_world *w, struct svc_instance *in)
{
    if (w->npending == w->pending_cap) {
        size_t cap = w->pending_cap ? 2 * w->pending_cap : 16;
        struct svc_instance **r = xmalloc(cap * sizeof *r);
        for (size_t i = 0; i < w->npending; i++)
            r[i] = w->pending[(w->pending_head + i) % w->pending_cap];
        free(w->pending);
        w->pending = r;
        w->pending_head = 0;
        w->pending_cap = cap;
    }
    w->pending[(w->pending_head + w->npending++) % w->pending_cap] = in;
}

void svc_instance_boot(struct svc_world *w, struct svc_instance *in)
{
    if (w->host_free == 0) {
        if (in->state != INST_PENDING)
            set_state(in, INST_PENDING);
        pending_push(w, in);
        return;
    }
    if (w->host_free > 0)
        w->host_free--;
    int64_t now = sim_now_ns(w->eng);
    set_state(in, INST_BOOTING);
    in->since = now;
    in->serving_since = now;
    const struct svc_service *s = in->svc;
    double boot = sim_dist_sample(&s->def->boot, s->rng_boot);
    int64_t d =
        svc_time_ns(w, boot, "boot of service \"%s\" (line %d)", s->def->name, s->def->line);
    sim_schedule_in(w->eng, d, instance_booted, in);
}

static void instance_stop(struct svc_instance *in)
{
    struct svc_world *w = in->svc->world;
    int64_t now = sim_now_ns(w->eng);
    bool had_slot = in->state != INST_PENDING;
    if (had_slot) {
        in->svc->st.inst_seconds += after_warmup(w, in->since, now);
        in->svc->st.serve_seconds += after_warmup(w, in->serving_since, now);
    }
    set_state(in, INST_STOPPED);
    if (!had_slot || w->host_free < 0)
        return;
    w->host_free++;
    /* The slot goes to the oldest instance still waiting for one. */
    while (w->npending) {
        struct svc_instance *next = w->pending[w->pending_head];
        w->pending_head = (w->pending_head + 1) % w->pending_cap;
        w->npending--;
        if (next->state == INST_PENDING) {
            svc_instance_boot(w, next);
            break;
        }
    }
}

void svc_instance_maybe_stop(struct svc_instance *in)
{
    if (in->state == INST_DRAINING && in->outstanding == 0 && !in->running && !in->ring_head &&
        !in->yq_head && !in->rq_head)
        instance_stop(in);
}

int svc_scale_to(struct svc_world *w, struct svc_service *s, int target)
{
    if (target < s->def->min)
        target = s->def->min;
    if (target > s->def->max)
        target = s->def->max;
    int live = svc_live(s);
    for (; live < target; live++)
        svc_instance_boot(w, svc_instance_new(s, INST_PENDING));
    for (; live > target; live--) {
        /* Cancel a waiting or booting instance first (the newest), else
         * drain the least loaded ready one. */
        struct svc_instance *victim = NULL;
        while (s->live_end > 0 && s->inst[s->live_end - 1]->state == INST_STOPPED)
            s->live_end--; /* none of the scans below takes a stopped one */
        for (int k = s->live_end - 1; k >= 0 && s->count[INST_PENDING] && !victim; k--)
            if (s->inst[k]->state == INST_PENDING)
                victim = s->inst[k];
        for (int k = s->live_end - 1; k >= 0 && svc_booting(s) > 0 && !victim; k--)
            if (s->inst[k]->state == INST_BOOTING || s->inst[k]->state == INST_REGISTERING)
                victim = s->inst[k];
        /* An idle one is the least loaded: the newest found ends the scan. */
        for (int k = s->live_end - 1;
             k >= 0 && !(victim && (victim->state != INST_READY || victim->outstanding == 0));
             k--) {
            struct svc_instance *in = s->inst[k];
            if (in->state == INST_READY && (!victim || in->outstanding < victim->outstanding))
                victim = in;
        }
        if (victim->state == INST_READY) {
            set_state(victim, INST_DRAINING);
            svc_instance_maybe_stop(victim);
        } else {
            /* Never served: it costs its boot time only. */
            victim->serving_since = sim_now_ns(w->eng);
            instance_stop(victim);
        }
    }
    return target;
}

void svc_add_busy(struct svc_world *w, struct svc_instance *in, int64_t from, int64_t to)
{
    struct svc_service *s = in->svc;
    if (to > from)
        in->busy_ns += to - from;
    for (int k = 0; k < NACC; k++) {
        int64_t start = w->cacc[k].start, wf = from < start ? start : from;
        if (to > wf)
            s->acc[k].busy += sim_ns_to_sec(to - wf);
    }
    if (from < w->warmup_ns)
        from = w->warmup_ns;
    if (to > from)
        s->st.busy += sim_ns_to_sec(to - from);
}

void svc_cpu_set(struct svc_instance *in, struct visit *what)
{
    struct svc_service *s = in->svc;
    if (!in->running && what) {
        s->busy = xgrow(s->busy, &s->busy_cap, (size_t)s->nbusy + 1, sizeof *s->busy);
        in->busy_pos = s->nbusy;
        s->busy[s->nbusy++] = in;
    } else if (in->running && !what) {
        struct svc_instance *last = s->busy[--s->nbusy];
        s->busy[in->busy_pos] = last;
        last->busy_pos = in->busy_pos;
    }
    in->running = what;
}

void svc_close_busy(struct svc_world *w, int64_t now)
{
    for (size_t i = 0; i < w->nsvcs; i++) {
        struct svc_service *s = &w->svcs[i];
        for (int k = 0; k < s->ninst; k++) {
            struct svc_instance *in = s->inst[k];
            if (in->running)
                svc_add_busy(w, in, in->run_start, now);
            if (in->state == INST_STOPPED)
                continue;
            s->st.inst_seconds += after_warmup(w, in->since, now);
            if (in->state == INST_READY || in->state == INST_DRAINING)
                s->st.serve_seconds += after_warmup(w, in->serving_since, now);
        }
    }
}

/* Whether a draining instance still holds work (else it must have stopped). */
static bool holds_work(const struct svc_instance *in)
{
    return in->outstanding || in->running || in->ring_head || in->yq_head || in->rq_head;
}

void svc_check_invariants(struct svc_world *w)
{
    for (size_t i = 0; i < w->nsvcs && !w->failed; i++) {
        struct svc_service *s = &w->svcs[i];
        billed_mark(s);
        double a = s->billed_integral, b = s->st.inst_seconds;
        if (fabs(a - b) > 1e-6 + 1e-9 * fabs(a))
            svc_fail(w,
                     "internal error: service \"%s\" billed %.9g instance-seconds, but its "
                     "instance count integrates to %.9g",
                     s->def->name, b, a);
        int running = 0;
        for (int k = 0; k < s->ninst && !w->failed; k++) {
            if (s->inst[k]->state == INST_DRAINING && !holds_work(s->inst[k]))
                svc_fail(w, "internal error: an instance of \"%s\" drains with nothing left",
                         s->def->name);
            running += s->inst[k]->running != NULL;
            if (k >= s->live_end && s->inst[k]->state != INST_STOPPED)
                svc_fail(w, "internal error: an instance of \"%s\" lives above its bound",
                         s->def->name);
        }
        bool listed = s->nbusy == running;
        for (int k = 0; k < s->nbusy; k++)
            listed &= s->busy[k]->running != NULL && s->busy[k]->busy_pos == k;
        if (!w->failed && !listed)
            svc_fail(w, "internal error: service \"%s\": its list of busy instances is wrong",
                     s->def->name);
        /* Each sampled visit reached the run's window once: by an add, or
         * with its series window. */
        if (!w->failed && s->acc[ACC_RUN].win.requests != s->run_visits)
            svc_fail(w,
                     "internal error: service \"%s\": the run's window holds %llu visits of %llu",
                     s->def->name, (unsigned long long)s->acc[ACC_RUN].win.requests,
                     (unsigned long long)s->run_visits);
        if (!w->failed &&
            s->drains_started != s->drains_stopped + (uint64_t)s->count[INST_DRAINING])
            svc_fail(w,
                     "internal error: service \"%s\": %llu drains started, %llu stopped, %d "
                     "still draining",
                     s->def->name, (unsigned long long)s->drains_started,
                     (unsigned long long)s->drains_stopped, s->count[INST_DRAINING]);
    }
    if (!w->failed && w->sent != w->completed + w->failed_requests + w->live_measured)
        svc_fail(w,
                 "internal error: %llu measured requests sent, but %llu completed, %llu refused "
                 "and %llu in flight",
                 (unsigned long long)w->sent, (unsigned long long)w->completed,
                 (unsigned long long)w->failed_requests, (unsigned long long)w->live_measured);
}

void svc_instances_fini(struct svc_service *s)
{
    for (int k = 0; k < s->ninst; k++)
        free(s->inst[k]->scrapes);
    for (int k = 0; k < s->ninst; k++)
        if (is_block_start(k))
            free(s->inst[k]);
    free(s->inst);
    free(s->ready);
    free(s->busy);
    free(s->lo);
}
