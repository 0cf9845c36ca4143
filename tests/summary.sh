#!/bin/sh
# summary.sh BUILDDIR — sums the results of every test log under BUILDDIR and
# prints "N passed, N failed" as the last line. Check suites report
# "NN%: Checks: N, Failures: N, Errors: N"; a test program without such a line
# (crashed before Check ran, or not a Check suite) counts by its automake
# result: PASS as one passed, FAIL/ERROR as one failed.
dir=${1:-.}
# (not distcheck's tree, nor .ci/run's other builds, when dir is the top)
find "$dir" -name "*.trs" -not -path "$dir/schedwatch-*/*" -not -path "$dir/.ci-*" 2>/dev/null |
while read -r trs; do
    log="${trs%.trs}.log"
    res=$(sed -n 's/^:test-result: //p' "$trs" | head -n1)
    line=$(grep -E '^[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' "$log" 2>/dev/null | tail -n1)
    if [ -n "$line" ]; then
        checks=$(echo "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
        fails=$(echo "$line" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
        errs=$(echo "$line" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
        bad=$((fails + errs))
        # A suite whose checks passed but whose program failed (valgrind,
        # sanitizer at exit) still failed.
        if [ "$bad" -eq 0 ] && [ "$res" != PASS ] && [ "$res" != SKIP ]; then
            bad=1
            checks=$((checks + 1))
        fi
        echo "$((checks - bad)) $bad"
    else
        case "$res" in
            PASS) echo "1 0" ;;
            SKIP) echo "0 0" ;;
            *) echo "0 1" ;;
        esac
    fi
done | awk '{p += $1; f += $2} END {printf "%d passed, %d failed\n", p, f}'
