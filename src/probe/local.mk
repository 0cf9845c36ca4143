# src/probe — sources, tests and benchmarks of this area (appended to Makefile.am).
libsw_a_SOURCES += src/probe/probe.c src/probe/probe.h

if HAVE_CHECK
check_PROGRAMS += tests/check_probe
TESTS += tests/check_probe
tests_check_probe_SOURCES = tests/check_probe.c
tests_check_probe_CFLAGS = $(TEST_CFLAGS)
tests_check_probe_LDADD = $(TEST_LIBS)
endif
