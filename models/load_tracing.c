/* SPDX-License-Identifier: MIT */
/* models/load_tracing.c: the tracing section: sampling, where it is
 * decided, packet timestamps, tracing costs, fold and exported requests. */
#include "models/load_int.h"

#include "tracecore/wtrace.h"

#include <stdint.h>
#include <string.h>

int ld_tracing(struct loader *L, const config_setting_t *root)
{
    static const char *const keys[] = {"sampling",  "sample_at",    "packet_timestamps",
                                       "hook_cost", "request_cost", "propagate_cost",
                                       "fold",      "export",       NULL};
    struct mdl_tracing *t = &L->m->tracing;
    t->sampling = 1;
    t->hook_cost = MDL_HOOK_COST_DEFAULT;
    t->propagate_cost = MDL_PROPAGATE_COST_DEFAULT;
    t->request_cost = MDL_REQUEST_COST_DEFAULT;
    t->export_requests = 20;
    t->fold = MDL_FOLD_MAX;
    int err;
    const config_setting_t *g = ld_group(L, root, "tracing", &err);
    if (err || !g)
        return err;
    if ((err = ld_check_keys(L, g, "tracing", keys)))
        return err;
    long long v = 1;
    if ((err = ld_int(L, g, "sampling", 0, UINT32_MAX, &v)))
        return err;
    t->sampling = (uint32_t)v;
    v = t->export_requests;
    if ((err = ld_int(L, g, "export", 0, 100000, &v)))
        return err;
    t->export_requests = (uint32_t)v;
    if ((err = ld_bool(L, g, "packet_timestamps", &t->packet_timestamps)) ||
        (err = ld_duration(L, g, "hook_cost", &t->hook_cost)) ||
        (err = ld_duration(L, g, "propagate_cost", &t->propagate_cost)) ||
        (err = ld_duration(L, g, "request_cost", &t->request_cost)))
        return err;
    static const char *const costs[] = {"hook_cost", "propagate_cost", "request_cost"};
    const double vals[] = {t->hook_cost, t->propagate_cost, t->request_cost};
    for (int i = 0; i < 3; i++)
        if (vals[i] > 1.0)
            return ld_fail(L, config_setting_get_member(g, costs[i]),
                           "%s = %g s is beyond 1 s; measured tracing costs are nanoseconds to "
                           "microseconds",
                           costs[i], vals[i]);
    const char *txt = NULL;
    const config_setting_t *where;
    if ((err = ld_string(L, g, "sample_at", &txt, &where)))
        return err;
    if (txt && strcmp(txt, "service") == 0)
        t->per_service = true;
    else if (txt && strcmp(txt, "root") != 0)
        return ld_fail(L, where, "sample_at = \"%s\": expected \"root\" or \"service\"", txt);
    txt = NULL;
    if ((err = ld_string(L, g, "fold", &txt, &where)))
        return err;
    if (txt) {
        if (strcmp(txt, "max") == 0)
            t->fold = MDL_FOLD_MAX;
        else if (strcmp(txt, "sum") == 0)
            t->fold = MDL_FOLD_SUM;
        else if (strcmp(txt, "min") == 0)
            t->fold = MDL_FOLD_MIN;
        else
            return ld_fail(L, where, "fold = \"%s\": expected \"max\", \"sum\" or \"min\"", txt);
    }
    return 0;
}

void mdl_tracing_apply(const struct mdl_tracing *tr, struct wt_service *wt)
{
    wt->sample_every = tr->sampling;
    wt->sampling = tr->per_service ? WT_SAMPLE_SERVICE : WT_SAMPLE_ROOT;
    wt->packet_timestamps = tr->packet_timestamps;
    wt->fold = tr->fold == MDL_FOLD_SUM   ? WT_FOLD_SUM
               : tr->fold == MDL_FOLD_MIN ? WT_FOLD_MIN
                                          : WT_FOLD_MAX;
}
