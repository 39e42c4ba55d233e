/* SPDX-License-Identifier: MIT */
/* cli/compare.c: `uksim compare DIR_A DIR_B`: every figure two runs'
 * summary.json files share, side by side, with the absolute and relative
 * difference; a figure is flagged when both differences exceed their
 * bounds (relative: --tolerance; absolute, for times: --floor), a verdict
 * when it differs. Exit status 1 when anything is flagged: a CI job's
 * check that a model has not drifted from its testbed. */
#include "cli/cli_int.h"
#include "cli/testbed_cmd.h"

#include "sim/units.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char compare_help[] =
    "usage: uksim compare DIR_A DIR_B [--tolerance 10%] [--floor 0.2ms] [--quiet]\n"
    "\n"
    "Prints, side by side, every figure the two runs' summary.json share: client latency\n"
    "mean, p50, p95 and p99; per service cpu, local wait, call time and utilization;\n"
    "per edge network and remote wait; and each service's verdict. A run is a directory\n"
    "written by `uksim run` or `uksim testbed run` (or a summary.json itself).\n"
    "  --tolerance R  flag a figure whose relative difference exceeds R (default 10%)\n"
    "  --floor T      and whose absolute difference exceeds T, for times (default 0)\n"
    "  --quiet        print only the flagged figures\n"
    "Exit status: 0 nothing flagged, 1 a flagged figure or verdict, 2 bad usage or a\n"
    "file that is not a run's summary.\n";

struct cmp {
    double tol, floor;
    bool quiet;
    int flagged, shown;
};

static json_t *load(const char *dir)
{
    char path[4096];
    size_t l = strlen(dir);
    if (l >= 5 && !strcmp(dir + l - 5, ".json"))
        snprintf(path, sizeof path, "%s", dir);
    else
        snprintf(path, sizeof path, "%s/summary.json", dir);
    json_error_t e;
    json_t *j = json_load_file(path, 0, &e);
    if (!j) {
        fprintf(stderr, "uksim compare: %s:%d: %s\n", path, e.line, e.text);
        return NULL;
    }
    if (!json_is_object(j) || !json_is_object(json_object_get(j, "requests")) ||
        !json_is_object(json_object_get(j, "services"))) {
        fprintf(stderr, "uksim compare: %s: not a run's summary (no requests or services)\n", path);
        json_decref(j);
        return NULL;
    }
    return j;
}

static void row(struct cmp *c, const char *what, const json_t *a, const json_t *b, bool time)
{
    if (!json_is_number(a) || !json_is_number(b))
        return; /* not shared (null: no sample) */
    double x = json_number_value(a), y = json_number_value(b);
    double ad = y - x;
    double rd = x != 0 ? ad / fabs(x) : (y != 0 ? INFINITY : 0);
    bool flag = fabs(rd) > c->tol && (!time || fabs(ad) > c->floor);
    c->flagged += flag;
    c->shown++;
    if (c->quiet && !flag)
        return;
    double k = time ? 1e3 : 1;
    printf("%-40s %12.4f %12.4f %+12.4f %+8.1f%%%s\n", what, x * k, y * k, ad * k, rd * 100,
           flag ? "  !" : "");
}

static const char *verdict_text(const json_t *v, char *buf, size_t size)
{
    const char *kind = json_string_value(json_object_get(v, "kind"));
    const char *callee = json_string_value(json_object_get(v, "callee"));
    snprintf(buf, size, "%s%s%s", kind ? kind : "?", callee ? " " : "", callee ? callee : "");
    return buf;
}

