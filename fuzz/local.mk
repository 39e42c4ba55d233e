# SPDX-License-Identifier: MIT
# libFuzzer targets (clang): the model loader, load plus a bounded run, and
# the sweep file parser. make fuzz [FUZZ_SECONDS=60] runs each; the wire
# decoders' target is in tracecore/local.mk.
EXTRA_DIST += %reldir%/fuzz.sh %reldir%/fuzz_text.h %reldir%/fuzz_model.c %reldir%/fuzz_run.c %reldir%/fuzz_sweep.c %reldir%/fuzz_hpa.c \
	%reldir%/corpus

.PHONY: fuzz-models
fuzz-models: models/builtin_model.c
	$(SHELL) $(srcdir)/%reldir%/fuzz.sh $(srcdir) $(builddir) fuzz-work $(FUZZ_SECONDS) \
	  -- $(GSL_CFLAGS) $(LIBCONFIG_CFLAGS) $(JANSSON_CFLAGS) $(YAML_CFLAGS) $(CGRAPH_CFLAGS) \
	  -- $(GSL_LIBS) $(LIBCONFIG_LIBS) $(JANSSON_LIBS) $(YAML_LIBS) $(CGRAPH_LIBS) \
	  -- $(libuksim_la_SOURCES) $(nodist_libuksim_la_SOURCES) $(libwtrace_la_SOURCES)
fuzz: fuzz-models
