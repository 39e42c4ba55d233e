/* SPDX-License-Identifier: MIT */
/* testbed/driver.c: starting, feeding and stopping the testbed's processes
 * (testbed/driver.h). */
#define _GNU_SOURCE
#include "testbed/driver.h"

#include "sim/strbuf.h"
#include "sim/units.h"
#include "sim/xalloc.h"
#include "testbed/clock.h"
#include "testbed/loadgen.h"
#include "testbed/measure.h"
#include "testbed/stats.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

/* Time an instance has to print its port and to become ready. */
#define START_MS 10000
/* Time an instance has to answer for its statistics. */
#define STATS_MS 20000
/* Time an instance has to exit once its input closes, then after SIGTERM. */
#define STOP_MS 2000
/* Margin between the last instance's readiness and the first request. */
#define START_MARGIN_NS 100000000u

struct proc {
    pid_t pid; /* 0: not running */
    int in_fd, out_fd;
    int port;
    int svc, k;
};

struct tb_driver {
    const struct mdl_model *m;
    const struct tb_run_opts *o;
    struct proc *procs;
    size_t nprocs;
    int **ports; /* per service, its instances' ports */
    int *nports;
    struct sim_diag *d;
    int err;
    struct tb_load *load;
    uv_loop_t loop;
    uv_timer_t tick;
    uint64_t t0;
    bool interrupted;
    double last_progress;
};

int tb_check_model(const struct mdl_model *m, struct sim_diag *d)
{
    const char *f = m->source;
    if (m->policy.name)
        return sim_diag_set(d, SIM_ECONFIG, f, m->policy.line,
                            "the testbed runs fixed instance counts: remove the policy (policy "
                            "\"%s\") to run this model in the testbed",
                            m->policy.name);
    if (m->hosts.count > 0)
        return sim_diag_set(d, SIM_ECONFIG, f, 0,
                            "the testbed runs on this machine: remove hosts to run it");
    long total = 0;
    for (size_t i = 0; i < m->nservices; i++) {
        const struct mdl_service *s = &m->services[i];
        if (s->sched != MDL_SCHED_LWT)
            return sim_diag_set(d, SIM_ECONFIG, f, s->line,
                                "service \"%s\": the testbed runs Lwt's loop only (sched = "
                                "\"lwt\"), not the idealised fifo scheduler",
                                s->name);
        if (s->nscale)
            return sim_diag_set(d, SIM_ECONFIG, f, s->line,
                                "service \"%s\": the testbed runs fixed instance counts (no "
                                "scale_at)",
                                s->name);
        if (s->maxconn > 0)
            return sim_diag_set(d, SIM_ECONFIG, f, s->line,
                                "service \"%s\": the testbed has no balancer queue (maxconn); "
                                "maxqueue alone is supported",
                                s->name);
        if (s->instances < 1)
            return sim_diag_set(d, SIM_ECONFIG, f, s->line,
                                "service \"%s\": the testbed needs at least one instance of "
                                "every service",
                                s->name);
        total += s->instances;
    }
    if (total > TB_INSTANCES_MAX)
        return sim_diag_set(d, SIM_ECONFIG, f, 0,
                            "%ld instances: the testbed starts at most %d processes", total,
                            TB_INSTANCES_MAX);
    return 0;
}

/* ---- Processes ---- */

/* Reads one line from fd within ms; returns its length, 0 at EOF, -1 on
 * timeout or error. */
static int read_line(int fd, char *buf, size_t size, int ms)
{
    size_t n = 0;
    uint64_t end = tb_now() + (uint64_t)ms * 1000000u;
    while (n + 1 < size) {
        uint64_t now = tb_now();
        if (now >= end)
            return -1;
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, (int)((end - now) / 1000000u) + 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        ssize_t k = read(fd, buf + n, 1);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        if (buf[n] == '\n')
            break;
        n++;
    }
    buf[n] = 0;
    return (int)n;
}

