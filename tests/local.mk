# SPDX-License-Identifier: MIT
# cmocka unit and validation tests, and command-line tests.
TEST_CFLAGS = $(AM_CFLAGS) $(GSL_CFLAGS) $(CMOCKA_CFLAGS) $(LIBCONFIG_CFLAGS)
TEST_LIBS = libuksim.la $(CMOCKA_LIBS) $(GSL_LIBS)

check_PROGRAMS += tests/test_engine tests/test_units tests/test_model tests/test_queueing \
	tests/test_findings tests/test_models tests/test_policies tests/test_topologies tests/test_step \
	tests/test_blame tests/test_ziggurat
tests_test_ziggurat_SOURCES = %reldir%/test_ziggurat.c
tests_test_ziggurat_CFLAGS = $(TEST_CFLAGS)
tests_test_ziggurat_LDADD = $(TEST_LIBS)
tests_test_step_SOURCES = %reldir%/test_step.c
tests_test_step_CFLAGS = $(TEST_CFLAGS)
tests_test_step_LDADD = $(TEST_LIBS)
tests_test_engine_SOURCES = %reldir%/test_engine.c
tests_test_engine_CFLAGS = $(TEST_CFLAGS)
tests_test_engine_LDADD = $(TEST_LIBS)
tests_test_units_SOURCES = %reldir%/test_units.c
tests_test_units_CFLAGS = $(TEST_CFLAGS)
tests_test_units_LDADD = $(TEST_LIBS)
tests_test_model_SOURCES = %reldir%/test_model.c
tests_test_model_CFLAGS = $(TEST_CFLAGS) -DTEST_DATA_DIR='"$(abs_top_srcdir)/tests/data"'
tests_test_model_LDADD = $(TEST_LIBS)
tests_test_queueing_SOURCES = %reldir%/test_queueing.c %reldir%/ci95.h
tests_test_queueing_CFLAGS = $(TEST_CFLAGS)
tests_test_queueing_LDADD = $(TEST_LIBS)
tests_test_blame_SOURCES = %reldir%/test_blame.c
tests_test_blame_CFLAGS = $(TEST_CFLAGS)
tests_test_blame_LDADD = $(TEST_LIBS)
tests_test_findings_SOURCES = %reldir%/test_findings.c
tests_test_findings_CFLAGS = $(TEST_CFLAGS)
tests_test_findings_LDADD = $(TEST_LIBS)
tests_test_models_SOURCES = %reldir%/test_models.c
tests_test_models_CFLAGS = $(TEST_CFLAGS)
tests_test_models_LDADD = $(TEST_LIBS)
tests_test_policies_SOURCES = %reldir%/test_policies.c
tests_test_policies_CFLAGS = $(TEST_CFLAGS)
tests_test_policies_LDADD = $(TEST_LIBS)
tests_test_topologies_SOURCES = %reldir%/test_topologies.c
tests_test_topologies_CFLAGS = $(TEST_CFLAGS)
tests_test_topologies_LDADD = $(TEST_LIBS)

TESTS += tests/test_engine tests/test_units tests/test_model tests/test_queueing \
	tests/test_findings tests/test_models tests/test_policies tests/test_topologies tests/test_step \
	tests/test_blame tests/test_ziggurat tests/cli.test
TEST_EXTENSIONS = .test
TEST_LOG_COMPILER =
AM_TESTS_ENVIRONMENT = UKSIM=$(abs_top_builddir)/uksim; TEST_DATA_DIR=$(abs_top_srcdir)/tests/data; \
	TOP_SRCDIR=$(abs_top_srcdir); CC="$(CC)"; export TOP_SRCDIR CC; \
	LSAN_OPTIONS=suppressions=$(abs_top_srcdir)/tests/lsan.supp:print_suppressions=0; export LSAN_OPTIONS; \
	export UKSIM TEST_DATA_DIR;
EXTRA_DIST += tests/cli.test tests/data

# The tracing core's tests see only tracecore/ (no project headers).
check_PROGRAMS += tests/test_tracecore tests/test_tracecore_data
tests_test_tracecore_SOURCES = %reldir%/test_tracecore.c %reldir%/tracecore_test.h
tests_test_tracecore_CPPFLAGS = -I$(srcdir)/tracecore
tests_test_tracecore_CFLAGS = -std=c99 $(WARN_CFLAGS) $(WERROR_CFLAGS) $(SAN_CFLAGS) $(CMOCKA_CFLAGS)
tests_test_tracecore_LDADD = libwtrace.la $(CMOCKA_LIBS) -lm
tests_test_tracecore_data_SOURCES = %reldir%/test_tracecore_data.c %reldir%/tracecore_test.h
tests_test_tracecore_data_CPPFLAGS = -I$(srcdir)/tracecore
tests_test_tracecore_data_CFLAGS = -std=c99 $(WARN_CFLAGS) $(WERROR_CFLAGS) $(SAN_CFLAGS) $(CMOCKA_CFLAGS)
tests_test_tracecore_data_LDADD = libwtrace.la $(CMOCKA_LIBS) -lm
TESTS += tests/test_tracecore tests/test_tracecore_data tests/tracecore-alone.test tests/sweep.test tests/reliability.test tests/examples.test tests/report.test tests/hpa-replay.test tests/hpa-sim.test tests/plugin.test tests/blame.test tests/testbed.test
EXTRA_DIST += tests/tracecore-alone.test tests/sweep.test tests/reliability.test tests/examples.test tests/report.test tests/lsan.supp examples tests/hpa-replay.test tests/hpa-sim.test tests/plugin.test tests/blame.test tests/hpa tests/testbed.test

# The cluster recipes on real engines (GNU parallel; a one-node Slurm with
# munge, as root): not part of make check, run by .ci/run.
EXTRA_DIST += tests/cluster.test
.PHONY: check-cluster
check-cluster: uksim
	UKSIM=$(abs_top_builddir)/uksim TOP_SRCDIR=$(abs_top_srcdir) $(SHELL) $(srcdir)/tests/cluster.test

# The simulator held against the testbed on tests/validation/ (3 seeds per
# case, about 20 minutes; doc/validation.md). Not part of make check.
EXTRA_DIST += tests/validation
.PHONY: validate
validate: uksim uksim-svc
	$(SHELL) $(srcdir)/scripts/validate.sh $(abs_top_builddir)/uksim $(VALIDATE_OUT)
