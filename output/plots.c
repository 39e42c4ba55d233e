/* SPDX-License-Identifier: MIT */
/* output/plots.c: writes the gnuplot scripts, then runs gnuplot on each if
 * it is installed (a child process per script, in DIR/plots). */
#include "output/plots.h"

#include "output/files.h"
#include "output/summary.h"
#include "sim/strbuf.h"
#include "sim/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const scripts[] = {"load", "instances", "latency", "utilization"};

/* Services drawn one by one; the rest are summed as "others". */
#define PLOT_TOP 10
/* The data file of the others: '+' is not allowed in service names. */
#define OTHERS "+others"

struct rank {
    size_t svc;
    double util;
};

static int by_util(const void *a, const void *b)
{
    const struct rank *x = a, *y = b;
    if (x->util != y->util)
        return x->util < y->util ? 1 : -1;
    return (x->svc > y->svc) - (x->svc < y->svc);
}

/* The services in order of mean utilization over the run, busiest first. */
static struct rank *rank_services(const struct run_summary *s)
{
    struct rank *r = xcalloc(s->nsvcs ? s->nsvcs : 1, sizeof *r);
    for (size_t i = 0; i < s->nsvcs; i++) {
        double sum = 0;
        size_t n = 0;
        for (size_t k = i; k < s->nrows; k += s->nsvcs)
            if (s->rows[k].utilization == s->rows[k].utilization) {
                sum += s->rows[k].utilization;
                n++;
            }
        r[i] = (struct rank){i, n ? sum / (double)n : 0};
    }
    qsort(r, s->nsvcs, sizeof *r, by_util);
    return r;
}

/* "a b c": the names of the data files drawn, for gnuplot's `for [s in ...]`. */
static char *service_list(const struct run_summary *s, const struct rank *r, size_t top)
{
    struct sim_buf b = {0};
    for (size_t i = 0; i < top; i++)
        sim_buf_printf(&b, "%s%s", i ? " " : "", s->svcs[r[i].svc].name);
    if (top < s->nsvcs)
        sim_buf_printf(&b, " %s", OTHERS);
    return b.p ? b.p : xstrdup("");
}

bool out_gnuplot_found(void)
{
    const char *path = getenv("PATH");
    if (!path)
        return false;
    char *copy = xstrdup(path), *save = NULL;
    bool found = false;
    for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
        char *f = sim_path_join_new(d, "gnuplot");
        found = access(f, X_OK) == 0;
        free(f);
    }
    free(copy);
    return found;
}

