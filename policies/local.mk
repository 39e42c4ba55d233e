# SPDX-License-Identifier: MIT
# Scaling policies behind one interface (policies/policy.h).
libuksim_la_SOURCES += %reldir%/policy.h %reldir%/policies_int.h %reldir%/registry.c \
	%reldir%/static.c %reldir%/threshold.c %reldir%/hpa.c %reldir%/latency_slo.c \
	%reldir%/wait_local.c %reldir%/wait_central.c %reldir%/jit.c \
	%reldir%/hpa_core.c %reldir%/hpa_core.h %reldir%/hpa_spec.c %reldir%/hpa_spec.h \
	%reldir%/hpa_yaml.c %reldir%/hpa_replay.c %reldir%/hpa_replay.h
libuksim_la_SOURCES += %reldir%/plugin.c %reldir%/plugin.h

# The interface of policy plugins, installed as <uksim/policy.h>.
uksimincludedir = $(includedir)/uksim
uksiminclude_HEADERS = include/uksim/policy.h
