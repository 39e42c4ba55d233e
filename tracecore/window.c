/* SPDX-License-Identifier: MIT */
/* window.c: service-level statistics over a time window, their merge across
 * instances, and the window verdict. */
#include "wtrace.h"

#include <string.h>

void wt_verdict_opts_init(struct wt_verdict_opts *o)
{
    o->min_requests = 10;
    o->min_share = 0.1;
}

void wt_window_init(struct wt_window *w, uint64_t start_ns, uint64_t end_ns,
                    struct wt_callee_stats *callees, uint32_t ncallees)
{
    memset(w, 0, sizeof *w);
    w->start_ns = start_ns;
    w->end_ns = end_ns;
    wt_sketch_init(&w->total);
    wt_stat_init(&w->cpu);
    wt_stat_init(&w->local_wait);
    wt_stat_init(&w->call_time);
    wt_stat_init(&w->agg);
    w->callees = callees;
    w->ncallees = callees ? ncallees : 0;
    for (uint32_t i = 0; i < w->ncallees; i++) {
        memset(&callees[i], 0, sizeof callees[i]);
        wt_stat_init(&callees[i].net_wait);
        wt_stat_init(&callees[i].remote_wait);
        wt_stat_init(&callees[i].crit_net);
        wt_stat_init(&callees[i].crit_remote);
    }
}

void wt_window_add(struct wt_window *w, const struct wt_req *r)
{
    if (!r->sampled)
        return;
    w->requests++;
    wt_sketch_add(&w->total, r->total);
    wt_stat_add(&w->cpu, r->cpu);
    wt_stat_add(&w->local_wait, r->local_wait);
    wt_stat_add(&w->call_time, r->call_time);
    wt_stat_add(&w->agg, r->agg);
    if (r->verdict == WT_VERDICT_SELF)
        w->verdict_self++;
    else if (r->verdict == WT_VERDICT_NONE)
        w->verdict_none++;
    for (const struct wt_call *c = r->calls; c; c = c->next) {
        if (c->callee >= w->ncallees)
            continue;
        struct wt_callee_stats *cs = &w->callees[c->callee];
        cs->calls++;
        if (c->unknown) {
            cs->unreported++;
            continue;
        }
        wt_stat_add(&cs->net_wait, c->net_wait);
        wt_stat_add(&cs->remote_wait, c->remote_wait);
    }
    for (const struct wt_call *c = r->reps; c; c = c->rep_next) {
        if (c->callee >= w->ncallees)
            continue;
        struct wt_callee_stats *cs = &w->callees[c->callee];
        wt_stat_add(&cs->crit_net, c->sum_net);
        wt_stat_add(&cs->crit_remote, c->sum_remote);
        cs->crit_calls += c->ncrit;
        cs->delegated += c->delegated != 0;
        cs->link_blamed += r->verdict == WT_VERDICT_LINK && r->blamed == c;
    }
}

void wt_window_merge(struct wt_window *into, const struct wt_window *from)
{
    if (from->start_ns < into->start_ns)
        into->start_ns = from->start_ns;
    if (from->end_ns > into->end_ns)
        into->end_ns = from->end_ns;
    into->requests += from->requests;
    wt_sketch_merge(&into->total, &from->total);
    wt_stat_merge(&into->cpu, &from->cpu);
    wt_stat_merge(&into->local_wait, &from->local_wait);
    wt_stat_merge(&into->call_time, &from->call_time);
    wt_stat_merge(&into->agg, &from->agg);
    into->verdict_self += from->verdict_self;
    into->verdict_none += from->verdict_none;
    uint32_t n = into->ncallees < from->ncallees ? into->ncallees : from->ncallees;
    for (uint32_t i = 0; i < n; i++) {
        struct wt_callee_stats *a = &into->callees[i];
        const struct wt_callee_stats *b = &from->callees[i];
        a->calls += b->calls;
        a->unreported += b->unreported;
        wt_stat_merge(&a->net_wait, &b->net_wait);
        wt_stat_merge(&a->remote_wait, &b->remote_wait);
        wt_stat_merge(&a->crit_net, &b->crit_net);
        wt_stat_merge(&a->crit_remote, &b->crit_remote);
        a->crit_calls += b->crit_calls;
        a->delegated += b->delegated;
        a->link_blamed += b->link_blamed;
    }
}

/* A callee's critical-path wait per request of the window (less `floor` per
 * critical call), scaled up for the calls that reported nothing; negative
 * when none reported. */
static double per_request(const struct wt_window *w, const struct wt_callee_stats *cs,
                          const struct wt_stat *st, uint64_t floor)
{
    uint64_t reported = cs->calls - cs->unreported;
    if (cs->calls == 0 || reported == 0)
        return -1;
    double sum = (double)st->sum - (double)floor * (double)cs->crit_calls;
    if (sum < 0)
        sum = 0;
    return sum / (double)w->requests * ((double)cs->calls / (double)reported);
}

struct wt_window_verdict wt_window_verdict(const struct wt_window *w,
                                           const struct wt_verdict_opts *o)
{
    struct wt_verdict_opts def;
    if (!o) {
        wt_verdict_opts_init(&def);
        o = &def;
    }
    struct wt_window_verdict v = {WT_VERDICT_NONE, 0, 0, 0};
    for (uint32_t i = 0; i < w->ncallees; i++)
        v.unreported += w->callees[i].unreported;
    if (w->requests == 0 || w->requests < o->min_requests)
        return v;
    double best = wt_stat_mean(&w->local_wait);
    enum wt_verdict kind = WT_VERDICT_SELF;
    uint32_t who = 0;
    for (uint32_t i = 0; i < w->ncallees; i++) {
        const struct wt_callee_stats *cs = &w->callees[i];
        double n = per_request(w, cs, &cs->crit_net, cs->net_wait.n ? cs->net_wait.min : 0);
        if (n > best) {
            best = n;
            kind = WT_VERDICT_LINK;
            who = i;
        }
    }
    for (uint32_t i = 0; i < w->ncallees; i++) {
        double r = per_request(w, &w->callees[i], &w->callees[i].crit_remote, 0);
        if (r > best) {
            best = r;
            kind = WT_VERDICT_DELEGATE;
            who = i;
        }
    }
    if (!(best > 0) || best < o->min_share * wt_sketch_mean(&w->total))
        return v;
    v.kind = kind;
    v.callee = kind == WT_VERDICT_SELF ? 0 : who;
    v.wait_ns = (uint64_t)(best + 0.5);
    return v;
}
