/* SPDX-License-Identifier: MIT */
/* output/report.c: report.html (output/report.h). The page uses no script
 * and no outside resource; SVG files are inlined after their XML prolog. */
#include "output/report.h"

#include "output/files.h"
#include "output/graph.h"
#include "sim/datafile.h"
#include "sim/strbuf.h"
#include "sim/xalloc.h"

#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct run {
    char *name; /* subfolder, or "" */
    char *dir;
    json_t *summary;
};

static int cmp_run(const void *a, const void *b)
{
    return strcmp(((const struct run *)a)->name, ((const struct run *)b)->name);
}

static json_t *load_summary(const char *dir)
{
    char *path = sim_path_join_new(dir, "summary.json");
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    free(path);
    if (j && !json_is_object(j)) {
        json_decref(j);
        j = NULL;
    }
    return j;
}

/* The runs under dir: dir itself, or its subfolders with a summary. */
static struct run *find_runs(const char *dir, size_t *n)
{
    struct run *runs = NULL;
    size_t cap = 0;
    *n = 0;
    json_t *s = load_summary(dir);
    if (s) {
        runs = xgrow(runs, &cap, 1, sizeof *runs);
        runs[(*n)++] = (struct run){xstrdup(""), xstrdup(dir), s};
        return runs;
    }
    DIR *dp = opendir(dir);
    for (struct dirent *e; dp && (e = readdir(dp));) {
        if (e->d_name[0] == '.')
            continue;
        char *sub = sim_path_join_new(dir, e->d_name);
        json_t *j = load_summary(sub);
        if (!j) {
            free(sub);
            continue;
        }
        runs = xgrow(runs, &cap, *n + 1, sizeof *runs);
        runs[(*n)++] = (struct run){xstrdup(e->d_name), sub, j};
    }
    if (dp)
        closedir(dp);
    if (*n)
        qsort(runs, *n, sizeof *runs, cmp_run);
    return runs;
}

/* HTML-escaped text. */
static void esc(struct sim_buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': sim_buf_printf(b, "&lt;"); break;
        case '>': sim_buf_printf(b, "&gt;"); break;
        case '&': sim_buf_printf(b, "&amp;"); break;
        case '"': sim_buf_printf(b, "&quot;"); break;
        default: sim_buf_printf(b, "%c", *s);
        }
    }
}

/* The number at a dotted path of j, or NaN. */
static double at(json_t *j, const char *path)
{
    char *copy = xstrdup(path), *save = NULL;
    for (char *k = strtok_r(copy, ".", &save); k && j; k = strtok_r(NULL, ".", &save))
        j = json_object_get(j, k);
    free(copy);
    return json_is_number(j) ? json_number_value(j) : NAN;
}

static const char *str(json_t *j, const char *key)
{
    json_t *v = json_object_get(j, key);
    return json_is_string(v) ? json_string_value(v) : "";
}

/* An SVG file inlined (without its XML prolog and doctype), or a note. */
static void inline_svg(struct sim_buf *b, const char *path)
{
    char why[300];
    FILE *f = sim_data_open(path, why, sizeof why);
    if (!f) {
        sim_buf_printf(b, "<p class=\"note\">(no image: ");
        esc(b, why);
        sim_buf_printf(b, ")</p>\n");
        return;
    }
    struct sim_buf svg = {0};
    char chunk[65536];
    size_t k;
    while ((k = fread(chunk, 1, sizeof chunk - 1, f)) > 0) {
        chunk[k] = '\0';
        sim_buf_printf(&svg, "%s", chunk);
    }
    fclose(f);
    const char *start = svg.p ? strstr(svg.p, "<svg") : NULL;
    if (start)
        sim_buf_printf(b, "<div class=\"img\">%s</div>\n", start);
    else
        sim_buf_printf(b, "<p class=\"note\">(not an SVG image)</p>\n");
    free(svg.p);
}

static const struct {
    const char *label, *path, *fmt;
    double scale;
    const char *explain;
} rows[] = {
    {"requests completed", "requests.completed", "%.0f", 1,
     "measured requests (sent after warm-up) that got a reply"},
    {"requests dropped", "requests.dropped", "%.0f", 1,
     "measured requests refused because a queue was full (maxqueue)"},
    {"p95 latency (ms)", "requests.latency.p95", "%.1f", 1e3,
     "95th percentile of the client-observed latency over the whole measured run"},
    {"mean latency (ms)", "requests.latency.mean", "%.2f", 1e3, "mean client-observed latency"},
    {"SLO windows violated (%)", "slo.windows_violated", "%.1f", 100,
     "share of time windows whose latency exceeded the SLO"},
    {"requests over the SLO (%)", "slo.requests_over", "%.2f", 100,
     "share of measured requests slower than the p95 target"},
    {"cost (instance-seconds)", "instance_seconds", "%.0f", 1,
     "instance time from boot to stop, summed over services"},
    {"under-provisioned time (%)", "elasticity.tau_u", "%.1f", 1,
     "SPEC elasticity: share of time supply was below demand"},
    {"over-provisioned time (%)", "elasticity.tau_o", "%.1f", 1,
     "SPEC elasticity: share of time supply was above demand"},
    {"step to enough instances (s)", "slo.step_to_scale_out", "%.0f", 1,
     "after a load step: until every service's supply met its demand"},
};

