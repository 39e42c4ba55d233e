/* SPDX-License-Identifier: MIT */
/* sim/datafile.h: opens an input data file (an empirical distribution, a rate
 * trace) only if it is a regular file of bounded size, so that a device, a
 * FIFO or a huge file cannot hang or exhaust a load.
 * Ownership: the caller fcloses what sim_data_open() returns. */
#ifndef SIM_DATAFILE_H
#define SIM_DATAFILE_H

#include <stddef.h>
#include <stdio.h>

/* Largest data file read, in bytes. */
#define SIM_DATA_FILE_MAX (64L * 1024 * 1024)

/* Opens path for reading, or returns NULL with the reason in err. */
FILE *sim_data_open(const char *path, char *err, size_t errlen);

/* Reads one line of any length into *buf (grown as needed, *cap its size),
 * without the newline. Returns false at the end of the file. */
_Bool sim_data_line(FILE *f, char **buf, size_t *cap);

#endif
