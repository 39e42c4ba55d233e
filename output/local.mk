# SPDX-License-Identifier: MIT
# Results: JSON summaries (later: CSV series, Graphviz, plots, traces).
libuksim_la_SOURCES += %reldir%/files.c %reldir%/files.h %reldir%/summary.c %reldir%/summary.h %reldir%/trace.c %reldir%/trace.h \
	%reldir%/plots.c %reldir%/plots.h \
	%reldir%/timeseries.c %reldir%/timeseries.h

# Graphs need Graphviz (only output/ and topologies/ use cgraph).
libuksim_la_SOURCES += %reldir%/graph.c %reldir%/graph.h %reldir%/report.c %reldir%/report.h
libuksim_la_CFLAGS += $(CGRAPH_CFLAGS)
libuksim_la_LIBADD += $(CGRAPH_LIBS)
