# SPDX-License-Identifier: MIT
# The command-line front end.
bin_PROGRAMS += uksim
uksim_SOURCES = %reldir%/main.c
uksim_CFLAGS = $(AM_CFLAGS) $(GSL_CFLAGS)
uksim_LDADD = libuksim.la
