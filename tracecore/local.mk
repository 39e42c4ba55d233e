# SPDX-License-Identifier: MIT
# libwtrace: the tracing core, an installed library that depends on nothing
# but the C library. It must build as C99 on its own (see tests/tracecore-alone.test).
lib_LTLIBRARIES += libwtrace.la
include_HEADERS += %reldir%/wtrace.h
libwtrace_la_SOURCES = %reldir%/wtrace.h %reldir%/req.c %reldir%/wire.c %reldir%/sketch.c \
	%reldir%/window.c
libwtrace_la_CPPFLAGS = -I$(srcdir)/%reldir%
libwtrace_la_CFLAGS = -std=c99 -pedantic $(WARN_CFLAGS) $(WERROR_CFLAGS) $(SAN_CFLAGS) $(STRINGOP_CFLAGS)
# Interface 1: struct wt_req, wt_call, wt_service, wt_callee_stats and
# wt_window_verdict grew for critical-path attribution (caller storage:
# binaries built against 0 must be rebuilt).
libwtrace_la_LDFLAGS = -version-info 1:0:0 -export-symbols-regex '^wt_' $(SAN_LDFLAGS)
# The same core as a static convenience library, linked into uksim itself:
# calls into it can be inlined (with LTO), and ./uksim is a plain binary
# rather than libtool's wrapper script around one.
noinst_LTLIBRARIES += libwtrace_core.la
libwtrace_core_la_SOURCES = $(libwtrace_la_SOURCES)
libwtrace_core_la_CPPFLAGS = $(libwtrace_la_CPPFLAGS)
libwtrace_core_la_CFLAGS = $(libwtrace_la_CFLAGS) $(LTO_CFLAGS)
pkgconfigdir = $(libdir)/pkgconfig
pkgconfig_DATA = %reldir%/wtrace.pc
DISTCLEANFILES = %reldir%/wtrace.pc
EXTRA_DIST += %reldir%/wtrace.pc.in %reldir%/fuzz_wire.c

# Fuzzing the decoders with libFuzzer (needs clang): make fuzz [FUZZ_SECONDS=60]
FUZZ_SECONDS = 60
.PHONY: fuzz
fuzz: fuzz-wire
.PHONY: fuzz-wire
fuzz-wire:
	$(MKDIR_P) fuzz-work
	clang -g -O1 -std=c99 -fsanitize=fuzzer,address,undefined -I$(srcdir)/%reldir% \
		$(srcdir)/%reldir%/fuzz_wire.c $(srcdir)/%reldir%/wire.c -o fuzz-work/fuzz_wire
	cp -n $(srcdir)/tests/data/wire-corpus/* fuzz-work/ 2>/dev/null || true
	$(MKDIR_P) fuzz-work/corpus
	cp $(srcdir)/tests/data/wire-corpus/* fuzz-work/corpus/
	./fuzz-work/fuzz_wire -max_total_time=$(FUZZ_SECONDS) -max_len=128 fuzz-work/corpus

clean-local: clean-fuzz
.PHONY: clean-fuzz
clean-fuzz:
	rm -rf fuzz-work
