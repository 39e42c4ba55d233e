/* SPDX-License-Identifier: MIT */
/* testbed/svc_main.c: uksim-svc, one instance of one model service
 * (testbed/svc.h), started by `uksim testbed run`.
 *
 *   uksim-svc MODEL --service NAME --instance K --seed S [--compute hold|spin]
 *             [--set PATH=VALUE]...
 *
 * Talks to its driver over its standard streams: it prints "port N" once
 * it listens on 127.0.0.1:N, then reads "peers SVC PORT..." lines (the
 * ports of each service's instances) and "start T0" (the run's start,
 * CLOCK_MONOTONIC ns), and prints "ready". It exits when its standard input
 * closes, so it never outlives its driver. Errors go to standard error
 * with exit status 2. */
#define _GNU_SOURCE
#include "testbed/svc.h"

#include "testbed/measure.h"

#include "sim/err.h"
#include "sim/rng.h"
#include "sim/strbuf.h"
#include "sim/xalloc.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static void usage(FILE *f)
{
    fputs("usage: uksim-svc MODEL --service NAME --instance K --seed S [--compute hold|spin]\n"
          "                 [--set PATH=VALUE]...\n"
          "One instance of a model's service as a real process (started by `uksim testbed\n"
          "run`; see `uksim help testbed`). Prints \"port N\", reads \"peers SVC PORT...\"\n"
          "and \"start T0\" lines, prints \"ready\", serves until its input closes.\n",
          f);
}

static void die(const char *fmt, const char *a)
{
    fprintf(stderr, "uksim-svc: ");
    fprintf(stderr, fmt, a);
    fputc('\n', stderr);
    exit(2);
}

/* Instance 0 draws from the simulator's stream of its service ("svc/NAME/
 * WHAT"), so that a service of one instance sees the simulator's demands,
 * branches and sizes in the same order (common random numbers: the
 * simulator and the testbed then differ by what they do, not by their
 * draws); other instances have streams of their own. */
static gsl_rng *stream(const struct tb_svc *s, uint64_t seed, const char *what)
{
    struct sim_buf name = {0};
    if (s->index == 0)
        sim_buf_printf(&name, "svc/%s/%s", s->def->name, what);
    else
        sim_buf_printf(&name, "testbed/%s/%d/%s", s->def->name, s->index, what);
    gsl_rng *r = sim_rng_create(seed, name.p);
    free(name.p);
    return r;
}

static void setup(struct tb_svc *s, uint64_t seed)
{
    const struct mdl_model *m = s->m;
    const struct mdl_tracing *tr = &m->tracing;
    s->cfg = (struct step_cfg){(uint32_t)s->def->yield_points,
                               (int64_t)(s->def->yield_every * 1e9 + 0.5)};
    s->rng_compute = stream(s, seed, "compute");
    s->rng_branch = stream(s, seed, "branch");
    s->rng_size = stream(s, seed, "size");
    s->rng_lb = stream(s, seed, "lb");
    s->rng_net = stream(s, seed, "net");
    struct sim_buf name = {0};
    sim_buf_printf(&name, "testbed/%s/%d/trace", s->def->name, s->index);
    wt_service_init(&s->wt, sim_rng_derive(seed, name.p));
    free(name.p);
    mdl_tracing_apply(tr, &s->wt);
    int *glob;
    s->ncallees = (uint32_t)tb_callees(m, s->svc, &glob);
    s->callees = xcalloc(s->ncallees ? s->ncallees : 1, sizeof *s->callees);
    for (uint32_t j = 0; j < s->ncallees; j++)
        s->callees[j].svc = glob[j];
    free(glob);
    s->wt.est = xcalloc(s->ncallees ? s->ncallees : 1, sizeof *s->wt.est);
    s->wt.nest = s->ncallees;
}

/* "peers SVC PORT..." */
static void read_peers(struct tb_svc *s, char *line)
{
    char *save = NULL, *tok = strtok_r(line + 6, " \n", &save);
    int svc = tok ? atoi(tok) : -1;
    struct tb_callee *ce = NULL;
    for (uint32_t j = 0; j < s->ncallees; j++)
        if (s->callees[j].svc == svc)
            ce = &s->callees[j];
    if (!ce)
        return; /* not a callee */
    int n = 0;
    int ports[65536];
    while ((tok = strtok_r(NULL, " \n", &save)) && n < 65536)
        ports[n++] = atoi(tok);
    if (n == 0)
        die("no instance of callee %s", s->m->services[svc].name);
    ce->ninst = n;
    ce->ports = xmalloc((size_t)n * sizeof *ce->ports);
    memcpy(ce->ports, ports, (size_t)n * sizeof *ce->ports);
    ce->outstanding = xcalloc((size_t)n, sizeof *ce->outstanding);
    ce->idle = xcalloc((size_t)n, sizeof *ce->idle);
}

