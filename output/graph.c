/* SPDX-License-Identifier: MIT */
/* output/graph.c: builds a cgraph graph from a run's outputs and renders it
 * with gvc. Every file is rendered under a temporary name and renamed. */
#include "output/graph.h"

#include "sim/datafile.h"
#include "sim/strbuf.h"
#include "sim/strmap.h"
#include "sim/xalloc.h"

#include <errno.h>
#include <stdbool.h>
#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct svc {
    char *name; /* as long as the file says */
    int ready;
    double util, cpu, wait, call;
    double explains; /* share of the mean end-to-end latency its local wait explains */
    char verdict[16];
    char *blames;
};

struct edge {
    char *caller, *callee;
    double rate, net;
    double explains; /* share of the mean end-to-end latency its network wait explains */
};

struct picture {
    struct svc *s;
    int ns;
    struct edge *e;
    int ne;
    char title[256];
    struct sim_strmap index; /* service name -> index in s */
};

static void picture_free(struct picture *p)
{
    for (int i = 0; p->s && i < p->ns; i++) {
        free(p->s[i].name);
        free(p->s[i].blames);
    }
    for (int i = 0; p->e && i < p->ne; i++) {
        free(p->e[i].caller);
        free(p->e[i].callee);
    }
    free(p->s);
    free(p->e);
    sim_strmap_fini(&p->index);
}

static double jnum(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static int find(const struct picture *p, const char *name)
{
    size_t i;
    return name && sim_strmap_get(&p->index, name, &i) ? (int)i : -1;
}

/* Fills p from summary.json. */
static int read_summary(const char *dir, struct picture *p, struct sim_diag *d)
{
    char *path = sim_path_join_new(dir, "summary.json");
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!root) {
        int rc = sim_diag_set(d, SIM_EINVAL, path, je.line, "cannot read: %s", je.text);
        free(path);
        return rc;
    }
    json_t *svcs = json_object_get(root, "services"), *edges = json_object_get(root, "edges");
    double secs = jnum(root, "measured_seconds");
    json_t *req = json_object_get(root, "requests");
    double completed = jnum(req, "completed"),
           latency = jnum(json_object_get(req, "latency"), "mean");
    if (!json_is_object(svcs) || !json_is_object(edges)) {
        json_decref(root);
        int rc = sim_diag_set(d, SIM_EINVAL, path, 0, "no services or edges: not a uksim summary");
        free(path);
        return rc;
    }
    free(path);
    p->ns = (int)json_object_size(svcs);
    p->s = xcalloc((size_t)p->ns + 1, sizeof *p->s);
    const char *key;
    json_t *v;
    int i = 0;
    json_object_foreach(svcs, key, v)
    {
        struct svc *s = &p->s[i];
        s->name = xstrdup(key);
        sim_strmap_put(&p->index, s->name, (size_t)i, NULL);
        i++;
        s->util = jnum(v, "utilization");
        s->cpu = jnum(v, "cpu");
        s->wait = jnum(v, "local_wait");
        s->call = jnum(v, "call_time");
        s->ready = -1;
        /* Visits per request times the wait of each, over the latency. */
        s->explains =
            completed > 0 && latency > 0 ? jnum(v, "visits") / completed * s->wait / latency : NAN;
        json_t *vd = json_object_get(v, "verdict");
        json_t *k = json_object_get(vd, "kind"), *c = json_object_get(vd, "callee");
        snprintf(s->verdict, sizeof s->verdict, "%s",
                 json_is_string(k) ? json_string_value(k) : "");
        s->blames = xstrdup(json_is_string(c) ? json_string_value(c) : "");
    }
    p->ne = (int)json_object_size(edges);
    p->e = xcalloc((size_t)p->ne + 1, sizeof *p->e);
    i = 0;
    json_object_foreach(edges, key, v)
    {
        struct edge *e = &p->e[i++];
        const char *arrow = strstr(key, "->");
        if (!arrow)
            continue;
        e->caller = xstrndup(key, (size_t)(arrow - key));
        e->callee = xstrdup(arrow + 2);
        e->rate = secs > 0 ? jnum(v, "calls") / secs : NAN;
        e->net = jnum(v, "network_wait");
        e->explains =
            completed > 0 && latency > 0 ? jnum(v, "calls") / completed * e->net / latency : NAN;
    }
    snprintf(p->title, sizeof p->title, "whole run (%.0f s measured)", secs);
    json_decref(root);
    return 0;
}

