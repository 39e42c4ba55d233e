/* SPDX-License-Identifier: MIT */
/* testbed/loadgen.c: the testbed's clients (testbed/loadgen.h). One heap of
 * timed events (arrivals, think ends, delayed sends) on a timerfd, for
 * nanosecond wake-ups inside libuv's loop. */
#define _GNU_SOURCE
#include "testbed/loadgen.h"

#include "sim/dist.h"
#include "sim/rng.h"
#include "sim/units.h"
#include "sim/xalloc.h"
#include "testbed/clock.h"
#include "testbed/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

enum ev_kind { EV_ARRIVAL, EV_USER, EV_SEND };

/* A timed event; for EV_SEND, the request to send. */
struct ev {
    uint64_t due; /* since t0, ns */
    uint64_t seq;
    enum ev_kind kind;
    uint32_t user;
    uint32_t cls;
    uint64_t intended; /* since t0 */
    double bytes;
};

struct lconn {
    int fd;
    uv_poll_t poll;
    struct tb_load *l;
    int entry, inst; /* index into the entry list, instance */
    bool connecting, closing, busy;
    int events;
    struct tb_http_in in;
    char *out;
    size_t out_len, out_off, out_cap;
    struct ev cur; /* the request in flight */
    struct lconn *idle_next;
    struct lconn *all_prev, *all_next; /* every open connection */
};

/* One entry service: its instances and their pools. */
struct entry {
    int svc;
    int n;
    int *ports;
    struct lconn **idle;
    uint32_t *outstanding;
    struct ev *backlog; /* requests waiting for a connection (FIFO) */
    size_t nback, back_head, back_cap;
    uint32_t rr;
};

struct tb_load {
    uv_loop_t *loop;
    const struct mdl_model *m;
    gsl_rng *rng_arrivals, *rng_class, *rng_think, *rng_net, *rng_lb;
    struct entry *entries; /* one per class, in class order */
    uint64_t t0, end;      /* end: run.duration since t0 */
    uint64_t warmup_ns, window_ns, slo_ns;
    struct ev *heap;
    size_t nheap, heap_cap;
    uint64_t seq;
    int tfd;
    uv_poll_t tpoll;
    uint64_t armed;
    size_t nconns;
    struct lconn *all;
    uint64_t live;
    bool stopped;
    struct tb_load_result r;
};

/* ---- Event heap ---- */

