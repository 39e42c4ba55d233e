/* SPDX-License-Identifier: MIT */
/* policies/hpa_core.c: the HPA controller's sync (see hpa_core.h). Where the
 * documentation and the controller differ, this follows the controller:
 * utilization is truncated to an integer percentage before the ratio; the
 * tolerance band's edges are inside it; a missing pod counts as
 * max(100%, target) on a scale-down; without spec.behavior the history
 * includes a recommendation exactly one window old, with it a recommendation
 * must be younger than the window; a scale event counts in a policy's period
 * only if younger than the period. */
#include "policies/hpa_core.h"

#include "sim/xalloc.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

/* Every pod's CPU request, in the units of hpa_pod.cpu scaled by
 * HPA_USAGE_SCALE: usage is kept to 1e-4 of a percent as an integer, as the
 * controller keeps milli-CPU. */
#define HPA_REQUEST 1000000LL
#define HPA_USAGE_SCALE 1e4

void hpa_config_default(struct hpa_config *c)
{
    *c = (struct hpa_config){
        .sync_period = 15,
        .tolerance = 0.1,
        .cpu_init = 300,
        .readiness_delay = 30,
        .downscale_window = 300,
        .metric_window = 60,
        .metric_resolution = 15,
    };
}

void hpa_rules_default(struct hpa_rules *r, bool up)
{
    *r = (struct hpa_rules){.select = HPA_SELECT_MAX, .tolerance = NAN};
    if (up) {
        r->stabilization = 0;
        r->npolicies = 2;
        r->policies[0] = (struct hpa_rate_policy){HPA_POLICY_PODS, 4, 15};
        r->policies[1] = (struct hpa_rate_policy){HPA_POLICY_PERCENT, 100, 15};
    } else {
        r->stabilization = -1;
        r->npolicies = 1;
        r->policies[0] = (struct hpa_rate_policy){HPA_POLICY_PERCENT, 100, 15};
    }
}

void hpa_spec_default(struct hpa_spec *s)
{
    *s = (struct hpa_spec){.min = 1, .target_util = 80};
    hpa_rules_default(&s->up, true);
    hpa_rules_default(&s->down, false);
}

static int clamp32(double x)
{
    if (!(x < (double)INT32_MAX))
        return INT32_MAX;
    if (!(x > (double)INT32_MIN))
        return INT32_MIN;
    return (int)x;
}

static int imin(int a, int b)
{
    return a <= b ? a : b;
}

static int imax(int a, int b)
{
    return a >= b ? a : b;
}

struct tolerances {
    double down, up;
};

static bool within(struct tolerances t, double ratio)
{
    return 1.0 - t.down <= ratio && ratio <= 1.0 + t.up;
}

/* floor(100 * usage / requests) over n pods with the same request, over the target. */
static double usage_ratio(int64_t usage, int64_t n, int target)
{
    int64_t util = usage * 100 / (n * HPA_REQUEST);
    return (double)(int32_t)util / (double)target;
}

/* GetResourceUtilizationRatio and the replica count: -1 when no pod can be
 * measured (the controller reports an error and does not scale). */
