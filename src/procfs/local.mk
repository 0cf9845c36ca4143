# src/procfs — sources, tests and benchmarks of this area (appended to Makefile.am).
libsw_a_SOURCES += src/procfs/procfs.h src/procfs/procfs_parse.c src/procfs/procfs_read.c

check_PROGRAMS += tests/check_procfs
TESTS += tests/check_procfs
tests_check_procfs_SOURCES = tests/check_procfs.c
tests_check_procfs_CFLAGS = $(TEST_CFLAGS)
tests_check_procfs_LDADD = $(TEST_LIBS)
EXTRA_DIST += tests/fixtures/proc