static int spawn(struct tb_driver *dr, struct proc *p)
{
    const struct tb_run_opts *o = dr->o;
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) < 0)
        return -1;
    if (pipe2(out, O_CLOEXEC) < 0) {
        close(in[0]);
        close(in[1]);
        return -1;
    }
    char k[24], seed[24];
    snprintf(k, sizeof k, "%d", p->k);
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)o->seed);
    const char **argv = xcalloc(12 + 2 * o->nsets, sizeof *argv);
    size_t a = 0;
    argv[a++] = o->svc_bin;
    argv[a++] = o->model_path;
    argv[a++] = "--service";
    argv[a++] = dr->m->services[p->svc].name;
    argv[a++] = "--instance";
    argv[a++] = k;
    argv[a++] = "--seed";
    argv[a++] = seed;
    argv[a++] = "--compute";
    argv[a++] = o->compute;
    for (size_t i = 0; i < o->nsets; i++) {
        argv[a++] = "--set";
        argv[a++] = o->sets[i];
    }
    pid_t pid = fork();
    if (pid == 0) {
        /* Its own group: a Ctrl-C reaches the driver, which stops it. */
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(in[0], 0);
        dup2(out[1], 1);
        execv(o->svc_bin, (char *const *)argv);
        fprintf(stderr, "uksim testbed: cannot run %s: %s\n", o->svc_bin, strerror(errno));
        _exit(127);
    }
    free(argv);
    close(in[0]);
    close(out[1]);
    if (pid < 0) {
        close(in[1]);
        close(out[0]);
        return -1;
    }
    p->pid = pid;
    p->in_fd = in[1];
    p->out_fd = out[0];
    return 0;
}

/* Reaps p if it has exited; true if it is gone. */
static bool reap(struct proc *p)
{
    int st;
    if (!p->pid)
        return true;
    pid_t r = waitpid(p->pid, &st, WNOHANG);
    if (r == p->pid || (r < 0 && errno == ECHILD)) {
        p->pid = 0;
        return true;
    }
    return false;
}

/* Waits up to ms for every process to exit; true if all have. */
static bool reap_all(struct tb_driver *dr, int ms)
{
    uint64_t end = tb_now() + (uint64_t)ms * 1000000u;
    for (;;) {
        bool all = true;
        for (size_t i = 0; i < dr->nprocs; i++)
            all &= reap(&dr->procs[i]);
        if (all)
            return true;
        if (tb_now() >= end)
            return false;
        usleep(5000);
    }
}

/* Stops every process started, by PID: closing its input, then SIGTERM,
 * then SIGKILL, each step for all at once. Returns how many were killed. */
static int stop_all(struct tb_driver *dr)
{
    for (size_t i = 0; i < dr->nprocs; i++) {
        struct proc *p = &dr->procs[i];
        if (p->in_fd >= 0)
            close(p->in_fd); /* the instance exits when its input closes */
        p->in_fd = -1;
    }
    int killed = 0;
    if (!reap_all(dr, STOP_MS)) {
        for (size_t i = 0; i < dr->nprocs; i++)
            if (dr->procs[i].pid)
                kill(dr->procs[i].pid, SIGTERM);
        if (!reap_all(dr, STOP_MS)) {
            for (size_t i = 0; i < dr->nprocs; i++) {
                struct proc *p = &dr->procs[i];
                if (!p->pid)
                    continue;
                fprintf(stderr,
                        "uksim testbed: instance %d of service \"%s\" (pid %ld) did not stop; "
                        "killed\n",
                        p->k, dr->m->services[p->svc].name, (long)p->pid);
                kill(p->pid, SIGKILL);
                killed++;
            }
            reap_all(dr, STOP_MS);
        }
    }
    for (size_t i = 0; i < dr->nprocs; i++) {
        struct proc *p = &dr->procs[i];
        if (p->out_fd >= 0)
            close(p->out_fd);
        p->out_fd = -1;
    }
    return killed;
}

