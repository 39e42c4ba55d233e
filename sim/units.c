/* SPDX-License-Identifier: MIT */
/* sim/units.c: unit-aware number parsing with strict, whole-string matching. */
#include "sim/units.h"

#include "sim/err.h"

#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct unit {
    const char *name;
    double factor;
};

/* Splits text into a finite number and a unit suffix (spaces allowed between). */
static int split_number(const char *text, double *v, const char **suffix)
{
    if (!text)
        return SIM_EINVAL;
    while (isspace((unsigned char)*text))
        text++;
    if (!*text)
        return SIM_EINVAL;
    char *end;
    errno = 0;
    double x = strtod(text, &end);
    if (end == text || errno == ERANGE || !isfinite(x))
        return SIM_EINVAL;
    while (isspace((unsigned char)*end))
        end++;
    *v = x;
    *suffix = end;
    return 0;
}

static int parse_with_units(const char *text, const struct unit *units, double *out)
{
    double v;
    const char *suf;
    if (split_number(text, &v, &suf))
        return SIM_EINVAL;
    size_t n = strlen(suf);
    while (n && isspace((unsigned char)suf[n - 1]))
        n--;
    if (n == 0) {
        *out = v;
        return 0;
    }
    for (const struct unit *u = units; u->name; u++) {
        if (strlen(u->name) == n && strncmp(u->name, suf, n) == 0) {
            *out = v * u->factor;
            return isfinite(*out) ? 0 : SIM_EINVAL;
        }
    }
    return SIM_EINVAL;
}

int sim_parse_duration(const char *text, double *seconds)
{
    static const struct unit u[] = {{"ns", 1e-9},  {"us", 1e-6},  {"ms", 1e-3}, {"s", 1.0},
                                    {"min", 60.0}, {"h", 3600.0}, {NULL, 0}};
    double v;
    if (parse_with_units(text, u, &v) || v < 0)
        return SIM_EINVAL;
    *seconds = v;
    return 0;
}

int sim_parse_bandwidth(const char *text, double *bps)
{
    static const struct unit u[] = {{"bps", 1.0},  {"Kbps", 1e3},  {"Mbps", 1e6},
                                    {"Gbps", 1e9}, {"Tbps", 1e12}, {NULL, 0}};
    double v;
    if (parse_with_units(text, u, &v) || !(v > 0))
        return SIM_EINVAL;
    *bps = v;
    return 0;
}

int sim_parse_size(const char *text, double *bytes)
{
    static const struct unit u[] = {
        {"B", 1.0},      {"KB", 1e3},        {"MB", 1e6},           {"GB", 1e9},
        {"KiB", 1024.0}, {"MiB", 1048576.0}, {"GiB", 1073741824.0}, {NULL, 0}};
    double v;
    if (parse_with_units(text, u, &v) || v < 0)
        return SIM_EINVAL;
    *bytes = v;
    return 0;
}

int sim_parse_number(const char *text, double *value)
{
    static const struct unit none[] = {{NULL, 0}};
    return parse_with_units(text, none, value);
}

static void trim_copy(char *dst, size_t cap, const char *b, const char *e)
{
    while (b < e && isspace((unsigned char)*b))
        b++;
    while (e > b && isspace((unsigned char)e[-1]))
        e--;
    if (e - b >= 2 && ((*b == '"' && e[-1] == '"') || (*b == '\'' && e[-1] == '\''))) {
        b++;
        e--;
    }
    size_t n = (size_t)(e - b);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, b, n);
    dst[n] = '\0';
}

int sim_call_parse(const char *text, struct sim_call *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    const char *p = text;
    while (isspace((unsigned char)*p))
        p++;
    const char *name = p;
    while (isalnum((unsigned char)*p) || *p == '_' || *p == '-')
        p++;
    size_t nlen = (size_t)(p - name);
    if (nlen == 0 || nlen >= sizeof out->name) {
        snprintf(err, errlen, "expected name(arguments), got \"%s\"", text);
        return SIM_EINVAL;
    }
    memcpy(out->name, name, nlen);
    while (isspace((unsigned char)*p))
        p++;
    if (*p != '(') {
        snprintf(err, errlen, "expected '(' after \"%s\" in \"%s\"", out->name, text);
        return SIM_EINVAL;
    }
    p++;
    const char *close = strrchr(p, ')');
    if (!close) {
        snprintf(err, errlen, "missing ')' in \"%s\"", text);
        return SIM_EINVAL;
    }
    for (const char *q = close + 1; *q; q++) {
        if (!isspace((unsigned char)*q)) {
            snprintf(err, errlen, "unexpected text after ')' in \"%s\"", text);
            return SIM_EINVAL;
        }
    }
    const char *b = p;
    bool quoted = false;
    for (const char *q = p; q <= close; q++) {
        if (*q == '"')
            quoted = !quoted;
        if ((*q == ',' && !quoted) || q == close) {
            if (q == close && out->nargs == 0) {
                const char *t = b;
                while (t < q && isspace((unsigned char)*t))
                    t++;
                if (t == q)
                    break; /* "name()" */
            }
            if (out->nargs == SIM_CALL_MAX_ARGS) {
                snprintf(err, errlen, "too many arguments in \"%s\"", text);
                return SIM_EINVAL;
            }
            trim_copy(out->args[out->nargs], sizeof out->args[0], b, q);
            if (!out->args[out->nargs][0]) {
                snprintf(err, errlen, "empty argument in \"%s\"", text);
                return SIM_EINVAL;
            }
            out->nargs++;
            b = q + 1;
        }
    }
    return 0;
}

int sim_call_parse_sig(const char *text, const struct sim_call_sig *sigs, size_t nsigs,
                       const char *what, struct sim_call *out, char *err, size_t errlen)
{
    if (sim_call_parse(text, out, err, errlen))
        return SIM_EINVAL;
    for (size_t i = 0; i < nsigs; i++) {
        if (strcmp(sigs[i].name, out->name) != 0)
            continue;
        if (out->nargs != sigs[i].nargs) {
            snprintf(err, errlen, "%s takes %d argument%s: %s", sigs[i].name, sigs[i].nargs,
                     sigs[i].nargs == 1 ? "" : "s", sigs[i].usage);
            return SIM_EINVAL;
        }
        return (int)i;
    }
    char list[300] = "";
    size_t used = 0;
    for (size_t i = 0; i < nsigs && used < sizeof list; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
                                 i == 0 ? "" : (i + 1 == nsigs ? " or " : ", "), sigs[i].name);
    snprintf(err, errlen, "unknown %s \"%s\" (expected %s)", what, out->name, list);
    return SIM_EINVAL;
}
