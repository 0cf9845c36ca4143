# src/models — sources, tests and benchmarks of this area (appended to Makefile.am).
