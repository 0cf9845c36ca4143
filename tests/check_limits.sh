#!/bin/bash
# check_limits.sh — the man page's LIMITS tables, run row by row.
#
# The manual is the one list of every bad input and limit tried: each row
#   .It Li COMMAND Ta STATUS Ta Qq TEXT
# (or with the text on a following ".Qq TEXT" line) is run here as a bash
# command line, in a pseudo-terminal of 100x30 (script(1)), from the top of
# the source tree, with `schedwatch` being the binary under test ($SW_BIN).
# It must exit with STATUS and its output must hold TEXT. A row without a
# quoted text needs a check of its own below (check_special), or it fails:
# no row goes untested.
#
# Rows that run `sysctl` need root and a writable /proc/sys, and put the old
# value back; they are skipped, with the reason, where that is not so, and
# under sanitizers (ASan needs more mappings than the row leaves).
#
# The last line has Check's form ("N%: Checks: N, Failures: N, Errors: 0") so
# tests/summary.sh counts every row. Reproduce one row by hand from the top
# of the source tree: the command as the manual prints it.
set -u
: "${SW_BIN:?SW_BIN is not set}"
srcdir=$(cd "$(dirname "$0")/.." && pwd)
man="$srcdir/man/schedwatch.1"
cd "$srcdir" || exit 1

work=$(mktemp -d "${TMPDIR:-/tmp}/sw-limits-XXXXXX") || exit 1
saved_maps=""
cleanup() {
    [ -n "$saved_maps" ] && sysctl -qw vm.max_map_count="$saved_maps" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
mkdir "$work/bin"
ln -s "$SW_BIN" "$work/bin/schedwatch"
export PATH="$work/bin:$PATH"

unroff() {
    sed -e 's/\\-/-/g' -e "s/\\\\(aq/'/g" -e 's/\\(dq/"/g' -e 's/\\&//g' -e 's/\\e/\\/g'
}

# The rows: COMMAND <TAB> STATUS <TAB> TEXT, from the LIMITS section only.
rows=$(awk '
    /^\.Sh / { in_lim = ($2 == "LIMITS") }
    !in_lim { next }
    /^\.It Li / {
        if (cmd != "") print cmd "\t" st "\t" txt
        line = substr($0, 8)
        n = split(line, col, / Ta /)
        cmd = col[1]; st = col[2]; txt = col[3]
        if (txt ~ /^Qq /) txt = substr(txt, 4); else txt = ""
        next
    }
    /^\.Qq / && cmd != "" && txt == "" { txt = substr($0, 5); next }
    /^\.(It|El)/ { if (cmd != "") print cmd "\t" st "\t" txt; cmd = "" }
    END { if (cmd != "") print cmd "\t" st "\t" txt }
' "$man" | unroff)

# A row without quoted text: what it must do instead. Returns 0 if it holds.
check_special() {
    local cmd=$1 out=$2
    case "$cmd" in
    "LC_ALL=C schedwatch -d 2s")
        # A screen was drawn (the header's first core) in bytes below 0x80.
        printf '%s' "$out" | grep -q 'cpu0' || { echo "no screen drawn"; return 1; }
        local high
        high=$(printf '%s' "$out" | LC_ALL=C tr -d '\000-\177' | wc -c)
        [ "$high" -eq 0 ] || { echo "$high bytes above 0x7f on a C-locale screen"; return 1; }
        return 0 ;;
    esac
    echo "no quoted text and no check of its own in check_limits.sh"
    return 1
}

# Why a row cannot run here, or nothing.
skip_reason() {
    local cmd=$1
    case "$cmd" in
    *sysctl*)
        [ "$(id -u)" -eq 0 ] || { echo "needs root"; return; }
        [ -w /proc/sys/vm/max_map_count ] || { echo "/proc/sys is read-only here"; return; }
        [ "${SW_SANITIZERS:-0}" = 1 ] && { echo "sanitizer build"; return; } ;;
    *"--data-size 16G"*)
        local kb
        kb=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
        [ -n "$kb" ] && [ "$kb" -gt $((32 * 1024 * 1024)) ] &&
            echo "half of MemAvailable is above 16 GiB here" ;;
    esac
}

n=0 failed=0 skipped=0
while IFS="$(printf '\t')" read -r cmd want text; do
    [ -n "$cmd" ] || continue
    n=$((n + 1))
    why=$(skip_reason "$cmd")
    if [ -n "$why" ]; then
        echo "SKIP: $cmd: $why"
        skipped=$((skipped + 1))
        continue
    fi
    case "$cmd" in
    *sysctl*) saved_maps=$(cat /proc/sys/vm/max_map_count) ;;
    esac
    # The pty starts at 100x30; a row may resize it (stty) itself.
    raw=$(SW_ROW="stty cols 100 rows 30 2>/dev/null; $cmd" timeout 60 \
          script -qec 'bash -o pipefail -c "$SW_ROW"' /dev/null < /dev/null 2>&1)
    got=$?
    if [ -n "$saved_maps" ]; then
        sysctl -qw vm.max_map_count="$saved_maps"
        saved_maps=""
    fi
    # The screen's text without its escape sequences, on one line.
    # A cursor move stands for the blanks or line break it skips: a message
    # wrapped on a narrow screen reads as one line, words one space apart.
    out=$(printf '%s' "$raw" | sed -e 's/\x1b\[[0-9;]*[ABCDGHdf]/ /g' \
          -e 's/\x1b\[[0-9;?]*[a-zA-Z]//g' -e 's/\x1b[()][0-9A-Za-z]//g' -e 's/\x1b[=>]//g' |
          tr '\r\n' '  ' | tr -s ' ')
    problem=""
    if [ "$got" != "$want" ]; then
        problem="exit status $got, not $want"
    elif [ -n "$text" ]; then
        case "$out" in
        *"$text"*) ;;
        *) problem="output lacks \"$text\"" ;;
        esac
    else
        problem=$(check_special "$cmd" "$out") && problem=""
    fi
    if [ -n "$problem" ]; then
        echo "FAIL: $cmd: $problem"
        echo "  output: $(printf '%s' "$out" | cut -c1-600)"
        failed=$((failed + 1))
    else
        echo "PASS: $cmd (exit $got)"
    fi
done <<EOF
$rows
EOF

[ $n -ge 40 ] || { echo "FAIL: only $n rows read from $man"; failed=$((failed + 1)); }
pct=$(( n > 0 ? (n - failed) * 100 / n : 0 ))
echo "limits: $n rows, $failed failed, $skipped skipped"
echo "$pct%: Checks: $n, Failures: $failed, Errors: 0"
[ $failed -eq 0 ]
