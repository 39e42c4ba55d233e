/* SPDX-License-Identifier: MIT */
/* testbed/stats.c: an instance's windows and measured-period sums, and their
 * JSON form (testbed/stats.h). */
#include "testbed/stats.h"

#include "sim/xalloc.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void win_init(struct tb_win *w, uint64_t start, uint64_t end, uint32_t ncallees)
{
    memset(w, 0, sizeof *w);
    struct wt_callee_stats *c = ncallees ? xcalloc(ncallees, sizeof *c) : NULL;
    wt_window_init(&w->win, start, end, c, ncallees);
}

void tb_stats_init(struct tb_stats *s, uint64_t t0_ns, uint64_t warmup_ns, uint64_t window_ns,
                   uint32_t ncallees)
{
    memset(s, 0, sizeof *s);
    s->t0_ns = t0_ns;
    s->warmup_ns = warmup_ns;
    s->window_ns = window_ns > 0 ? window_ns : 1;
    s->ncallees = ncallees;
    win_init(&s->run, t0_ns + warmup_ns, UINT64_MAX, ncallees);
    s->edges = ncallees ? xcalloc(ncallees, sizeof *s->edges) : NULL;
    wt_stat_init(&s->compute_err);
    wt_stat_init(&s->wire_late);
}

void tb_stats_fini(struct tb_stats *s)
{
    for (size_t k = 0; k < s->nwins; k++)
        free(s->wins[k].win.callees);
    free(s->wins);
    free(s->run.win.callees);
    free(s->edges);
    memset(s, 0, sizeof *s);
}

static struct tb_win *win_at(struct tb_stats *s, size_t k)
{
    if (k >= s->nwins) {
        s->wins = xgrow(s->wins, &s->cap, k + 1, sizeof *s->wins);
        for (size_t i = s->nwins; i <= k; i++) {
            uint64_t a = s->t0_ns + i * s->window_ns;
            win_init(&s->wins[i], a, a + s->window_ns, s->ncallees);
        }
        s->nwins = k + 1;
    }
    return &s->wins[k];
}

struct tb_win *tb_stats_win(struct tb_stats *s, uint64_t t_ns)
{
    if (t_ns < s->t0_ns)
        return NULL;
    return win_at(s, (size_t)((t_ns - s->t0_ns) / s->window_ns));
}

static bool in_run(const struct tb_stats *s, uint64_t t_ns)
{
    return t_ns >= s->t0_ns + s->warmup_ns;
}

void tb_stats_busy(struct tb_stats *s, uint64_t from, uint64_t to)
{
    if (from < s->t0_ns)
        from = s->t0_ns;
    if (to <= from)
        return;
    uint64_t w0 = s->t0_ns + s->warmup_ns;
    if (to > w0)
        s->run.busy_ns += to - (from > w0 ? from : w0);
    while (from < to) {
        struct tb_win *w = tb_stats_win(s, from);
        uint64_t end = w->win.end_ns < to ? w->win.end_ns : to;
        w->busy_ns += end - from;
        from = end;
    }
}

void tb_stats_reply(struct tb_stats *s, const struct wt_req *r, uint64_t t_ns, bool measured,
                    uint64_t nic_ns)
{
    struct tb_win *w = tb_stats_win(s, t_ns);
    if (w) {
        w->completions++;
        if (r->sampled)
            wt_window_add(&w->win, r);
    }
    if (in_run(s, t_ns)) {
        s->run.completions++;
        if (r->sampled)
            wt_window_add(&s->run.win, r);
    }
    if (!measured)
        return;
    s->visits++;
    s->nic_ns += nic_ns;
    if (!r->sampled)
        return;
    s->traced++;
    s->cpu_ns += r->cpu;
    s->wait_ns += r->local_wait;
    s->call_ns += r->call_time;
    for (const struct wt_call *c = r->calls; c; c = c->next) {
        if (c->callee >= s->ncallees)
            continue;
        struct tb_edge *e = &s->edges[c->callee];
        e->calls++;
        e->net_ns += c->net_wait;
        e->remote_ns += c->remote_wait;
    }
}

/* ---- JSON ----
 * Each object's counters and statistics are listed once, in a table of
 * (key, offset), which both the writer and the reader walk. */

struct field {
    const char *key;
    size_t off;
    bool stat; /* a struct wt_stat, else a uint64_t counter */
};

#define COUNTER(type, member)                                                                      \
    {                                                                                              \
#member, offsetof(type, member), false                                                     \
    }
#define STAT(key, type, member)                                                                    \
    {                                                                                              \
        key, offsetof(type, member), true                                                          \
    }

static const struct field win_fields[] = {
    COUNTER(struct tb_win, arrivals),
    COUNTER(struct tb_win, completions),
    COUNTER(struct tb_win, drops),
    COUNTER(struct tb_win, busy_ns),
    {"requests", offsetof(struct tb_win, win.requests), false},
    {"verdict_self", offsetof(struct tb_win, win.verdict_self), false},
    {"verdict_none", offsetof(struct tb_win, win.verdict_none), false},
    STAT("cpu", struct tb_win, win.cpu),
    STAT("local_wait", struct tb_win, win.local_wait),
    STAT("call_time", struct tb_win, win.call_time),
    STAT("agg", struct tb_win, win.agg),
};

