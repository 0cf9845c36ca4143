# src/models — sources, tests and benchmarks of this area (appended to Makefile.am).
# src/work (the workloads) is built from here too.
libsw_a_SOURCES += src/work/work.c src/work/work.h src/work/task.c src/work/task.h \
	src/models/models.c src/models/models.h src/models/host.c src/models/host.h \
	src/models/procs.c src/models/threads.c src/models/loop.c src/models/latency.c \
	src/models/goroutines.c

if HAVE_CHECK
check_PROGRAMS += tests/check_work tests/check_models
TESTS += tests/check_work tests/check_models
tests_check_work_SOURCES = tests/check_work.c
tests_check_work_CFLAGS = $(TEST_CFLAGS)
tests_check_work_LDADD = $(TEST_LIBS)
tests_check_models_SOURCES = tests/check_models.c tests/models_util.c tests/models_util.h
tests_check_models_CFLAGS = $(TEST_CFLAGS)
tests_check_models_LDADD = $(TEST_LIBS)
endif

# Benchmark: runs one model with one workload, prints its figures.
noinst_PROGRAMS += tests/bench/models
tests_bench_models_SOURCES = tests/bench/models.c tests/models_util.c tests/models_util.h
tests_bench_models_CFLAGS = $(AM_CFLAGS) $(LIBUV_CFLAGS) -I$(top_srcdir)/tests
tests_bench_models_LDADD = $(SW_LIBS)
