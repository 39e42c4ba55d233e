/* SPDX-License-Identifier: MIT */
/* output/timeseries.c: CSV writers for the time series. Numbers are printed
 * with %.9g so that one seed gives one file, byte for byte. */
#include "output/timeseries.h"

#include "output/files.h"
#include "output/summary.h"
#include "sim/strbuf.h"
#include "sim/xalloc.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void num(struct sim_buf *b, double v)
{
    if (isfinite(v))
        sim_buf_printf(b, ",%.9g", v);
    else
        sim_buf_printf(b, ",");
}

static int write_file(const char *dir, const char *name, struct sim_buf *b, struct sim_diag *d)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int err = out_write_new(path, b->p ? b->p : "", d);
    free(b->p);
    return err;
}

int out_timeseries_write(const struct run_summary *s, const char *dir, struct sim_diag *d)
{
    struct sim_buf b = {0};
    sim_buf_printf(
        &b, "t_start,t_end,service,ready,booting,draining,serving,demand,utilization,arrivals,"
            "completions,p50,p95,p99,cpu,local_wait,call_time,network_wait,remote_wait,verdict,"
            "blames,drops\n");
    for (size_t i = 0; i < s->nrows; i++) {
        const struct run_window_row *r = &s->rows[i];
        sim_buf_printf(&b, "%.9g,%.9g,%s,%d,%d,%d,%.9g,%.17g", r->t_start, r->t_end,
                       s->svcs[r->svc].name, r->ready, r->booting, r->draining, r->serving,
                       r->demand);
        num(&b, r->utilization);
        sim_buf_printf(&b, ",%llu,%llu", (unsigned long long)r->arrivals,
                       (unsigned long long)r->completions);
        const double v[] = {r->p50,        r->p95,       r->p99,          r->cpu,
                            r->local_wait, r->call_time, r->network_wait, r->remote_wait};
        for (size_t k = 0; k < sizeof v / sizeof v[0]; k++)
            num(&b, v[k]);
        sim_buf_printf(&b, ",%s,%s,%llu\n", wt_verdict_name((enum wt_verdict)r->verdict),
                       r->verdict_callee >= 0 ? s->svcs[r->verdict_callee].name : "",
                       (unsigned long long)r->drops);
    }
    int err = write_file(dir, "services.csv", &b, d);
    if (err)
        return err;
    struct sim_buf c = {0};
    sim_buf_printf(&c, "t_start,t_end,sent,completed,p50,p95,p99,dropped\n");
    for (size_t i = 0; i < s->ncrows; i++) {
        const struct run_client_row *r = &s->crows[i];
        sim_buf_printf(&c, "%.9g,%.9g,%llu,%llu", r->t_start, r->t_end, (unsigned long long)r->sent,
                       (unsigned long long)r->completed);
        num(&c, r->p50);
        num(&c, r->p95);
        num(&c, r->p99);
        sim_buf_printf(&c, ",%llu\n", (unsigned long long)r->failed);
    }
    return write_file(dir, "requests.csv", &c, d);
}
