# SPDX-License-Identifier: MIT
# The testbed: the model's services as real processes (issue 11). So far its
# HTTP/1.1 message layer, over Debian's libhttp-parser.
noinst_LTLIBRARIES += libtestbed.la
libtestbed_la_SOURCES = %reldir%/http.c %reldir%/http.h
libtestbed_la_CFLAGS = $(AM_CFLAGS)
libtestbed_la_LIBADD = $(HTTP_PARSER_LIBS)

check_PROGRAMS += tests/test_http
tests_test_http_SOURCES = tests/test_http.c
tests_test_http_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tracecore
tests_test_http_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_test_http_LDADD = libtestbed.la libwtrace_core.la $(CMOCKA_LIBS)
TESTS += tests/test_http
