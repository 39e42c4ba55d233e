/* SPDX-License-Identifier: MIT */
/* req.c: a request's life at one service. The request is always in exactly
 * one of three states (running, runnable, blocked), and the time between
 * consecutive hooks is charged to the state it was in, so that
 * total = cpu + local wait + call time holds exactly. */
#include "wtrace.h"

#include <string.h>

enum { ST_RUNNABLE, ST_RUNNING, ST_BLOCKED, ST_DONE };
enum { CALL_PENDING = 1u, CALL_DONE = 2u, CALL_BADHDR = 4u };

const char *wt_strerror(int err)
{
    switch (err) {
    case WT_OK: return "success";
    case WT_EFORMAT: return "malformed header value";
    case WT_EVERSION: return "unknown header format version";
    case WT_ESPACE: return "buffer too small";
    case WT_ESTATE: return "hook out of order";
    case WT_EINVAL: return "invalid argument";
    default: return "unknown error";
    }
}

const char *wt_verdict_name(enum wt_verdict v)
{
    switch (v) {
    case WT_VERDICT_SELF: return "self";
    case WT_VERDICT_LINK: return "link";
    case WT_VERDICT_DELEGATE: return "delegate";
    case WT_VERDICT_NONE:
    default: return "none";
    }
}

static uint64_t splitmix(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A nonzero random id. */
static uint64_t new_id(struct wt_service *s)
{
    uint64_t id;
    do
        id = splitmix(&s->rng);
    while (id == 0);
    return id;
}

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
}

void wt_service_init(struct wt_service *s, uint64_t seed)
{
    memset(s, 0, sizeof *s);
    s->fold = WT_FOLD_MAX;
    s->w_cpu = 1.0;
    s->w_net = 1.0;
    s->sampling = WT_SAMPLE_ROOT;
    s->sample_every = 1;
    s->rng = seed;
    s->salt = splitmix(&s->rng);
}

static int decide(const struct wt_service *s, uint64_t trace_id, uint64_t salt)
{
    if (s->sample_every == 0)
        return 0;
    if (s->sample_every == 1)
        return 1;
    return mix(trace_id ^ salt) % s->sample_every == 0;
}

void wt_req_arrive(struct wt_req *r, struct wt_service *svc, const struct wt_ctx *in,
                   uint64_t nic_ns, uint64_t read_ns)
{
    memset(r, 0, sizeof *r);
    r->svc = svc;
    r->is_root = in == NULL;
    if (in) {
        r->ctx.trace_id = in->trace_id;
        r->parent_ctx = in->ctx_id;
        r->ctx.ctx_id = in->ctx_id; /* the server side continues the caller's call */
        if (svc->sampling == WT_SAMPLE_ROOT)
            r->sampled = (in->flags & WT_CTX_SAMPLED) != 0;
        else
            r->sampled = decide(svc, in->trace_id, svc->salt);
    } else {
        r->ctx.trace_id = new_id(svc);
        r->ctx.ctx_id = r->ctx.trace_id; /* the root context's id is the trace id */
        r->sampled = decide(svc, r->ctx.trace_id, svc->sampling == WT_SAMPLE_ROOT ? 0 : svc->salt);
    }
    r->ctx.flags = r->sampled ? WT_CTX_SAMPLED : 0;
    if (!r->sampled)
        return;
    r->start_ns = svc->packet_timestamps && nic_ns && nic_ns <= read_ns ? nic_ns : read_ns;
    r->last_ns = r->start_ns;
    r->state = ST_RUNNABLE;
}

/* Charges [last, now) to the current state and moves to next. */
static void move(struct wt_req *r, uint32_t from, uint32_t to, uint64_t now)
{
    if (r->state != from || now < r->last_ns) {
        r->errors++;
        return;
    }
    uint64_t d = now - r->last_ns;
    if (from == ST_RUNNING)
        r->cpu += d;
    else if (from == ST_RUNNABLE)
        r->local_wait += d;
    else
        r->call_time += d;
    r->last_ns = now;
    r->state = to;
}

void wt_req_run(struct wt_req *r, uint64_t now_ns)
{
    if (!r->sampled)
        return;
    move(r, ST_RUNNABLE, ST_RUNNING, now_ns);
}

void wt_req_yield(struct wt_req *r, uint64_t now_ns)
{
    if (!r->sampled)
        return;
    move(r, ST_RUNNING, ST_RUNNABLE, now_ns);
}

void wt_req_block(struct wt_req *r, uint64_t now_ns)
{
    if (!r->sampled)
        return;
    move(r, ST_RUNNING, ST_BLOCKED, now_ns);
    r->block_ns = now_ns;
    r->period_2nd_ns = now_ns;
    r->period_last = NULL;
}

/* min(x rounded, limit) for a mean x >= 0. */
static uint64_t clamp_ns(double x, uint64_t limit)
{
    return x + 0.5 >= (double)limit ? limit : (uint64_t)(x + 0.5);
}

