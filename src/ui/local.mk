# src/ui — the canvas, widgets, themes, the first screen and the one curses
# file (appended to Makefile.am).
libsw_a_SOURCES += src/ui/canvas.c src/ui/canvas.h src/ui/theme.c src/ui/theme.h \
	src/ui/panels.c src/ui/panels.h \
	src/ui/widgets.c src/ui/widgets.h src/ui/view.c src/ui/view.h \
	src/ui/curses.c src/ui/curses.h src/ui/ui.c src/ui/ui.h \
	src/ui/lesson_view.c src/ui/lesson_view.h
# The ui reads the sample contract; listed here too so a tarball carries it
# whichever area's fragment lands first (distdir removes duplicates).
noinst_HEADERS += src/sample/sample.h

themesdir = $(pkgdatadir)/themes
dist_themes_DATA = data/themes/default.theme data/themes/high-contrast.theme \
	data/themes/mono.theme

if HAVE_CHECK
check_PROGRAMS += tests/check_canvas tests/check_view
TESTS += tests/check_canvas tests/check_view
endif
tests_check_canvas_SOURCES = tests/check_canvas.c
tests_check_canvas_CFLAGS = $(TEST_CFLAGS)
tests_check_canvas_LDADD = $(TEST_LIBS)
tests_check_view_SOURCES = tests/check_view.c tests/ui_fixture.c tests/ui_fixture.h
tests_check_view_CFLAGS = $(TEST_CFLAGS)
tests_check_view_LDADD = $(TEST_LIBS)

# The pty test drives full-screen programs; it needs libvterm.
if HAVE_CHECK
if HAVE_VTERM
check_PROGRAMS += tests/check_tui tests/tui_demo
TESTS += tests/check_tui
endif
endif
tests_check_tui_SOURCES = tests/check_tui.c tests/pty.c tests/pty.h
tests_check_tui_CFLAGS = $(TEST_CFLAGS) $(VTERM_CFLAGS)
tests_check_tui_LDADD = $(CHECK_LIBS) $(VTERM_LIBS)
tests_tui_demo_SOURCES = tests/tui_demo.c tests/ui_fixture.c tests/ui_fixture.h
tests_tui_demo_CFLAGS = $(AM_CFLAGS)
tests_tui_demo_LDADD = $(SW_LIBS)

# Benchmarks (not tests: they print figures): one frame of the model panels,
# the monitor's own CPU with 1,000 I/O tasks per model, and the soak (the
# monitor's RSS and descriptors over a long run of live changes).
noinst_PROGRAMS += tests/bench/frame
tests_bench_frame_SOURCES = tests/bench/frame.c tests/ui_fixture.c tests/ui_fixture.h
tests_bench_frame_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/tests
tests_bench_frame_LDADD = $(SW_LIBS)
if HAVE_VTERM
noinst_PROGRAMS += tests/bench/monitor tests/bench/soak
endif
tests_bench_monitor_SOURCES = tests/bench/monitor.c tests/pty.c tests/pty.h
tests_bench_monitor_CFLAGS = $(AM_CFLAGS) $(VTERM_CFLAGS)
tests_bench_monitor_LDADD = $(VTERM_LIBS)
tests_bench_soak_SOURCES = tests/bench/soak.c tests/pty.c tests/pty.h
tests_bench_soak_CFLAGS = $(AM_CFLAGS) $(VTERM_CFLAGS)
tests_bench_soak_LDADD = $(VTERM_LIBS)