static bool before(const struct ev *a, const struct ev *b)
{
    return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void push(struct tb_load *l, struct ev e)
{
    e.seq = ++l->seq;
    l->heap = xgrow(l->heap, &l->heap_cap, l->nheap + 1, sizeof *l->heap);
    size_t i = l->nheap++;
    while (i > 0 && before(&e, &l->heap[(i - 1) / 2])) {
        l->heap[i] = l->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    l->heap[i] = e;
}

static struct ev pop(struct tb_load *l)
{
    struct ev top = l->heap[0], last = l->heap[--l->nheap];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1, m = i;
        const struct ev *best = &last;
        if (c < l->nheap && before(&l->heap[c], best))
            best = &l->heap[m = c];
        if (c + 1 < l->nheap && before(&l->heap[c + 1], best))
            m = c + 1;
        if (m == i)
            break;
        l->heap[i] = l->heap[m];
        i = m;
    }
    if (l->nheap)
        l->heap[i] = last;
    return top;
}

static void arm(struct tb_load *l)
{
    uint64_t due = l->nheap && !l->stopped ? l->t0 + l->heap[0].due : 0;
    if (due == l->armed)
        return;
    struct itimerspec its = {0};
    if (due) {
        its.it_value.tv_sec = (time_t)(due / 1000000000u);
        its.it_value.tv_nsec = (long)(due % 1000000000u);
    }
    timerfd_settime(l->tfd, TFD_TIMER_ABSTIME, &its, NULL);
    l->armed = due;
}

/* ---- Results ---- */

static struct tb_load_win *win(struct tb_load *l, uint64_t since_t0)
{
    size_t k = (size_t)(since_t0 / l->window_ns);
    if (k >= l->r.nwins) {
        l->r.wins = xgrow(l->r.wins, &l->r.wins_cap, k + 1, sizeof *l->r.wins);
        for (size_t i = l->r.nwins; i <= k; i++) {
            memset(&l->r.wins[i], 0, sizeof l->r.wins[i]);
            wt_sketch_init(&l->r.wins[i].lat);
        }
        l->r.nwins = k + 1;
    }
    return &l->r.wins[k];
}

/* ---- Connections ---- */

static void conn_cb(uv_poll_t *p, int status, int events);
static void send_now(struct tb_load *l, struct ev e);
static void user_thinks(struct tb_load *l, uint32_t user, uint64_t now);

static void watch(struct lconn *c, int events)
{
    if (c->closing || c->events == events)
        return;
    c->events = events;
    uv_poll_start(&c->poll, events, conn_cb);
}

static void free_cb(uv_handle_t *h)
{
    struct lconn *c = h->data;
    free(c->out);
    free(c);
}

static void conn_close(struct lconn *c)
{
    if (c->closing)
        return;
    c->closing = true;
    uv_poll_stop(&c->poll);
    close(c->fd);
    c->l->nconns--;
    struct entry *e = &c->l->entries[c->entry];
    for (struct lconn **p = &e->idle[c->inst]; *p; p = &(*p)->idle_next)
        if (*p == c) {
            *p = c->idle_next;
            break;
        }
    if (c->all_prev)
        c->all_prev->all_next = c->all_next;
    else
        c->l->all = c->all_next;
    if (c->all_next)
        c->all_next->all_prev = c->all_prev;
    uv_close((uv_handle_t *)&c->poll, free_cb);
}

/* The request on c is answered (ok) or failed; now is the read time. */
static void request_done(struct tb_load *l, struct lconn *c, bool ok, uint64_t now)
{
    struct entry *e = &l->entries[c->entry];
    struct ev q = c->cur;
    c->busy = false;
    e->outstanding[c->inst]--;
    l->live--;
    uint64_t since = now > l->t0 ? now - l->t0 : 0;
    uint64_t lat = since > q.intended ? since - q.intended : 0;
    bool measured = q.intended >= l->warmup_ns;
    struct tb_load_win *w = win(l, since);
    if (ok) {
        w->completed++;
        wt_sketch_add(&w->lat, lat);
    } else {
        w->failed++;
    }
    if (measured && since <= l->end) {
        if (ok) {
            l->r.completed++;
            wt_sketch_add(&l->r.lat, lat);
            l->r.lat_sum += (double)lat * 1e-9;
            l->r.lat_over += l->slo_ns > 0 && lat > l->slo_ns;
            if (l->m->run.exact_latency) {
                l->r.lat_exact =
                    xgrow(l->r.lat_exact, &l->r.exact_cap, l->r.nexact + 1, sizeof *l->r.lat_exact);
                l->r.lat_exact[l->r.nexact++] = (double)lat * 1e-9;
            }
        } else {
            l->r.failed++;
        }
    }
    if (l->m->workload.kind == WL_CLOSED)
        user_thinks(l, q.user, since);
}

/* c is free: it takes the next request waiting for its instance, or goes
 * back to the pool. */
static void conn_free(struct tb_load *l, struct lconn *c)
{
    struct entry *e = &l->entries[c->entry];
    if (c->closing || l->stopped)
        return;
    c->idle_next = e->idle[c->inst];
    e->idle[c->inst] = c;
    if (e->nback) { /* a waiting request takes any free connection of its service */
        struct ev q = e->backlog[e->back_head];
        e->back_head = (e->back_head + 1) % e->back_cap;
        e->nback--;
        send_now(l, q);
    }
}

static int on_msg(void *arg, const struct tb_http_msg *m)
{
    struct lconn *c = arg;
    if (!c->busy)
        return 1; /* nothing asked */
    request_done(c->l, c, m->status == 200, tb_now());
    if (!m->keep_alive) {
        conn_close(c);
        return 1;
    }
    conn_free(c->l, c);
    return 0;
}

static void lost(struct lconn *c)
{
    struct tb_load *l = c->l;
    bool busy = c->busy;
    conn_close(c);
    if (busy)
        request_done(l, c, false, tb_now());
}

static void flush(struct lconn *c)
{
    while (c->out_off < c->out_len) {
        ssize_t n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            watch(c, UV_READABLE | UV_WRITABLE);
            return;
        }
        if (n < 0) {
            lost(c);
            return;
        }
        c->out_off += (size_t)n;
    }
    c->out_off = c->out_len = 0;
    watch(c, UV_READABLE);
}

