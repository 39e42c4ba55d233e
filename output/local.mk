# SPDX-License-Identifier: MIT
# Results: JSON summaries (later: CSV series, Graphviz, plots, traces).
libuksim_la_SOURCES += %reldir%/summary.c %reldir%/summary.h \
	%reldir%/timeseries.c %reldir%/timeseries.h