static const struct field callee_fields[] = {
    COUNTER(struct wt_callee_stats, calls),
    COUNTER(struct wt_callee_stats, unreported),
    STAT("net", struct wt_callee_stats, net_wait),
    STAT("remote", struct wt_callee_stats, remote_wait),
    STAT("crit_net", struct wt_callee_stats, crit_net),
    STAT("crit_remote", struct wt_callee_stats, crit_remote),
    COUNTER(struct wt_callee_stats, crit_calls),
    COUNTER(struct wt_callee_stats, delegated),
    COUNTER(struct wt_callee_stats, link_blamed),
};

static const struct field stats_fields[] = {
    COUNTER(struct tb_stats, visits),
    COUNTER(struct tb_stats, traced),
    COUNTER(struct tb_stats, dropped),
    COUNTER(struct tb_stats, cpu_ns),
    COUNTER(struct tb_stats, wait_ns),
    COUNTER(struct tb_stats, call_ns),
    COUNTER(struct tb_stats, nic_ns),
    COUNTER(struct tb_stats, loop_busy_ns),
    COUNTER(struct tb_stats, compute_ns),
    COUNTER(struct tb_stats, messages),
    STAT("compute_err", struct tb_stats, compute_err),
    STAT("wire_late", struct tb_stats, wire_late),
};

#define NFIELDS(t) (sizeof(t) / sizeof *(t))

static json_t *stat_json(const struct wt_stat *st)
{
    if (!st->n) /* an empty stat's minimum is a sentinel */
        return json_pack("[IIII]", (json_int_t)0, (json_int_t)0, (json_int_t)0, (json_int_t)0);
    return json_pack("[IIII]", (json_int_t)st->n, (json_int_t)st->min, (json_int_t)st->max,
                     (json_int_t)st->sum);
}

static json_t *sketch_json(const struct wt_sketch *k)
{
    json_t *b = json_array();
    if (!k->n)
        return json_pack("{s:I,s:I,s:I,s:I,s:o}", "n", (json_int_t)0, "min", (json_int_t)0, "max",
                         (json_int_t)0, "sum", (json_int_t)0, "b", b);
    for (size_t i = 0; i < WT_SKETCH_BUCKETS; i++)
        if (k->counts[i])
            json_array_append_new(b, json_pack("[II]", (json_int_t)i, (json_int_t)k->counts[i]));
    return json_pack("{s:I,s:I,s:I,s:I,s:o}", "n", (json_int_t)k->n, "min", (json_int_t)k->min,
                     "max", (json_int_t)k->max, "sum", (json_int_t)k->sum, "b", b);
}

static void fields_json(json_t *o, const void *base, const struct field *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *at = (const char *)base + f[i].off;
        json_object_set_new(o, f[i].key,
                            f[i].stat
                                ? stat_json((const struct wt_stat *)(const void *)at)
                                : json_integer((json_int_t) * (const uint64_t *)(const void *)at));
    }
}

static json_t *win_json(const struct tb_win *w)
{
    json_t *cs = json_array();
    for (uint32_t i = 0; i < w->win.ncallees; i++) {
        json_t *c = json_object();
        fields_json(c, &w->win.callees[i], callee_fields, NFIELDS(callee_fields));
        json_array_append_new(cs, c);
    }
    json_t *o = json_object();
    fields_json(o, w, win_fields, NFIELDS(win_fields));
    json_object_set_new(o, "total", sketch_json(&w->win.total));
    json_object_set_new(o, "callees", cs);
    return o;
}

json_t *tb_stats_to_json(const struct tb_stats *s)
{
    json_t *ws = json_array();
    for (size_t k = 0; k < s->nwins; k++)
        json_array_append_new(ws, win_json(&s->wins[k]));
    json_t *es = json_array();
    for (uint32_t i = 0; i < s->ncallees; i++)
        json_array_append_new(es, json_pack("[III]", (json_int_t)s->edges[i].calls,
                                            (json_int_t)s->edges[i].net_ns,
                                            (json_int_t)s->edges[i].remote_ns));
    json_t *j = json_object();
    json_object_set_new(j, "ncallees", json_integer((json_int_t)s->ncallees));
    json_object_set_new(j, "windows", ws);
    json_object_set_new(j, "run", win_json(&s->run));
    fields_json(j, s, stats_fields, NFIELDS(stats_fields));
    json_object_set_new(j, "edges", es);
    return j;
}

/* Reading back: every number must be a non-negative integer. */
struct rd {
    char *err;
    size_t errlen;
    int bad;
};

