/* SPDX-License-Identifier: MIT */
/* cli/policy_cmd.c: `uksim policy replay FILE`: recorded HPA observations
 * through the controller, no simulation (policies/hpa_replay.h). */
#include "cli/policy_cmd.h"

#include "cli/cli_int.h"

#include "models/model.h"
#include "output/files.h"
#include "policies/hpa_replay.h"
#include "policies/hpa_spec.h"
#include "policies/policy.h"
#include "sim/datafile.h"
#include "sim/strbuf.h"
#include "sim/xalloc.h"

#include <ctype.h>
#include <stdbool.h>
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

/* Prints d (cli_print_diag) and returns status. */
static int diag_status(const struct sim_diag *d, int status)
{
    cli_print_diag(d);
    return status;
}

int cli_policy(int argc, char **argv)
{
    const char *file = NULL, *out = NULL;
    if (argc < 2)
        return cli_usage_error("policy", "%s", "which action? replay");
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        fputs(usage_policy, stdout);
        return EXIT_DONE;
    }
    if (strcmp(argv[1], "replay"))
        return cli_usage_error("policy", "unknown action \"%s\" (expected replay)", argv[1]);
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(usage_policy, stdout);
            return EXIT_DONE;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            if (++i >= argc)
                return cli_usage_error("policy", "%s needs a file", a);
            out = argv[i];
        } else if (!strncmp(a, "--output=", 9)) {
            out = a + 9;
        } else if (a[0] == '-' && a[1]) {
            return cli_usage_error("policy", "unknown option %s", a);
        } else if (file) {
            return cli_usage_error("policy", "unexpected argument \"%s\"", a);
        } else {
            file = a;
        }
    }
    if (!file)
        return cli_usage_error("policy", "%s", "a replay file is required");
    struct sim_diag d = {0};
    FILE *in = stdin;
    const char *name = "<stdin>";
    if (strcmp(file, "-")) {
        char why[256];
        in = sim_data_open(file, why, sizeof why);
        if (!in) {
            fprintf(stderr, "uksim: %s: %s\n", file, why);
            return EXIT_USAGE;
        }
        name = file;
    }
    struct sim_buf buf = {0};
    int err = pol_hpa_replay(in, name, &buf, &d);
    if (in != stdin)
        fclose(in);
    if (err) {
        free(buf.p);
        return diag_status(&d, EXIT_USAGE);
    }
    int rc = EXIT_DONE;
    if (!out || !strcmp(out, "-")) {
        if (buf.n && fwrite(buf.p, 1, buf.n, stdout) != buf.n)
            rc = EXIT_RUNFAIL;
    } else if (out_write_atomic(out, buf.p ? buf.p : "", &d)) {
        rc = diag_status(&d, EXIT_RUNFAIL);
    }
    free(buf.p);
    return rc;
}

static const char usage_export[] =
    "Usage: uksim export hpa MODEL -o DIR [--set PATH=VALUE]...\n"
    "\n"
    "Writes the Kubernetes manifests that correspond to MODEL's hpa policy, so\n"
    "that what was tuned in simulation is what gets deployed:\n"
    "  DIR/<service>-hpa.yaml   one HorizontalPodAutoscaler (autoscaling/v2) per\n"
    "                           scalable service (min < max), scaleTargetRef a\n"
    "                           Deployment of the service's name\n"
    "  DIR/kube-controller-manager.flags\n"
    "                           the controller settings the run used (sync period,\n"
    "                           tolerance, stabilization, CPU initialization)\n"
    "Reading the manifests back (policy.manifests) runs the same controller.\n"
    "\n"
    "  -o, --output DIR     where to write (created if missing)\n"
    "      --set PATH=VALUE override one model key (repeatable)\n"
    "  -h, --help           show this help\n";

/* Kubernetes object names are DNS-1123 subdomains. */
static bool dns_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 253 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-' ||
              s[i] == '.'))
            return false;
    return true;
}

static int write_text(const char *dir, const char *file, const char *text)
{
    struct sim_diag d = {0};
    char *path = sim_path_join_new(dir, file);
    int err = out_write_atomic(path, text, &d);
    free(path);
    return err ? diag_status(&d, EXIT_RUNFAIL) : 0;
}

