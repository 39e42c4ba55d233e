# SPDX-License-Identifier: MIT
# The simulated world: services, network, workload, and the model file loader.
libuksim_la_SOURCES += \
	%reldir%/model.h %reldir%/model_load.c %reldir%/load_int.h \
	%reldir%/load_util.c %reldir%/load_run.c %reldir%/load_network.c %reldir%/load_tracing.c \
	%reldir%/load_hosts.c %reldir%/load_policy.c %reldir%/load_slo.c %reldir%/load_service.c \
	%reldir%/load_graph.c %reldir%/load_workload.c \
	%reldir%/workload.c %reldir%/workload.h \
	%reldir%/boot.c %reldir%/boot.h \
	%reldir%/models_int.h %reldir%/service.c %reldir%/net.c \
	%reldir%/world.c %reldir%/instance.c %reldir%/balancer.c %reldir%/lwt.c \
	%reldir%/step.c %reldir%/step_draw.c %reldir%/step.h \
	%reldir%/run.c %reldir%/run.h %reldir%/control.c %reldir%/view.h \
	%reldir%/elastic.c %reldir%/elastic.h
