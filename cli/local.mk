# SPDX-License-Identifier: MIT
# The command-line front end.
bin_PROGRAMS += uksim
uksim_SOURCES = %reldir%/main.c %reldir%/model_doc.h %reldir%/sweep.c %reldir%/sweep.h \
	%reldir%/cli_int.h %reldir%/run_cmd.c %reldir%/scenario.c \
	%reldir%/policy_cmd.c %reldir%/policy_cmd.h %reldir%/blame.c %reldir%/blame.h \
	%reldir%/sweep_int.h %reldir%/sweep_file.c %reldir%/sweep_metrics.c %reldir%/sweep_results.c \
	%reldir%/sweep_store.c \
	%reldir%/testbed_cmd.c %reldir%/testbed_cmd.h %reldir%/compare.c
nodist_uksim_SOURCES = %reldir%/model_doc.c
uksim_CFLAGS = $(AM_CFLAGS) $(GSL_CFLAGS) $(LIBCONFIG_CFLAGS) $(JANSSON_CFLAGS) $(LIBUV_CFLAGS)
uksim_LDADD = libtestbed.la libuksim.la $(LIBCONFIG_LIBS) $(GSL_LIBS) $(JANSSON_LIBS) \
	$(LIBUV_LIBS)
CLEANFILES += %reldir%/model_doc.c

# `uksim help model` prints the model-file reference, compiled in from
# doc/model.md so that the binary and the document cannot disagree.
%reldir%/model_doc.c: $(srcdir)/doc/model.md
	$(AM_V_GEN)$(MKDIR_P) %reldir% && { \
	  echo '/* Generated from doc/model.md; do not edit. */'; \
	  echo '#include "cli/model_doc.h"'; \
	  echo 'const char cli_model_doc[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/    "/' -e 's/$$/\\n"/' $(srcdir)/doc/model.md; \
	  echo ';'; } >$@.tmp && mv $@.tmp $@
