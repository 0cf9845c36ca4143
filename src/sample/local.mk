# src/sample — sources, tests and benchmarks of this area (appended to Makefile.am).
libsw_a_SOURCES += src/sample/sample.h src/sample/sampler.h src/sample/sampler.c
