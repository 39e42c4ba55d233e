/* SPDX-License-Identifier: MIT */
/* testbed/wire.c: the delay line (testbed/wire.h). */
#define _GNU_SOURCE
#include "testbed/wire.h"

#include "sim/xalloc.h"
#include "testbed/clock.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

struct msg {
    uint64_t due, seq;
    int fd;
    char *data;
    size_t len;
    void *tag;
};

struct done {
    void *tag;
    struct done *next;
};

struct tb_wire {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct msg *heap;
    size_t n, cap;
    uint64_t seq;
    bool stop;
    struct done *done; /* written, not yet reported to the loop */
    uv_async_t async;
    void (*sent)(void *arg, void *tag);
    void *arg;
    uint64_t late_n, late_sum, late_max; /* writes behind their due time, ns */
};

/* The wire sleeps until this long before a message is due, then spins: a
 * sleeping thread wakes tens of microseconds late. */
#define WIRE_SPIN_NS 50000

static bool before(const struct msg *a, const struct msg *b)
{
    return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void push(struct tb_wire *w, struct msg m)
{
    w->heap = xgrow(w->heap, &w->cap, w->n + 1, sizeof *w->heap);
    size_t i = w->n++;
    while (i > 0 && before(&m, &w->heap[(i - 1) / 2])) {
        w->heap[i] = w->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    w->heap[i] = m;
}

static struct msg pop(struct tb_wire *w)
{
    struct msg top = w->heap[0], last = w->heap[--w->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1, m = i;
        const struct msg *best = &last;
        if (c < w->n && before(&w->heap[c], best))
            best = &w->heap[m = c];
        if (c + 1 < w->n && before(&w->heap[c + 1], best))
            m = c + 1;
        if (m == i)
            break;
        w->heap[i] = w->heap[m];
        i = m;
    }
    if (w->n)
        w->heap[i] = last;
    return top;
}

/* Writes all of m, waiting for room; gives up if the socket fails. */
static void write_all(const struct msg *m)
{
    size_t off = 0;
    while (off < m->len) {
        ssize_t k = write(m->fd, m->data + off, m->len - off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd p = {m->fd, POLLOUT, 0};
            if (poll(&p, 1, 1000) <= 0 || (p.revents & (POLLERR | POLLHUP)))
                return;
            continue;
        }
        if (k <= 0)
            return;
        off += (size_t)k;
    }
}

static void *run(void *arg)
{
    struct tb_wire *w = arg;
    prctl(PR_SET_TIMERSLACK, 1UL);
    pthread_mutex_lock(&w->mu);
    while (!w->stop) {
        if (!w->n) {
            pthread_cond_wait(&w->cv, &w->mu);
            continue;
        }
        uint64_t due = w->heap[0].due, now = tb_now();
        if (due > now + WIRE_SPIN_NS) {
            uint64_t wake = due - WIRE_SPIN_NS;
            struct timespec ts = {(time_t)(wake / 1000000000u), (long)(wake % 1000000000u)};
            pthread_cond_timedwait(&w->cv, &w->mu, &ts);
            continue;
        }
        if (due > now) { /* spin without the lock, then look again */
            pthread_mutex_unlock(&w->mu);
            while (tb_now() < due)
                ;
            pthread_mutex_lock(&w->mu);
            continue;
        }
        struct msg m = pop(w);
        uint64_t late = now - m.due;
        w->late_n++;
        w->late_sum += late;
        if (late > w->late_max)
            w->late_max = late;
        pthread_mutex_unlock(&w->mu);
        write_all(&m);
        free(m.data);
        struct done *d = xmalloc(sizeof *d);
        d->tag = m.tag;
        pthread_mutex_lock(&w->mu);
        d->next = w->done;
        w->done = d;
        uv_async_send(&w->async);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static void async_cb(uv_async_t *a)
{
    struct tb_wire *w = a->data;
    pthread_mutex_lock(&w->mu);
    struct done *d = w->done;
    w->done = NULL;
    pthread_mutex_unlock(&w->mu);
    /* Reported oldest first. */
    struct done *rev = NULL;
    while (d) {
        struct done *next = d->next;
        d->next = rev;
        rev = d;
        d = next;
    }
    while (rev) {
        struct done *next = rev->next;
        w->sent(w->arg, rev->tag);
        free(rev);
        rev = next;
    }
}

struct tb_wire *tb_wire_start(uv_loop_t *loop, void (*sent)(void *arg, void *tag), void *arg)
{
    struct tb_wire *w = xcalloc(1, sizeof *w);
    pthread_mutex_init(&w->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cv, &ca);
    pthread_condattr_destroy(&ca);
    w->sent = sent;
    w->arg = arg;
    w->async.data = w;
    uv_async_init(loop, &w->async, async_cb);
    if (pthread_create(&w->th, NULL, run, w) != 0)
        abort();
    return w;
}

void tb_wire_send(struct tb_wire *w, int fd, uint64_t due, char *data, size_t len, void *tag)
{
    pthread_mutex_lock(&w->mu);
    bool first = !w->n || due < w->heap[0].due;
    push(w, (struct msg){due, ++w->seq, fd, data, len, tag});
    if (first)
        pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

void tb_wire_late(struct tb_wire *w, uint64_t *n, uint64_t *sum, uint64_t *max)
{
    *n = *sum = *max = 0;
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    *n = w->late_n;
    *sum = w->late_sum;
    *max = w->late_max;
    pthread_mutex_unlock(&w->mu);
}

static void free_wire(uv_handle_t *h)
{
    free(h->data);
}

void tb_wire_stop(struct tb_wire *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->th, NULL);
    for (size_t i = 0; i < w->n; i++)
        free(w->heap[i].data);
    while (w->done) {
        struct done *d = w->done;
        w->done = d->next;
        free(d);
    }
    free(w->heap);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    uv_close((uv_handle_t *)&w->async, free_wire);
}
