/* SPDX-License-Identifier: MIT */
/* cli/sweep_store.c: a sweep's results on disk (cli/sweep_int.h): records
 * appended to one file per worker, read back into a table, and compacted.
 * One file per worker rather than one per task, because creating a file
 * costs the kernel far more than appending a line to an open one (on ext4,
 * 0.04 to 0.45 ms per file against a few microseconds per line), and a
 * sweep may be thousands of short runs. */
#include "config.h"

#include "cli/sweep_int.h"
#include "output/files.h"
#include "sim/strbuf.h"
#include "sim/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A longer line is not a record: reading never holds more than this. */
#define RECORD_MAX ((size_t)16 << 20)
#define NO_TASK SIZE_MAX

/* A new records file of this process: runs/w-<host>-<pid>-<stamp>.jsonl,
 * the stamp being the time and a counter, so that files of processes with
 * the same pid on one host at different times do not collide when shards
 * are copied into one directory. */
static char *records_path(const char *dir)
{
    static unsigned long counter;
    char host[80];
    out_host_name(host, sizeof host);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct sim_buf b = {0};
    sim_buf_printf(&b, "%s/runs/w-%s-%ld-%lld.%09ld.%lu.jsonl", dir, host, (long)getpid(),
                   (long long)ts.tv_sec, (long)ts.tv_nsec, ++counter);
    return b.p;
}

/* If name is a records file, its writer's host and pid. */
static bool records_owner(const char *name, char *host, size_t hsize, long *pid)
{
    size_t len = strlen(name), sfx = strlen(".jsonl");
    return strncmp(name, "w-", 2) == 0 && len > 2 + sfx &&
           strcmp(name + len - sfx, ".jsonl") == 0 &&
           out_owner_parse(name + 2, len - 2 - sfx, host, hsize, pid);
}

