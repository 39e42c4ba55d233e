# SPDX-License-Identifier: MIT
# The discrete-event engine: a general library that knows nothing of services.
noinst_LTLIBRARIES += libuksim.la
libuksim_la_CFLAGS = $(AM_CFLAGS) $(GSL_CFLAGS) $(LIBCONFIG_CFLAGS) $(JANSSON_CFLAGS) $(YAML_CFLAGS)
libuksim_la_LIBADD = libwtrace_core.la $(GSL_LIBS) $(LIBCONFIG_LIBS) $(JANSSON_LIBS) $(YAML_LIBS)
libuksim_la_SOURCES = \
	%reldir%/err.c %reldir%/err.h \
	%reldir%/engine.c %reldir%/engine.h \
	%reldir%/fel.c %reldir%/fel.h \
	%reldir%/rng.c %reldir%/rng.h \
	%reldir%/units.c %reldir%/units.h \
	%reldir%/dist.c %reldir%/dist.h \
	%reldir%/ziggurat.c %reldir%/ziggurat.h \
	%reldir%/revision.h \
	%reldir%/xalloc.c %reldir%/xalloc.h \
	%reldir%/strbuf.c %reldir%/strbuf.h \
	%reldir%/strmap.c %reldir%/strmap.h \
	%reldir%/datafile.c %reldir%/datafile.h \
	%reldir%/digest.c %reldir%/digest.h