static int metric_replicas(const struct hpa_spec *spec, const struct hpa_config *cfg,
                           struct tolerances tol, double now, int current,
                           const struct hpa_pod *pods, size_t npods)
{
    int64_t usage = 0, ready = 0, unready = 0, missing = 0;
    for (size_t i = 0; i < npods; i++) {
        const struct hpa_pod *p = &pods[i];
        if (p->deleting || p->phase == HPA_FAILED)
            continue;
        if (p->phase == HPA_PENDING) {
            unready++;
            continue;
        }
        if (isnan(p->cpu)) {
            missing++;
            continue;
        }
        bool set_aside;
        if (isnan(p->start))
            set_aside = true;
        else if (p->start + cfg->cpu_init > now)
            /* Still initialising: unready, or ready for less than one sample. */
            set_aside = !p->ready || (isnan(p->sampled) ? now : p->sampled) <
                                         p->ready_change + cfg->metric_window;
        else
            /* Unready and never ready since its start. */
            set_aside = !p->ready && p->start + cfg->readiness_delay > p->ready_change;
        if (set_aside) {
            unready++;
            continue;
        }
        usage += (int64_t)llround(p->cpu * HPA_USAGE_SCALE);
        ready++;
    }
    if (ready == 0)
        return -1;
    double ratio = usage_ratio(usage, ready, spec->target_util);
    bool up_with_unready = unready > 0 && ratio > 1.0;
    if (!up_with_unready && missing == 0) {
        if (within(tol, ratio))
            return current;
        return clamp32(ceil(ratio * (double)ready));
    }
    int64_t n = ready;
    if (missing > 0 && ratio < 1.0) {
        int64_t fallback = spec->target_util > 100 ? spec->target_util : 100;
        usage += missing * (HPA_REQUEST * fallback / 100);
        n += missing;
    } else if (missing > 0 && ratio > 1.0) {
        n += missing;
    }
    if (up_with_unready)
        n += unready;
    double ratio2 = usage_ratio(usage, n, spec->target_util);
    if (within(tol, ratio2) || (ratio < 1.0 && ratio2 > 1.0) || (ratio > 1.0 && ratio2 < 1.0))
        return current;
    int desired = clamp32(ceil(ratio2 * (double)n));
    if ((ratio2 < 1.0 && desired > current) || (ratio2 > 1.0 && desired < current))
        return current;
    return desired;
}

static struct hpa_rec *rec_slot(struct hpa_rec **v, size_t *n, size_t *cap)
{
    if (*n == *cap) {
        *cap = *cap ? 2 * *cap : 8;
        *v = xrealloc(*v, *cap * sizeof **v);
    }
    return &(*v)[(*n)++];
}

/* Without behavior: the highest recommendation not older than the window. */
static int stabilize(struct hpa_state *st, double window, double now, int desired)
{
    int best = desired;
    size_t old = 0;
    bool found = false;
    for (size_t i = 0; i < st->nrecs; i++) {
        if (st->recs[i].t < now - window) {
            found = true;
            old = i;
        } else if (st->recs[i].n > best) {
            best = st->recs[i].n;
        }
    }
    struct hpa_rec r = {now, desired, false};
    if (found)
        st->recs[old] = r;
    else
        *rec_slot(&st->recs, &st->nrecs, &st->caprecs) = r;
    return best;
}

/* With behavior: bounded by the lowest recommendation of the scale-up
 * window and the highest of the scale-down window. */
static int stabilize_both(struct hpa_state *st, double up_window, double down_window, double now,
                          int current, int desired)
{
    double up_cut = now - up_window, down_cut = now - down_window;
    int up = desired, down = desired;
    size_t old = 0;
    bool found = false;
    for (size_t i = 0; i < st->nrecs; i++) {
        const struct hpa_rec *r = &st->recs[i];
        if (r->t > up_cut)
            up = imin(up, r->n);
        if (r->t > down_cut)
            down = imax(down, r->n);
        if (r->t < up_cut && r->t < down_cut) {
            found = true;
            old = i;
        }
    }
    int rec = current;
    if (rec < up)
        rec = up;
    if (rec > down)
        rec = down;
    struct hpa_rec r = {now, desired, false};
    if (found)
        st->recs[old] = r;
    else
        *rec_slot(&st->recs, &st->nrecs, &st->caprecs) = r;
    return rec;
}

static int change_in_period(const struct hpa_rec *ev, size_t n, int period, double now)
{
    int64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        if (ev[i].t > now - period)
            sum += ev[i].n;
    return clamp32((double)sum);
}

/* The highest count the scale-up rules allow (up) or the lowest the
 * scale-down rules allow (!up). */
static int rate_limit(const struct hpa_state *st, const struct hpa_rules *r, bool up, double now,
                      int current)
{
    if (r->select == HPA_SELECT_DISABLED)
        return current;
    bool take_max = (r->select == HPA_SELECT_MAX) == up;
    int result = take_max ? INT32_MIN : INT32_MAX;
    for (int i = 0; i < r->npolicies; i++) {
        const struct hpa_rate_policy *p = &r->policies[i];
        int added = change_in_period(st->ups, st->nups, p->period, now);
        int deleted = change_in_period(st->downs, st->ndowns, p->period, now);
        int start = clamp32((double)current - added + deleted);
        int proposed;
        if (p->type == HPA_POLICY_PODS)
            proposed = clamp32((double)start + (up ? p->value : -p->value));
        else if (up)
            proposed = clamp32(ceil((double)start * (1.0 + (double)p->value / 100.0)));
        else
            proposed = clamp32((double)start * (1.0 - (double)p->value / 100.0));
        result = take_max ? imax(result, proposed) : imin(result, proposed);
    }
    return result;
}

