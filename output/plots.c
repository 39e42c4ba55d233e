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

/* "a b c": the service names, for gnuplot's `for [s in ...]`. */
static char *service_list(const struct run_summary *s)
{
    size_t n = 1;
    for (size_t i = 0; i < s->nsvcs; i++)
        n += strlen(s->svcs[i].name) + 1;
    char *list = xcalloc(n, 1);
    for (size_t i = 0; i < s->nsvcs; i++) {
        if (i)
            strcat(list, " ");
        strcat(list, s->svcs[i].name);
    }
    return list;
}

static bool have_gnuplot(void)
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

/* Runs gnuplot on script in directory plots; its messages go to stderr
 * unless quiet. Returns its exit status, or -1 if it could not run. */
static int run_gnuplot(const char *plots, const char *script, bool quiet)
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
static void body(struct sim_buf *b, int k, const char *svcs, double slo_p95,
                 const struct run_summary *s)
{
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
                       "set title 'instances by state'\n"
                       "set ylabel 'instances'\n"
                       "set datafile separator ','\n"
                       "svcs = '%s'\n"
                       "plot for [s in svcs] 'svc-'.s.'.csv' every ::1 using 1:2 with steps "
                       "title s.' ready', \\\n"
                       "     for [s in svcs] 'svc-'.s.'.csv' every ::1 using 1:3 with steps "
                       "dashtype 2 title s.' booting', \\\n"
                       "     for [s in svcs] 'svc-'.s.'.csv' every ::1 using 1:4 with steps "
                       "dashtype 3 title s.' demand'\n",
                       svcs);
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
                       "set title 'utilization per service'\n"
                       "set ylabel 'CPU busy / serving time'\n"
                       "set yrange [0:1.05]\n"
                       "set datafile separator ','\n"
                       "svcs = '%s'\n"
                       "plot for [s in svcs] 'svc-'.s.'.csv' every ::1 using 1:5 with steps "
                       "title s\n",
                       svcs);
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
     * gnuplot cannot filter interleaved rows without breaking its lines. */
    int err = 0;
    for (size_t i = 0; i < s->nsvcs && !err; i++) {
        struct sim_buf b = {0};
        sim_buf_printf(&b, "t_end,ready,booting,demand,utilization\n");
        for (size_t r = i; r < s->nrows; r += s->nsvcs) {
            const struct run_window_row *row = &s->rows[r];
            sim_buf_printf(&b, "%.9g,%d,%d,%.17g,%.6g\n", row->t_end, row->ready, row->booting,
                           row->demand,
                           row->utilization == row->utilization ? row->utilization : 0.0);
        }
        struct sim_buf path = {0};
        sim_buf_printf(&path, "%s/svc-%s.csv", plots, s->svcs[i].name);
        err = out_write_new(path.p, b.p, d);
        free(path.p);
        free(b.p);
    }
    char *svcs = service_list(s);
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
        body(&b, k, svcs, slo_p95, s);
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
    if (err || !have_gnuplot()) {
        free(plots);
        return err;
    }
    for (int k = 0; k < 4 && !err; k++) {
        struct sim_buf script = {0}, png = {0}, svg = {0};
        sim_buf_printf(&script, "%s.gp", scripts[k]);
        sim_buf_printf(&png, "%s/%s.png", plots, scripts[k]);
        sim_buf_printf(&svg, "%s/%s.svg", plots, scripts[k]);
        int st = run_gnuplot(plots, script.p, quiet);
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