/* Folds a reported call into its callee's means (wt_callee_est). */
static void learn(struct wt_service *s, const struct wt_call *c)
{
    if (!s->est || c->callee >= s->nest)
        return;
    struct wt_callee_est *e = &s->est[c->callee];
    if (e->reported++ == 0) {
        e->net_mean = (double)c->net_wait;
        e->remote_mean = (double)c->remote_wait;
        return;
    }
    e->net_mean += ((double)c->net_wait - e->net_mean) / 16.0;
    e->remote_mean += ((double)c->remote_wait - e->remote_mean) / 16.0;
}

/* The representative of c's callee on r's critical path (the first critical
 * call to it), made c if there is none yet. Linear in the distinct callees on
 * the path. */
static struct wt_call *rep_of(struct wt_req *r, struct wt_call *c)
{
    for (struct wt_call *p = r->reps; p; p = p->rep_next)
        if (p->callee == c->callee)
            return p;
    c->rep_next = NULL;
    if (r->reps_tail)
        r->reps_tail->rep_next = c;
    else
        r->reps = c;
    r->reps_tail = c;
    return c;
}

/* When the reply to call c was read. */
static uint64_t reply_ns(const struct wt_call *c)
{
    return c->sent_ns + c->observed_ns;
}

/* Closes the block period: its critical call gets its delay (rule 2). */
static void close_group(struct wt_req *r)
{
    struct wt_call *c = r->period_last;
    if (!c)
        return;
    r->period_last = NULL;
    uint64_t done = reply_ns(c);
    c->delay_ns = done > r->period_2nd_ns ? done - r->period_2nd_ns : 0;
    if (c->unknown) {
        r->unknown_ns += c->delay_ns;
        const struct wt_service *s = r->svc;
        if (!s->est || c->callee >= s->nest || s->est[c->callee].reported == 0)
            return;
        const struct wt_callee_est *e = &s->est[c->callee];
        uint64_t rem = clamp_ns(e->remote_mean, c->delay_ns);
        uint64_t net = clamp_ns(e->net_mean, c->delay_ns - rem);
        struct wt_call *p = rep_of(r, c);
        p->est_net += net;
        p->est_remote += rem;
        return;
    }
    c->crit_net = c->net_wait < c->delay_ns ? c->net_wait : c->delay_ns;
    c->crit_remote = c->remote_wait < c->delay_ns ? c->remote_wait : c->delay_ns;
    struct wt_call *p = rep_of(r, c);
    p->sum_net += c->crit_net;
    p->sum_remote += c->crit_remote;
    p->ncrit += c->delay_ns > 0;
}

void wt_req_runnable(struct wt_req *r, uint64_t now_ns)
{
    if (!r->sampled)
        return;
    move(r, ST_BLOCKED, ST_RUNNABLE, now_ns);
    close_group(r);
}

void wt_call_send(struct wt_req *r, struct wt_call *c, uint32_t callee, uint64_t now_ns,
                  struct wt_ctx *child)
{
    child->trace_id = r->ctx.trace_id;
    child->flags = r->ctx.flags;
    if (!r->sampled) {
        /* Unsampled requests still carry the trace id downstream, so that a
         * service sampling on its own can decide; the context id is not
         * drawn, to keep this path free of work. */
        child->ctx_id = r->ctx.ctx_id;
        return;
    }
    memset(c, 0, sizeof *c);
    c->callee = callee;
    c->ctx_id = new_id(r->svc);
    c->sent_ns = now_ns;
    c->flags = CALL_PENDING;
    child->ctx_id = c->ctx_id;
    if (r->calls_tail)
        r->calls_tail->next = c;
    else
        r->calls = c;
    r->calls_tail = c;
    r->ncalls++;
    r->outstanding++;
}

int wt_call_done(struct wt_req *r, struct wt_call *c, const char *hdr, size_t len, uint64_t now_ns)
{
    if (!r->sampled)
        return WT_OK;
    if (!(c->flags & CALL_PENDING) || now_ns < c->sent_ns) {
        r->errors++;
        return WT_ESTATE;
    }
    c->flags = CALL_DONE;
    r->outstanding--;
    c->observed_ns = now_ns - c->sent_ns;
    int rc = WT_OK;
    uint64_t total = 0, agg = 0;
    if (len == 0 || (rc = wt_resp_decode(hdr, len, &total, &agg)) != WT_OK) {
        /* No usable remote values: unknown, never network wait. */
        c->flags |= CALL_BADHDR;
        c->unknown = 1;
        r->nunknown++;
        c->remote_total = c->remote_wait = c->net_wait = 0;
    } else {
        c->remote_total = total;
        c->remote_wait = agg;
        c->net_wait = c->observed_ns > total ? c->observed_ns - total : 0;
        learn(r->svc, c);
    }
    /* Rule 2: follow the latest reply of this block period. */
    if (r->state == ST_BLOCKED) {
        struct wt_call *last = r->period_last;
        if (!last) {
            r->period_last = c;
        } else if (now_ns >= reply_ns(last)) {
            if (reply_ns(last) > r->period_2nd_ns)
                r->period_2nd_ns = reply_ns(last);
            r->period_last = c;
        } else if (now_ns > r->period_2nd_ns) {
            r->period_2nd_ns = now_ns;
        }
    }
    return rc;
}

