#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
#
# The fast path's guard against regressions: boot the bench image under icount (exact
# instruction counts) and compare the figures named in bench/baseline.txt; one more than
# 5% over its baseline fails. A figure well under its baseline is reported, so that the
# baseline can be lowered.
#
# Usage: tests/bench/check-baseline.sh IMAGE OUTDIR
# Prints PASS/FAIL per figure and "bench-baseline: N passed, M failed" last.
set -uo pipefail
here=$(cd -- "$(dirname -- "$0")" && pwd)
root=$(cd -- "$here/../.." && pwd)
(($# == 2)) || { echo "usage: $0 IMAGE OUTDIR" >&2; exit 2; }
img=$1 out=$2
baseline=$root/bench/baseline.txt

if ! "$root/scripts/bench.sh" --no-linux --no-wallclock "$img" "$out" >"$out.table" 2>&1; then
    cat "$out.table" >&2
    echo "bench-baseline: 0 passed, 1 failed"
    exit 1
fi
pass=0 fail=0
while read -r name base; do
    [[ -z $name || $name == \#* ]] && continue
    got=$(awk -v n="$name" '$1 == n { print $2 }' "$out/kozo-icount.txt")
    if [[ -z $got ]]; then
        echo "FAIL: $name: not measured"
        fail=$((fail + 1))
    elif ((got * 100 > base * 105)); then
        echo "FAIL: $name: $got instructions, more than 5% over the baseline $base"
        fail=$((fail + 1))
    else
        note=""
        ((got * 100 < base * 95)) && note=" (well under: lower the baseline in bench/baseline.txt)"
        echo "PASS: $name: $got instructions (baseline $base)$note"
        pass=$((pass + 1))
    fi
done <"$baseline"
echo "bench-baseline: $pass passed, $fail failed"
((fail == 0))
