#!/bin/sh
# ctx_aarch64.sh — checks src/gort/ctx-aarch64.S on an x86-64 machine: builds
# tests/gort/ctx_aarch64.c with the cross compiler and runs it under qemu-user
# (a million switches; callee-saved x19/x28/d8/d15 kept; entry sp aligned).
# Needs: apt-get install gcc-aarch64-linux-gnu qemu-user
# Reproduce: sh tests/gort/ctx_aarch64.sh
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
if ! command -v aarch64-linux-gnu-gcc >/dev/null || ! command -v qemu-aarch64 >/dev/null; then
    echo "ctx_aarch64: needs gcc-aarch64-linux-gnu and qemu-user; skipped"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for opt in -O0 -O2; do
    aarch64-linux-gnu-gcc $opt -static -o "$tmp/t" "$top/tests/gort/ctx_aarch64.c" \
        "$top/src/gort/ctx-aarch64.S"
    printf '%s: ' "$opt"
    qemu-aarch64 "$tmp/t"
done