static int with_behavior(struct hpa_state *st, const struct hpa_spec *spec,
                         const struct hpa_config *cfg, double now, int current, int desired,
                         int min)
{
    double down_window =
        spec->down.stabilization >= 0 ? spec->down.stabilization : trunc(cfg->downscale_window);
    desired = stabilize_both(st, spec->up.stabilization, down_window, now, current, desired);
    if (desired > current) {
        int limit = imax(rate_limit(st, &spec->up, true, now, current), current);
        int most = imin(spec->max, limit);
        return imin(desired, most);
    }
    if (desired < current) {
        int limit = imin(rate_limit(st, &spec->down, false, now, current), current);
        int least = imax(min, limit);
        return imax(desired, least);
    }
    return desired;
}

static int longest_period(const struct hpa_rules *r)
{
    int p = 0;
    for (int i = 0; i < r->npolicies; i++)
        p = imax(p, r->policies[i].period);
    return p;
}

/* Records a scale event, reusing one older than every policy's period. */
static void store_event(struct hpa_state *st, const struct hpa_spec *spec, double now, int from,
                        int to)
{
    bool up = to > from;
    struct hpa_rec **v = up ? &st->ups : &st->downs;
    size_t *n = up ? &st->nups : &st->ndowns, *cap = up ? &st->capups : &st->capdowns;
    int period = longest_period(up ? &spec->up : &spec->down);
    size_t old = 0;
    bool found = false;
    for (size_t i = 0; i < *n; i++) {
        if ((*v)[i].t < now - period)
            (*v)[i].outdated = true;
        if ((*v)[i].outdated) {
            found = true;
            old = i;
        }
    }
    struct hpa_rec e = {now, up ? to - from : from - to, false};
    if (found)
        (*v)[old] = e;
    else
        *rec_slot(v, n, cap) = e;
}

static struct tolerances tolerances(const struct hpa_spec *spec, const struct hpa_config *cfg)
{
    struct tolerances t = {cfg->tolerance, cfg->tolerance};
    if (spec->has_behavior && !isnan(spec->down.tolerance))
        t.down = spec->down.tolerance;
    if (spec->has_behavior && !isnan(spec->up.tolerance))
        t.up = spec->up.tolerance;
    return t;
}

int hpa_sync(struct hpa_state *st, const struct hpa_spec *spec, const struct hpa_config *cfg,
             double now, int replicas, const struct hpa_pod *pods, size_t npods)
{
    if (!st->seeded) {
        st->seeded = true;
        *rec_slot(&st->recs, &st->nrecs, &st->caprecs) = (struct hpa_rec){now, replicas, false};
    }
    int min = spec->min, desired;
    if (replicas == 0 && min != 0)
        return 0; /* scaling disabled while the target has no replicas */
    if (replicas > spec->max) {
        desired = spec->max;
    } else if (replicas < min) {
        desired = min;
    } else {
        int proposal =
            metric_replicas(spec, cfg, tolerances(spec, cfg), now, replicas, pods, npods);
        if (proposal < 0)
            return replicas; /* no metric: the controller reports an error */
        desired = proposal > 0 ? proposal : 0;
        if (!spec->has_behavior) {
            desired = stabilize(st, cfg->downscale_window, now, desired);
            int most = clamp32(fmax(2.0 * replicas, 4.0));
            if (spec->max < most)
                most = spec->max;
            desired = desired < min ? min : desired > most ? most : desired;
        } else {
            desired = with_behavior(st, spec, cfg, now, replicas, desired, min);
        }
    }
    if (desired != replicas && spec->has_behavior)
        store_event(st, spec, now, replicas, desired);
    return desired;
}

void hpa_state_fini(struct hpa_state *st)
{
    free(st->recs);
    free(st->ups);
    free(st->downs);
    *st = (struct hpa_state){0};
}
