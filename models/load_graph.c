/* SPDX-License-Identifier: MIT */
/* models/load_graph.c: the services list as a call graph: names resolved
 * through a hash index, synchronous call cycles rejected, every service
 * reachable from a class's entry, class handlers matched to classes. Every
 * walk is iterative with an explicit stack, so any depth the loader accepts
 * works. */
#include "models/load_int.h"

#include "sim/strmap.h"
#include "sim/xalloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Resolves the callee names of handler hd, written as the list of steps h. */
static int resolve_handler(struct loader *L, size_t i, const config_setting_t *h,
                           struct mdl_handler *hd)
{
    struct mdl_model *m = L->m;
    struct mdl_service *svc = &m->services[i];
    for (size_t k = 0; k < hd->nsteps; k++) {
        struct mdl_step *st = &hd->steps[k];
        if (st->kind != MDL_STEP_CALL)
            continue;
        const config_setting_t *call =
            config_setting_get_member(config_setting_get_elem(h, (unsigned)k), "call");
        for (size_t c = 0; c < st->ncallees; c++) {
            const char *name = config_setting_type(call) == CONFIG_TYPE_STRING
                                   ? config_setting_get_string(call)
                                   : config_setting_get_string_elem(call, (int)c);
            int idx = name ? mdl_service_find(m, name) : -1;
            if (idx < 0)
                return ld_fail(L, call, "service \"%s\" calls unknown service \"%s\"", svc->name,
                               name);
            if ((size_t)idx == i)
                return ld_fail(L, call, "service \"%s\" calls itself", svc->name);
            st->callees[c] = idx;
        }
    }
    return 0;
}

/* Resolves callee names; list is the services list. */
static int resolve_calls(struct loader *L, const config_setting_t *list)
{
    struct mdl_model *m = L->m;
    int err;
    for (size_t i = 0; i < m->nservices; i++) {
        const config_setting_t *s = config_setting_get_elem(list, (unsigned)i);
        struct mdl_service *svc = &m->services[i];
        struct mdl_handler dh = {svc->steps, svc->nsteps};
        if ((err = resolve_handler(L, i, config_setting_get_member(s, "handler"), &dh)))
            return err;
        const config_setting_t *hs = config_setting_get_member(s, "handlers");
        for (size_t k = 0; k < svc->nhandlers; k++) {
            const config_setting_t *e = config_setting_get_elem(hs, (unsigned)k);
            if ((err = resolve_handler(L, i, config_setting_get_member(e, "steps"),
                                       &svc->handlers[k])))
                return err;
        }
    }
    return 0;
}

/* The k-th handler of svc: 0 is the default, then the class handlers. */
static struct mdl_handler handler_at(const struct mdl_service *svc, size_t k)
{
    if (k == 0)
        return (struct mdl_handler){svc->steps, svc->nsteps};
    return svc->handlers[k - 1];
}

/* The call graph over every handler, as adjacency lists (CSR). */
struct graph {
    size_t *first; /* nservices + 1 offsets into to[] and line[] */
    int *to;
    int *line; /* where the call is written */
};

static void graph_build(const struct mdl_model *m, struct graph *g)
{
    size_t n = m->nservices, e = 0;
    g->first = xcalloc(n + 1, sizeof *g->first);
    for (int pass = 0; pass < 2; pass++) {
        e = 0;
        for (size_t v = 0; v < n; v++) {
            const struct mdl_service *svc = &m->services[v];
            g->first[v] = e;
            for (size_t hk = 0; hk <= svc->nhandlers; hk++) {
                struct mdl_handler hd = handler_at(svc, hk);
                for (size_t k = 0; k < hd.nsteps; k++) {
                    const struct mdl_step *st = &hd.steps[k];
                    for (size_t c = 0; st->kind == MDL_STEP_CALL && c < st->ncallees; c++, e++)
                        if (pass == 1) {
                            g->to[e] = st->callees[c];
                            g->line[e] = st->line;
                        }
                }
            }
        }
        g->first[n] = e;
        if (pass == 0) {
            g->to = xcalloc(e ? e : 1, sizeof *g->to);
            g->line = xcalloc(e ? e : 1, sizeof *g->line);
        }
    }
}

static void graph_free(struct graph *g)
{
    free(g->first);
    free(g->to);
    free(g->line);
}

/* Reports the cycle closed by the call at `line` from v back to w (w is on
 * the DFS path, which parent[] links back from v). */
