#!/bin/sh
# run.sh — runs every goroutine-runtime benchmark (built by `make`), each printing
# "bench NAME: ours X UNIT, go Y UNIT, ratio R" and the command that reproduces it.
# Usage: tests/bench/gort/run.sh [builddir]   (default: the current directory)
set -u
b=${1:-.}/tests/bench/gort
uptime
for t in pingpong spawn idle switch fanout; do
    if [ ! -x "$b/bench_$t" ]; then
        echo "run.sh: $b/bench_$t not built (run make first)" >&2
        exit 1
    fi
    "$b/bench_$t" || echo "bench $t: failed (exit $?)"
done
uptime