static uint64_t num(struct rd *r, const json_t *j, const char *what)
{
    if (!json_is_integer(j) || json_integer_value(j) < 0) {
        if (!r->bad)
            snprintf(r->err, r->errlen, "\"%s\" is not a non-negative integer", what);
        r->bad = 1;
        return 0;
    }
    return (uint64_t)json_integer_value(j);
}

static uint64_t field(struct rd *r, const json_t *o, const char *key)
{
    return num(r, json_object_get(o, key), key);
}

static void stat_read(struct rd *r, const json_t *j, const char *what, struct wt_stat *st)
{
    if (!json_is_array(j) || json_array_size(j) != 4) {
        if (!r->bad)
            snprintf(r->err, r->errlen, "\"%s\" is not [n, min, max, sum]", what);
        r->bad = 1;
        return;
    }
    struct wt_stat x = {num(r, json_array_get(j, 0), what), num(r, json_array_get(j, 1), what),
                        num(r, json_array_get(j, 2), what), num(r, json_array_get(j, 3), what)};
    if (x.n)
        wt_stat_merge(st, &x);
}

static void sketch_read(struct rd *r, const json_t *j, struct wt_sketch *k)
{
    struct wt_sketch x;
    wt_sketch_init(&x);
    x.n = field(r, j, "n");
    x.min = field(r, j, "min");
    x.max = field(r, j, "max");
    x.sum = field(r, j, "sum");
    const json_t *b = json_object_get(j, "b");
    size_t i;
    const json_t *e;
    if (!json_is_array(b)) {
        r->bad = 1;
        snprintf(r->err, r->errlen, "sketch buckets missing");
        return;
    }
    json_array_foreach(b, i, e)
    {
        uint64_t idx = num(r, json_array_get(e, 0), "bucket");
        uint64_t cnt = num(r, json_array_get(e, 1), "bucket count");
        if (r->bad || idx >= WT_SKETCH_BUCKETS || cnt > UINT32_MAX) {
            if (!r->bad)
                snprintf(r->err, r->errlen, "bucket %llu out of range", (unsigned long long)idx);
            r->bad = 1;
            return;
        }
        x.counts[idx] = (uint32_t)cnt;
    }
    if (x.n)
        wt_sketch_merge(k, &x);
}

/* Adds o's fields into the struct at base. */
static void fields_read(struct rd *r, const json_t *o, void *base, const struct field *f, size_t n)
{
    for (size_t i = 0; i < n && !r->bad; i++) {
        char *at = (char *)base + f[i].off;
        if (f[i].stat)
            stat_read(r, json_object_get(o, f[i].key), f[i].key, (struct wt_stat *)(void *)at);
        else
            *(uint64_t *)(void *)at += field(r, o, f[i].key);
    }
}

static void win_read(struct rd *r, const json_t *j, struct tb_win *w)
{
    if (!json_is_object(j)) {
        r->bad = 1;
        snprintf(r->err, r->errlen, "a window is not an object");
        return;
    }
    fields_read(r, j, w, win_fields, NFIELDS(win_fields));
    sketch_read(r, json_object_get(j, "total"), &w->win.total);
    const json_t *cs = json_object_get(j, "callees");
    if (!json_is_array(cs) || json_array_size(cs) != w->win.ncallees) {
        if (!r->bad)
            snprintf(r->err, r->errlen, "a window's callees are not %u", w->win.ncallees);
        r->bad = 1;
        return;
    }
    for (uint32_t i = 0; i < w->win.ncallees && !r->bad; i++)
        fields_read(r, json_array_get(cs, i), &w->win.callees[i], callee_fields,
                    NFIELDS(callee_fields));
}

int tb_stats_merge_json(struct tb_stats *s, const json_t *j, char *err, size_t errlen)
{
    struct rd r = {err, errlen, 0};
    if (!json_is_object(j) || field(&r, j, "ncallees") != s->ncallees) {
        snprintf(err, errlen, "not an instance's statistics for %u callees", s->ncallees);
        return -1;
    }
    const json_t *ws = json_object_get(j, "windows");
    const json_t *es = json_object_get(j, "edges");
    if (!json_is_array(ws) || !json_is_array(es) || json_array_size(es) != s->ncallees) {
        snprintf(err, errlen, "\"windows\" or \"edges\" missing");
        return -1;
    }
    size_t k;
    const json_t *w;
    json_array_foreach(ws, k, w)
    {
        win_read(&r, w, win_at(s, k));
        if (r.bad)
            return -1;
    }
    win_read(&r, json_object_get(j, "run"), &s->run);
    fields_read(&r, j, s, stats_fields, NFIELDS(stats_fields));
    for (uint32_t i = 0; i < s->ncallees && !r.bad; i++) {
        const json_t *e = json_array_get(es, i);
        s->edges[i].calls += num(&r, json_array_get(e, 0), "edge calls");
        s->edges[i].net_ns += num(&r, json_array_get(e, 1), "edge network wait");
        s->edges[i].remote_ns += num(&r, json_array_get(e, 2), "edge remote wait");
    }
    return r.bad ? -1 : 0;
}