static int fail(struct tb_driver *dr, const struct proc *p, const char *what)
{
    if (!dr->err)
        dr->err = sim_diag_set(dr->d, SIM_EIO, dr->m->source, 0,
                               "testbed: instance %d of service \"%s\" %s", p->k,
                               dr->m->services[p->svc].name, what);
    return dr->err;
}

/* Why p is not running (waiting up to ms for it to end), or NULL. */
static const char *exited_within(struct proc *p, char *buf, size_t size, int ms)
{
    int st;
    uint64_t end = tb_now() + (uint64_t)ms * 1000000u;
    pid_t r;
    while (p->pid && (r = waitpid(p->pid, &st, WNOHANG)) == 0 && tb_now() < end)
        usleep(2000);
    if (!p->pid || r != p->pid)
        return NULL;
    p->pid = 0;
    if (WIFSIGNALED(st))
        snprintf(buf, size, "died of signal %d", WTERMSIG(st));
    else
        snprintf(buf, size, "exited with status %d", WEXITSTATUS(st));
    return buf;
}

static const char *exited(struct proc *p, char *buf, size_t size)
{
    return exited_within(p, buf, size, 0);
}

static int start_all(struct tb_driver *dr)
{
    const struct mdl_model *m = dr->m;
    for (size_t i = 0; i < dr->nprocs; i++)
        if (spawn(dr, &dr->procs[i]) < 0)
            return fail(dr, &dr->procs[i], "could not be started");
    char line[128], why[64];
    for (size_t i = 0; i < dr->nprocs; i++) {
        struct proc *p = &dr->procs[i];
        int port = 0;
        if (read_line(p->out_fd, line, sizeof line, START_MS) <= 0 ||
            sscanf(line, "port %d", &port) != 1 || port <= 0)
            return fail(dr, p,
                        exited_within(p, why, sizeof why, 1000) ? why : "did not report its port");
        p->port = port;
        dr->ports[p->svc][p->k] = port;
    }
    struct sim_buf peers = {0};
    for (size_t s = 0; s < m->nservices; s++) {
        sim_buf_printf(&peers, "peers %zu", s);
        for (int k = 0; k < dr->nports[s]; k++)
            sim_buf_printf(&peers, " %d", dr->ports[s][k]);
        sim_buf_printf(&peers, "\n");
    }
    dr->t0 = tb_now() + START_MARGIN_NS + (uint64_t)dr->nprocs * 2000000u;
    sim_buf_printf(&peers, "start %llu\n", (unsigned long long)dr->t0);
    for (size_t i = 0; i < dr->nprocs && !dr->err; i++) {
        size_t off = 0;
        while (off < peers.n) {
            ssize_t n = write(dr->procs[i].in_fd, peers.p + off, peers.n - off);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                fail(dr, &dr->procs[i], "stopped reading its input");
                break;
            }
            off += (size_t)n;
        }
    }
    free(peers.p);
    for (size_t i = 0; i < dr->nprocs && !dr->err; i++) {
        struct proc *p = &dr->procs[i];
        if (read_line(p->out_fd, line, sizeof line, START_MS) <= 0 || strcmp(line, "ready"))
            return fail(dr, p,
                        exited_within(p, why, sizeof why, 1000) ? why : "did not become ready");
    }
    if (!dr->err && tb_now() + 10000000u > dr->t0) /* slow start: move the origin */
        return fail(dr, &dr->procs[0], "and the others took too long to start");
    return dr->err;
}

/* ---- Statistics ---- */

