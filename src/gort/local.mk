# src/gort — the goroutine runtime: its own static library, Check suites and benchmarks.

noinst_LIBRARIES += libgort.a
libgort_a_SOURCES = src/gort/gort.h src/gort/gort_probe.h src/gort/gort_int.h \
	src/gort/sched.c src/gort/stack.c src/gort/lock.c src/gort/timer.c src/gort/chan.c \
	src/gort/sync.c src/gort/netpoll.c src/gort/probe.c src/gort/ctx.c
if GORT_CTX_X86_64
libgort_a_SOURCES += src/gort/ctx-x86_64.S
endif
if GORT_CTX_AARCH64
libgort_a_SOURCES += src/gort/ctx-aarch64.S
endif
EXTRA_DIST += src/gort/ctx-x86_64.S src/gort/ctx-aarch64.S

# libsw.a only for util.c (xmalloc & co.): the runtime needs nothing else of schedwatch.
GORT_LIBS = libgort.a libsw.a

GORT_TEST_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) -DSW_TESTDIR='"$(abs_top_srcdir)/tests"'
GORT_TEST_LIBS = $(GORT_LIBS) $(CHECK_LIBS) -lm

if HAVE_CHECK
check_PROGRAMS += tests/gort/check_gort
TESTS += tests/gort/check_gort
tests_gort_check_gort_SOURCES = tests/gort/check_gort.c
tests_gort_check_gort_CFLAGS = $(GORT_TEST_CFLAGS)
tests_gort_check_gort_LDADD = $(GORT_TEST_LIBS)
endif

# Benchmarks (not tests): tests/bench/gort/run.sh runs them all.
GORT_BENCHES = tests/bench/gort/bench_pingpong tests/bench/gort/bench_spawn \
	tests/bench/gort/bench_idle tests/bench/gort/bench_switch tests/bench/gort/bench_fanout
noinst_PROGRAMS += $(GORT_BENCHES)
GORT_BENCH_COMMON = tests/bench/gort/bench_common.c tests/bench/gort/bench_common.h
tests_bench_gort_bench_pingpong_SOURCES = tests/bench/gort/bench_pingpong.c $(GORT_BENCH_COMMON)
tests_bench_gort_bench_pingpong_LDADD = $(GORT_LIBS) -lm
tests_bench_gort_bench_spawn_SOURCES = tests/bench/gort/bench_spawn.c $(GORT_BENCH_COMMON)
tests_bench_gort_bench_spawn_LDADD = $(GORT_LIBS) -lm
tests_bench_gort_bench_idle_SOURCES = tests/bench/gort/bench_idle.c $(GORT_BENCH_COMMON)
tests_bench_gort_bench_idle_LDADD = $(GORT_LIBS) -lm
tests_bench_gort_bench_switch_SOURCES = tests/bench/gort/bench_switch.c $(GORT_BENCH_COMMON)
tests_bench_gort_bench_switch_LDADD = $(GORT_LIBS) -lm
tests_bench_gort_bench_fanout_SOURCES = tests/bench/gort/bench_fanout.c $(GORT_BENCH_COMMON)
tests_bench_gort_bench_fanout_LDADD = $(GORT_LIBS) -lm
EXTRA_DIST += tests/bench/gort/run.sh tests/bench/gort/pingpong.go tests/bench/gort/spawn.go \
	tests/bench/gort/idle.go tests/bench/gort/switch.go tests/bench/gort/fanout.go

# The aarch64 switch, checked under qemu-user by hand (not a Check suite: needs a cross compiler).
EXTRA_DIST += tests/gort/ctx_aarch64.c tests/gort/ctx_aarch64.sh
