#!/bin/sh
# setup.sh — the two commands of the README.
#
#   ./setup.sh [schedwatch options]   install what is missing, build, launch the TUI
#   ./setup.sh test                   install what is missing, build, run every test
#
# It installs Debian/Ubuntu packages with apt-get (as root, or through sudo);
# where neither works it prints the exact apt-get line and stops.
set -eu

cd "$(dirname "$0")"

mode=run
if [ "${1:-}" = test ]; then
    mode=test
    shift
fi

# Packages the build needs, then those only the tests need.
build_pkgs="gcc make pkg-config autoconf automake libc6-dev libncurses-dev libuv1-dev"
test_pkgs="check libvterm-dev mandoc procps"
pkgs=$build_pkgs
[ "$mode" = test ] && pkgs="$pkgs $test_pkgs"

missing=""
for p in $pkgs; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing="$missing $p"
    fi
done

if [ -n "$missing" ]; then
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "setup.sh: missing packages:$missing" >&2
        echo "setup.sh: this is not a Debian or Ubuntu system; install their equivalents and rerun" >&2
        exit 1
    fi
    if [ "$(id -u)" -eq 0 ]; then
        sudo=""
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo="sudo"
    elif command -v sudo >/dev/null 2>&1 && [ -t 0 ]; then
        sudo="sudo"
    else
        echo "setup.sh: these packages are missing:$missing" >&2
        echo "setup.sh: install them as root, then rerun ./setup.sh:" >&2
        echo "    apt-get update && apt-get install -y$missing" >&2
        exit 1
    fi
    echo "setup.sh: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq || true
    $sudo apt-get install -y -qq --no-install-recommends $missing
fi

jobs=$(nproc 2>/dev/null || echo 2)
conf_args=""
[ "$mode" = test ] && conf_args="--enable-werror"

if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt configure ]; then
    echo "setup.sh: generating configure"
    autoreconf -fi
fi
if [ ! -f Makefile ] || [ "$(cat .setup-conf 2>/dev/null)" != "$conf_args" ]; then
    ./configure $conf_args
    echo "$conf_args" > .setup-conf
fi
make -j"$jobs"

if [ "$mode" = test ]; then
    status=0
    make -j"$jobs" check || status=$?
    sh tests/summary.sh . || true
    exit $status
fi

if [ ! -t 1 ]; then
    echo "setup.sh: built ./schedwatch; run it in a terminal (or: ./schedwatch --headless -d 10s)"
    exit 0
fi
exec ./schedwatch "$@"