/* GET /_uksim/stats from p: the JSON, or NULL with d set. */
static json_t *fetch_stats(struct tb_driver *dr, struct proc *p)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                            .sin_port = htons((uint16_t)p->port)};
    struct timeval tv = {STATS_MS / 1000, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    static const char req[] =
        "GET /_uksim/stats HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    struct {
        char *p;
        size_t len, cap;
    } b = {0};
    json_t *j = NULL;
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
        write(fd, req, sizeof req - 1) != (ssize_t)(sizeof req - 1)) {
        fail(dr, p, "refused the statistics request");
        goto out;
    }
    char buf[65536];
    long want = -1;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        b.p = xgrow(b.p, &b.cap, b.len + (size_t)n + 1, 1);
        memcpy(b.p + b.len, buf, (size_t)n);
        b.len += (size_t)n;
        b.p[b.len] = 0;
        const char *end = b.p ? strstr(b.p, "\r\n\r\n") : NULL;
        if (end && want < 0) {
            const char *cl = strcasestr(b.p, "Content-Length:");
            want = cl && cl < end ? strtol(cl + 15, NULL, 10) : 0;
        }
        if (end && want >= 0 && (long)(b.len - (size_t)(end + 4 - b.p)) >= want)
            break;
    }
    const char *body = b.p ? strstr(b.p, "\r\n\r\n") : NULL;
    if (!body || strncmp(b.p, "HTTP/1.1 200", 12)) {
        char what[160];
        if (b.p)
            snprintf(what, sizeof what, "answered the statistics request with \"%.40s\"", b.p);
        fail(dr, p, b.p ? what : "did not answer the statistics request (hung?)");
        goto out;
    }
    json_error_t je;
    j = json_loadb(body + 4, b.len - (size_t)(body + 4 - b.p), 0, &je);
    if (!j)
        fail(dr, p, "sent statistics that are not JSON");
out:
    if (fd >= 0)
        close(fd);
    free(b.p);
    return j;
}

static int collect(struct tb_driver *dr, struct tb_stats *svc_st)
{
    char err[200];
    for (size_t i = 0; i < dr->nprocs && !dr->err; i++) {
        struct proc *p = &dr->procs[i];
        json_t *j = fetch_stats(dr, p);
        if (!j)
            break;
        if (tb_stats_merge_json(&svc_st[p->svc], j, err, sizeof err) < 0) {
            char what[260];
            snprintf(what, sizeof what, "sent bad statistics: %s", err);
            fail(dr, p, what);
        }
        json_decref(j);
    }
    return dr->err;
}

/* ---- The run ---- */

static void tick_cb(uv_timer_t *t)
{
    struct tb_driver *dr = t->data;
    uint64_t now = tb_now();
    char why[64];
    for (size_t i = 0; i < dr->nprocs; i++)
        if (exited(&dr->procs[i], why, sizeof why)) {
            fail(dr, &dr->procs[i], why);
            uv_stop(&dr->loop);
            return;
        }
    if (tb_load_in_flight(dr->load) > dr->m->run.max_in_flight) {
        char what[200];
        snprintf(what, sizeof what,
                 "overloaded: more than %llu requests in flight (run.max_in_flight); the "
                 "offered load is beyond what the instances serve",
                 (unsigned long long)dr->m->run.max_in_flight);
        if (!dr->err)
            dr->err = sim_diag_set(dr->d, SIM_EIO, dr->m->source, 0, "testbed: %s", what);
        uv_stop(&dr->loop);
        return;
    }
    if (dr->o->interrupt && *dr->o->interrupt) {
        dr->interrupted = true;
        uv_stop(&dr->loop);
        return;
    }
    double el = now > dr->t0 ? (double)(now - dr->t0) * 1e-9 : 0;
    if (dr->o->progress && el - dr->last_progress >= 1.0) {
        dr->last_progress = el;
        fprintf(stderr, "\rtestbed: %.0f of %.0f s, %llu requests in flight   ", el,
                dr->m->run.duration, (unsigned long long)tb_load_in_flight(dr->load));
    }
    if (tb_load_done(dr->load, now))
        uv_stop(&dr->loop);
}

