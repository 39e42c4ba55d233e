/* SPDX-License-Identifier: MIT */
/* testbed/svc_net.c: an instance's sockets (testbed/svc.h). All on
 * 127.0.0.1. Reads use recvmsg() for the kernel's software receive
 * timestamp (SO_TIMESTAMPNS, CLOCK_REALTIME, converted to CLOCK_MONOTONIC);
 * with several messages in one read, each gets that read's timestamp (the
 * latest segment's). One read per readable connection per loop iteration,
 * as Lwt reads once per poll. */
#define _GNU_SOURCE
#include "testbed/svc.h"

#include "sim/dist.h"
#include "sim/xalloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define READ_MAX 65536

static void conn_poll_cb(uv_poll_t *p, int status, int events);

static void conn_watch(struct tb_conn *c, int events)
{
    if (c->closing || events == c->events)
        return;
    c->events = events;
    uv_poll_start(&c->poll, events, conn_poll_cb);
}

static void conn_free_cb(uv_handle_t *h)
{
    struct tb_conn *c = h->data;
    free(c->out.p);
    free(c);
}

void tb_conn_unref(struct tb_conn *c)
{
    if (--c->refs == 0 && c->closing)
        uv_close((uv_handle_t *)&c->poll, conn_free_cb);
}

/* Closes c's socket now; the struct goes when nothing refers to it. */
void tb_conn_close(struct tb_conn *c)
{
    if (c->closing)
        return;
    c->closing = true;
    uv_poll_stop(&c->poll);
    if (!c->queued) { /* else the delay line closes it once done */
        close(c->fd);
        c->fd = -1;
    }
    if (!c->server && c->callee >= 0) { /* out of its pool */
        struct tb_callee *ce = &c->svc->callees[c->callee];
        for (struct tb_conn **p = &ce->idle[c->inst]; *p; p = &(*p)->idle_next)
            if (*p == c) {
                *p = c->idle_next;
                break;
            }
    }
    c->refs++;
    tb_conn_unref(c);
}

static int on_msg(void *arg, const struct tb_http_msg *m)
{
    struct tb_conn *c = arg;
    if (c->server)
        tb_lwt_request(c->svc, c, m);
    else
        tb_lwt_reply(c->svc, c, m);
    return c->closing ? 1 : 0;
}

static struct tb_conn *conn_new(struct tb_svc *s, int fd, bool server)
{
    struct tb_conn *c = xcalloc(1, sizeof *c);
    c->fd = fd;
    c->svc = s;
    c->server = server;
    c->callee = c->inst = -1;
    c->poll.data = c;
    tb_http_in_init(&c->in, server ? TB_HTTP_REQUESTS : TB_HTTP_RESPONSES, on_msg, c);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
    uv_poll_init(s->loop, &c->poll, fd);
    return c;
}

/* A connection is gone: a server one's visits keep running (their replies
 * are dropped); a client one fails its call. */
static void conn_lost(struct tb_conn *c)
{
    struct tb_svc *s = c->svc;
    if (!c->server && c->call)
        tb_lwt_call_failed(s, c);
    tb_conn_close(c);
}

static void flush(struct tb_conn *c)
{
    struct tb_out *o = &c->out;
    while (o->off < o->len) {
        ssize_t n = write(c->fd, o->p + o->off, o->len - o->off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            conn_watch(c, UV_READABLE | UV_WRITABLE);
            return;
        }
        if (n < 0) {
            conn_lost(c);
            return;
        }
        o->off += (size_t)n;
    }
    o->off = o->len = 0;
    conn_watch(c, UV_READABLE);
}

static void append(struct tb_conn *c, const char *data, size_t len)
{
    struct tb_out *o = &c->out;
    o->p = xgrow(o->p, &o->cap, o->len + len, 1);
    memcpy(o->p + o->len, data, len);
    o->len += len;
    if (!c->connecting)
        flush(c);
}

void tb_net_write(struct tb_conn *c, const char *data, size_t len)
{
    if (!c->closing)
        append(c, data, len);
}

static void do_read(struct tb_conn *c)
{
    static char buf[READ_MAX];
    char ctl[CMSG_SPACE(sizeof(struct timespec))];
    struct iovec iov = {buf, sizeof buf};
    struct msghdr mh = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
    ssize_t n = recvmsg(c->fd, &mh, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (n <= 0) {
        conn_lost(c);
        return;
    }
    uint64_t now = tb_now();
    c->last_read = now;
    c->last_nic = now;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
        if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_TIMESTAMPNS)
            continue;
        struct timespec ts, rt;
        memcpy(&ts, CMSG_DATA(cm), sizeof ts);
        clock_gettime(CLOCK_REALTIME, &rt);
        int64_t age = ((int64_t)rt.tv_sec - ts.tv_sec) * 1000000000 + (rt.tv_nsec - ts.tv_nsec);
        if (age > 0 && (uint64_t)age < now)
            c->last_nic = now - (uint64_t)age;
    }
    c->refs++; /* a handler may close it meanwhile */
    if (tb_http_in_feed(&c->in, buf, (size_t)n) < 0 && !c->closing) {
        fprintf(stderr, "uksim-svc %s/%d: closing a connection: %s\n", c->svc->def->name,
                c->svc->index, tb_http_in_error(&c->in));
        conn_lost(c);
    }
    tb_conn_unref(c);
}