int out_gnuplot_run(const char *plots, const char *script, bool quiet)
{
    fflush(NULL); /* or the child would inherit, and write again, our buffers */
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (chdir(plots) != 0 || null < 0 || dup2(null, STDOUT_FILENO) < 0 ||
            (quiet && dup2(null, STDERR_FILENO) < 0))
            _exit(127);
        execlp("gnuplot", "gnuplot", script, (char *)NULL);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* True if path is a file with something in it. */
static bool nonempty(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
}

/* gnuplot refuses a plot with no defined point: such a plot says why. */
static void empty_plot(struct sim_buf *b, const char *title, const char *why)
{
    sim_buf_printf(b,
                   "set title '%s'\n"
                   "set label 1 '%s' at graph 0.5, 0.5 center\n"
                   "set xrange [0:1]\n"
                   "set yrange [0:1]\n"
                   "plot 2 notitle\n",
                   title, why);
}

/* Appends the body of script k. */
static void body(struct sim_buf *b, int k, const char *svcs, size_t top, double slo_p95,
                 const struct run_summary *s)
{
    char note[120] = "";
    if (top < s->nsvcs)
        snprintf(note, sizeof note, " (the %zu busiest of %zu; +others: the rest, %s)", top,
                 s->nsvcs, k == 1 ? "summed" : "averaged");
    bool latency = false;
    for (size_t i = 0; i < s->ncrows && !latency; i++)
        latency = s->crows[i].p50 > 0 || s->crows[i].p95 > 0;
    if (s->ncrows == 0 || s->nrows == 0) {
        empty_plot(b, scripts[k], "the run has no complete window");
        return;
    }
    if (k == 2 && !latency) {
        empty_plot(b, "client latency", "no request completed");
        return;
    }
    switch (k) {
    case 0:
        sim_buf_printf(
            b, "set title 'offered and served load'\n"
               "set ylabel 'requests/s'\n"
               "set datafile separator ','\n"
               "plot '../requests.csv' every ::1 using 2:($3/($2-$1)) with steps title 'sent', \\\n"
               "     '../requests.csv' every ::1 using 2:($4/($2-$1)) with steps title "
               "'completed'\n");
        return;
    case 1:
        sim_buf_printf(b,
                       "set title 'instances by state%s'\n"
                       "set ylabel 'instances'\n"
                       "set offsets 0, 0, graph 0.05, 0\n"
                       "set datafile separator ','\n"
                       "svcs = '%s'\n"
                       "plot for [s in svcs] 'svc-'.s.'.csv' every ::1 using 1:2 with steps "
                       "title s.' ready', \\\n"
                       "     for [s in svcs] 'svc-'.s.'.csv' every ::1 using 1:3 with steps "
                       "dashtype 2 title s.' booting', \\\n"
                       "     for [s in svcs] 'svc-'.s.'.csv' every ::1 using 1:4 with steps "
                       "dashtype 3 title s.' demand'\n",
                       note, svcs);
        return;
    case 2:
        sim_buf_printf(b,
                       "set title 'client latency%s'\n"
                       "set ylabel 'seconds'\n"
                       "set logscale y\n"
                       "set datafile separator ','\n"
                       "plot '../requests.csv' every ::1 using 2:5 with lines title 'p50', \\\n"
                       "     '../requests.csv' every ::1 using 2:6 with lines title 'p95', \\\n"
                       "     '../requests.csv' every ::1 using 2:7 with lines title 'p99'",
                       slo_p95 > 0 ? " against the p95 SLO" : "");
        if (slo_p95 > 0)
            sim_buf_printf(b, ", \\\n     %.9g with lines dashtype 2 lc rgb 'red' title 'p95 SLO'",
                           slo_p95);
        sim_buf_printf(b, "\n");
        return;
    default:
        sim_buf_printf(b,
                       "set title 'utilization per service%s'\n"
                       "set ylabel 'CPU busy / serving time'\n"
                       "set yrange [0:1.05]\n"
                       "set datafile separator ','\n"
                       "svcs = '%s'\n"
                       "plot for [s in svcs] 'svc-'.s.'.csv' every ::1 using 1:5 with steps "
                       "title s\n",
                       note, svcs);
        return;
    }
}

int out_plots_write(const struct run_summary *s, const char *dir, double slo_p95, bool quiet,
                    bool *rendered, struct sim_diag *d)
{
    *rendered = false;
    char *plots = sim_path_join_new(dir, "plots");
    if (mkdir(plots, 0777) != 0 && errno != EEXIST) {
        int e = errno;
        int rc = sim_diag_set(d, SIM_EIO, plots, 0, "cannot create: %s", strerror(e));
        free(plots);
        return rc;
    }
    /* Per-service data (window end, ready, booting, demand, utilization):
     * gnuplot cannot filter interleaved rows without breaking its lines.
     * Every service gets its file; the plots draw the PLOT_TOP busiest and
     * the others summed (instances) or averaged (utilization), so that they
     * stay readable at any size. */
    int err = 0;
    struct rank *rank = rank_services(s);
    size_t top = s->nsvcs > PLOT_TOP + 1 ? PLOT_TOP : s->nsvcs;
    size_t nwin = s->nsvcs ? s->nrows / s->nsvcs : 0;
    double *other = xcalloc(nwin * 5 + 1, sizeof *other);
    /* Data files for the drawn services only (services.csv has them all). */
    bool *drawn = xcalloc(s->nsvcs + 1, sizeof *drawn);
    for (size_t i = 0; i < top; i++)
        drawn[rank[i].svc] = true;
    for (size_t i = 0; i < s->nsvcs && !err; i++) {
        if (!drawn[i]) {
            for (size_t r = i, w = 0; r < s->nrows; r += s->nsvcs, w++) {
                const struct run_window_row *row = &s->rows[r];
                other[w * 5] = row->t_end;
                other[w * 5 + 1] += row->ready;
                other[w * 5 + 2] += row->booting;
                other[w * 5 + 3] += row->demand;
                other[w * 5 + 4] += row->utilization == row->utilization ? row->utilization : 0;
            }
            continue;
        }
        struct sim_buf b = {0};
        sim_buf_printf(&b, "t_end,ready,booting,demand,utilization\n");
        for (size_t r = i, w = 0; r < s->nrows; r += s->nsvcs, w++) {
            const struct run_window_row *row = &s->rows[r];
            double u = row->utilization == row->utilization ? row->utilization : 0.0;
            sim_buf_printf(&b, "%.9g,%d,%d,%.17g,%.6g\n", row->t_end, row->ready, row->booting,
                           row->demand, u);
            other[w * 5] = row->t_end;
        }
        struct sim_buf path = {0};
        sim_buf_printf(&path, "%s/svc-%s.csv", plots, s->svcs[i].name);
        err = out_write_new(path.p, b.p, d);
        free(path.p);
        free(b.p);
    }
    if (!err && top < s->nsvcs) {
        struct sim_buf b = {0}, path = {0};
        sim_buf_printf(&b, "t_end,ready,booting,demand,utilization\n");
        for (size_t w = 0; w < nwin; w++)
            sim_buf_printf(&b, "%.9g,%.0f,%.0f,%.17g,%.6g\n", other[w * 5], other[w * 5 + 1],
                           other[w * 5 + 2], other[w * 5 + 3],
                           other[w * 5 + 4] / (double)(s->nsvcs - top));
        sim_buf_printf(&path, "%s/svc-%s.csv", plots, OTHERS);
        err = out_write_new(path.p, b.p, d);
        free(path.p);
        free(b.p);
    }
    free(other);
    free(drawn);
    char *svcs = service_list(s, rank, top);
    free(rank);
    for (int k = 0; k < 4 && !err; k++) {
        struct sim_buf b = {0};
        sim_buf_printf(&b,
                       "# Generated by uksim; data in ../services.csv and ../requests.csv.\n"
                       "set key outside right top\n"
                       "set grid\n"
                       "set xlabel 'time (s)'\n"
                       "set terminal pngcairo size 1000,500 noenhanced\n"
                       "set output '%s.png'\n",
                       scripts[k]);
        body(&b, k, svcs, top, slo_p95, s);
        sim_buf_printf(&b,
                       "set terminal svg size 1000,500 noenhanced\n"
                       "set output '%s.svg'\n"
                       "replot\n",
                       scripts[k]);
        struct sim_buf path = {0};
        sim_buf_printf(&path, "%s/%s.gp", plots, scripts[k]);
        err = out_write_new(path.p, b.p, d);
        free(path.p);
        free(b.p);
    }
    free(svcs);
    if (err || !out_gnuplot_found()) {
        free(plots);
        return err;
    }
    for (int k = 0; k < 4 && !err; k++) {
        struct sim_buf script = {0}, png = {0}, svg = {0};
        sim_buf_printf(&script, "%s.gp", scripts[k]);
        sim_buf_printf(&png, "%s/%s.png", plots, scripts[k]);
        sim_buf_printf(&svg, "%s/%s.svg", plots, scripts[k]);
        int st = out_gnuplot_run(plots, script.p, quiet);
        if (st != 0)
            err = sim_diag_set(d, SIM_EIO, plots, 0, "gnuplot failed on %s (exit status %d)",
                               script.p, st);
        else if (!nonempty(png.p) || !nonempty(svg.p))
            err = sim_diag_set(d, SIM_EIO, plots, 0,
                               "gnuplot left %s.png or %s.svg empty (disk full?)", scripts[k],
                               scripts[k]);
        free(script.p);
        free(png.p);
        free(svg.p);
    }
    free(plots);
    *rendered = err == 0;
    return err;
}