static void conn_cb(uv_poll_t *p, int status, int events)
{
    struct lconn *c = p->data;
    if (status < 0) {
        lost(c);
        return;
    }
    if (c->connecting && (events & UV_WRITABLE)) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err) {
            lost(c);
            return;
        }
        c->connecting = false;
    }
    if ((events & UV_WRITABLE) && !c->closing)
        flush(c);
    if ((events & UV_READABLE) && !c->closing) {
        char buf[65536];
        ssize_t n = read(c->fd, buf, sizeof buf);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (n <= 0 || tb_http_in_feed(&c->in, buf, (size_t)n) < 0)
            lost(c);
    }
}

static struct lconn *conn_open(struct tb_load *l, int entry, int inst)
{
    struct entry *e = &l->entries[entry];
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return NULL;
    struct lconn *c = xcalloc(1, sizeof *c);
    c->fd = fd;
    c->l = l;
    c->entry = entry;
    c->inst = inst;
    c->poll.data = c;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    tb_http_in_init(&c->in, TB_HTTP_RESPONSES, on_msg, c);
    uv_poll_init(l->loop, &c->poll, fd);
    l->nconns++;
    c->all_next = l->all;
    if (l->all)
        l->all->all_prev = c;
    l->all = c;
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                            .sin_port = htons((uint16_t)e->ports[inst])};
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS) {
        conn_close(c);
        return NULL;
    }
    c->connecting = true;
    watch(c, UV_READABLE | UV_WRITABLE);
    return c;
}

/* ---- Sending ---- */

static int pick(struct tb_load *l, struct entry *e)
{
    if (e->n <= 1)
        return 0;
    switch (l->m->services[e->svc].lb) {
    case MDL_LB_RANDOM: return (int)gsl_rng_uniform_int(l->rng_lb, (unsigned long)e->n);
    case MDL_LB_POWER_OF_TWO: {
        int a = (int)gsl_rng_uniform_int(l->rng_lb, (unsigned long)e->n);
        int b = (int)gsl_rng_uniform_int(l->rng_lb, (unsigned long)e->n - 1);
        b += b >= a;
        return e->outstanding[b] < e->outstanding[a] ? b : a;
    }
    case MDL_LB_LEAST_OUTSTANDING: {
        int best = (int)(e->rr++ % (uint32_t)e->n);
        for (int k = 0; k < e->n; k++)
            if (e->outstanding[k] < e->outstanding[best])
                best = k;
        return best;
    }
    default: return (int)(e->rr++ % (uint32_t)e->n);
    }
}

static void send_now(struct tb_load *l, struct ev q)
{
    struct entry *e = &l->entries[q.cls];
    int inst = pick(l, e);
    struct lconn *c = e->idle[inst];
    if (c) {
        e->idle[inst] = c->idle_next;
    } else if (l->nconns < TB_LOAD_CONNS) {
        c = conn_open(l, (int)q.cls, inst);
    }
    if (!c) { /* wait for a connection */
        if (e->nback == e->back_cap) {
            size_t cap = e->back_cap ? 2 * e->back_cap : 64;
            struct ev *nb = xmalloc(cap * sizeof *nb);
            for (size_t i = 0; i < e->nback; i++)
                nb[i] = e->backlog[(e->back_head + i) % e->back_cap];
            free(e->backlog);
            e->backlog = nb;
            e->back_cap = cap;
            e->back_head = 0;
        }
        e->backlog[(e->back_head + e->nback++) % e->back_cap] = q;
        return;
    }
    c->busy = true;
    c->cur = q;
    e->outstanding[inst]++;
    char path[64], head[512];
    snprintf(path, sizeof path, "/%u/%c/%d", q.cls, q.intended >= l->warmup_ns ? 'm' : 'w',
             l->m->workload.zone);
    size_t body = (size_t)q.bytes;
    int hl = tb_http_request_head(head, sizeof head, path, NULL, (uint64_t)body);
    c->out = xgrow(c->out, &c->out_cap, c->out_len + (size_t)hl + body, 1);
    memcpy(c->out + c->out_len, head, (size_t)hl);
    memset(c->out + c->out_len + hl, 'x', body);
    c->out_len += (size_t)hl + body;
    if (!c->connecting)
        flush(c);
}

