#!/bin/sh
# switch.sh [SCHEDWATCH] — `schedwatch bench` beside its peer, the kernel's own
# switch benchmark, in the same run: `perf bench sched pipe` has two
# processes (or, with -T, two threads) bounce a token through two pipes, one
# round trip per operation, as the pingpong workload does. So perf's
# usecs/op and bench's "switch" row measure the same thing: two switches.
# Needs perf (Debian: linux-perf); without it, says so and prints bench alone.
# Reproduce: sh tests/bench/switch.sh ./schedwatch
set -eu
bin=${1:-./schedwatch}
loops=${LOOPS:-200000}

pipe() { # [-T] -> usecs per round trip
    perf bench sched pipe -l "$loops" "$@" 2>/dev/null |
        sed -n 's/^ *\([0-9.]*\) usecs\/op.*/\1/p'
}

echo "switch cost on $(nproc) cores, $(uname -r); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
if command -v perf >/dev/null 2>&1 && [ -n "$(pipe)" ]; then
    p1=$(pipe); t1=$(pipe -T)
    echo "perf bench sched pipe -l $loops:    $p1 us per round trip (processes)"
    echo "perf bench sched pipe -l $loops -T: $t1 us per round trip (threads)"
else
    echo "perf bench sched pipe: not run (perf missing or not allowed here)"
fi
echo
"$bin" bench
echo
if [ -n "${p1:-}" ]; then
    p2=$(pipe); t2=$(pipe -T)
    echo "perf again, after bench: $p2 us (processes), $t2 us (threads)"
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "reproduce: sh tests/bench/switch.sh $bin"
