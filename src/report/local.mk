# src/report — replay of --json files (appended to Makefile.am; the writer and
# reader are listed in Makefile.am itself).
if HAVE_CHECK
check_PROGRAMS += tests/check_replay
TESTS += tests/check_replay
endif
tests_check_replay_SOURCES = tests/check_replay.c
tests_check_replay_CFLAGS = $(TEST_CFLAGS)
tests_check_replay_LDADD = $(TEST_LIBS)
