# src/report — replay of --json files (appended to Makefile.am; the writer and
# reader are listed in Makefile.am itself).
if HAVE_CHECK
check_PROGRAMS += tests/check_replay
TESTS += tests/check_replay
endif
tests_check_replay_SOURCES = tests/check_replay.c
tests_check_replay_CFLAGS = $(TEST_CFLAGS)
tests_check_replay_LDADD = $(TEST_LIBS)

# The fuzz target of --replay: the loader and what draws its samples, instrumented.
EXTRA_DIST += tests/fuzz/fuzz_replay.c tests/fuzz/replay.dict tests/fuzz/corpus/replay
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_replay
tests_fuzz_fuzz_replay_SOURCES = tests/fuzz/fuzz_replay.c src/report/replay.c \
	src/report/jsonr.c src/report/report.c src/util.c src/ui/ui.c src/ui/view.c \
	src/ui/panels.c src/ui/widgets.c src/ui/canvas.c
tests_fuzz_fuzz_replay_CFLAGS = $(FUZZ_CFLAGS) $(NCURSES_CFLAGS) $(LIBUV_CFLAGS)
tests_fuzz_fuzz_replay_LDFLAGS = $(FUZZ_LD)
tests_fuzz_fuzz_replay_LDADD = $(SW_LIBS)
endif
