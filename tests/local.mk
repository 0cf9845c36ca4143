# tests shared by several areas (appended to Makefile.am).
EXTRA_DIST += tests/summary.sh tests/lsan.supp