static void stdin_cb(uv_poll_t *p, int status, int events)
{
    char buf[256];
    (void)status;
    (void)events;
    ssize_t n = read(0, buf, sizeof buf);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
        uv_stop(p->loop); /* the driver is gone or done */
}

int main(int argc, char **argv)
{
    const char *model = NULL, *service = NULL, *mode = "hold";
    long index = -1;
    unsigned long long seed = 1;
    const char **sets = xcalloc((size_t)argc, sizeof *sets);
    size_t nsets = 0;
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    prctl(PR_SET_TIMERSLACK, 1UL); /* wake-ups on time, not up to 50 us late */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        }
        if (a[0] == '-' && !v)
            die("%s needs a value", a);
        if (!strcmp(a, "--service"))
            service = argv[++i];
        else if (!strcmp(a, "--instance"))
            index = strtol(argv[++i], NULL, 10);
        else if (!strcmp(a, "--seed"))
            seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(a, "--compute"))
            mode = argv[++i];
        else if (!strcmp(a, "--set"))
            sets[nsets++] = argv[++i];
        else if (a[0] == '-')
            die("unknown option %s (see --help)", a);
        else if (!model)
            model = a;
        else
            die("one model only: %s", a);
    }
    if (!model || !service || index < 0) {
        usage(stderr);
        return 2;
    }
    if (strcmp(mode, "hold") && strcmp(mode, "spin"))
        die("--compute: \"%s\" is not hold or spin", mode);
    struct mdl_model m = {0};
    struct sim_diag d = {0};
    if (mdl_load_file(&m, model, sets, nsets, &d)) {
        char msg[900];
        sim_diag_format(&d, msg, sizeof msg);
        fprintf(stderr, "uksim-svc: %s\n", msg);
        return 2;
    }
    struct tb_svc s = {.m = &m, .compute = mode[0] == 'h' ? TB_HOLD : TB_SPIN};
    s.svc = mdl_service_find(&m, service);
    if (s.svc < 0)
        die("no service \"%s\" in the model", service);
    s.def = &m.services[s.svc];
    s.index = (int)index;
    setup(&s, seed);
    s.loop = uv_default_loop();
    uv_loop_configure(s.loop, UV_METRICS_IDLE_TIME);
    char err[256];
    int port = tb_net_listen(&s, err, sizeof err);
    if (port < 0)
        die("%s", err);
    signal(SIGPIPE, SIG_IGN);
    printf("port %d\n", port);
    fflush(stdout);
    char line[1 << 20];
    uint64_t t0 = 0;
    while (fgets(line, sizeof line, stdin)) {
        if (!strncmp(line, "peers ", 6))
            read_peers(&s, line);
        else if (!strncmp(line, "start ", 6)) {
            t0 = strtoull(line + 6, NULL, 10);
            break;
        }
    }
    if (!t0)
        return 0; /* the driver went away before the start */
    for (uint32_t j = 0; j < s.ncallees; j++)
        if (!s.callees[j].ninst)
            die("no instance of callee \"%s\" was given", m.services[s.callees[j].svc].name);
    tb_stats_init(&s.st, t0, (uint64_t)(m.run.warmup * 1e9 + 0.5),
                  (uint64_t)(m.run.window * 1e9 + 0.5), s.ncallees);
    tb_lwt_init(&s);
    tb_net_wire(&s);
    uv_poll_t in;
    uv_poll_init(s.loop, &in, 0);
    uv_poll_start(&in, UV_READABLE, stdin_cb);
    printf("ready\n");
    fflush(stdout);
    s.loop_start = tb_now();
    s.idle_start = uv_metrics_idle_time(s.loop);
    uv_run(s.loop, UV_RUN_DEFAULT);
    tb_wire_stop(s.wire);
    /* The driver is done with this instance: the process ends here, and the
     * kernel reclaims its sockets and memory. */
    fflush(stdout);
    _exit(0);
}