static double weighted(const struct wt_service *s, int is_net, uint64_t v)
{
    if (s->fold != WT_FOLD_WEIGHTED)
        return (double)v;
    return (is_net ? s->w_net : s->w_cpu) * (double)v;
}

/* What the fold counts of a callee on the path: its reported sums and the
 * filled-in values of its unknown calls. */
static uint64_t path_net(const struct wt_call *c)
{
    return c->sum_net + c->est_net;
}
static uint64_t path_remote(const struct wt_call *c)
{
    return c->sum_remote + c->est_remote;
}

/* The fold of the local wait and the callees' critical-path sums. */
static uint64_t fold(const struct wt_req *r)
{
    const struct wt_service *s = r->svc;
    uint64_t acc;
    switch (s->fold) {
    case WT_FOLD_SUM:
        acc = r->local_wait;
        for (const struct wt_call *c = r->reps; c; c = c->rep_next)
            acc += path_net(c) + path_remote(c);
        return acc;
    case WT_FOLD_MIN:
        acc = r->local_wait;
        for (const struct wt_call *c = r->reps; c; c = c->rep_next) {
            if (path_net(c) < acc)
                acc = path_net(c);
            if (path_remote(c) < acc)
                acc = path_remote(c);
        }
        return acc;
    case WT_FOLD_WEIGHTED: {
        double m = weighted(s, 0, r->local_wait);
        for (const struct wt_call *c = r->reps; c; c = c->rep_next) {
            double n = weighted(s, 1, path_net(c)), w = (double)path_remote(c);
            if (n > m)
                m = n;
            if (w > m)
                m = w;
        }
        return m >= 18446744073709549568.0 ? UINT64_MAX : (uint64_t)(m + 0.5);
    }
    case WT_FOLD_MAX:
    default:
        acc = r->local_wait;
        for (const struct wt_call *c = r->reps; c; c = c->rep_next) {
            if (path_net(c) > acc)
                acc = path_net(c);
            if (path_remote(c) > acc)
                acc = path_remote(c);
        }
        return acc;
    }
}

/* The dissertation's decision (s4.1.3) on the critical path: compare the
 * local wait with each callee's network and remote waits (summed over the
 * request's calls to it). The largest remote wait means the bottleneck lies
 * below that callee (delegate); otherwise the largest of the local wait (this
 * CPU) and the network waits (that link) is the root cause. Ties favour the
 * local wait, then network, then remote, then the callee reached first. With
 * the sum fold every callee whose remote wait exceeds the local wait and
 * every network wait is delegated to (act on every branch). */
static void decide_verdict(struct wt_req *r)
{
    const struct wt_service *s = r->svc;
    double best_self = weighted(s, 0, r->local_wait);
    double best_net = -1, best_remote = -1;
    struct wt_call *net_call = NULL, *remote_call = NULL;
    for (struct wt_call *c = r->calls; c; c = c->next)
        c->delegated = 0;
    for (struct wt_call *c = r->reps; c; c = c->rep_next) {
        double n = weighted(s, 1, c->sum_net), w = (double)c->sum_remote;
        if (n > best_net) {
            best_net = n;
            net_call = c;
        }
        if (w > best_remote) {
            best_remote = w;
            remote_call = c;
        }
    }
    double floor = best_self > best_net ? best_self : best_net;
    r->ndelegated = 0;
    r->blamed = NULL;
    if (remote_call && best_remote > floor) {
        r->verdict = WT_VERDICT_DELEGATE;
        r->blamed = remote_call;
        if (s->fold == WT_FOLD_SUM) {
            for (struct wt_call *c = r->reps; c; c = c->rep_next)
                if ((double)c->sum_remote > floor) {
                    c->delegated = 1;
                    r->ndelegated++;
                }
        } else {
            remote_call->delegated = 1;
            r->ndelegated = 1;
        }
    } else if (net_call && best_net > best_self) {
        r->verdict = WT_VERDICT_LINK;
        r->blamed = net_call;
    } else if (best_self > 0) {
        r->verdict = WT_VERDICT_SELF;
    } else {
        r->verdict = WT_VERDICT_NONE;
    }
}

void wt_req_reply(struct wt_req *r, uint64_t now_ns)
{
    if (!r->sampled)
        return;
    move(r, ST_RUNNING, ST_DONE, now_ns);
    if (r->state != ST_DONE) {
        /* Out of order (say, replying while runnable): still close the books
         * so that the invariant holds over what was seen. */
        uint32_t st = r->state;
        move(r, st, ST_DONE, now_ns > r->last_ns ? now_ns : r->last_ns);
    }
    close_group(r); /* replied while blocked (out of order): still attribute */
    r->total = r->cpu + r->local_wait + r->call_time;
    r->agg = fold(r);
    decide_verdict(r);
}
