#!/bin/sh
# check_lessons_headless.sh — every shipped lesson, played headless on this
# machine: each expectation must hold, or be skipped with its reason shown
# (schedwatch exits 1 when one fails or is never judged).
#
# The lessons run at --lesson-pace 0.5 (every step, settle and turn half as
# long: about 5 minutes for all of them instead of 10); turns stay at least
# 2.5 s, more than twice the figures' one-second window.
# Reproduce one: schedwatch --headless --lesson NAME --lesson-pace 0.5
set -u
: "${SW_BIN:?SW_BIN is not set}"
srcdir=$(cd "$(dirname "$0")/.." && pwd)
pace=${SW_LESSON_PACE:-0.5}
fail=0
n=0
for f in "$srcdir"/data/lessons/*.lesson; do
    name=$(basename "$f" .lesson)
    n=$((n + 1))
    echo "== $name (pace $pace)"
    out=$("$SW_BIN" --headless --lesson "$f" --lesson-pace "$pace" 2>&1)
    rc=$?
    echo "$out"
    if echo "$out" | grep -q 'Sanitizer\|runtime error:'; then
        echo "FAIL: $name: a sanitizer report"
        fail=$((fail + 1))
        continue
    fi
    # Built with ASan/UBSan, memory and speed are the sanitizers', not the
    # models': the lesson must run to its end; its figures are judged in
    # the plain build.
    if [ $rc -eq 1 ] && [ "${SW_SANITIZERS:-0}" = 1 ] &&
        echo "$out" | grep -q "^lesson $name: "; then
        echo "PASS: $name (sanitizers: expectations shown, not judged)"
        continue
    fi
    if [ $rc -ne 0 ]; then
        echo "FAIL: $name: exit status $rc"
        fail=$((fail + 1))
        continue
    fi
    # A skipped expectation must say why.
    if echo "$out" | grep -q '^  - .*skipped: *$'; then
        echo "FAIL: $name: an expectation is skipped without a reason"
        fail=$((fail + 1))
        continue
    fi
    echo "PASS: $name"
done
echo "lessons: $n played, $fail failed"
[ $n -gt 0 ] && [ $fail -eq 0 ]