static uint64_t draw_ns(const struct sim_dist *d, gsl_rng *r)
{
    double x = d->kind == SIM_DIST_CONST ? d->p1 : sim_dist_sample(d, r);
    return x > 0 ? (uint64_t)(x * 1e9 + 0.5) : 0;
}

/* A request of a class drawn by share leaves its client at `at` (since
 * t0): it reaches the wire after the network's delay. As models/run.c. */
static void request(struct tb_load *l, uint32_t user, uint64_t at)
{
    const struct wl_spec *wl = &l->m->workload;
    size_t c = wl_draw_class(wl, l->rng_class);
    const struct wl_class *cls = &wl->classes[c];
    if (l->live > l->m->run.max_in_flight)
        return; /* overloaded: the driver stops the run */
    double bytes =
        cls->size.kind == SIM_DIST_CONST ? cls->size.p1 : sim_dist_sample(&cls->size, l->rng_class);
    const struct mdl_network *n = &l->m->net;
    int to = l->m->services[cls->entry].zone;
    const struct sim_dist *lat =
        n->nzones ? &n->zone_latency[(size_t)wl->zone * n->nzones + (size_t)to] : &n->latency;
    uint64_t delay = draw_ns(lat, l->rng_net);
    if (n->bandwidth > 0 && bytes > 0)
        delay += (uint64_t)(bytes * 8.0 / n->bandwidth * 1e9 + 0.5);
    l->live++;
    bool measured = at >= l->warmup_ns;
    l->r.sent += measured;
    win(l, at)->sent++;
    struct ev q = {.due = at + delay,
                   .kind = EV_SEND,
                   .user = user,
                   .cls = (uint32_t)c,
                   .intended = at,
                   .bytes = bytes > 0 ? bytes : 0};
    if (delay == 0)
        send_now(l, q);
    else
        push(l, q);
}

static void user_thinks(struct tb_load *l, uint32_t user, uint64_t now)
{
    uint64_t at = now + draw_ns(&l->m->workload.think, l->rng_think);
    if (at <= l->end && !l->stopped)
        push(l, (struct ev){.due = at, .kind = EV_USER, .user = user});
    arm(l);
}

static void timer_cb(uv_poll_t *p, int status, int events)
{
    struct tb_load *l = p->data;
    uint64_t n;
    (void)status;
    (void)events;
    if (read(l->tfd, &n, sizeof n) < 0 && errno != EAGAIN)
        return;
    l->armed = 0;
    uint64_t now = tb_now() - l->t0;
    /* At most a batch per wake-up, so that replies are read between them
     * when the clients fall behind. */
    for (int batch = 0; batch < 4096 && l->nheap && l->heap[0].due <= now && !l->stopped; batch++) {
        struct ev e = pop(l);
        switch (e.kind) {
        case EV_ARRIVAL: {
            request(l, 0, e.due);
            double next = wl_next_arrival(&l->m->workload.rate, sim_ns_to_sec((int64_t)e.due),
                                          l->rng_arrivals);
            if (next <= l->m->run.duration)
                push(l, (struct ev){.due = (uint64_t)sim_sec_to_ns(next), .kind = EV_ARRIVAL});
            break;
        }
        case EV_USER: request(l, e.user, e.due); break;
        case EV_SEND: send_now(l, e); break;
        }
    }
    arm(l);
}

