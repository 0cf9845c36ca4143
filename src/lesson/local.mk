# src/lesson — the lesson language: parser, expressions, shipped lessons, tests,
# fuzz target (appended to Makefile.am).
libsw_a_SOURCES += src/lesson/lesson.c src/lesson/lesson.h src/lesson/lesson_int.h \
	src/lesson/lesson_lex.c src/lesson/lesson_expr.c src/lesson/lesson_metric.c \
	src/lesson/player.c src/lesson/player.h

lessonsdir = $(pkgdatadir)/lessons
dist_lessons_DATA = \
	data/lessons/context-switch.lesson \
	data/lessons/cpu-bound.lesson \
	data/lessons/cpu-vs-io.lesson \
	data/lessons/io-bound.lesson \
	data/lessons/locks-vs-channels.lesson \
	data/lessons/memory.lesson \
	data/lessons/million-goroutines.lesson


if HAVE_CHECK
check_PROGRAMS += tests/check_lesson
TESTS += tests/check_lesson
tests_check_lesson_SOURCES = tests/check_lesson.c
tests_check_lesson_CFLAGS = $(TEST_CFLAGS)
tests_check_lesson_LDADD = $(TEST_LIBS)
endif
EXTRA_DIST += tests/fixtures/lessons tests/fuzz/corpus/lesson

# The fuzz target links the lesson sources alone (no libuv, no curses), with
# libFuzzer and the sanitizers on this program only.
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_lesson
tests_fuzz_fuzz_lesson_SOURCES = tests/fuzz/fuzz_lesson.c src/util.c \
	src/lesson/lesson.c src/lesson/lesson_lex.c src/lesson/lesson_expr.c \
	src/lesson/lesson_metric.c
tests_fuzz_fuzz_lesson_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_lesson_LDFLAGS = $(FUZZ_LD)
tests_fuzz_fuzz_lesson_LDADD = -lm
endif
EXTRA_DIST += tests/fuzz/fuzz_lesson.c tests/fuzz/lesson.dict

# Every shipped lesson, headless, on this machine (about 5 minutes).
TESTS += tests/check_lessons_headless.sh
EXTRA_DIST += tests/check_lessons_headless.sh
# A shell test: run by the shell, never under valgrind (the binary it plays is
# not a test program).
TEST_EXTENSIONS = .sh
SH_LOG_COMPILER = $(SHELL)

if HAVE_CHECK
check_PROGRAMS += tests/check_player
TESTS += tests/check_player
endif
tests_check_player_SOURCES = tests/check_player.c
tests_check_player_CFLAGS = $(TEST_CFLAGS)
tests_check_player_LDADD = $(TEST_LIBS)
