#!/bin/sh
# observer.sh [SCHEDWATCH] — the observer effect: does sampling at 10 Hz slow
# the models down? Runs each model alone (headless, cpu workload, every core)
# for 21 s with sampling at 10 Hz, and with sampling nearly off (one sample
# every 10 s, the slowest interval), alternating; both are measured over the
# same window, from the sample nearest 10 s to the one nearest 20 s, with the
# host's own count of work units. Needs python3 to read the JSON.
# Reproduce: sh tests/bench/observer.sh ./schedwatch
set -eu
bin=${1:-./schedwatch}
rounds=${ROUNDS:-3}
models=${MODELS:-procs threads loop}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

rate() { # model interval -> units/s between t=10 s and t=20 s
    "$bin" --headless -d 21s --models "$1" --mode shared -i "$2" --json "$tmp/r.json" >/dev/null
    python3 - "$tmp/r.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s = d["samples"]
def near(t):
    return min(s, key=lambda x: abs(x["t_s"] - t))
a, b = near(10), near(20)
ua, ub = a["models"][0]["units"], b["models"][0]["units"]
print("%.1f" % ((ub - ua) / (b["t_s"] - a["t_s"])))
PY
}

echo "observer effect: cpu workload, each model alone on every core, $rounds rounds"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for m in $models; do
    on=0; off=0
    for r in $(seq "$rounds"); do
        a=$(rate "$m" 100ms); b=$(rate "$m" 10s)
        echo "  $m round $r: sampled at 10 Hz $a units/s, at 0.1 Hz $b units/s"
        on=$(echo "$on + $a" | bc -l); off=$(echo "$off + $b" | bc -l)
    done
    printf 'bench observer %s: 10Hz %.1f units/s, off %.1f units/s, difference %.2f%%\n' "$m" \
        "$(echo "$on / $rounds" | bc -l)" "$(echo "$off / $rounds" | bc -l)" \
        "$(echo "100 * ($off - $on) / $off" | bc -l)"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "reproduce: sh tests/bench/observer.sh $bin"
