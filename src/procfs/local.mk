# src/procfs — sources, tests and benchmarks of this area (appended to Makefile.am).
libsw_a_SOURCES += src/procfs/procfs.h src/procfs/procfs_parse.c src/procfs/procfs_read.c