static int compare(struct cmp *c, const json_t *A, const json_t *B)
{
    char what[300];
    printf("%-40s %12s %12s %12s %9s\n", "figure (times in ms)", "A", "B", "B - A", "rel");
    const json_t *la = json_object_get(json_object_get(A, "requests"), "latency");
    const json_t *lb = json_object_get(json_object_get(B, "requests"), "latency");
    static const char *const lat[] = {"mean", "p50", "p95", "p99"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(what, sizeof what, "latency %s", lat[i]);
        row(c, what, json_object_get(la, lat[i]), json_object_get(lb, lat[i]), true);
    }
    const json_t *sa = json_object_get(A, "services"), *sb = json_object_get(B, "services");
    const char *name;
    const json_t *va;
    static const char *const fig[] = {"cpu", "local_wait", "call_time", "utilization"};
    json_object_foreach((json_t *)sa, name, va)
    {
        const json_t *vb = json_object_get(sb, name);
        if (!vb)
            continue;
        for (size_t i = 0; i < 4; i++) {
            snprintf(what, sizeof what, "%s %s", name, fig[i]);
            row(c, what, json_object_get(va, fig[i]), json_object_get(vb, fig[i]), i < 3);
        }
    }
    const json_t *ea = json_object_get(A, "edges"), *eb = json_object_get(B, "edges");
    json_object_foreach((json_t *)ea, name, va)
    {
        const json_t *vb = json_object_get(eb, name);
        if (!vb)
            continue;
        snprintf(what, sizeof what, "%s network_wait", name);
        row(c, what, json_object_get(va, "network_wait"), json_object_get(vb, "network_wait"),
            true);
        snprintf(what, sizeof what, "%s remote_wait", name);
        row(c, what, json_object_get(va, "remote_wait"), json_object_get(vb, "remote_wait"), true);
    }
    json_object_foreach((json_t *)sa, name, va)
    {
        const json_t *vb = json_object_get(sb, name);
        if (!vb)
            continue;
        char x[200], y[200];
        verdict_text(json_object_get(va, "verdict"), x, sizeof x);
        verdict_text(json_object_get(vb, "verdict"), y, sizeof y);
        bool flag = strcmp(x, y) != 0;
        c->flagged += flag;
        c->shown++;
        if (!c->quiet || flag)
            printf("%-40s %12s %12s%s\n", name, x, y, flag ? "  ! verdicts differ" : "");
    }
    printf("%d of %d figures differ beyond %.3g%%%s\n", c->flagged, c->shown, c->tol * 100,
           c->floor > 0 ? " and the floor" : "");
    return c->flagged ? EXIT_RUNFAIL : EXIT_DONE;
}

int cli_compare(int argc, char **argv)
{
    struct cmp c = {.tol = 0.10};
    const char *dirs[2] = {0};
    int nd = 0;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
            fputs(compare_help, stdout);
            return EXIT_DONE;
        }
        if (!strcmp(s, "--quiet") || !strcmp(s, "-q")) {
            c.quiet = true;
        } else if (!strcmp(s, "--tolerance") || !strcmp(s, "--floor")) {
            if (i + 1 >= argc)
                return cli_usage_error("compare", "%s needs a value", s);
            const char *v = argv[++i];
            if (s[2] == 't') {
                char *end;
                double t = strtod(v, &end);
                if (end == v || (*end && strcmp(end, "%")) || !(t >= 0) || !isfinite(t))
                    return cli_usage_error("compare",
                                           "--tolerance: \"%s\" is not a share (10%% or 0.1)", v);
                c.tol = *end == '%' ? t / 100 : t;
            } else if (sim_parse_duration(v, &c.floor) || !(c.floor >= 0)) {
                return cli_usage_error("compare", "--floor: \"%s\" is not a duration", v);
            }
        } else if (s[0] == '-' && s[1]) {
            return cli_usage_error("compare", "unknown option %s", s);
        } else if (nd < 2) {
            dirs[nd++] = s;
        } else {
            return cli_usage_error("compare", "two runs only (also got %s)", s);
        }
    }
    if (nd != 2)
        return cli_usage_error("compare", "needs two runs: DIR_A DIR_B%s", "");
    json_t *a = load(dirs[0]), *b = a ? load(dirs[1]) : NULL;
    if (!a || !b) {
        json_decref(a);
        return EXIT_USAGE;
    }
    printf("A: %s (%s)\nB: %s (%s)\n", dirs[0],
           json_string_value(json_object_get(a, "source")) ?: "simulated", dirs[1],
           json_string_value(json_object_get(b, "source")) ?: "simulated");
    int rc = compare(&c, a, b);
    json_decref(a);
    json_decref(b);
    return rc;
}
