/* SPDX-License-Identifier: MIT */
/* output/files.c: see output/files.h. Temporary names are short
 * (".uksim-<pid>-<n>") so that they fit wherever the final name fits. */
#define _XOPEN_SOURCE 700
#include "output/files.h"

#include "sim/strbuf.h"
#include "sim/xalloc.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static unsigned long tmp_counter;

int out_make_dirs(const char *path)
{
    char *buf = xstrdup(path);
    int rc = 0;
    for (char *p = buf + 1; *p && !rc; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            rc = errno;
        *p = '/';
    }
    if (!rc && mkdir(buf, 0777) != 0 && errno != EEXIST)
        rc = errno;
    struct stat st;
    if (!rc && stat(buf, &st) != 0)
        rc = errno;
    if (!rc && !S_ISDIR(st.st_mode))
        rc = ENOTDIR;
    free(buf);
    return rc;
}

/* The directory part of path ("." if none), and a temporary name in it. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return xstrdup(".");
    if (slash == path)
        return xstrdup("/");
    return xstrndup(path, (size_t)(slash - path));
}

void out_host_name(char *out, size_t size)
{
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) != 0 || !host[0])
        snprintf(host, sizeof host, "localhost");
    host[sizeof host - 1] = '\0';
    size_t n = 0;
    for (const char *c = host; *c && n + 1 < size && n < 64; c++)
        out[n++] = (isalnum((unsigned char)*c) || *c == '.') ? *c : '_';
    out[n] = '\0';
}

/* ".uksim-<kind>-<host>-<pid>-<n>" in dir: owned by this process. */
static char *tmp_name(const char *dir, const char *kind)
{
    char host[80];
    out_host_name(host, sizeof host);
    struct sim_buf b = {0};
    sim_buf_printf(&b, "%s/.uksim-%s-%s-%ld-%lu", dir, kind, host, (long)getpid(), ++tmp_counter);
    return b.p;
}

bool out_owner_parse(const char *s, size_t len, char *host, size_t hsize, long *pid)
{
    /* <host>-<pid>-<n>: the pid is the positive number between the last two
     * '-', the host what comes before (not empty). */
    const char *last = s + len;
    while (last > s && last[-1] != '-')
        last--;
    if (last <= s + 1)
        return false;
    last--; /* at the '-' before n */
    const char *mid = last;
    while (mid > s && mid[-1] != '-')
        mid--;
    if (mid <= s + 1)
        return false;
    mid--; /* at the '-' before the pid */
    char *end;
    *pid = strtol(mid + 1, &end, 10);
    if (end != last || *pid <= 0)
        return false;
    size_t hl = (size_t)(mid - s);
    if (hl + 1 > hsize)
        return false;
    memcpy(host, s, hl);
    host[hl] = '\0';
    return true;
}

bool out_tmp_owner(const char *name, const char *kind, char *host, size_t hsize, long *pid)
{
    struct sim_buf prefix = {0};
    sim_buf_printf(&prefix, ".uksim-%s-", kind);
    bool ok = strncmp(name, prefix.p, prefix.n) == 0;
    const char *rest = name + (ok ? prefix.n : 0);
    free(prefix.p);
    return ok && out_owner_parse(rest, strlen(rest), host, hsize, pid);
}

int out_write_all(int fd, const char *text, size_t len)
{
    while (len) {
        ssize_t k = write(fd, text, len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return errno;
        if (k == 0)
            return EIO;
        text += k;
        len -= (size_t)k;
    }
    return 0;
}

static int fail_io(struct sim_diag *d, const char *path, int e)
{
    return sim_diag_set(d, SIM_EIO, path, 0, "cannot write: %s", strerror(e));
}

/* Opens path with flags (and O_WRONLY | O_CLOEXEC) and writes text to it,
 * as a shell redirection would. */
static int write_through(const char *path, int flags, const char *text, struct sim_diag *d)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC | flags, 0666);
    if (fd < 0)
        return fail_io(d, path, errno);
    int e = out_write_all(fd, text, strlen(text));
    if (close(fd) != 0 && !e)
        e = errno;
    return e ? fail_io(d, path, e) : 0;
}

static int write_atomic(const char *path, const char *text, bool sync, struct sim_diag *d);

int out_write_atomic(const char *path, const char *text, struct sim_diag *d)
{
    return write_atomic(path, text, true, d);
}

int out_write_replace(const char *path, const char *text, struct sim_diag *d)
{
    return write_atomic(path, text, false, d);
}

static int write_atomic(const char *path, const char *text, bool sync, struct sim_diag *d)
{
    if (strcmp(path, "-") == 0) {
        fputs(text, stdout);
        return out_stdout_check(d);
    }
    struct stat st;
    bool exists = lstat(path, &st) == 0; /* one look: a sweep writes a file per run */
    if (exists && S_ISLNK(st.st_mode)) {
        /* Follow the link: write what it points to (and keep the link). */
        char *real = realpath(path, NULL);
        if (!real) {
            /* A dangling link: create its target through it. */
            if (stat(path, &st) != 0 && errno == ENOENT)
                return write_through(path, O_CREAT | O_TRUNC, text, d);
            return fail_io(d, path, errno);
        }
        int rc = write_atomic(real, text, sync, d);
        free(real);
        return rc;
    }
    if (exists && !S_ISREG(st.st_mode)) {
        if (S_ISDIR(st.st_mode))
            return sim_diag_set(d, SIM_EIO, path, 0, "cannot write: it is a directory");
        /* A device or a FIFO: written through, never replaced or created. */
        return write_through(path, O_TRUNC | O_NOCTTY, text, d);
    }
    char *dir = dir_of(path);
    char *tmp = tmp_name(dir, "tmp");
    free(dir);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return fail_io(d, path, e);
    }
    int e = out_write_all(fd, text, strlen(text));
    if (!e && sync && fsync(fd) != 0 && errno != EINVAL)
        e = errno;
    if (close(fd) != 0 && !e)
        e = errno;
    if (!e && rename(tmp, path) != 0)
        e = errno;
    if (e)
        unlink(tmp);
    free(tmp);
    return e ? fail_io(d, path, e) : 0;
}

