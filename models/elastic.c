/* SPDX-License-Identifier: MIT */
/* models/elastic.c: demand from the model, and the elasticity and SLO
 * metrics from the time series. The accuracy metrics divide by demand,
 * which we take as at least 1 instance; instability uses the two-sided form
 * (supply and demand changing in different directions), jitter counts
 * changes of the ready count and of demand between windows. */
#include "models/elastic.h"

#include "sim/xalloc.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static struct mdl_handler handler_for(const struct mdl_service *s, size_t cls)
{
    if (cls != SIZE_MAX && s->by_class && s->by_class[cls].nsteps)
        return s->by_class[cls];
    return (struct mdl_handler){s->steps, s->nsteps};
}

/* Mean CPU seconds of one visit to svc running handler h. */
static double handler_cpu(struct mdl_handler h)
{
    double sum = 0;
    for (size_t k = 0; k < h.nsteps; k++)
        if (h.steps[k].kind == MDL_STEP_COMPUTE)
            sum += h.steps[k].p * h.steps[k].compute.mean;
    return sum;
}

/* Propagates expected visits through the call graph of class c (SIZE_MAX:
 * the default handlers), from the visits already in v, in topological order
 * (Kahn's algorithm: linear in the graph, no recursion). Adds each service's
 * expected visits and CPU seconds, times scale, to visits and work. */
static void propagate(const struct mdl_model *m, size_t c, double *v, double *visits, double *work,
                      size_t *indeg, int *queue)
{
    size_t n = m->nservices;
    memset(indeg, 0, n * sizeof *indeg);
    for (size_t s = 0; s < n; s++) {
        struct mdl_handler h = c == SIZE_MAX ? handler_for(&m->services[s], SIZE_MAX)
                                             : handler_for(&m->services[s], c);
        for (size_t k = 0; k < h.nsteps; k++)
            for (size_t j = 0; h.steps[k].kind == MDL_STEP_CALL && j < h.steps[k].ncallees; j++)
                indeg[h.steps[k].callees[j]]++;
    }
    size_t head = 0, tail = 0;
    for (size_t s = 0; s < n; s++)
        if (indeg[s] == 0)
            queue[tail++] = (int)s;
    while (head < tail) {
        int s = queue[head++];
        struct mdl_handler h = handler_for(&m->services[s], c);
        visits[s] += v[s];
        work[s] += v[s] * handler_cpu(h) / m->services[s].speed;
        for (size_t k = 0; k < h.nsteps; k++) {
            const struct mdl_step *st = &h.steps[k];
            for (size_t j = 0; st->kind == MDL_STEP_CALL && j < st->ncallees; j++) {
                double w = st->p;
                if (st->pick)
                    w *= st->pick[j] - (j ? st->pick[j - 1] : 0);
                int to = st->callees[j];
                v[to] += w * v[s];
                if (--indeg[to] == 0)
                    queue[tail++] = to;
            }
        }
    }
}

void el_expected_load(const struct mdl_model *m, double *visits, double *work)
{
    size_t n = m->nservices, nc = m->workload.nclasses;
    double *v = xcalloc(n, sizeof *v);
    size_t *indeg = xmalloc(n * sizeof *indeg);
    int *queue = xmalloc(n * sizeof *queue);
    memset(visits, 0, n * sizeof *visits);
    memset(work, 0, n * sizeof *work);
    /* Classes with a handler of their own somewhere walk their own graph;
     * the others share the default handlers, so their entries' shares are
     * propagated together (the propagation is linear). */
    char *special = xcalloc(nc ? nc : 1, 1);
    for (size_t s = 0; s < n; s++)
        for (size_t c = 0; m->services[s].by_class && c < nc; c++)
            special[c] |= m->services[s].by_class[c].nsteps > 0;
    bool any = false;
    for (size_t c = 0; c < nc; c++)
        if (!special[c]) {
            v[m->workload.classes[c].entry] += m->workload.classes[c].share;
            any = true;
        }
    if (any)
        propagate(m, SIZE_MAX, v, visits, work, indeg, queue);
    for (size_t c = 0; c < nc; c++) {
        if (!special[c])
            continue;
        memset(v, 0, n * sizeof *v);
        v[m->workload.classes[c].entry] = m->workload.classes[c].share;
        propagate(m, c, v, visits, work, indeg, queue);
    }
    free(special);
    free(v);
    free(indeg);
    free(queue);
}

/* Mean offered request rate over [a, b). */
static double offered_rate(const struct mdl_model *m, const struct run_client_row *cr)
{
    const struct wl_spec *wl = &m->workload;
    double a = cr->t_start, b = cr->t_end;
    if (wl->kind == WL_CLOSED || !(b > a))
        return b > a ? (double)cr->sent / (b - a) : 0;
    enum { STEPS = 64 };
    double sum = 0;
    for (int i = 0; i < STEPS; i++)
        sum += wl_rate_at(&wl->rate, a + (b - a) * (i + 0.5) / STEPS);
    return sum / STEPS;
}

/* A window violates the SLO when any target set is exceeded: its p95, p99
 * or mean latency above latency_p95, latency_p99 or latency_mean. */
