/* SPDX-License-Identifier: MIT */
/* output/trace.c: trace.json through jansson. Times are microseconds, as
 * the format wants. */
#include "output/trace.h"

#include "output/files.h"
#include "output/summary.h"
#include "sim/strbuf.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *meta(const char *what, int pid, int tid, const char *name)
{
    json_t *e = json_object();
    json_object_set_new(e, "name", json_string(what));
    json_object_set_new(e, "ph", json_string("M"));
    json_object_set_new(e, "pid", json_integer(pid));
    json_object_set_new(e, "tid", json_integer(tid));
    json_t *args = json_object();
    json_object_set_new(args, "name", json_string(name));
    json_object_set_new(e, "args", args);
    return e;
}

int out_trace_write(const struct run_summary *s, const char *dir, struct sim_diag *d)
{
    static const char *const names[] = {"visit", "cpu", "local wait", "calls", "NIC ring"};
    json_t *events = json_array();
    /* A process per service, and a track per visit: a visit's spans are
     * sequential and nest in it, so no two slices on a track overlap (an
     * instance serves requests concurrently, so a track per instance would
     * not nest). */
    uint32_t maxv = 0;
    for (size_t k = 0; k < s->nspans; k++)
        if (s->spans[k].visit > maxv)
            maxv = s->spans[k].visit;
    char *seen = calloc((size_t)maxv + 1, 1);
    for (size_t i = 0; i < s->nsvcs; i++)
        json_array_append_new(events, meta("process_name", (int)i + 1, 0, s->svcs[i].name));
    for (size_t k = 0; k < s->nspans; k++) {
        const struct run_span *sp = &s->spans[k];
        if (seen && !seen[sp->visit]) {
            seen[sp->visit] = 1;
            struct sim_buf tname = {0};
            sim_buf_printf(&tname, "request %llu, visit %u (instance %d)",
                           (unsigned long long)sp->req, sp->visit, sp->inst);
            json_array_append_new(events,
                                  meta("thread_name", sp->svc + 1, (int)sp->visit, tname.p));
            free(tname.p);
        }
        json_t *e = json_object();
        struct sim_buf name = {0};
        if (sp->kind == SPAN_VISIT)
            sim_buf_printf(&name, "%s request %llu", s->svcs[sp->svc].name,
                           (unsigned long long)sp->req);
        else
            sim_buf_printf(&name, "%s", names[sp->kind]);
        json_object_set_new(e, "name", json_string(name.p));
        free(name.p);
        json_object_set_new(e, "cat", json_string(names[sp->kind]));
        json_object_set_new(e, "ph", json_string("X"));
        json_object_set_new(e, "ts", json_real(sp->ts * 1e6));
        json_object_set_new(e, "dur", json_real(sp->dur * 1e6));
        json_object_set_new(e, "pid", json_integer(sp->svc + 1));
        json_object_set_new(e, "tid", json_integer(sp->visit));
        json_t *args = json_object();
        json_object_set_new(args, "request", json_integer((json_int_t)sp->req));
        json_object_set_new(args, "visit", json_integer(sp->visit));
        json_object_set_new(args, "parent", json_integer(sp->parent));
        json_object_set_new(args, "instance", json_integer(sp->inst));
        if (sp->kind == SPAN_VISIT) {
            json_object_set_new(args, "cpu_ms", json_real(sp->cpu * 1e3));
            json_object_set_new(args, "local_wait_ms", json_real(sp->local_wait * 1e3));
            json_object_set_new(args, "call_time_ms", json_real(sp->call_time * 1e3));
        }
        json_object_set_new(e, "args", args);
        json_array_append_new(events, e);
    }
    free(seen);
    json_t *root = json_object();
    json_object_set_new(root, "traceEvents", events);
    json_object_set_new(root, "displayTimeUnit", json_string("ms"));
    char *text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
    json_decref(root);
    char *path = sim_path_join_new(dir, "trace.json");
    int err = text ? out_write_new(path, text, d)
                   : sim_diag_set(d, SIM_EIO, path, 0, "cannot encode JSON");
    free(path);
    free(text);
    return err;
}