/* Overwrites the service figures of p with the services.csv window holding t. */
static int read_window(const char *dir, double t, struct picture *p, double *start,
                       struct sim_diag *d)
{
    char *path = sim_path_join_new(dir, "services.csv");
    char why[300];
    FILE *f = sim_data_open(path, why, sizeof why);
    if (!f) {
        int rc = sim_diag_set(d, SIM_EINVAL, path, 0, "cannot read: %s", why);
        free(path);
        return rc;
    }
    int found = 0, lineno = 0, rc = 0;
    *start = NAN;
    char *line = NULL;
    size_t cap = 0;
    while (sim_data_line(f, &line, &cap)) {
        lineno++;
        if (lineno == 1)
            continue;
        char *field[32];
        int n = 0;
        for (char *c = line, *tok; n < 32 && (tok = strsep(&c, ",\n"));)
            field[n++] = tok;
        if (n < 21) {
            rc = sim_diag_set(d, SIM_EINVAL, path, lineno, "expected 21 fields, got %d", n);
            break;
        }
        double a = strtod(field[0], NULL), b = strtod(field[1], NULL);
        if (!(t >= a && t < b))
            continue;
        int i = find(p, field[2]);
        if (i < 0)
            continue;
        struct svc *s = &p->s[i];
        s->ready = atoi(field[3]);
        s->util = *field[8] ? strtod(field[8], NULL) : NAN;
        s->cpu = *field[14] ? strtod(field[14], NULL) : NAN;
        s->wait = *field[15] ? strtod(field[15], NULL) : NAN;
        s->call = *field[16] ? strtod(field[16], NULL) : NAN;
        s->explains = NAN; /* the time series has no per-request latency split */
        snprintf(s->verdict, sizeof s->verdict, "%s", field[19]);
        free(s->blames);
        s->blames = xstrdup(field[20]);
        found++;
        *start = a;
        snprintf(p->title, sizeof p->title, "window %.40s s to %.40s s", field[0], field[1]);
    }
    fclose(f);
    free(line);
    if (!rc && !found)
        rc = sim_diag_set(d, SIM_EINVAL, path, 0, "no window holds t = %g s", t);
    free(path);
    if (rc)
        return rc;
    for (int i = 0; i < p->ne; i++)
        p->e[i].rate = p->e[i].net = NAN; /* per-edge figures are whole-run only */
    return 0;
}

static void set(void *obj, char *attr, const char *value)
{
    agsafeset(obj, attr, (char *)value, "");
}

/* Follows the verdicts from each root (a service nobody calls), as the
 * dissertation's decision does: DELEGATE moves to the callee, SELF blames
 * the service's CPU, LINK the link. blamed[i]: 1 CPU, 2 on the path. */
static void blame(const struct picture *p, char *blamed)
{
    char *called = xcalloc((size_t)p->ns + 1, 1);
    for (int i = 0; i < p->ne; i++) {
        int c = find(p, p->e[i].callee);
        if (c >= 0)
            called[c] = 1;
    }
    for (int r = 0; r < p->ns; r++) {
        if (called[r])
            continue;
        int at = r;
        for (int hops = 0; at >= 0 && hops <= p->ns; hops++) {
            const struct svc *s = &p->s[at];
            if (!strcmp(s->verdict, "self")) {
                blamed[at] = 1;
                break;
            }
            if (strcmp(s->verdict, "delegate") && strcmp(s->verdict, "link"))
                break;
            blamed[at] = blamed[at] ? blamed[at] : 2;
            if (!strcmp(s->verdict, "link"))
                break;
            at = find(p, s->blames);
        }
    }
    free(called);
}

/* How severe a service's state is, in [0, 1]: the larger of its CPU
 * utilization and the share of the mean end-to-end latency that waiting for
 * its CPU explains (NaN: unknown). */
static double severity(const struct svc *s)
{
    double u = isnan(s->util) ? NAN : fmin(1, s->util);
    double x = isnan(s->explains) ? NAN : fmin(1, s->explains);
    if (isnan(u))
        return x;
    return isnan(x) ? u : fmax(u, x);
}

/* A box explaining the colours (node names hold '#', which service names
 * cannot). */