static bool window_violates(const struct mdl_slo *o, const struct run_client_row *c)
{
    return (o->latency_p95 > 0 && c->p95 > o->latency_p95) ||
           (o->latency_p99 > 0 && c->p99 > o->latency_p99) ||
           (o->latency_mean > 0 && c->mean > o->latency_mean);
}

static int sgn(double x)
{
    return (x > 0) - (x < 0);
}

void el_compute(const struct mdl_model *m, struct run_summary *s)
{
    size_t ns = m->nservices;
    double *visits = xmalloc(ns * sizeof *visits), *cpu = xmalloc(ns * sizeof *cpu);
    el_expected_load(m, visits, cpu);
    double umax = m->slo.max_utilization > 0 ? m->slo.max_utilization : 0.8;
    /* Rows are by window, then service; client rows by window. */
    for (size_t r = 0; r < s->nrows; r++) {
        struct run_window_row *row = &s->rows[r];
        const struct run_client_row *cr = &s->crows[r / ns];
        double work = offered_rate(m, cr) * cpu[row->svc];
        row->demand = work > 0 ? ceil(work / umax - 1e-9) : 0;
        if (work > 0 && row->demand < 1)
            row->demand = 1;
    }
    free(visits);
    free(cpu);
    double warm = m->run.warmup;
    for (size_t i = 0; i < ns; i++) {
        struct run_svc_summary *o = &s->svcs[i];
        double T = 0, tu = 0, to = 0, au = 0, ao = 0, inst = 0;
        long es = 0, ed = 0;
        const struct run_window_row *prev = NULL;
        for (size_t r = i; r < s->nrows; r += ns) {
            const struct run_window_row *row = &s->rows[r];
            if (row->t_start < warm)
                continue;
            double dt = row->t_end - row->t_start, d = row->demand, sup = row->serving;
            double dd = d > 1 ? d : 1;
            T += dt;
            au += fmax(d - sup, 0) / dd * dt;
            ao += fmax(sup - d, 0) / dd * dt;
            tu += (d > sup + 1e-9) * dt;
            to += (sup > d + 1e-9) * dt;
            if (prev) {
                double ds = row->ready - prev->ready, ddm = row->demand - prev->demand;
                es += ds != 0;
                ed += ddm != 0;
                inst += (abs(sgn(ds) - sgn(ddm)) > 0) * dt;
            }
            prev = row;
        }
        o->el.theta_u = T > 0 ? 100 * au / T : NAN;
        o->el.theta_o = T > 0 ? 100 * ao / T : NAN;
        o->el.tau_u = T > 0 ? 100 * tu / T : NAN;
        o->el.tau_o = T > 0 ? 100 * to / T : NAN;
        o->el.instability = T > 0 ? 100 * inst / T : NAN;
        o->el.jitter = T > 0 ? (es - ed) / (T / 60.0) : NAN;
    }
    /* The struct is six doubles: average it field by field. */
    double *mean = &s->el.theta_u;
    const size_t nf = sizeof s->el / sizeof(double);
    for (size_t f = 0; f < nf; f++) {
        double acc = 0;
        for (size_t i = 0; i < ns; i++)
            acc += (&s->svcs[i].el.theta_u)[f];
        mean[f] = ns ? acc / (double)ns : NAN;
    }
    /* A request's target: the p95 one, else the p99 one. */
    double slo = m->slo.latency_p95 > 0 ? m->slo.latency_p95 : m->slo.latency_p99;
    bool any_slo = m->slo.latency_p95 > 0 || m->slo.latency_p99 > 0 || m->slo.latency_mean > 0;
    s->slo_windows_violated = s->slo_requests_over = NAN;
    s->step_to_scale_out = s->step_to_slo_recovery = NAN;
    if (any_slo) {
        size_t w = 0, bad = 0;
        for (size_t r = 0; r < s->ncrows; r++) {
            if (s->crows[r].t_start < warm || !s->crows[r].completed)
                continue;
            w++;
            bad += window_violates(&m->slo, &s->crows[r]);
        }
        s->slo_windows_violated = w ? (double)bad / (double)w : NAN;
    }
    if (slo > 0)
        s->slo_requests_over = s->completed ? (double)s->lat_over / (double)s->completed : NAN;
    if (m->workload.kind == WL_OPEN && m->workload.rate.kind == WL_RATE_STEP) {
        double t_step = m->workload.rate.p[2];
        for (size_t r = 0; r < s->ncrows; r++) {
            if (s->crows[r].t_end <= t_step)
                continue;
            bool ok = true;
            for (size_t i = 0; i < ns && r * ns + i < s->nrows; i++)
                ok = ok && s->rows[r * ns + i].serving >= s->rows[r * ns + i].demand;
            if (ok && s->rows[r * ns].t_start >= t_step) {
                s->step_to_scale_out = s->crows[r].t_end - t_step;
                break;
            }
        }
        if (any_slo) {
            /* The first window after the step from which every later window
             * with completions meets the SLO. */
            size_t first = s->ncrows;
            for (size_t r = s->ncrows; r-- > 0;) {
                if (s->crows[r].t_start < t_step)
                    break;
                if (s->crows[r].completed && window_violates(&m->slo, &s->crows[r]))
                    break;
                first = r;
            }
            if (first < s->ncrows)
                s->step_to_slo_recovery = s->crows[first].t_start - t_step;
        }
    }
}