int out_report(const char *dir, struct sim_diag *d)
{
    size_t n;
    struct run *runs = find_runs(dir, &n);
    if (n == 0) {
        free(runs);
        return sim_diag_set(d, SIM_EINVAL, dir, 0,
                            "no summary.json here or in a subfolder: not uksim results");
    }
    int err = 0;
    for (size_t i = 0; i < n && !err; i++) {
        char *g = sim_path_join_new(runs[i].dir, "graph.svg");
        struct stat st;
        if (stat(g, &st) != 0)
            err = out_render(runs[i].dir, NULL, 0, d);
        free(g);
    }
    struct sim_buf b = {0};
    sim_buf_printf(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                       "<title>uksim report</title>\n<style>\n"
                       "body { font-family: sans-serif; margin: 2em; color: #222; }\n"
                       "table { border-collapse: collapse; margin: 1em 0; }\n"
                       "td, th { border: 1px solid #bbb; padding: 4px 10px; text-align: right; }\n"
                       "td:first-child, th:first-child, td.explain { text-align: left; }\n"
                       "td.explain { color: #555; font-size: 90%%; }\n"
                       ".img svg { max-width: 100%%; height: auto; }\n"
                       ".note { color: #777; }\n"
                       "</style>\n</head>\n<body>\n<h1>uksim report</h1>\n");
    sim_buf_printf(&b, "<h2>Comparison</h2>\n<table>\n<tr><th>figure</th>");
    for (size_t i = 0; i < n; i++) {
        sim_buf_printf(&b, "<th>");
        esc(&b, runs[i].name[0] ? runs[i].name : "this run");
        sim_buf_printf(&b, "</th>");
    }
    sim_buf_printf(&b, "<th>what it means</th></tr>\n");
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        sim_buf_printf(&b, "<tr><td>%s</td>", rows[r].label);
        for (size_t i = 0; i < n; i++) {
            double v = at(runs[i].summary, rows[r].path);
            if (isfinite(v)) {
                sim_buf_printf(&b, "<td>");
                sim_buf_printf(&b, rows[r].fmt, v * rows[r].scale);
                sim_buf_printf(&b, "</td>");
            } else {
                sim_buf_printf(&b, "<td>&ndash;</td>");
            }
        }
        sim_buf_printf(&b, "<td class=\"explain\">%s</td></tr>\n", rows[r].explain);
    }
    sim_buf_printf(&b, "</table>\n");
    static const char *const plots[] = {"load", "instances", "latency", "utilization"};
    for (size_t i = 0; i < n; i++) {
        json_t *s = runs[i].summary;
        sim_buf_printf(&b, "<h2>");
        esc(&b, runs[i].name[0] ? runs[i].name : "The run");
        sim_buf_printf(&b, "</h2>\n<p>Model <code>");
        esc(&b, str(s, "model"));
        sim_buf_printf(&b, "</code> (digest <code>");
        esc(&b, str(s, "model_digest"));
        sim_buf_printf(&b,
                       "</code>), seed %.0f, %.0f s simulated of which %.0f s measured, "
                       "stopped by <code>",
                       at(s, "seed"), at(s, "sim_seconds"), at(s, "measured_seconds"));
        esc(&b, str(s, "stop_reason"));
        sim_buf_printf(&b, "</code>, %.0f events; uksim ", at(s, "events"));
        esc(&b, str(s, "uksim_version"));
        sim_buf_printf(&b, ".</p>\n<h3>Bottleneck graph</h3>\n");
        char *g = sim_path_join_new(runs[i].dir, "graph.svg");
        inline_svg(&b, g);
        free(g);
        sim_buf_printf(&b, "<h3>Plots</h3>\n");
        for (size_t k = 0; k < sizeof plots / sizeof plots[0]; k++) {
            struct sim_buf p = {0};
            sim_buf_printf(&p, "%s/plots/%s.svg", runs[i].dir, plots[k]);
            inline_svg(&b, p.p);
            free(p.p);
        }
    }
    sim_buf_printf(&b, "</body>\n</html>\n");
    if (!err) {
        char *path = sim_path_join_new(dir, "report.html");
        err = out_write_atomic(path, b.p, d);
        free(path);
    }
    free(b.p);
    for (size_t i = 0; i < n; i++) {
        free(runs[i].name);
        free(runs[i].dir);
        json_decref(runs[i].summary);
    }
    free(runs);
    return err;
}
