/* SPDX-License-Identifier: MIT */
/* cli/sweep_metrics.c: the figures a sweep can collect from a run, by the
 * names summary.json gives them. A misspelt name, service or field is an
 * error listing the valid ones. */
#include "cli/sweep_int.h"

#include "models/model.h"
#include "sim/strbuf.h"
#include "sim/xalloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double m_cost(const struct run_summary *s)
{
    double c = 0;
    for (size_t i = 0; i < s->nsvcs; i++)
        c += s->svcs[i].instance_seconds;
    return c;
}

#define M(n, expr)                                                                                 \
    static double m_##n(const struct run_summary *s)                                               \
    {                                                                                              \
        return (expr);                                                                             \
    }
M(completed, (double)s->completed)
M(dropped, (double)s->failed)
M(throughput, s->measured_seconds > 0 ? (double)s->completed / s->measured_seconds : NAN)
M(mean, s->lat_mean)
M(p50, s->lat_p50)
M(p95, s->lat_p95)
M(p99, s->lat_p99)
M(viol, s->slo_windows_violated)
M(over, s->slo_requests_over)
M(scale_out, s->step_to_scale_out)
M(recovery, s->step_to_slo_recovery)
M(tu, s->el.theta_u)
M(to, s->el.theta_o)
M(tau_u, s->el.tau_u)
M(tau_o, s->el.tau_o)
M(inst, s->el.instability)
M(jit, s->el.jitter)
M(events, (double)s->events)
M(blame_end, (double)run_blame_end(s))
#undef M

static const struct {
    const char *name;
    double (*get)(const struct run_summary *s);
} metrics[] = {
    {"requests.completed", m_completed},
    {"requests.dropped", m_dropped},
    {"requests.throughput", m_throughput},
    {"requests.latency.mean", m_mean},
    {"requests.latency.p50", m_p50},
    {"requests.latency.p95", m_p95},
    {"requests.latency.p99", m_p99},
    {"instance_seconds", m_cost},
    {"slo.windows_violated", m_viol},
    {"slo.requests_over", m_over},
    {"slo.step_to_scale_out", m_scale_out},
    {"slo.step_to_slo_recovery", m_recovery},
    {"elasticity.theta_u", m_tu},
    {"elasticity.theta_o", m_to},
    {"elasticity.tau_u", m_tau_u},
    {"elasticity.tau_o", m_tau_o},
    {"elasticity.instability", m_inst},
    {"elasticity.jitter", m_jit},
    {"events", m_events},
    {"blame.end", m_blame_end},
};
#define NMETRICS (sizeof metrics / sizeof metrics[0])

static const char *const svc_fields[] = {"utilization", "instance_seconds", "cpu",
                                         "local_wait",  "call_time",        "visits",
                                         "scale_ups",   "scale_downs",      "dropped"};
#define NFIELDS (sizeof svc_fields / sizeof svc_fields[0])

static double svc_field(const struct run_svc_summary *v, size_t f)
{
    switch (f) {
    case 0: return v->utilization;
    case 1: return v->instance_seconds;
    case 2: return v->cpu;
    case 3: return v->local_wait;
    case 4: return v->call_time;
    case 5: return (double)v->visits;
    case 6: return (double)v->scale_ups;
    case 7: return (double)v->scale_downs;
    default: return (double)v->dropped;
    }
}

/* Splits "services.<name>.<field>": the field's index, or -1. */
static int split_svc(const char *name, const char **svc, size_t *len)
{
    if (strncmp(name, "services.", 9) != 0)
        return -1;
    const char *rest = name + 9, *dot = strrchr(rest, '.');
    if (!dot)
        return -2;
    *svc = rest;
    *len = (size_t)(dot - rest);
    for (size_t f = 0; f < NFIELDS; f++)
        if (!strcmp(dot + 1, svc_fields[f]))
            return (int)f;
    return -3;
}

int sweep_metric_check(const struct sweep *w, const char *name, const struct mdl_model *m)
{
    for (size_t i = 0; i < NMETRICS; i++)
        if (!strcmp(metrics[i].name, name))
            return 0;
    const char *svc;
    size_t len;
    int f = split_svc(name, &svc, &len);
    struct sim_buf why = {0};
    if (f >= 0) {
        char *want = xstrndup(svc, len);
        bool found = mdl_service_find(m, want) >= 0;
        free(want);
        if (found)
            return 0;
        sim_buf_printf(&why, "metric \"%s\": the model has no service \"%.*s\" (services:", name,
                       (int)len, svc);
        for (size_t i = 0; i < m->nservices && i < 20; i++)
            sim_buf_printf(&why, " %s", m->services[i].name);
        sim_buf_printf(&why, "%s)", m->nservices > 20 ? " ..." : "");
    } else if (f == -3 || f == -2) {
        sim_buf_printf(&why, "metric \"%s\": a service's figures are", name);
        for (size_t i = 0; i < NFIELDS; i++)
            sim_buf_printf(&why, " services.<name>.%s", svc_fields[i]);
    } else {
        sim_buf_printf(&why, "unknown metric \"%s\" (known:", name);
        for (size_t i = 0; i < NMETRICS; i++)
            sim_buf_printf(&why, " %s", metrics[i].name);
        sim_buf_printf(&why, ", and services.<name>.<field>; doc/sweeps.md)");
    }
    if (w->metrics_line > 0)
        fprintf(stderr, "uksim: %s:%d: %s\n", w->file, w->metrics_line, why.p);
    else
        fprintf(stderr, "uksim: %s: %s\n", w->file, why.p);
    free(why.p);
    return 2;
}

double sweep_metric(const struct run_summary *s, const char *name)
{
    for (size_t i = 0; i < NMETRICS; i++)
        if (!strcmp(metrics[i].name, name))
            return metrics[i].get(s);
    const char *svc;
    size_t len;
    int f = split_svc(name, &svc, &len);
    if (f < 0)
        return NAN;
    for (size_t i = 0; i < s->nsvcs; i++)
        if (strlen(s->svcs[i].name) == len && !strncmp(s->svcs[i].name, svc, len))
            return svc_field(&s->svcs[i], (size_t)f);
    return NAN;
}
