#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
#
# Boot the ktest image headless, then turn its KTEST lines into JUnit XML and a summary.
#
# Usage: tests/ktest/run.sh IMAGE OUTDIR [SUITE]
#   Console log: OUTDIR/ktest-boot.log; JUnit: $BUILD/junit-SUITE.xml (SUITE default
#   ktest; merged by scripts/run-tests.sh). Prints "ktest: N passed, M failed" last; exit 1 on any failure.
# Environment: KTEST_TIMEOUT  seconds for the whole boot (default 240)
set -uo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
root=$(cd -- "$here/../.." && pwd)
(($# == 2 || $# == 3)) || { echo "usage: $0 IMAGE OUTDIR [SUITE]" >&2; exit 2; }
img=$1 out=$2 name=${3:-ktest}
build=${BUILD:-build}
mkdir -p -- "$out"

start=$(date +%s)
boot_rc=0
BUILD=$out "$root/scripts/integration-test.sh" --timeout "${KTEST_TIMEOUT:-240}" --suite ktest-boot \
    --junit "$out/junit-ktest-boot.xml" "$img" "$here/ktest.checks" || boot_rc=$?
echo "ktest: boot took $(($(date +%s) - start)) s"

parse_rc=0
"$here/parse-results.sh" "$out/ktest-boot.log" "$build/junit-$name.xml" "$name" || parse_rc=$?
((boot_rc == 0 && parse_rc == 0))