static int export_specs(const struct mdl_model *m, const struct pol_control *pc, const char *dir)
{
    int rc = 0, n = 0;
    for (size_t i = 0; !rc && i < m->nservices; i++) {
        const struct hpa_spec *h = pol_hpa_spec(pc, (int)i);
        if (!h || h->min >= h->max)
            continue;
        if (!dns_name(h->target))
            fprintf(stderr,
                    "uksim: warning: service \"%s\" is not a valid Kubernetes name "
                    "(lowercase letters, digits, '-' and '.'); rename it before deploying\n",
                    h->target);
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        if (!f || hpa_spec_write_yaml(f, h) || fclose(f)) {
            fprintf(stderr, "uksim: out of memory writing a manifest\n");
            free(text);
            return EXIT_RUNFAIL;
        }
        char name[300];
        snprintf(name, sizeof name, "%s-hpa.yaml", h->target);
        rc = write_text(dir, name, text);
        free(text);
        n++;
    }
    const struct hpa_config *c = pol_hpa_config(pc);
    char flags[1024];
    snprintf(flags, sizeof flags,
             "# kube-controller-manager flags matching the simulated controller\n"
             "--horizontal-pod-autoscaler-sync-period=%gs\n"
             "--horizontal-pod-autoscaler-tolerance=%g\n"
             "--horizontal-pod-autoscaler-downscale-stabilization=%gs\n"
             "--horizontal-pod-autoscaler-cpu-initialization-period=%gs\n"
             "--horizontal-pod-autoscaler-initial-readiness-delay=%gs\n"
             "# metrics-server: --metric-resolution=%gs (usage over %g s)\n",
             c->sync_period, c->tolerance, c->downscale_window, c->cpu_init, c->readiness_delay,
             c->metric_resolution, c->metric_window);
    if (!rc)
        rc = write_text(dir, "kube-controller-manager.flags", flags);
    if (!rc && n == 0)
        fprintf(stderr, "uksim: no service of the model can scale (min = max): no manifest\n");
    return rc;
}

int cli_export(int argc, char **argv)
{
    const char *model = NULL, *dir = NULL;
    const char **sets = xcalloc((size_t)argc + 1, sizeof *sets);
    size_t nsets = 0;
    int rc = EXIT_USAGE;
    if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        fputs(usage_export, stdout);
        free(sets);
        return EXIT_DONE;
    }
    if (argc < 2 || strcmp(argv[1], "hpa")) {
        free(sets);
        fprintf(stderr, "uksim export: what to export? hpa\nTry 'uksim export --help'.\n");
        return EXIT_USAGE;
    }
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(usage_export, stdout);
            free(sets);
            return EXIT_DONE;
        } else if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && i + 1 < argc) {
            dir = argv[++i];
        } else if (!strcmp(a, "--set") && i + 1 < argc) {
            sets[nsets++] = argv[++i];
        } else if (a[0] == '-') {
            fprintf(stderr, "uksim export: unknown option or missing value: %s\n", a);
            free(sets);
            return EXIT_USAGE;
        } else if (model) {
            fprintf(stderr, "uksim export: unexpected argument \"%s\"\n", a);
            free(sets);
            return EXIT_USAGE;
        } else {
            model = a;
        }
    }
    if (!model || !dir) {
        fprintf(stderr, "uksim export: a model and -o DIR are required\n"
                        "Try 'uksim export --help'.\n");
        free(sets);
        return EXIT_USAGE;
    }
    struct mdl_model m;
    struct pol_control pc;
    struct sim_diag d = {0};
    if (mdl_load_file(&m, model, sets, nsets, &d)) {
        rc = diag_status(&d, EXIT_USAGE);
    } else if (pol_control_init(&pc, &m, &d)) {
        rc = diag_status(&d, EXIT_USAGE);
    } else if (!pol_hpa_config(&pc)) {
        fprintf(stderr, "uksim: %s: the model's policy is %s, not hpa: nothing to export\n", model,
                m.policy.name ? m.policy.name : "none");
        pol_control_fini(&pc);
    } else {
        int e = out_make_dirs(dir);
        if (e) {
            fprintf(stderr, "uksim: %s: %s\n", dir, strerror(e));
            rc = EXIT_RUNFAIL;
        } else {
            rc = export_specs(&m, &pc, dir);
        }
        pol_control_fini(&pc);
    }
    mdl_model_fini(&m);
    free(sets);
    return rc;
}
