/* SPDX-License-Identifier: MIT */
/* models/load_hosts.c: the optional host pool (count x capacity slots);
 * the initial instances must fit. */
#include "models/load_int.h"

int ld_hosts(struct loader *L, const config_setting_t *root)
{
    static const char *const keys[] = {"count", "capacity", NULL};
    struct mdl_model *m = L->m;
    int err;
    const config_setting_t *g = ld_group(L, root, "hosts", &err);
    if (err || !g)
        return err;
    if ((err = ld_check_keys(L, g, "hosts", keys)))
        return err;
    long long count = 0, cap = 1;
    if ((err = ld_int(L, g, "count", 1, 10000000, &count)) ||
        (err = ld_int(L, g, "capacity", 1, 100000, &cap)))
        return err;
    if (!config_setting_get_member(g, "count"))
        return ld_fail(L, g, "hosts needs a count");
    m->hosts.count = (int)count;
    m->hosts.capacity = (int)cap;
    long long initial = 0;
    for (size_t i = 0; i < m->nservices; i++)
        initial += m->services[i].instances;
    if (initial > count * cap)
        return ld_fail(L, g, "the %lld initial instances do not fit on %lld hosts of %lld slots",
                       initial, count, cap);
    return 0;
}
