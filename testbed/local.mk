# SPDX-License-Identifier: MIT
# The testbed (issue 11): the model's services as real processes. The HTTP
# message layer (Debian's libhttp-parser), an instance's statistics, and
# uksim-svc: one instance on a libuv loop, traced by the tracing core.
noinst_LTLIBRARIES += libtestbed.la
libtestbed_la_SOURCES = %reldir%/http.c %reldir%/http.h %reldir%/stats.c %reldir%/stats.h \
	%reldir%/clock.h %reldir%/compute.c %reldir%/compute.h %reldir%/loadgen.c %reldir%/loadgen.h %reldir%/measure.c %reldir%/measure.h \
	%reldir%/driver.c %reldir%/driver.h %reldir%/calibrate.c %reldir%/calibrate.h
libtestbed_la_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tracecore
libtestbed_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(LIBUV_CFLAGS) $(GSL_CFLAGS)
libtestbed_la_LIBADD = $(HTTP_PARSER_LIBS) $(JANSSON_LIBS) $(LIBUV_LIBS)

bin_PROGRAMS += uksim-svc
uksim_svc_SOURCES = %reldir%/svc_main.c %reldir%/svc.h %reldir%/svc_net.c %reldir%/svc_lwt.c \
	%reldir%/wire.c %reldir%/wire.h
uksim_svc_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tracecore
uksim_svc_CFLAGS = $(AM_CFLAGS) $(LIBUV_CFLAGS) $(JANSSON_CFLAGS) $(GSL_CFLAGS)
uksim_svc_LDADD = libtestbed.la libuksim.la $(LIBUV_LIBS) -lpthread $(GSL_LIBS) $(JANSSON_LIBS) $(LIBCONFIG_LIBS)

check_PROGRAMS += tests/test_http
tests_test_http_SOURCES = tests/test_http.c
tests_test_http_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tracecore
tests_test_http_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_test_http_LDADD = libtestbed.la libuksim.la $(CMOCKA_LIBS)
TESTS += tests/test_http

check_PROGRAMS += tests/test_tbstats
tests_test_tbstats_SOURCES = tests/test_tbstats.c
tests_test_tbstats_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tracecore
tests_test_tbstats_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JANSSON_CFLAGS)
tests_test_tbstats_LDADD = libtestbed.la libuksim.la $(CMOCKA_LIBS) $(JANSSON_LIBS)
TESTS += tests/test_tbstats
