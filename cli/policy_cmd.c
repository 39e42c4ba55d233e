/* SPDX-License-Identifier: MIT */
/* cli/policy_cmd.c: `uksim policy replay FILE`: recorded HPA observations
 * through the controller, no simulation (policies/hpa_replay.h). */
#include "cli/policy_cmd.h"

#include "output/files.h"
#include "policies/hpa_replay.h"
#include "sim/datafile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_policy[] =
    "Usage: uksim policy replay FILE [-o OUT]\n"
    "\n"
    "Runs recorded observations through the Kubernetes HPA controller, with no\n"
    "simulation: replay a cluster's metrics against new settings, or check the\n"
    "controller against known answers. FILE (\"-\" for standard input) is JSON\n"
    "Lines:\n"
    "\n"
    "  line 1   {\"hpa\": <HorizontalPodAutoscaler, autoscaling/v2, as JSON>,\n"
    "            \"controller\": {\"sync_period\": 15, \"tolerance\": 0.1,\n"
    "             \"cpu_initialization_period\": 300, \"initial_readiness_delay\": 30,\n"
    "             \"downscale_stabilization\": 300, \"metric_window\": 60}}\n"
    "           controller values in seconds, all optional (these are the\n"
    "           defaults); other top-level fields are ignored\n"
    "  then     one sync per line: {\"t\": s, \"replicas\": N, \"pods\": [{\"cpu\":\n"
    "           percent of request or null, \"ready\": bool, \"start\": s,\n"
    "           \"ready_change\": s, \"deleting\": bool, \"phase\":\n"
    "           \"Running\"|\"Pending\"|\"Failed\"}, ...]}\n"
    "\n"
    "Writes one line per sync, {\"t\": s, \"desired\": N}: the replica count the\n"
    "controller would write (the current count when it would not scale).\n"
    "\n"
    "  -o, --output OUT   write to OUT instead of standard output\n"
    "  -h, --help         show this help\n"
    "\n"
    "Exit status: 0 done, 1 an output could not be written, 2 bad input\n"
    "(file:line: field: problem). The algorithm: doc/policies.md.\n";

static int fail_usage(const char *msg, const char *arg)
{
    fprintf(stderr, "uksim policy: ");
    fprintf(stderr, msg, arg);
    fprintf(stderr, "\nTry 'uksim policy --help'.\n");
    return 2;
}

static int print_diag(const struct sim_diag *d, int status)
{
    char buf[900];
    sim_diag_format(d, buf, sizeof buf);
    fprintf(stderr, "uksim: %s\n", buf);
    return status;
}

int cli_policy(int argc, char **argv)
{
    const char *file = NULL, *out = NULL;
    if (argc < 2)
        return fail_usage("%s", "which action? replay");
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        fputs(usage_policy, stdout);
        return 0;
    }
    if (strcmp(argv[1], "replay"))
        return fail_usage("unknown action \"%s\" (expected replay)", argv[1]);
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(usage_policy, stdout);
            return 0;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            if (++i >= argc)
                return fail_usage("%s needs a file", a);
            out = argv[i];
        } else if (!strncmp(a, "--output=", 9)) {
            out = a + 9;
        } else if (a[0] == '-' && a[1]) {
            return fail_usage("unknown option %s", a);
        } else if (file) {
            return fail_usage("unexpected argument \"%s\"", a);
        } else {
            file = a;
        }
    }
    if (!file)
        return fail_usage("%s", "a replay file is required");
    struct sim_diag d = {0};
    FILE *in = stdin;
    const char *name = "<stdin>";
    if (strcmp(file, "-")) {
        char why[256];
        in = sim_data_open(file, why, sizeof why);
        if (!in) {
            fprintf(stderr, "uksim: %s: %s\n", file, why);
            return 2;
        }
        name = file;
    }
    struct sim_buf buf = {0};
    int err = pol_hpa_replay(in, name, &buf, &d);
    if (in != stdin)
        fclose(in);
    if (err) {
        free(buf.p);
        return print_diag(&d, 2);
    }
    int rc = 0;
    if (!out || !strcmp(out, "-")) {
        if (buf.n && fwrite(buf.p, 1, buf.n, stdout) != buf.n)
            rc = 1;
    } else if (out_write_atomic(out, buf.p ? buf.p : "", &d)) {
        rc = print_diag(&d, 1);
    }
    free(buf.p);
    return rc;
}
