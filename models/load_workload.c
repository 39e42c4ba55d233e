/* SPDX-License-Identifier: MIT */
/* models/load_workload.c: the workload section: open loop (a rate profile)
 * or closed loop (users and think time), and request classes. */
#include "models/load_int.h"

#include "sim/strmap.h"
#include "sim/xalloc.h"

#include <math.h>
#include <string.h>

static int load_class(struct loader *L, const config_setting_t *g, const char *entry_default,
                      struct wl_class *c)
{
    int err;
    const char *name = NULL, *entry = NULL;
    const config_setting_t *wn, *we;
    c->line = (int)config_setting_source_line(g);
    sim_dist_init_const(&c->size, 0.0);
    c->share = 1.0;
    if ((err = ld_string(L, g, "name", &name, &wn)) ||
        (err = ld_string(L, g, "entry", &entry, &we)))
        return err;
    if (name && (err = ld_name(L, wn, "class name", name)))
        return err;
    c->name = xstrdup(name ? name : "default");
    if (!entry)
        entry = entry_default;
    if (!entry)
        return ld_fail(L, g, "a class needs an entry service");
    c->entry = mdl_service_find(L->m, entry);
    if (c->entry < 0)
        return ld_fail(L, we ? we : g, "workload entry \"%s\" is not a service", entry);
    const config_setting_t *sh = config_setting_get_member(g, "share");
    if (sh) {
        int t = config_setting_type(sh);
        if (t != CONFIG_TYPE_FLOAT && t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
            return ld_fail(L, sh, "share must be a number, not %s", ld_type_name(sh));
        c->share = t == CONFIG_TYPE_FLOAT ? config_setting_get_float(sh)
                                          : (double)config_setting_get_int64(sh);
        if (!(c->share >= 0) || !isfinite(c->share))
            return ld_fail(L, sh, "share must be a non-negative number");
    }
    if (config_setting_get_member(g, "request_size") &&
        (err = ld_dist_unit(L, g, "request_size", SIM_DIST_BYTES, &c->size)))
        return err;
    return 0;
}

int ld_workload(struct loader *L, const config_setting_t *root)
{
    static const char *const keys[] = {"entry",   "arrivals", "rate",         "users", "think",
                                       "classes", "zone",     "request_size", NULL};
    static const char *const class_keys[] = {"name", "entry", "share", "request_size", NULL};
    struct mdl_model *m = L->m;
    struct wl_spec *wl = &m->workload;
    int err;
    const config_setting_t *g = ld_group(L, root, "workload", &err);
    if (err)
        return err;
    if (!g)
        return ld_fail_line(L, 1,
                            "the model has no workload: add workload = { entry = \"...\"; rate = "
                            "\"const(100)\"; };");
    wl->line = (int)config_setting_source_line(g);
    if ((err = ld_check_keys(L, g, "workload", keys)))
        return err;
    const char *arrivals = NULL, *rate = NULL;
    const config_setting_t *wa, *wr;
    if ((err = ld_string(L, g, "arrivals", &arrivals, &wa)) ||
        (err = ld_string(L, g, "rate", &rate, &wr)) || (err = ld_zone(L, g, &wl->zone)))
        return err;
    const config_setting_t *users = config_setting_get_member(g, "users");
    if (!!rate == !!users)
        return ld_fail(L, g,
                       "workload needs either rate (open loop, e.g. rate = \"const(100)\";) or "
                       "users (closed loop, with think)");
    if (rate) {
        wl->kind = WL_OPEN;
        if (arrivals && strcmp(arrivals, "poisson") != 0)
            return ld_fail(L, wa, "arrivals = \"%s\": only \"poisson\" is supported", arrivals);
        if (config_setting_get_member(g, "think"))
            return ld_fail(L, config_setting_get_member(g, "think"),
                           "think applies to closed-loop users only");
        char why[400];
        if (wl_rate_parse(&wl->rate, rate, L->dir, why, sizeof why))
            return ld_fail(L, wr, "rate: %s", why);
    } else {
        wl->kind = WL_CLOSED;
        long long n = 0;
        if ((err = ld_int(L, g, "users", 1, 1000000, &n)))
            return err;
        wl->users = (uint32_t)n;
        if (arrivals)
            return ld_fail(L, wa, "arrivals applies to open-loop load (rate) only");
        if (!config_setting_get_member(g, "think"))
            sim_dist_init_const(&wl->think, 0.0);
        else if ((err = ld_dist(L, g, "think", &wl->think)))
            return err;
    }
    const char *entry = NULL;
    const config_setting_t *we;
    if ((err = ld_string(L, g, "entry", &entry, &we)))
        return err;
    const config_setting_t *cl = config_setting_get_member(g, "classes");
    if (!cl) {
        wl->classes = xcalloc(1, sizeof *wl->classes);
        wl->nclasses = 1;
        return load_class(L, g, entry ? entry : m->services[0].name, &wl->classes[0]);
    }
    if (entry || config_setting_get_member(g, "request_size"))
        return ld_fail(L, we ? we : config_setting_get_member(g, "request_size"),
                       "with classes, give entry and request_size per class");
    if (config_setting_type(cl) != CONFIG_TYPE_LIST || config_setting_length(cl) == 0)
        return ld_fail(L, cl,
                       "classes must be a list: ( { name = \"browse\"; entry = \"...\"; "
                       "share = 0.8; }, ... )");
    size_t n = (size_t)config_setting_length(cl);
    if (n > MDL_CLASSES_MAX)
        return ld_fail(L, cl, "%zu classes; the limit is %d", n, MDL_CLASSES_MAX);
    wl->classes = xcalloc(n, sizeof *wl->classes);
    struct sim_strmap names;
    sim_strmap_init(&names);
    double total = 0;
    err = 0;
    for (size_t i = 0; i < n && !err; i++) {
        const config_setting_t *c = config_setting_get_elem(cl, (unsigned)i);
        if (!config_setting_is_group(c)) {
            err = ld_fail(L, c, "each class is a group { name = ...; entry = ...; share = ...; }");
        } else if (!(err = ld_check_keys(L, c, "a class", class_keys))) {
            if (!config_setting_get_member(c, "name") || !config_setting_get_member(c, "entry"))
                err = ld_fail(L, c, "a class needs a name and an entry");
        }
        if (err)
            break;
        wl->nclasses = i + 1;
        if ((err = load_class(L, c, NULL, &wl->classes[i])))
            break;
        if (!sim_strmap_put(&names, wl->classes[i].name, i, NULL))
            err = ld_fail(L, c, "class \"%s\" is defined twice", wl->classes[i].name);
        total += wl->classes[i].share;
    }
    sim_strmap_fini(&names);
    if (err)
        return err;
    if (!(total > 0))
        return ld_fail(L, cl, "the class shares must not all be zero");
    for (size_t i = 0; i < n; i++)
        wl->classes[i].share /= total;
    return 0;
}
