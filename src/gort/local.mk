# src/gort — sources, tests and benchmarks of this area (appended to Makefile.am).