static void legend(Agraph_t *g)
{
    Agraph_t *c = agsubg(g, "cluster_legend", 1);
    set(c, "label", "legend");
    set(c, "fontname", "Helvetica");
    set(c, "style", "dashed");
    static const struct {
        const char *name, *fill, *label, *style, *color, *pen;
    } items[] = {
        {"#low", "#d9ef8b",
         "severity < 50%: the larger of CPU utilization\nand the share of latency its wait "
         "explains",
         "filled,rounded", "black", "1"},
        {"#busy", "#fee08b", "severity 50-80%", "filled,rounded", "black", "1"},
        {"#hot", "#f46d43", "severity >= 80%", "filled,rounded", "black", "1"},
        {"#cpu", "#f46d43",
         "CPU BOTTLENECK: blamed by the trace,\nseverity >= 50%, utilization >= 20%",
         "filled,rounded", "red", "4"},
        {"#light", "#d9ef8b", "blamed by the trace,\nnot a bottleneck", "filled,rounded,dashed",
         "red", "1"},
    };
    Agnode_t *prev = NULL;
    for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
        Agnode_t *n = agnode(c, (char *)items[i].name, 1);
        set(n, "shape", "box");
        set(n, "fontname", "Helvetica");
        set(n, "fontsize", "10");
        set(n, "style", items[i].style);
        set(n, "fillcolor", items[i].fill);
        set(n, "color", items[i].color);
        set(n, "penwidth", items[i].pen);
        set(n, "label", items[i].label);
        if (prev) {
            Agedge_t *e = agedge(c, prev, n, NULL, 1);
            set(e, "style", "invis");
        }
        prev = n;
    }
    Agnode_t *a = agnode(c, "#net-a", 1), *b = agnode(c, "#net-b", 1);
    set(a, "shape", "point");
    set(b, "shape", "point");
    Agedge_t *e = agedge(c, a, b, NULL, 1);
    set(e, "color", "red");
    set(e, "penwidth", "4");
    set(e, "label",
        "network bottleneck: blamed by the trace,\nits wait explains >= 20% of latency");
    set(e, "fontname", "Helvetica");
    set(e, "fontsize", "10");
    Agnode_t *x = agnode(c, "#del-a", 1), *y = agnode(c, "#del-b", 1);
    set(x, "shape", "point");
    set(y, "shape", "point");
    e = agedge(c, x, y, NULL, 1);
    set(e, "color", "orange");
    set(e, "penwidth", "2");
    set(e, "label", "the trace delegates\nthe blame along it");
    set(e, "fontname", "Helvetica");
    set(e, "fontsize", "10");
}