int tb_run(const struct mdl_model *m, const struct tb_run_opts *o, struct run_summary *out,
           struct sim_diag *d)
{
    int err = tb_check_model(m, d);
    if (err)
        return err;
    struct tb_driver dr = {.m = m, .o = o, .d = d};
    dr.ports = xcalloc(m->nservices, sizeof *dr.ports);
    dr.nports = xcalloc(m->nservices, sizeof *dr.nports);
    for (size_t s = 0; s < m->nservices; s++) {
        dr.nports[s] = m->services[s].instances;
        dr.ports[s] = xcalloc((size_t)dr.nports[s], sizeof *dr.ports[s]);
        dr.nprocs += (size_t)dr.nports[s];
    }
    dr.procs = xcalloc(dr.nprocs, sizeof *dr.procs);
    size_t n = 0;
    for (size_t s = 0; s < m->nservices; s++)
        for (int k = 0; k < dr.nports[s]; k++)
            dr.procs[n++] = (struct proc){.in_fd = -1, .out_fd = -1, .svc = (int)s, .k = k};
    struct tb_stats *svc_st = xcalloc(m->nservices, sizeof *svc_st);
    uv_loop_init(&dr.loop);
    prctl(PR_SET_TIMERSLACK, 1UL); /* the clients' sends on time */
    if (start_all(&dr) == 0) {
        for (size_t c = 0; o->verbose && c < m->workload.nclasses; c++) {
            int e = m->workload.classes[c].entry;
            bool first = true;
            for (size_t k = 0; k < c && first; k++)
                first = m->workload.classes[k].entry != e;
            for (int k = 0; first && k < dr.nports[e]; k++)
                fprintf(stderr, "testbed: %s/%d on http://127.0.0.1:%d/\n", m->services[e].name, k,
                        dr.ports[e][k]);
        }
        dr.load = tb_load_new(&dr.loop, m, o->seed, dr.ports, dr.nports);
        tb_load_start(dr.load, dr.t0);
        uv_timer_init(&dr.loop, &dr.tick);
        dr.tick.data = &dr;
        uv_timer_start(&dr.tick, tick_cb, 20, 20);
        uv_run(&dr.loop, UV_RUN_DEFAULT);
        uint64_t end = tb_now();
        tb_load_stop(dr.load);
        uv_close((uv_handle_t *)&dr.tick, NULL);
        uv_run(&dr.loop, UV_RUN_NOWAIT);
        if (o->progress)
            fprintf(stderr, "\r%60s\r", "");
        if (!dr.err) {
            for (size_t s = 0; s < m->nservices; s++)
                tb_stats_init(&svc_st[s], dr.t0, (uint64_t)sim_sec_to_ns(m->run.warmup),
                              (uint64_t)sim_sec_to_ns(m->run.window),
                              (uint32_t)tb_callee_count(m, (int)s));
            collect(&dr, svc_st);
        }
        if (!dr.err) {
            double ran = end > dr.t0 ? (double)(end - dr.t0) * 1e-9 : 0;
            if (ran > m->run.duration)
                ran = m->run.duration;
            tb_summarise(m, o->seed, svc_st, dr.nports, tb_load_result(dr.load), ran,
                         dr.interrupted, o->compute, out);
        }
    }
    int killed = stop_all(&dr);
    if (!dr.err && killed)
        dr.err = sim_diag_set(d, SIM_EIO, m->source, 0,
                              "testbed: %d instance(s) did not stop when asked", killed);
    uv_run(&dr.loop, UV_RUN_NOWAIT);
    uv_loop_close(&dr.loop);
    tb_load_free(dr.load);
    for (size_t s = 0; s < m->nservices; s++) {
        free(dr.ports[s]);
        tb_stats_fini(&svc_st[s]);
    }
    free(svc_st);
    free(dr.ports);
    free(dr.nports);
    free(dr.procs);
    return dr.err;
}