static void conn_poll_cb(uv_poll_t *p, int status, int events)
{
    struct tb_conn *c = p->data;
    if (status < 0) {
        conn_lost(c);
        return;
    }
    if (c->connecting && (events & UV_WRITABLE)) {
        int e = 0;
        socklen_t l = sizeof e;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &l);
        if (e) {
            conn_lost(c);
            return;
        }
        c->connecting = false;
    }
    if ((events & UV_WRITABLE) && !c->closing)
        flush(c);
    if ((events & UV_READABLE) && !c->closing)
        do_read(c);
}

static void accept_cb(uv_poll_t *p, int status, int events)
{
    struct tb_svc *s = p->data;
    (void)events;
    if (status < 0)
        return;
    for (;;) {
        int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        struct tb_conn *c = conn_new(s, fd, true);
        conn_watch(c, UV_READABLE);
    }
}

int tb_net_listen(struct tb_svc *s, char *err, size_t errlen)
{
    s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int one = 1;
    if (s->listen_fd < 0 ||
        setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(s->listen_fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(s->listen_fd, 4096) < 0) {
        snprintf(err, errlen, "cannot listen on 127.0.0.1: %s", strerror(errno));
        return -1;
    }
    socklen_t l = sizeof a;
    getsockname(s->listen_fd, (struct sockaddr *)&a, &l);
    s->listen_poll.data = s;
    uv_poll_init(s->loop, &s->listen_poll, s->listen_fd);
    uv_poll_start(&s->listen_poll, UV_READABLE, accept_cb);
    return ntohs(a.sin_port);
}

/* ---- Pools of connections to callees ---- */

struct tb_conn *tb_net_call_conn(struct tb_svc *s, int j, int inst)
{
    struct tb_callee *ce = &s->callees[j];
    struct tb_conn *c = ce->idle[inst];
    if (c) {
        ce->idle[inst] = c->idle_next;
        c->idle_next = NULL;
        return c;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return NULL;
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                            .sin_port = htons((uint16_t)ce->ports[inst])};
    c = conn_new(s, fd, false);
    c->callee = j;
    c->inst = inst;
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        if (errno != EINPROGRESS) {
            int e = errno;
            tb_conn_close(c);
            errno = e;
            return NULL;
        }
        c->connecting = true;
        conn_watch(c, UV_READABLE | UV_WRITABLE);
    } else {
        conn_watch(c, UV_READABLE);
    }
    return c;
}

void tb_net_release(struct tb_svc *s, struct tb_conn *c)
{
    c->call = NULL;
    if (c->closing)
        return;
    struct tb_callee *ce = &s->callees[c->callee];
    c->idle_next = ce->idle[c->inst];
    ce->idle[c->inst] = c;
}

/* ---- The delay line ---- */

static void wire_sent(void *arg, void *tag)
{
    struct tb_conn *c = tag;
    (void)arg;
    if (--c->queued == 0 && c->closing && c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
    tb_conn_unref(c);
}

void tb_net_wire(struct tb_svc *s)
{
    const struct mdl_network *n = &s->m->net;
    bool delays = n->bandwidth > 0;
    for (size_t i = 0; i < (n->nzones ? n->nzones * n->nzones : 1) && !delays; i++) {
        const struct sim_dist *d = n->nzones ? &n->zone_latency[i] : &n->latency;
        delays = !(d->kind == SIM_DIST_CONST && d->p1 == 0);
    }
    if (delays)
        s->wire = tb_wire_start(s->loop, wire_sent, s);
}

static int64_t draw_ns(const struct sim_dist *d, gsl_rng *r)
{
    double x = d->kind == SIM_DIST_CONST ? d->p1 : sim_dist_sample(d, r);
    return x > 0 ? (int64_t)(x * 1e9 + 0.5) : 0;
}

void tb_net_send(struct tb_svc *s, struct tb_conn *c, const char *data, size_t len, double bytes,
                 int to_zone)
{
    if (c->closing)
        return;
    const struct mdl_network *n = &s->m->net;
    const struct sim_dist *lat =
        n->nzones ? &n->zone_latency[(size_t)s->def->zone * n->nzones + (size_t)to_zone]
                  : &n->latency;
    uint64_t now = tb_now();
    uint64_t due = now + (uint64_t)draw_ns(lat, s->rng_net);
    if (n->bandwidth > 0 && bytes > 0) {
        uint64_t ser = (uint64_t)(bytes * 8.0 / n->bandwidth * 1e9 + 0.5);
        if (n->queueing) {
            uint64_t start = s->link_free > now ? s->link_free : now;
            s->link_free = start + ser;
            due += s->link_free - now;
        } else {
            due += ser;
        }
    }
    if (due < c->last_due)
        due = c->last_due;
    c->last_due = due;
    if (!s->wire) { /* the model has no delays */
        append(c, data, len);
        return;
    }
    char *copy = xmalloc(len);
    memcpy(copy, data, len);
    c->refs++;
    c->queued++;
    tb_wire_send(s->wire, c->fd, due, copy, len, c);
}