int out_write_new(const char *path, const char *text, struct sim_diag *d)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0)
        return fail_io(d, path, errno);
    int e = out_write_all(fd, text, strlen(text));
    if (close(fd) != 0 && !e)
        e = errno;
    if (e)
        unlink(path);
    return e ? fail_io(d, path, e) : 0;
}

int out_stdout_check(struct sim_diag *d)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        int e = errno ? errno : EIO;
        clearerr(stdout);
        return sim_diag_set(d, SIM_EIO, "standard output", 0, "cannot write: %s", strerror(e));
    }
    return 0;
}

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path) != 0 ? errno : 0;
}

int out_remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : errno;
    return nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* True if dir holds uksim results, or nothing at all. */
static bool replaceable(const char *dir)
{
    struct sim_buf b = {0};
    sim_buf_printf(&b, "%s/summary.json", dir);
    struct stat st;
    bool ok = lstat(b.p, &st) == 0 && S_ISREG(st.st_mode);
    free(b.p);
    if (ok)
        return true;
    DIR *dp = opendir(dir);
    if (!dp)
        return false;
    bool empty = true;
    struct dirent *e;
    while (empty && (e = readdir(dp)))
        empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
    closedir(dp);
    return empty;
}

int out_stage_begin(struct out_stage *st, const char *dir, struct sim_diag *d)
{
    memset(st, 0, sizeof *st);
    struct stat sb;
    char *real = NULL;
    if (lstat(dir, &sb) == 0 && S_ISLNK(sb.st_mode)) {
        real = realpath(dir, NULL);
        if (!real || stat(real, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
            free(real);
            return sim_diag_set(d, SIM_EIO, dir, 0,
                                "cannot write results: a symbolic link to no directory");
        }
    }
    const char *target = real ? real : dir;
    if (lstat(target, &sb) == 0) {
        if (!S_ISDIR(sb.st_mode)) {
            free(real);
            return sim_diag_set(d, SIM_EIO, dir, 0,
                                "cannot write results: it exists and is not a directory");
        }
        if (!replaceable(target)) {
            free(real);
            return sim_diag_set(d, SIM_EIO, dir, 0,
                                "cannot write results: the directory holds files that are not "
                                "uksim results (no summary.json); choose another -o");
        }
        st->exists = true;
    } else if (errno != ENOENT) {
        int e = errno;
        free(real);
        return sim_diag_set(d, SIM_EIO, dir, 0, "cannot write results: %s", strerror(e));
    }
    st->dir = real ? real : xstrdup(dir);
    /* Strip trailing slashes so that the parent is the parent. */
    size_t n = strlen(st->dir);
    while (n > 1 && st->dir[n - 1] == '/')
        st->dir[--n] = '\0';
    char *parent = dir_of(st->dir);
    int e = out_make_dirs(parent);
    if (e) {
        int rc = sim_diag_set(d, SIM_EIO, parent, 0, "cannot create directory: %s", strerror(e));
        free(parent);
        free(st->dir);
        st->dir = NULL;
        return rc;
    }
    st->tmp = tmp_name(parent, "run");
    free(parent);
    if (mkdir(st->tmp, 0777) != 0) {
        int rc = sim_diag_set(d, SIM_EIO, st->dir, 0, "cannot create a directory beside it: %s",
                              strerror(errno));
        free(st->tmp);
        free(st->dir);
        memset(st, 0, sizeof *st);
        return rc;
    }
    return 0;
}

int out_stage_commit(struct out_stage *st, struct sim_diag *d)
{
    int rc = 0;
    char *old = NULL;
    if (st->exists) {
        char *parent = dir_of(st->dir);
        old = tmp_name(parent, "old");
        free(parent);
        if (rename(st->dir, old) != 0 && errno != ENOENT) {
            rc = sim_diag_set(d, SIM_EIO, st->dir, 0, "cannot replace: %s", strerror(errno));
            free(old);
            out_stage_abort(st);
            return rc;
        }
    }
    if (rename(st->tmp, st->dir) != 0) {
        rc = sim_diag_set(d, SIM_EIO, st->dir, 0, "cannot write results: %s", strerror(errno));
        if (old)
            rename(old, st->dir); /* put the old results back */
        free(old);
        out_stage_abort(st);
        return rc;
    }
    if (old) {
        out_remove_tree(old);
        free(old);
    }
    free(st->tmp);
    free(st->dir);
    memset(st, 0, sizeof *st);
    return 0;
}

void out_stage_abort(struct out_stage *st)
{
    if (st->tmp)
        out_remove_tree(st->tmp);
    free(st->tmp);
    free(st->dir);
    memset(st, 0, sizeof *st);
}