struct tb_load *tb_load_new(uv_loop_t *loop, const struct mdl_model *m, uint64_t seed,
                            int *const *ports, const int *nports)
{
    struct tb_load *l = xcalloc(1, sizeof *l);
    l->loop = loop;
    l->m = m;
    l->rng_arrivals = sim_rng_create(seed, "workload/arrivals");
    l->rng_class = sim_rng_create(seed, "workload/class");
    l->rng_think = sim_rng_create(seed, "workload/think");
    l->rng_net = sim_rng_create(seed, "testbed/client/net");
    l->rng_lb = sim_rng_create(seed, "testbed/client/lb");
    size_t nc = m->workload.nclasses;
    l->entries = xcalloc(nc, sizeof *l->entries);
    for (size_t c = 0; c < nc; c++) {
        struct entry *e = &l->entries[c];
        e->svc = m->workload.classes[c].entry;
        e->n = nports[e->svc];
        e->ports = ports[e->svc];
        e->idle = xcalloc((size_t)e->n, sizeof *e->idle);
        e->outstanding = xcalloc((size_t)e->n, sizeof *e->outstanding);
    }
    l->end = (uint64_t)sim_sec_to_ns(m->run.duration);
    l->warmup_ns = (uint64_t)sim_sec_to_ns(m->run.warmup);
    l->window_ns = (uint64_t)sim_sec_to_ns(m->run.window);
    if (!l->window_ns)
        l->window_ns = 1;
    double slo = m->slo.latency_p95 > 0 ? m->slo.latency_p95 : m->slo.latency_p99;
    l->slo_ns = slo > 0 ? (uint64_t)sim_sec_to_ns(slo) : 0;
    wt_sketch_init(&l->r.lat);
    l->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    l->tpoll.data = l;
    uv_poll_init(loop, &l->tpoll, l->tfd);
    return l;
}

void tb_load_start(struct tb_load *l, uint64_t t0)
{
    l->t0 = t0;
    uv_poll_start(&l->tpoll, UV_READABLE, timer_cb);
    const struct wl_spec *wl = &l->m->workload;
    if (wl->kind == WL_OPEN) {
        double first = wl_next_arrival(&wl->rate, 0.0, l->rng_arrivals);
        if (first <= l->m->run.duration)
            push(l, (struct ev){.due = (uint64_t)sim_sec_to_ns(first), .kind = EV_ARRIVAL});
    } else {
        for (uint32_t u = 0; u < wl->users; u++)
            user_thinks(l, u, 0);
    }
    arm(l);
}

bool tb_load_done(const struct tb_load *l, uint64_t now)
{
    uint64_t max = l->m->run.max_requests;
    return l->stopped || now >= l->t0 + l->end || (max && l->r.completed >= max);
}

uint64_t tb_load_in_flight(const struct tb_load *l)
{
    return l->live;
}

void tb_load_stop(struct tb_load *l)
{
    if (l->stopped)
        return;
    uint64_t measured_live = l->r.sent - l->r.completed - l->r.failed;
    l->r.in_flight = measured_live;
    l->stopped = true;
    arm(l);
    uv_poll_stop(&l->tpoll);
    uv_close((uv_handle_t *)&l->tpoll, NULL);
    while (l->all)
        conn_close(l->all);
}

const struct tb_load_result *tb_load_result(const struct tb_load *l)
{
    return &l->r;
}

void tb_load_free(struct tb_load *l)
{
    if (!l)
        return;
    for (size_t c = 0; c < l->m->workload.nclasses; c++) {
        free(l->entries[c].idle);
        free(l->entries[c].outstanding);
        free(l->entries[c].backlog);
    }
    free(l->entries);
    free(l->heap);
    free(l->r.wins);
    free(l->r.lat_exact);
    gsl_rng_free(l->rng_arrivals);
    gsl_rng_free(l->rng_class);
    gsl_rng_free(l->rng_think);
    gsl_rng_free(l->rng_net);
    gsl_rng_free(l->rng_lb);
    close(l->tfd);
    free(l);
}
