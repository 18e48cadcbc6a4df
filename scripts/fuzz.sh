#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
#
# fuzz.sh - run the libFuzzer targets built by tests/fuzz/fuzz.mk.
#
# Usage: scripts/fuzz.sh run|smoke SECONDS TARGET...
#   run    fuzz each target for SECONDS, growing a corpus in $BUILD/fuzz/corpus/<target>
#          (seeded from tests/fuzz/corpus/<target>)
#   smoke  first replay every committed regression input, then fuzz each target SECONDS
# A crash leaves its input in $BUILD/fuzz/crashes/<target>/; copy it to
# tests/fuzz/regressions/<target>/ and commit it once fixed.
# Prints PASS/FAIL per target and "fuzz: N passed, M failed"; exit 1 on any failure.
set -uo pipefail
mode=$1 seconds=$2
shift 2
build=${BUILD:-build}
pass=0 fail=0
for t in "$@"; do
    bin=$build/fuzz/fuzz_$t
    corpus=$build/fuzz/corpus/$t crashes=$build/fuzz/crashes/$t
    mkdir -p "$corpus" "$crashes"
    if [[ $mode == smoke ]]; then
        regs=(tests/fuzz/regressions/"$t"/*)
        if [[ -e ${regs[0]} ]]; then
            if "$bin" "${regs[@]}" >"$build/fuzz/$t.replay.log" 2>&1; then
                echo "PASS: $t: ${#regs[@]} regression inputs replayed"
                pass=$((pass + 1))
            else
                echo "FAIL: $t: a regression input crashes again"
                tail -n 30 "$build/fuzz/$t.replay.log"
                fail=$((fail + 1))
            fi
        fi
    fi
    if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$crashes/" "$corpus" tests/fuzz/corpus/"$t" >"$build/fuzz/$t.log" 2>&1; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$build/fuzz/$t.log")
        echo "PASS: $t: ${runs:-?} inputs in ${seconds}s, no crash"
        pass=$((pass + 1))
    else
        echo "FAIL: $t: crash (input in $crashes/)"
        grep -E 'ERROR|SUMMARY|runtime error' "$build/fuzz/$t.log" | head -n 10
        fail=$((fail + 1))
    fi
done
echo "fuzz: $pass passed, $fail failed"
((fail == 0))