/* Whether the writer (host, pid) is a process of this host that is gone. */
static bool owner_gone(const char *host, long pid, const char *me)
{
    return strcmp(host, me) == 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

/* If name is a single-record file p<point>-r<replication>.json (as earlier
 * versions wrote them), the task it names in this sweep, else NO_TASK (or
 * false if it is not such a file at all). */
static bool single_task(const struct sweep *w, const char *name, size_t *task)
{
    size_t p;
    int r, len = 0;
    if (sscanf(name, "p%zu-r%d.json%n", &p, &r, &len) != 2 || name[len] || name[0] != 'p')
        return false;
    char spelt[64];
    snprintf(spelt, sizeof spelt, "p%06zu-r%04d.json", p, r);
    if (strcmp(spelt, name) != 0)
        return false;
    *task = p < w->npoints && r >= 0 && r < w->reps ? p * (size_t)w->reps + (size_t)r : NO_TASK;
    return true;
}

void sweep_writer_init(struct sweep_writer *wr, const char *dir)
{
    *wr = (struct sweep_writer){.dir = dir, .fd = -1};
}

int sweep_writer_add(struct sweep_writer *wr, const char *record)
{
    size_t len = strlen(record);
    if (wr->fd < 0) {
        free(wr->path);
        wr->path = records_path(wr->dir);
        wr->fd = open(wr->path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0666);
        wr->off = 0;
        if (wr->fd < 0) {
            fprintf(stderr, "uksim: %s: cannot create: %s\n", wr->path, strerror(errno));
            return 1;
        }
    }
    /* One write of the whole line: a reader sees it whole or not at all. */
    char *line = xmalloc(len + 1);
    memcpy(line, record, len);
    line[len] = '\n';
    int e = out_write_all(wr->fd, line, len + 1);
    free(line);
    if (e) {
        /* Cut a part written back, so that the next record starts a line;
         * if that fails too, the next record goes to a new file. */
        if (ftruncate(wr->fd, (off_t)wr->off) != 0) {
            close(wr->fd);
            wr->fd = -1;
        }
        fprintf(stderr, "uksim: %s: cannot write: %s\n", wr->path, strerror(e));
        return 1;
    }
    wr->off += (long long)len + 1;
    return 0;
}

void sweep_writer_close(struct sweep_writer *wr)
{
    if (wr->fd >= 0)
        close(wr->fd);
    free(wr->path);
    sweep_writer_init(wr, wr->dir);
}

typedef void line_fn(void *ctx, const char *line, size_t len);

/* Calls fn for every whole line of the file (without its newline). A last
 * line without a newline is torn and skipped, as is a line longer than
 * RECORD_MAX. Returns 0 or an errno value. */
static int each_line(const char *path, line_fn *fn, void *ctx)
{
    /* Not blocking on a FIFO someone put there: only regular files. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return errno;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return EINVAL;
    }
    size_t cap = 1 << 16, have = 0;
    char *buf = xmalloc(cap);
    bool skipping = false;
    int e = 0;
    for (;;) {
        if (have == cap) {
            if (cap >= RECORD_MAX) {
                skipping = true;
                have = 0;
            } else {
                cap *= 2;
                buf = xrealloc(buf, cap);
            }
        }
        ssize_t k = read(fd, buf + have, cap - have);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            e = k < 0 ? errno : 0;
            break;
        }
        size_t start = 0, from = have, end = have + (size_t)k;
        for (char *nl; (nl = memchr(buf + from, '\n', end - from));) {
            size_t pos = (size_t)(nl - buf);
            if (!skipping)
                fn(ctx, buf + start, pos - start);
            skipping = false;
            start = from = pos + 1;
        }
        memmove(buf, buf + start, end - start);
        have = end - start;
    }
    free(buf);
    close(fd);
    return e;
}

/* A single-record file, parsed (NULL if it is not whole JSON, or, with
 * *gone set, if it cannot be read). */
static json_t *single_load(const char *path, bool *gone)
{
    struct stat st;
    *gone = stat(path, &st) != 0 || access(path, R_OK) != 0;
    if (*gone || !S_ISREG(st.st_mode) || (size_t)st.st_size > RECORD_MAX)
        return NULL;
    return json_load_file(path, 0, NULL);
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The record files of DIR/runs (names only), sorted; NULL with *e set if
 * the directory cannot be read. */
static char **list_records(const char *runs, size_t *n, int *e)
{
    *n = 0;
    *e = 0;
    DIR *d = opendir(runs);
    if (!d) {
        *e = errno;
        return NULL;
    }
    char **v = NULL;
    size_t cap = 0;
    for (struct dirent *de; (de = readdir(d));) {
        if (de->d_name[0] == '.')
            continue;
        v = xgrow(v, &cap, *n + 1, sizeof *v);
        v[(*n)++] = xstrdup(de->d_name);
    }
    closedir(d);
    if (*n)
        qsort(v, *n, sizeof *v, cmp_name);
    return v;
}

static void free_names(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void mark_stale(struct sweep_table *t, size_t task)
{
    if (task != NO_TASK && t->state[task] == SWEEP_NONE)
        t->state[task] = SWEEP_STALE_ONLY;
}

struct loader {
    const struct sweep *w;
    struct sweep_table *t;
};

/* Takes record o (NULL: not whole JSON) into the table. named: the task a
 * single-record file's name says (NO_TASK: none), which is stale unless the
 * record is its valid result. */
static void take(struct loader *L, json_t *o, size_t named)
{
    const struct sweep *w = L->w;
    struct sweep_table *t = L->t;
    size_t task = NO_TASK;
    enum sweep_record_kind k = o ? sweep_record_check(w, o, &task) : SWEEP_RECORD_OTHER;
    if (named != NO_TASK && (k != SWEEP_RECORD_VALID || task != named))
        mark_stale(t, named);
    if (k == SWEEP_RECORD_STALE)
        mark_stale(t, task);
    if (k != SWEEP_RECORD_VALID || t->state[task] == SWEEP_DONE)
        return; /* a copy: the first in file-name order counts */
    t->state[task] = SWEEP_DONE;
    json_t *ms = json_object_get(o, "metrics"), *err = json_object_get(o, "error");
    for (size_t i = 0; i < t->nmetrics; i++) {
        json_t *v = json_object_get(ms, w->metrics[i]);
        t->val[task * t->nmetrics + i] = json_is_number(v) ? json_number_value(v) : NAN;
    }
    if (json_is_string(err))
        t->error[task] = xstrdup(json_string_value(err));
}

static void take_line(void *ctx, const char *line, size_t len)
{
    json_t *o = json_loadb(line, len, 0, NULL);
    take(ctx, o, NO_TASK);
    json_decref(o);
}

int sweep_table_load(struct sweep_table *t, const struct sweep *w, const char *dir)
{
    size_t ntasks = w->npoints * (size_t)w->reps, nm = w->nmetrics;
    *t = (struct sweep_table){.ntasks = ntasks, .nmetrics = nm};
    t->state = xcalloc(ntasks ? ntasks : 1, sizeof *t->state);
    t->error = xcalloc(ntasks ? ntasks : 1, sizeof *t->error);
    t->val = xmalloc((ntasks * nm > 0 ? ntasks * nm : 1) * sizeof *t->val);
    for (size_t i = 0; i < ntasks * nm; i++)
        t->val[i] = NAN;
    char *runs = sim_path_join_new(dir, "runs");
    size_t n;
    int e;
    char **names = list_records(runs, &n, &e);
    if (e) {
        fprintf(stderr, "uksim: %s: cannot read: %s\n", runs, strerror(e));
        free(runs);
        return 1;
    }
    struct loader L = {w, t};
    char host[80];
    long pid;
    for (size_t i = 0; i < n; i++) {
        char *path = sim_path_join_new(runs, names[i]);
        size_t named;
        if (records_owner(names[i], host, sizeof host, &pid)) {
            each_line(path, take_line, &L); /* a file gone meanwhile was compacted */
        } else if (single_task(w, names[i], &named)) {
            bool gone;
            json_t *o = single_load(path, &gone);
            if (!gone)
                take(&L, o, named);
            json_decref(o);
        }
        free(path);
    }
    free_names(names, n);
    free(runs);
    return 0;
}

void sweep_table_fini(struct sweep_table *t)
{
    for (size_t i = 0; t->error && i < t->ntasks; i++)
        free(t->error[i]);
    free(t->error);
    free(t->state);
    free(t->val);
    memset(t, 0, sizeof *t);
}

/* Compaction: which records are kept, and where they go. */
struct compactor {
    const struct sweep *w;
    const struct sweep_table *t;
    unsigned char *kept; /* per task: a valid record is already kept */
    bool dry;            /* only count */
    int fd;              /* the new file */
    struct sim_buf buf;  /* written out by the megabyte */
    int err;             /* errno of a failed write */
    size_t seen, copied; /* records read (whole JSON or not), kept */
};

static void flush_out(struct compactor *c)
{
    if (!c->dry && !c->err && c->buf.n)
        c->err = out_write_all(c->fd, c->buf.p, c->buf.n);
    c->buf.n = 0;
}

/* Keeps record o (NULL: not whole JSON) unless it is torn, a copy of a
 * valid record already kept, or stale where a valid record exists. text:
 * its line, or NULL to write it out compact. */
static void keep(struct compactor *c, json_t *o, const char *text, size_t len)
{
    c->seen++;
    if (!o)
        return;
    size_t task;
    switch (sweep_record_check(c->w, o, &task)) {
    case SWEEP_RECORD_OTHER: break;
    case SWEEP_RECORD_STALE:
        if (c->t->state[task] == SWEEP_DONE)
            return;
        break;
    case SWEEP_RECORD_VALID:
        if (c->kept[task])
            return;
        c->kept[task] = 1;
        break;
    }
    c->copied++;
    if (c->dry)
        return;
    char *own = text ? NULL : json_dumps(o, SWEEP_RECORD_JSON);
    if (!text && !own) {
        c->err = ENOMEM; /* the compaction stops; the old files stay */
        return;
    }
    if (own)
        text = own, len = strlen(own);
    sim_buf_printf(&c->buf, "%.*s\n", (int)len, text);
    free(own);
    if (c->buf.n >= (1 << 20))
        flush_out(c);
}

static void compact_line(void *ctx, const char *line, size_t len)
{
    json_t *o = json_loadb(line, len, 0, NULL);
    keep(ctx, o, line, len);
    json_decref(o);
}

/* Passes every record of the files through keep(); read_ok[i] (if not
 * NULL): file i was read to its end. */
static void compact_pass(struct compactor *c, const char *runs, char **names, size_t n,
                         bool *read_ok)
{
    memset(c->kept, 0, c->t->ntasks ? c->t->ntasks : 1);
    c->seen = c->copied = 0;
    for (size_t i = 0; i < n && !c->err; i++) {
        char *path = sim_path_join_new(runs, names[i]);
        size_t named;
        bool ok = true;
        if (single_task(c->w, names[i], &named)) {
            bool gone;
            json_t *o = single_load(path, &gone);
            if (!gone)
                keep(c, o, NULL, 0);
            json_decref(o);
            ok = !gone;
        } else {
            ok = each_line(path, compact_line, c) == 0;
        }
        if (read_ok)
            read_ok[i] = ok;
        free(path);
    }
    flush_out(c);
}

/* Whether a records file's writer is gone: of this host, its pid dead. */
static bool writer_gone(const char *name, const char *me)
{
    char host[80];
    long pid;
    return records_owner(name, host, sizeof host, &pid) && owner_gone(host, pid, me);
}

int sweep_compact(const struct sweep *w, const char *dir, const struct sweep_table *t)
{
    char *runs = sim_path_join_new(dir, "runs");
    char me[80];
    out_host_name(me, sizeof me);
    size_t n, ncand = 0, named;
    bool single = false;
    int e;
    char **names = list_records(runs, &n, &e);
    for (size_t i = 0; i < n; i++) {
        bool one = single_task(w, names[i], &named);
        if (one || writer_gone(names[i], me)) {
            single |= one;
            names[ncand++] = names[i];
        } else {
            free(names[i]);
        }
    }
    struct compactor c = {.w = w, .t = t, .fd = -1};
    c.kept = xmalloc(t->ntasks ? t->ntasks : 1);
    bool *read_ok = xcalloc(ncand ? ncand : 1, sizeof *read_ok);
    char *out = NULL;
    int rc = 0;
    if (ncand == 1 && !single) {
        /* One records file is rewritten only if it holds something to drop. */
        c.dry = true;
        compact_pass(&c, runs, names, ncand, NULL);
        c.dry = false;
        if (c.copied == c.seen)
            ncand = 0;
    }
    if (ncand == 0)
        goto done;
    out = records_path(dir);
    c.fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (c.fd < 0) {
        fprintf(stderr, "uksim: %s: cannot create: %s\n", out, strerror(errno));
        rc = 1;
        goto done;
    }
    compact_pass(&c, runs, names, ncand, read_ok);
    /* The old files go only once the new one is on disk. */
    if (!c.err && fsync(c.fd) != 0 && errno != EINVAL)
        c.err = errno;
    if (close(c.fd) != 0 && !c.err)
        c.err = errno;
    if (c.err) {
        fprintf(stderr, "uksim: %s: cannot write: %s (the results stay where they were)\n", out,
                strerror(c.err));
        unlink(out);
        rc = 1;
        goto done;
    }
    for (size_t i = 0; i < ncand; i++) {
        char *path = sim_path_join_new(runs, names[i]);
        if (read_ok[i])
            unlink(path);
        free(path);
    }
    if (c.copied == 0)
        unlink(out);
done:
    free(read_ok);
    free(c.kept);
    free(c.buf.p);
    free(out);
    free_names(names, ncand);
    free(runs);
    return rc;
}

void sweep_clean_stale(const char *dir)
{
    char *runs = sim_path_join_new(dir, "runs");
    char me[80];
    out_host_name(me, sizeof me);
    DIR *dd = opendir(runs);
    for (struct dirent *de; dd && (de = readdir(dd));) {
        char host[80];
        long pid;
        if (!out_tmp_owner(de->d_name, "tmp", host, sizeof host, &pid) ||
            !owner_gone(host, pid, me))
            continue; /* another host's, or its writer may still be at work */
        char *path = sim_path_join_new(runs, de->d_name);
        unlink(path);
        free(path);
    }
    if (dd)
        closedir(dd);
    free(runs);
}
