#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
#
# End-to-end test of the crash channel: a test-build kernel is made to panic on purpose
# (init's `crash` command, the seed's example "Capability violation at 0xdeadbeef by user
# 'alice'"), the crash record arrives on COM2, and scripts/crash-report.sh turns it into an
# anonymised report. The same bug with another address and user must give the same
# Crash-ID; a different bug a different one; no report may contain the raw values.
#
# Usage: tests/boot/crash-test.sh TEST_IMAGE OUTDIR
# Prints PASS/FAIL lines and "crash-report: N passed, M failed"; exit 1 on failure.
set -euo pipefail
img=$1 out=$2
here=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
pass=0 fail=0
check() { # check NAME CONDITION-STATUS
    if [[ $2 == 0 ]]; then echo "PASS: $1"; pass=$((pass + 1)); else echo "FAIL: $1"; fail=$((fail + 1)); fi
}

# crash NAME COMMAND EXPECTED-PANIC-REGEX: boot, type COMMAND, collect the report.
crash() {
    local name=$1 cmd=$2 want=$3
    printf 'expect Init> $\nsend %s\nname %s panics\nexpect KOZO KERNEL PANIC: %s\nexpect system halted\n' \
        "$cmd" "$name" "$want" >"$out/$name.checks"
    local ok=0
    BUILD=$out "$here/scripts/integration-test.sh" --timeout 90 --suite "crash-$name" \
        --junit "$out/crash-$name.xml" "$img" "$out/$name.checks" >"$out/$name.out" 2>&1 || ok=$?
    check "$name: kernel panics with the expected message" "$ok"
    ((ok == 0)) || cat "$out/$name.out"
    local log="$out/crash-$name.panic.log" size=0
    [[ -f $log ]] && size=$(wc -c <"$log")
    check "$name: crash record on COM2, at most 4 KiB ($size bytes)" "$(((size > 0 && size <= 4096) ? 0 : 1))"
    "$here/scripts/crash-report.sh" "$log" "$out/$name.report" >/dev/null 2>&1 || true
    grep -q '^Crash-ID: [0-9a-f]\{16\} | Build-ID: [0-9A-Za-z.-]*$' "$out/$name.report" 2>/dev/null
    check "$name: report has a Crash-ID and a Build-ID" $?
}

id_of() { sed -n 's/^Crash-ID: \([0-9a-f]*\) .*/\1/p' "$out/$1.report" 2>/dev/null; }
absent() { ! grep -qiF -- "$2" "$out/$1.report" 2>/dev/null && [[ -f $out/$1.report ]]; }

crash alice "crash 0xdeadbeef alice" "Capability violation at 0xdeadbeef by user 'alice'"
crash bob "crash 0x1badc0de bob" "Capability violation at 0x1badc0de by user 'bob'"
crash fault "crash-fault 0x10" "page fault in kernel mode"
# SMAP and SMEP (scripts/qemu.sh's CPU model has both): the kernel touching init's own
# mapped code page, by a read and by a jump, must fault; without them both would work.
# The error codes say why: 0x1, a read of a present page; 0x11, an instruction fetch of one.
crash smap "crash-fault 0x400000" "page fault in kernel mode at 0x[0-9a-f]+ \\(error 0x1\\)"
crash smep "crash-exec 0x400000" "page fault in kernel mode at 0x400000 \\(error 0x11\\)"

absent alice deadbeef && absent alice alice
check "the report holds neither the raw address nor the user name" $?
absent bob 1badc0de && absent bob bob
check "the second report holds neither its address nor its user" $?
[[ -n $(id_of alice) && $(id_of alice) == "$(id_of bob)" ]]
check "same bug, other address and user: same Crash-ID ($(id_of alice))" $?
[[ -n $(id_of fault) && $(id_of fault) != "$(id_of alice)" ]]
check "a different bug gets a different Crash-ID ($(id_of fault))" $?
cp "$out/alice.report" "$out/crash-report.txt" 2>/dev/null || true

echo "crash-report: $pass passed, $fail failed"
((fail == 0))
