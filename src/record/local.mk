# src/record — asciicast v2 recording of the screen (appended to Makefile.am).
libsw_a_SOURCES += src/record/record.c src/record/record.h

# The test plays recordings into libvterm and drives the real binary in a pty.
if HAVE_CHECK
if HAVE_VTERM
check_PROGRAMS += tests/check_record
TESTS += tests/check_record
endif
endif
tests_check_record_SOURCES = tests/check_record.c tests/pty.c tests/pty.h
tests_check_record_CFLAGS = $(TEST_CFLAGS) $(VTERM_CFLAGS)
tests_check_record_LDADD = $(TEST_LIBS) $(VTERM_LIBS)
