# tests shared by several areas (appended to Makefile.am).
EXTRA_DIST += tests/summary.sh tests/lsan.supp

# The man page's LIMITS tables, row by row (needs the binary and script(1)).
if HAVE_CHECK
TESTS += tests/check_limits.sh
endif
EXTRA_DIST += tests/check_limits.sh tests/fixtures/samples tests/fixtures/proc-min \
	tests/fixtures/proc-badstat
