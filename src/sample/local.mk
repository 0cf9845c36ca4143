# src/sample — sources, tests and benchmarks of this area (appended to Makefile.am).
libsw_a_SOURCES += src/sample/sample.h src/sample/sampler.h src/sample/sampler.c

check_PROGRAMS += tests/check_sampler
TESTS += tests/check_sampler
tests_check_sampler_SOURCES = tests/check_sampler.c
tests_check_sampler_CFLAGS = $(TEST_CFLAGS)
tests_check_sampler_LDADD = $(TEST_LIBS)
EXTRA_DIST += tests/fixtures/tree

# The sampler's cost against htop's (a benchmark, not a test: it prints figures).
noinst_PROGRAMS += tests/bench/sampler
tests_bench_sampler_SOURCES = tests/bench/sampler.c
tests_bench_sampler_LDADD = $(SW_LIBS)
