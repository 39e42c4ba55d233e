/* SPDX-License-Identifier: MIT */
/* sim/datafile.c: the file is opened without blocking (a FIFO opens at once),
 * checked with fstat on the descriptor that is then read (no race with a
 * rename), and refused unless it is a regular file within the size limit. */
#include "sim/datafile.h"

#include "sim/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

FILE *sim_data_open(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open \"%s\": %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "\"%s\" is not a regular file", path);
        close(fd);
        return NULL;
    }
    if (st.st_size > SIM_DATA_FILE_MAX) {
        snprintf(err, errlen, "\"%s\" is %lld bytes; data files are limited to %ld", path,
                 (long long)st.st_size, SIM_DATA_FILE_MAX);
        close(fd);
        return NULL;
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    FILE *f = fdopen(fd, "r");
    if (!f) {
        snprintf(err, errlen, "cannot open \"%s\": %s", path, strerror(errno));
        close(fd);
    }
    return f;
}

bool sim_data_line(FILE *f, char **buf, size_t *cap)
{
    size_t n = 0;
    int c;
    while ((c = getc(f)) != EOF && c != '\n') {
        *buf = xgrow(*buf, cap, n + 2, 1);
        (*buf)[n++] = (char)c;
    }
    if (c == EOF && n == 0)
        return false;
    *buf = xgrow(*buf, cap, n + 1, 1);
    (*buf)[n] = '\0';
    return true;
}