static int report_cycle(struct loader *L, const int *parent, int v, int w, int line)
{
    const struct mdl_model *m = L->m;
    int chain[8], n = 0, len = 0;
    for (int x = v; x != w; x = parent[x]) {
        if (n < 8)
            chain[n++] = x;
        len++;
    }
    char path[900];
    size_t used = (size_t)snprintf(path, sizeof path, "%s", m->services[w].name);
    if (len > n)
        used += (size_t)snprintf(path + used, sizeof path - used, " -> ... (%d more)", len - n);
    for (int j = n - 1; j >= 0 && used < sizeof path; j--)
        used +=
            (size_t)snprintf(path + used, sizeof path - used, " -> %s", m->services[chain[j]].name);
    if (used < sizeof path)
        snprintf(path + used, sizeof path - used, " -> %s", m->services[w].name);
    return ld_fail_line(L, line, "call cycle: %s (synchronous calls must form a DAG)", path);
}

/* Depth-first search for a synchronous call cycle (which would deadlock),
 * with an explicit stack: color 0 unvisited, 1 on the path, 2 done. */
static int find_cycles(struct loader *L, const struct graph *g)
{
    size_t n = L->m->nservices;
    char *color = xcalloc(n, 1);
    int *parent = xcalloc(n, sizeof *parent);
    size_t *next = xcalloc(n, sizeof *next); /* next edge of v to follow */
    int *stack = xcalloc(n, sizeof *stack);
    int err = 0;
    for (size_t root = 0; root < n && !err; root++) {
        if (color[root])
            continue;
        size_t top = 0;
        stack[top++] = (int)root;
        color[root] = 1;
        next[root] = g->first[root];
        while (top && !err) {
            int v = stack[top - 1];
            if (next[v] == g->first[v + 1]) {
                color[v] = 2;
                top--;
                continue;
            }
            size_t e = next[v]++;
            int w = g->to[e];
            if (color[w] == 1) {
                err = report_cycle(L, parent, v, w, g->line[e]);
            } else if (color[w] == 0) {
                parent[w] = v;
                color[w] = 1;
                next[w] = g->first[w];
                stack[top++] = w;
            }
        }
    }
    free(color);
    free(parent);
    free(next);
    free(stack);
    return err;
}

long ld_index_names(struct mdl_model *m)
{
    sim_strmap_fini(&m->names);
    sim_strmap_init(&m->names);
    for (size_t i = 0; i < m->nservices; i++)
        if (m->services[i].name && !sim_strmap_put(&m->names, m->services[i].name, i, NULL))
            return (long)i;
    return -1;
}

int ld_services(struct loader *L, const config_setting_t *root)
{
    struct mdl_model *m = L->m;
    const config_setting_t *list = config_setting_get_member(root, "services");
    if (!list)
        return ld_fail_line(L, 1,
                            "the model has no services: add services = ( { name = ...; "
                            "handler = (...); } );");
    if (config_setting_type(list) != CONFIG_TYPE_LIST)
        return ld_fail(L, list, "services must be a list: services = ( { ... }, { ... } );");
    m->nservices = (size_t)config_setting_length(list);
    if (m->nservices == 0)
        return ld_fail(L, list, "services lists no service");
    m->services = xcalloc(m->nservices, sizeof *m->services);
    int err;
    sim_strmap_init(&m->names);
    for (size_t i = 0; i < m->nservices; i++) {
        const config_setting_t *s = config_setting_get_elem(list, (unsigned)i);
        if ((err = ld_service(L, s, &m->services[i])))
            return err;
        size_t first;
        if (!sim_strmap_put(&m->names, m->services[i].name, i, &first))
            return ld_fail(L, config_setting_get_member(s, "name"),
                           "service \"%s\" is defined twice (first at line %d)",
                           m->services[i].name, m->services[first].line);
    }
    long long total = 0;
    for (size_t i = 0; i < m->nservices; i++)
        total += m->services[i].instances;
    if (total > MDL_INSTANCES_MAX)
        return ld_fail(L, list, "%lld instances at time 0; the limit is %d over all services",
                       total, MDL_INSTANCES_MAX);
    if ((err = resolve_calls(L, list)))
        return err;
    struct graph g = {0};
    graph_build(m, &g);
    err = find_cycles(L, &g);
    graph_free(&g);
    return err;
}

/* The handler service s runs for class c. */
static struct mdl_handler class_handler(const struct mdl_service *svc, size_t c)
{
    if (c != SIZE_MAX && svc->by_class && svc->by_class[c].nsteps)
        return svc->by_class[c];
    return (struct mdl_handler){svc->steps, svc->nsteps};
}

/* Marks in seen[] (with stamp) the services reachable from entry for class
 * c, with an explicit stack; reach[] collects every service reached. */