static Agraph_t *build(const struct picture *p)
{
    char *blamed = xcalloc((size_t)p->ns + 1, 1);
    blame(p, blamed);
    Agraph_t *g = agopen("uksim", Agdirected, NULL);
    set(g, "rankdir", "LR");
    set(g, "label", p->title);
    set(g, "labelloc", "t");
    set(g, "fontname", "Helvetica");
    Agnode_t **nodes = xcalloc((size_t)p->ns + 1, sizeof *nodes);
    for (int i = 0; i < p->ns; i++) {
        const struct svc *s = &p->s[i];
        Agnode_t *n = agnode(g, (char *)s->name, 1);
        nodes[i] = n;
        /* Severity: how busy the CPU is (fill), and how much of the
         * end-to-end latency waiting for it explains (in the label). */
        double sev = severity(s);
        const char *fill = isnan(sev)   ? "#f0f0f0"
                           : sev >= 0.8 ? "#f46d43"
                           : sev >= 0.5 ? "#fee08b"
                                        : "#d9ef8b";
        char ready[32] = "";
        if (s->ready >= 0)
            snprintf(ready, sizeof ready, "%d ready, ", s->ready);
        struct sim_buf label = {0};
        sim_buf_printf(&label, "%s\n%sutil %.2f\nlocal wait %.2f ms", s->name, ready,
                       isnan(s->util) ? 0.0 : s->util, isnan(s->wait) ? 0.0 : s->wait * 1e3);
        if (!isnan(s->explains))
            sim_buf_printf(&label, "\n%.0f%% of latency", 100 * fmin(1, s->explains));
        set(n, "shape", "box");
        set(n, "style", "filled,rounded");
        set(n, "fillcolor", fill);
        set(n, "fontname", "Helvetica");
        /* The trace's blame is a bottleneck only where the CPU is busy, or
         * where waiting for it explains much of the latency; never at a
         * lightly loaded CPU. */
        if (blamed[i] == 1 && s->util >= 0.2 && sev >= 0.5) {
            set(n, "color", "red");
            set(n, "penwidth", "4");
            sim_buf_printf(&label, "\nCPU BOTTLENECK");
        } else if (blamed[i] == 1) {
            set(n, "color", "red");
            set(n, "style", "filled,rounded,dashed");
            sim_buf_printf(&label, "\nblamed by the trace, not a bottleneck");
        }
        set(n, "label", label.p);
        free(label.p);
    }
    for (int i = 0; i < p->ne; i++) {
        const struct edge *e = &p->e[i];
        int a = find(p, e->caller), b = find(p, e->callee);
        if (a < 0 || b < 0)
            continue;
        Agedge_t *ed = agedge(g, nodes[a], nodes[b], NULL, 1);
        char label[160] = "";
        if (!isnan(e->rate))
            snprintf(label, sizeof label, "%.1f/s\nnet %.2f ms", e->rate, e->net * 1e3);
        if (!isnan(e->explains) && e->explains >= 0.005)
            snprintf(label + strlen(label), sizeof label - strlen(label), "\n%.0f%% of latency",
                     100 * fmin(1, e->explains));
        set(ed, "label", label);
        set(ed, "fontname", "Helvetica");
        /* A link's severity is the share of the latency its wait explains. */
        if (!isnan(e->explains) && e->explains >= 0.5)
            set(ed, "color", "#f46d43");
        else if (!isnan(e->explains) && e->explains >= 0.2)
            set(ed, "color", "#e6ab02");
        const struct svc *s = &p->s[a];
        bool link = blamed[a] && !strcmp(s->blames, e->callee) && !strcmp(s->verdict, "link");
        if (link && (isnan(e->explains) || e->explains >= 0.2)) {
            set(ed, "color", "red");
            set(ed, "penwidth", "4");
            set(ed, "xlabel", "NETWORK BOTTLENECK");
        } else if (link) {
            set(ed, "color", "red");
            set(ed, "style", "dashed");
            set(ed, "xlabel", "blamed by the trace, not a bottleneck");
        } else if (blamed[a] && !strcmp(s->blames, e->callee) && !strcmp(s->verdict, "delegate")) {
            set(ed, "color", "orange");
            set(ed, "penwidth", "2");
        }
    }
    legend(g);
    free(nodes);
    free(blamed);
    return g;
}

static int render(GVC_t *gvc, Agraph_t *g, const char *dir, const char *base, struct sim_diag *d)
{
    static const char *const fmts[] = {"dot", "svg", "png"};
    for (size_t i = 0; i < 3; i++) {
        struct sim_buf path = {0}, tmp = {0};
        sim_buf_printf(&path, "%s.%s", base, fmts[i]);
        sim_buf_printf(&tmp, "%s/.uksim-graph-%ld.%s", dir, (long)getpid(), fmts[i]);
        int err = 0;
        if (gvRenderFilename(gvc, g, fmts[i], tmp.p) != 0 || rename(tmp.p, path.p) != 0) {
            unlink(tmp.p);
            err = sim_diag_set(d, SIM_EIO, path.p, 0, "cannot render");
        }
        free(path.p);
        free(tmp.p);
        if (err)
            return err;
    }
    return 0;
}

int out_render(const char *dir, const double *windows, int nwindows, struct sim_diag *d)
{
    struct picture p = {0};
    int err = read_summary(dir, &p, d);
    if (err)
        goto out;
    agseterr(AGERR); /* Graphviz's warnings (bitmap scaling) are not ours */
    /* One Graphviz context for the whole process: its text-layout plugin
     * caches a font name across contexts, so a second context after
     * gvFreeContext() reads freed memory (seen under ASan when one run
     * draws two graphs). The context stays reachable until exit. */
    static GVC_t *gvc;
    if (!gvc)
        gvc = gvContext();
    for (int k = -1; k < nwindows && !err; k++) {
        double start = 0;
        if (k >= 0 && (err = read_window(dir, windows[k], &p, &start, d)))
            break;
        Agraph_t *g = build(&p);
        if (gvLayout(gvc, g, "dot") != 0) {
            err = sim_diag_set(d, SIM_EIO, dir, 0, "graph layout failed");
        } else {
            struct sim_buf base = {0};
            if (k < 0)
                sim_buf_printf(&base, "%s/graph", dir);
            else
                sim_buf_printf(&base, "%s/graph-%g", dir, start);
            err = render(gvc, g, dir, base.p, d);
            free(base.p);
            gvFreeLayout(gvc, g);
        }
        agclose(g);
    }
out:
    picture_free(&p);
    return err;
}
