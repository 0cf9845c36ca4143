#!/bin/sh
# run.sh — build the libFuzzer targets and run each for a bounded time.
#
#   sh tests/fuzz/run.sh [SECONDS [BUILDDIR [TARGET...]]]
#
#   SECONDS   time per target (default 60), libFuzzer's -max_total_time
#   BUILDDIR  a build tree configured with
#                 CC=clang ./configure --enable-fuzzing
#             (default: the current directory); in-tree or not, the sources
#             are found from this script's own place
#   TARGET    cli json lesson procfs replay (default: all of them)
#
# Each target starts from a copy of its seed corpus, tests/fuzz/corpus/TARGET,
# plus its past findings, tests/fuzz/regress/TARGET, so the corpus in the
# sources never grows; what a run adds stays in BUILDDIR/tests/fuzz/out/TARGET
# (corpus/, artifacts/, fuzz.log), replaced by the next run. A target's
# dictionary, tests/fuzz/TARGET.dict, is used where there is one.
#
# Per target it prints executions, coverage (cov: and ft: of libFuzzer's last
# line) and the command that reproduces it. Exit status 1 names each target
# that found a crash, a leak, a timeout (-timeout=10) or ran out of memory
# (-rss_limit_mb=2048), with the input it saved; 2 for a usage or build error.
#
# Environment: FUZZ_NICE (default 19) is the niceness of the build and of the
# fuzzers, so a run leaves the machine's other work alone; MAKE (default make).
set -u

usage() {
    sed -n '4,11p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

secs=${1:-60}
builddir=${2:-.}
given=$builddir
[ $# -gt 2 ] && shift 2 || set --
case $secs in
    ''|*[!0-9]*) usage ;;
esac
[ "$secs" -gt 0 ] || usage

srcdir=$(cd "$(dirname "$0")/../.." && pwd) || exit 2
builddir=$(cd "$builddir" 2>/dev/null && pwd) || { echo "run.sh: no directory $given" >&2; exit 2; }
all="cli json lesson procfs replay"
targets=${*:-$all}
for t in $targets; do
    case " $all " in
        *" $t "*) ;;
        *) echo "run.sh: unknown target '$t' (choose from: $all)" >&2; exit 2 ;;
    esac
done

# configure substitutes ENABLE_FUZZING_TRUE with "" when the conditional holds, "#" when not.
if ! grep -q '^S\["ENABLE_FUZZING_TRUE"\]=""$' "$builddir/config.status" 2>/dev/null; then
    echo "run.sh: $builddir is not configured for fuzzing; there, run:" >&2
    echo "    CC=clang $srcdir/configure --enable-fuzzing" >&2
    exit 2
fi

nice="nice -n ${FUZZ_NICE:-19}"
progs=""
for t in $targets; do
    progs="$progs tests/fuzz/fuzz_$t"
done
mkdir -p "$builddir/tests/fuzz/out" || exit 2
log=$builddir/tests/fuzz/out/build.log
echo "run.sh: building$progs"
# shellcheck disable=SC2086
if ! (cd "$builddir" && $nice ${MAKE:-make} -j1 $progs) >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "run.sh: the build failed (whole log: $log)" >&2
    exit 2
fi

# A UBSan report stops the run even in a build without -fno-sanitize-recover.
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export UBSAN_OPTIONS

failed=""
for t in $targets; do
    out=$builddir/tests/fuzz/out/$t
    rm -rf "$out"
    mkdir -p "$out/corpus" "$out/artifacts" || exit 2
    cp "$srcdir/tests/fuzz/corpus/$t/"* "$out/corpus/"
    if [ -d "$srcdir/tests/fuzz/regress/$t" ]; then
        cp "$srcdir/tests/fuzz/regress/$t/"* "$out/corpus/"
    fi
    dict=""
    [ -f "$srcdir/tests/fuzz/$t.dict" ] && dict="-dict=$srcdir/tests/fuzz/$t.dict"
    prog=$builddir/tests/fuzz/fuzz_$t
    echo "run.sh: $t: ${secs}s from $(ls "$out/corpus" | wc -l) seeds${dict:+, with $t.dict}"
    # shellcheck disable=SC2086
    $nice "$prog" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
        -print_final_stats=1 -artifact_prefix="$out/artifacts/" $dict \
        "$out/corpus" >"$out/fuzz.log" 2>&1
    status=$?

    # The last status line: "#N  DONE  cov: C ft: F corp: ..." (or the line before a crash).
    last=$(grep -E '^#[0-9]+' "$out/fuzz.log" | tail -n 1)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/fuzz.log" | tail -n 1)
    [ -n "$execs" ] || execs=$(echo "$last" | sed -n 's/^#\([0-9]*\).*/\1/p')
    cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
    corp=$(echo "$last" | sed -n 's/.* corp: \([^ ]*\).*/\1/p')
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$out/fuzz.log" | tail -n 1)
    printf '  %-7s execs %s (%s/s)  cov %s  ft %s  corpus %s\n' "$t" "${execs:-?}" \
        "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}"

    found=$(ls "$out/artifacts" 2>/dev/null | grep -E '^(crash|leak|timeout|oom)-' || true)
    if [ $status -ne 0 ] || [ -n "$found" ]; then
        failed="$failed $t"
        echo "run.sh: $t FAILED (fuzzer exit status $status); from $out/fuzz.log:" >&2
        grep -E '^==[0-9]+== ?ERROR|^SUMMARY|runtime error' "$out/fuzz.log" | head -n 5 >&2
        for a in $found; do
            echo "  finding: $out/artifacts/$a" >&2
            echo "  reproduce: $prog $out/artifacts/$a" >&2
        done
        [ -n "$found" ] || echo "  no input saved; the log says why: $out/fuzz.log" >&2
    else
        echo "  reproduce: $prog -max_total_time=$secs -rss_limit_mb=2048 -timeout=10" \
            "${dict:+$dict }$out/corpus"
    fi
done

if [ -n "$failed" ]; then
    echo "run.sh: findings in:$failed" >&2
    exit 1
fi
echo "run.sh: no findings in $targets (${secs}s each)"
exit 0
