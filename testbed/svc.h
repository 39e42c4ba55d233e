/* SPDX-License-Identifier: MIT */
/* testbed/svc.h: uksim-svc, one instance of one model service as a real
 * process: one thread, one libuv loop, HTTP/1.1 over TCP on 127.0.0.1, the
 * model's handler interpreted by the handler-step machine (models/step.h),
 * and the tracing core (libwtrace) called at the same points as in the
 * simulator (models/lwt.c).
 *
 * Two halves share this header:
 * - testbed/svc_net.c: sockets. Accepting, keep-alive pools of connections
 *   to callee instances, reads with the kernel's receive timestamp
 *   (SO_TIMESTAMPNS), buffered writes, and the model's network latency and
 *   bandwidth applied before a write, on the delay line (testbed/wire.h:
 *   the one thread beside the loop, standing for the wire).
 * - testbed/svc_lwt.c: Lwt's loop. Each loop iteration polls once and
 *   handles every message read: a request runs its handler to its first
 *   yield or call, a reply resumes the handler waiting for it; handlers
 *   that yielded resume in the check phase after the poll, one burst each;
 *   nothing is preemptive. compute steps hold the thread until their
 *   deadline ("hold": sleep, then spin the last 50 us) or spin ("spin").
 * Ownership: everything hangs off struct tb_svc and is freed at exit. */
#ifndef TESTBED_SVC_H
#define TESTBED_SVC_H

#include "models/model.h"
#include "models/step.h"
#include "testbed/clock.h"
#include "testbed/compute.h"
#include "testbed/http.h"
#include "testbed/stats.h"
#include "testbed/wire.h"
#include "wtrace.h"

#include <gsl/gsl_rng.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

struct tb_svc;
struct tb_visit;

/* A buffer of bytes still to be written. */
struct tb_out {
    char *p;
    size_t len, off, cap;
};

struct tb_conn {
    int fd;
    uv_poll_t poll;
    struct tb_svc *svc;
    bool server;     /* accepted from a caller (else: to a callee) */
    bool connecting; /* client: connect() not yet done */
    bool closing;    /* closed as soon as nothing refers to it */
    int events;      /* what poll watches */
    struct tb_http_in in;
    struct tb_out out;
    uint32_t refs;     /* delayed messages and visits holding it */
    uint64_t last_due; /* of the last message queued on it: messages keep their order */
    uint32_t queued;   /* of which on the delay line: the socket stays open for them */
    /* Server side: the visits read on it, in order (replies go in order). */
    struct tb_visit *vhead, *vtail;
    /* Client side: */
    int callee, inst;             /* local callee index, instance */
    struct tb_conn *idle_next;    /* in the pool's idle list */
    struct tb_call *call;         /* the call in flight on it */
    uint64_t last_nic, last_read; /* timestamps of the last read, ns */
};

/* One call of a visit. */
struct tb_call {
    struct wt_call wc; /* the tracing core's record; outlives the call */
    struct tb_visit *v;
    struct tb_call *next;
};

struct tb_visit {
    struct tb_conn *conn; /* where the reply goes */
    struct tb_visit *conn_next;
    bool replied; /* the reply is written to conn's queue or waits its turn */
    char *reply;  /* a reply waiting for the visits before it on the connection */
    size_t reply_len;
    struct step_state hs;
    struct wt_req wt;
    struct tb_call *calls;
    uint32_t cls;
    int from_zone;
    bool measured, failed;
    uint64_t nic_ns; /* summed time the request and its replies sat unread */
    struct tb_visit *yq_next;
};

/* Connections to one callee service. */
struct tb_callee {
    int svc; /* global service index */
    int ninst;
    int *ports;
    uint32_t *outstanding; /* calls in flight per instance, from this instance */
    struct tb_conn **idle; /* per instance */
    uint32_t rr;
};

struct tb_svc {
    const struct mdl_model *m;
    const struct mdl_service *def;
    int svc, index;
    enum tb_compute compute;
    uv_loop_t *loop;
    int listen_fd;
    uv_poll_t listen_poll;
    uv_check_t check;
    uv_idle_t idle;
    /* Lwt: */
    struct step_cfg cfg;
    struct tb_visit *yq_head, *yq_tail;
    uint32_t outstanding; /* visits held */
    uint64_t debt_ns;     /* compute time held beyond deadlines, to pay back */
    /* Tracing: */
    struct wt_service wt;
    struct wt_callee_est *est;
    struct tb_callee *callees; /* by local callee index */
    uint32_t ncallees;
    /* Randomness (streams per instance): */
    gsl_rng *rng_compute, *rng_branch, *rng_size, *rng_lb, *rng_net;
    /* The network's delay line (testbed/wire.h; NULL without delays) and
     * the instance's egress link: */
    struct tb_wire *wire;
    uint64_t link_free;
    struct tb_stats st;
    uint64_t loop_start, idle_start; /* when the loop started, its idle time then */
};

/* svc_net.c */
int tb_net_listen(struct tb_svc *s, char *err, size_t errlen);
/* Starts the delay line if the model's network delays messages. */
void tb_net_wire(struct tb_svc *s);
/* Sends len bytes (copied) on c after the model's delay for a message of
 * `bytes` to zone to_zone. */
void tb_net_send(struct tb_svc *s, struct tb_conn *c, const char *data, size_t len, double bytes,
                 int to_zone);
/* A connection to an instance of callee j for a call (from the idle pool or
 * new), or NULL with errno. */
struct tb_conn *tb_net_call_conn(struct tb_svc *s, int j, int inst);
/* The call on c is answered: c goes back to its pool. */
void tb_net_release(struct tb_svc *s, struct tb_conn *c);
/* Writes len bytes on c now (the control endpoint's replies). */
void tb_net_write(struct tb_conn *c, const char *data, size_t len);
void tb_conn_unref(struct tb_conn *c);
void tb_conn_close(struct tb_conn *c);

/* svc_lwt.c: called by svc_net.c for each message read. */
void tb_lwt_request(struct tb_svc *s, struct tb_conn *c, const struct tb_http_msg *msg);
void tb_lwt_reply(struct tb_svc *s, struct tb_conn *c, const struct tb_http_msg *msg);
/* The call on a client connection failed (connection refused or lost). */
void tb_lwt_call_failed(struct tb_svc *s, struct tb_conn *c);
/* Sets up the loop's check and idle handles. */
void tb_lwt_init(struct tb_svc *s);

#endif
