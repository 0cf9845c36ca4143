# src/probe — sources, tests and benchmarks of this area (appended to Makefile.am).
