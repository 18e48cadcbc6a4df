#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
#
# End-to-end test of the crash channel: a test-build kernel is made to panic on purpose
# (init's `crash` command, the seed's example "Capability violation at 0xdeadbeef by user
# 'alice'"), the crash record arrives on COM2, and scripts/crash-report.sh turns it into an
# anonymised report. The same bug with another address and user must give the same
# Crash-ID; a different bug a different one; no report may contain the raw values.
# The same commands prove the kernel image W^X: writing kernel code (at its own address and
# through the physical window), writing its read-only data (the system-call table) and
# running its data must each end in a kernel page fault. DEBUG_PANIC needs the debug
# console cap: asked without it, the kernel refuses and runs on.
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

# crash NAME COMMAND EXPECTED-PANIC-REGEX [REGISTERS-REGEX]: boot, type COMMAND, collect the
# report. REGISTERS-REGEX, if given, must match the fault registers the console shows.
crash() {
    local name=$1 cmd=$2 want=$3 regs=${4:-}
    printf 'expect Init> $\nsend %s\nname %s panics\nexpect KOZO KERNEL PANIC: %s\n' "$cmd" "$name" "$want" \
        >"$out/$name.checks"
    [[ -z $regs ]] || printf 'name %s: fault registers\nexpect %s\n' "$name" "$regs" >>"$out/$name.checks"
    printf 'expect system halted\n' >>"$out/$name.checks"
    local ok=0
    BUILD=$out "$here/scripts/integration-test.sh" --timeout 90 --suite "crash-$name" \
        --junit "$out/crash-$name.xml" "$img" "$out/$name.checks" >"$out/$name.out" 2>&1 || ok=$?
    check "$name: kernel panics with the expected message" "$ok"
    ((ok == 0)) || cat "$out/$name.out"
    local log="$out/crash-$name.panic.log" size=0
    [[ -f $log ]] && size=$(wc -c <"$log")
    check "$name: crash record on COM2, at most 4 KiB ($size bytes)" "$(((size > 0 && size <= 4096) ? 0 : 1))"
    "$here/scripts/crash-report.sh" "$log" "$out/$name.report" >/dev/null 2>&1 || true
    local rc=0 # (set -e: a missing report must fail this check, not end the script)
    grep -q '^Crash-ID: [0-9a-f]\{16\} | Build-ID: [0-9A-Za-z.-]*$' "$out/$name.report" 2>/dev/null || rc=$?
    check "$name: report has a Crash-ID and a Build-ID" $rc
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

# W^X, at addresses of the test kernel's own symbols. Error 0x3: a write to a present page
# (read-only); 0x11: an instruction fetch from a present page (NX).
sym() { nm "$(dirname "$img")/kozo-kernel-x86_64.debug" | awk -v s="$1" '$3 == s { print "0x" $1 }'; }
text=$(sym kernel_main) rodata=$(sym syscall_table) data=$(sym cpu0)
alias=$(printf '0x%x' $((0xffff800000000000 + text - 0xffffffff80000000))) # the physical window
crash wtext "crash-write $text" "page fault in kernel mode at 0x[0-9a-f]+ \\(error 0x3\\)" "cr2 $text"
crash walias "crash-write $alias" "page fault in kernel mode at 0x[0-9a-f]+ \\(error 0x3\\)" "cr2 $alias"
crash wrodata "crash-write $rodata" "page fault in kernel mode at 0x[0-9a-f]+ \\(error 0x3\\)" "cr2 $rodata"
crash xdata "crash-exec $data" "page fault in kernel mode at $data \\(error 0x11\\)"

# Without the cap: refused, no panic, the prompt comes back.
printf 'expect Init> $\nsend crash-nocap 0xdeadbeef alice\nname DEBUG_PANIC without the cap is refused\nexpect crash: the kernel refused: INVALID_HANDLE\nexpect Init> $\nexpect_not KERNEL PANIC\n' \
    >"$out/nocap.checks"
ok=0
BUILD=$out "$here/scripts/integration-test.sh" --timeout 90 --suite crash-nocap --junit "$out/crash-nocap.xml" \
    "$img" "$out/nocap.checks" >"$out/nocap.out" 2>&1 || ok=$?
check "nocap: DEBUG_PANIC without the debug console cap is refused" "$ok"
((ok == 0)) || cat "$out/nocap.out"

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
