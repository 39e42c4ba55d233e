# SPDX-License-Identifier: MIT
# Benchmarks: built and run by `make bench`, never by `make check`.
BENCH_PROGS = bench/bench_engine bench/bench_mm1 bench/bench_wtrace bench/bench_models \
	bench/bench_ratio bench/bench_scale
EXTRA_PROGRAMS += $(BENCH_PROGS)
bench_bench_engine_SOURCES = %reldir%/bench_engine.c %reldir%/bench_util.h
bench_bench_engine_CFLAGS = $(AM_CFLAGS) $(GSL_CFLAGS) -O2
bench_bench_engine_LDADD = libuksim.la $(GSL_LIBS)
bench_bench_mm1_SOURCES = %reldir%/bench_mm1.c %reldir%/bench_util.h
bench_bench_mm1_CFLAGS = $(AM_CFLAGS) $(GSL_CFLAGS) -O2
bench_bench_mm1_LDADD = libuksim.la $(GSL_LIBS)

bench_bench_wtrace_SOURCES = %reldir%/bench_wtrace.c %reldir%/bench_util.h
bench_bench_wtrace_CFLAGS = $(AM_CFLAGS) -O2
bench_bench_wtrace_LDADD = libwtrace.la

bench_bench_ratio_SOURCES = %reldir%/bench_ratio.c %reldir%/bench_util.h
bench_bench_ratio_CFLAGS = $(AM_CFLAGS) $(GSL_CFLAGS) -O2
bench_bench_ratio_LDADD = libuksim.la $(GSL_LIBS)

bench_bench_models_SOURCES = %reldir%/bench_models.c %reldir%/bench_util.h
bench_bench_models_CFLAGS = $(AM_CFLAGS) $(GSL_CFLAGS) -O2
bench_bench_models_LDADD = libuksim.la $(GSL_LIBS)

bench_bench_scale_SOURCES = %reldir%/bench_scale.c %reldir%/bench_util.h
bench_bench_scale_CFLAGS = $(AM_CFLAGS) $(GSL_CFLAGS) -O2
bench_bench_scale_LDADD = libuksim.la $(GSL_LIBS)

.PHONY: bench bench-build
bench-build: $(BENCH_PROGS)
bench: $(BENCH_PROGS) uksim
	@for b in $(BENCH_PROGS); do echo "== $$b"; ./$$b || exit 1; done
	@echo "== bench/bench_sweep.sh"; UKSIM=./uksim TOP_SRCDIR=$(srcdir) $(srcdir)/bench/bench_sweep.sh
EXTRA_DIST += %reldir%/bench_sweep.sh
