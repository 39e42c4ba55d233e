/* SPDX-License-Identifier: MIT */
/* output/summary.c: summary.json through jansson. Keys are emitted in a fixed
 * order so that one seed gives one file, byte for byte; a statistic with no
 * sample is written as null. */
#include "config.h"

#include "output/summary.h"

#include "sim/revision.h"
#include "sim/strbuf.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *elasticity(const struct run_elasticity *e)
{
    json_t *o = json_object();
    json_object_set_new(o, "theta_u", num(e->theta_u));
    json_object_set_new(o, "theta_o", num(e->theta_o));
    json_object_set_new(o, "tau_u", num(e->tau_u));
    json_object_set_new(o, "tau_o", num(e->tau_o));
    json_object_set_new(o, "instability", num(e->instability));
    json_object_set_new(o, "jitter", num(e->jitter));
    return o;
}

int out_summary_write(const struct run_summary *s, double wall_seconds, const char *path,
                      struct sim_diag *d)
{
    json_t *root = json_object();
    json_object_set_new(root, "uksim_version", json_string(PACKAGE_VERSION));
    json_object_set_new(root, "results_revision", json_string(SIM_RESULTS_REVISION));
    json_object_set_new(root, "model", json_string(s->model));
    if (s->model_digest)
        json_object_set_new(root, "model_digest", json_string(s->model_digest));
    json_object_set_new(root, "source", json_string(s->source ? s->source : "simulated"));
    if (s->source && s->compute_mode) {
        json_t *tb = json_object();
        json_object_set_new(tb, "compute", json_string(s->compute_mode));
        json_object_set_new(tb, "compute_error_mean", num(s->compute_err_mean));
        json_object_set_new(tb, "compute_error_max", num(s->compute_err_max));
        json_object_set_new(tb, "network_delay_late_mean", num(s->wire_late_mean));
        json_object_set_new(tb, "network_delay_late_max", num(s->wire_late_max));
        json_object_set_new(tb, "loop_cost_per_message", num(s->loop_msg_cost));
        json_object_set_new(root, "testbed", tb);
    }
    json_object_set_new(root, "seed", json_integer((json_int_t)s->seed));
    json_object_set_new(root, "stop_reason", json_string(s->stop_reason));
    json_object_set_new(root, "sim_seconds", num(s->sim_seconds));
    json_object_set_new(root, "measured_seconds", num(s->measured_seconds));
    json_object_set_new(root, "events", json_integer((json_int_t)s->events));
    if (wall_seconds >= 0)
        json_object_set_new(root, "wall_seconds", num(wall_seconds));

    json_t *req = json_object();
    json_object_set_new(req, "sent", json_integer((json_int_t)s->sent));
    json_object_set_new(req, "completed", json_integer((json_int_t)s->completed));
    json_object_set_new(req, "dropped", json_integer((json_int_t)s->failed));
    json_object_set_new(req, "in_flight", json_integer((json_int_t)s->in_flight));
    json_object_set_new(
        req, "throughput",
        num(s->measured_seconds > 0 ? (double)s->completed / s->measured_seconds : NAN));
    json_t *lat = json_object();
    json_object_set_new(lat, "mean", num(s->lat_mean));
    json_object_set_new(lat, "p50", num(s->lat_p50));
    json_object_set_new(lat, "p95", num(s->lat_p95));
    json_object_set_new(lat, "p99", num(s->lat_p99));
    json_object_set_new(req, "latency", lat);
    json_object_set_new(root, "requests", req);

    json_t *svcs = json_object();
    for (size_t i = 0; i < s->nsvcs; i++) {
        const struct run_svc_summary *v = &s->svcs[i];
        json_t *o = json_object();
        json_object_set_new(o, "visits", json_integer((json_int_t)v->visits));
        json_object_set_new(o, "traced", json_integer((json_int_t)v->traced));
        json_object_set_new(o, "cpu", num(v->cpu));
        json_object_set_new(o, "local_wait", num(v->local_wait));
        json_object_set_new(o, "call_time", num(v->call_time));
        json_object_set_new(o, "nic_wait", num(v->nic_wait));
        json_object_set_new(o, "utilization", num(v->utilization));
        json_object_set_new(o, "instance_seconds", num(v->instance_seconds));
        json_object_set_new(o, "scale_ups", json_integer((json_int_t)v->scale_ups));
        json_object_set_new(o, "scale_downs", json_integer((json_int_t)v->scale_downs));
        json_object_set_new(o, "dropped", json_integer((json_int_t)v->dropped));
        json_object_set_new(o, "draining_at_end", json_integer(v->draining_at_end));
        json_object_set_new(o, "elasticity", elasticity(&v->el));
        json_t *vd = json_object();
        json_object_set_new(vd, "kind", json_string(wt_verdict_name((enum wt_verdict)v->verdict)));
        json_object_set_new(vd, "callee",
                            v->verdict_callee >= 0 ? json_string(s->svcs[v->verdict_callee].name)
                                                   : json_null());
        json_object_set_new(vd, "wait", num(v->verdict_wait));
        json_object_set_new(o, "verdict", vd);
        json_object_set_new(svcs, v->name, o);
    }
    json_object_set_new(root, "services", svcs);

    json_t *edges = json_object();
    for (size_t i = 0; i < s->nedges; i++) {
        const struct run_edge_summary *e = &s->edges[i];
        struct sim_buf key = {0};
        sim_buf_printf(&key, "%s->%s", e->caller, e->callee);
        json_t *o = json_object();
        json_object_set_new(o, "calls", json_integer((json_int_t)e->calls));
        json_object_set_new(o, "network_wait", num(e->network_wait));
        json_object_set_new(o, "remote_wait", num(e->remote_wait));
        json_object_set_new(edges, key.p, o);
        free(key.p);
    }
    json_object_set_new(root, "edges", edges);

    json_object_set_new(root, "elasticity", elasticity(&s->el));
    json_t *slo = json_object();
    json_object_set_new(slo, "windows_violated", num(s->slo_windows_violated));
    json_object_set_new(slo, "requests_over", num(s->slo_requests_over));
    json_object_set_new(slo, "step_to_scale_out", num(s->step_to_scale_out));
    json_object_set_new(slo, "step_to_slo_recovery", num(s->step_to_slo_recovery));
    json_object_set_new(root, "slo", slo);
    double cost = 0;
    for (size_t i = 0; i < s->nsvcs; i++)
        cost += s->svcs[i].instance_seconds;
    json_object_set_new(root, "instance_seconds", num(cost));

    char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    json_decref(root);
    if (!text)
        return sim_diag_set(d, SIM_EIO, path, 0, "cannot encode JSON");
    size_t n = strlen(text);
    char *withnl = malloc(n + 2);
    int err;
    if (!withnl) {
        err = sim_diag_set(d, SIM_EIO, path, 0, "out of memory");
    } else {
        memcpy(withnl, text, n);
        withnl[n] = '\n';
        withnl[n + 1] = '\0';
        err = out_write_new(path, withnl, d);
        free(withnl);
    }
    free(text);
    return err;
}
