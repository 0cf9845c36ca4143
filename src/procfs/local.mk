# src/procfs — sources, tests and benchmarks of this area (appended to Makefile.am).
libsw_a_SOURCES += src/procfs/procfs.h src/procfs/procfs_parse.c src/procfs/procfs_read.c

check_PROGRAMS += tests/check_procfs
TESTS += tests/check_procfs
tests_check_procfs_SOURCES = tests/check_procfs.c
tests_check_procfs_CFLAGS = $(TEST_CFLAGS)
tests_check_procfs_LDADD = $(TEST_LIBS)
EXTRA_DIST += tests/fixtures/proc

# The fuzz target: built only with --enable-fuzzing (clang); libFuzzer supplies main().
EXTRA_DIST += tests/fuzz/fuzz_procfs.c tests/fuzz/corpus/procfs
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_procfs
tests_fuzz_fuzz_procfs_SOURCES = tests/fuzz/fuzz_procfs.c src/procfs/procfs_parse.c \
	src/procfs/procfs.h
tests_fuzz_fuzz_procfs_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_procfs_LDFLAGS = $(FUZZ_LD)
endif