static void mark_reachable(const struct mdl_model *m, size_t c, int entry, uint32_t *seen,
                           uint32_t stamp, char *reach, int *stack)
{
    size_t top = 0;
    stack[top++] = entry;
    seen[entry] = stamp;
    while (top) {
        int s = stack[--top];
        reach[s] = 1;
        struct mdl_handler h = class_handler(&m->services[s], c);
        for (size_t k = 0; k < h.nsteps; k++)
            for (size_t j = 0; h.steps[k].kind == MDL_STEP_CALL && j < h.steps[k].ncallees; j++) {
                int w = h.steps[k].callees[j];
                if (seen[w] != stamp) {
                    seen[w] = stamp;
                    stack[top++] = w;
                }
            }
    }
}

/* Every service must be reachable from some class's entry. Classes that no
 * service has a handler of its own for walk the default handlers, which
 * one walk over every distinct entry covers. */
int ld_reachable(struct loader *L)
{
    const struct mdl_model *m = L->m;
    size_t n = m->nservices, nc = m->workload.nclasses;
    uint32_t *seen = xcalloc(n, sizeof *seen);
    char *reach = xcalloc(n, 1);
    int *stack = xcalloc(n, sizeof *stack);
    char *special = xcalloc(nc ? nc : 1, 1); /* the class has handlers of its own */
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; m->services[i].by_class && c < nc; c++)
            special[c] |= m->services[i].by_class[c].nsteps > 0;
    uint32_t stamp = 1;
    for (size_t c = 0; c < nc; c++) {
        int entry = m->workload.classes[c].entry;
        if (special[c]) {
            mark_reachable(m, c, entry, seen, ++stamp, reach, stack);
        } else if (seen[entry] != 1) {
            /* Default handlers: stamp 1 is shared by every such walk. */
            mark_reachable(m, SIZE_MAX, entry, seen, 1, reach, stack);
        }
    }
    int err = 0;
    for (size_t i = 0; i < n && !err; i++)
        if (!reach[i])
            err = ld_fail_line(L, m->services[i].line,
                               "service \"%s\" is unreachable: no request class's entry leads "
                               "to it",
                               m->services[i].name);
    free(seen);
    free(reach);
    free(stack);
    free(special);
    return err;
}

/* Maps each service's class handlers to class indices. Only services with
 * class handlers get a by_class table. */
int ld_class_handlers(struct loader *L)
{
    struct mdl_model *m = L->m;
    struct sim_strmap classes;
    sim_strmap_init(&classes);
    for (size_t c = 0; c < m->workload.nclasses; c++)
        sim_strmap_put(&classes, m->workload.classes[c].name, c, NULL);
    int err = 0;
    for (size_t i = 0; i < m->nservices && !err; i++) {
        struct mdl_service *svc = &m->services[i];
        if (svc->nhandlers == 0)
            continue;
        svc->by_class = xcalloc(m->workload.nclasses, sizeof *svc->by_class);
        for (size_t k = 0; k < svc->nhandlers && !err; k++) {
            size_t c;
            if (!sim_strmap_get(&classes, svc->handler_class[k], &c))
                err = ld_fail_line(L, svc->handler_line[k],
                                   "service \"%s\": no workload class \"%s\"", svc->name,
                                   svc->handler_class[k]);
            else if (svc->by_class[c].nsteps)
                err = ld_fail_line(L, svc->handler_line[k],
                                   "service \"%s\": two handlers for class \"%s\"", svc->name,
                                   svc->handler_class[k]);
            else
                svc->by_class[c] = svc->handlers[k];
        }
    }
    sim_strmap_fini(&classes);
    return err;
}

size_t mdl_service_ncalls(const struct mdl_service *def)
{
    size_t n = 0;
    for (size_t h = 0; h <= def->nhandlers; h++) {
        struct mdl_handler hd = handler_at(def, h);
        for (size_t k = 0; k < hd.nsteps; k++)
            if (hd.steps[k].kind == MDL_STEP_CALL)
                n += hd.steps[k].ncallees;
    }
    return n;
}

size_t mdl_service_callees(const struct mdl_service *def, int *mark, int *out)
{
    size_t n = 0;
    for (size_t h = 0; h <= def->nhandlers; h++) {
        struct mdl_handler hd = handler_at(def, h);
        for (size_t k = 0; k < hd.nsteps; k++) {
            const struct mdl_step *st = &hd.steps[k];
            for (size_t c = 0; st->kind == MDL_STEP_CALL && c < st->ncallees; c++) {
                if (mark[st->callees[c]] < 0) {
                    mark[st->callees[c]] = (int)n;
                    out[n++] = st->callees[c];
                }
            }
        }
    }
    return n;
}
