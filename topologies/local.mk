# SPDX-License-Identifier: MIT
# Bundled reference applications, installed under $(pkgdatadir).
dist_pkgdata_DATA += %reldir%/teastore.cfg %reldir%/sockshop.cfg \
	%reldir%/hotel-reservation.cfg %reldir%/social-network.cfg

# The built-in scenario is TeaStore, compiled in from its model file.
nodist_libuksim_la_SOURCES = models/builtin_model.c
CLEANFILES += models/builtin_model.c
models/builtin_model.c: $(srcdir)/%reldir%/teastore.cfg
	$(AM_V_GEN)$(MKDIR_P) models && { \
	  echo '/* Generated from topologies/teastore.cfg; do not edit. */'; \
	  echo '#include "models/model.h"'; \
	  echo 'const char mdl_builtin_default[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/    "/' -e 's/$$/\\n"/' $(srcdir)/%reldir%/teastore.cfg; \
	  echo ';'; } >$@.tmp && mv $@.tmp $@

libuksim_la_SOURCES += %reldir%/gen.c %reldir%/gen.h
