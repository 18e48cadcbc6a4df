#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
# Self-test of scripts/lint.sh: a small clean tree passes, and each rule fails on one
# deliberately bad file (and only that rule fails). Each case is a fresh git tree in
# <workdir>/<case>, with this repository's .clang-format; lint.sh checks it with --root.
#
#   tests/lint/test-lint.sh <workdir>
set -uo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 <workdir>" >&2
    exit 2
fi
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LINT=$ROOT/scripts/lint.sh
mkdir -p "$1"
WORK=$(cd "$1" && pwd)

pass=0
fail=0
ok()  { echo "PASS: $1"; pass=$((pass + 1)); }
bad() { echo "FAIL: $1"; fail=$((fail + 1)); }

# put FILE: write stdin to FILE in the current case's tree.
put() { mkdir -p "$T/$(dirname "$1")" && cat >"$T/$1"; }

# A function in the house style, with LINE as its body (clang-format leaves it alone).
fn() {
    printf '// SPDX-License-Identifier: MIT OR Apache-2.0\n// A lint fixture.\nint\nf(int t)\n{\n    %s\n}\n' "$1"
}

# new_case NAME: a fresh tree holding only what every case shares, which is clean: arch
# names in arch folders, a comment that names x86, a service's port numbers, an include
# inside its own service, and a 650-line file (a warning, not a failure).
new_case() {
    T=$WORK/$1
    rm -rf "$T"
    mkdir -p "$T"
    cp "$ROOT/.clang-format" "$T/"
    fn 'return t; // x86 (like any arch) keeps this in arch_ctx_ip()' | put kernel/core/ok.c
    fn 'return t + rax + cr3;' | put kernel/arch/x86_64/regs.c
    printf '#ifdef __x86_64__\n#define ARCH_NAME 1\n#endif\n' | put lib/libkozo/arch/x86_64/arch.h
    printf 'object PDPT 10 12 "x86_64: the level above page directories"\n' | put abi/arch/x86_64.abi
    printf 'const USER_TOP 0x800000000000 "the top of user space"\n' | put abi/kernel.abi
    fn 'return t == KOZO_OBJ_IOPORT; // a driver of a port-mapped device' | put services/uart/main.c
    printf '#include "../regs.h"\n' | put services/uart/sub/x.h
    printf '#define UART_REG 0\n' | put services/uart/regs.h
    { fn 'return t;'; for _ in $(seq 643); do echo '// padding'; done; } | put tests/long.c
    mkdir -p "$T/scripts"
    : >"$T/scripts/lint.allow"
}

# lint [ARGS...]: run lint.sh on the current case's tree; output in $T.out.
lint() {
    git -C "$T" init -q && git -C "$T" add -A && "$LINT" --root "$T" "$@" >"$T.out" 2>&1
}

# expect_fail NAME RULE [LINT ARGS...]: lint fails, RULE is the one rule that fails.
expect_fail() {
    local name=$1 rule=$2
    shift 2
    if lint "$@"; then
        bad "$name: lint passed"
    elif ! grep -q "^FAIL lint: $rule" "$T.out"; then
        bad "$name: rule $rule did not fail"
    elif ! grep -q ' 1 failed$' "$T.out"; then
        bad "$name: another rule failed too"
    else
        # The detail: the first line under the FAIL line, or the FAIL line itself (never the
        # total, which run-tests.sh would add up).
        local detail
        detail=$(grep -A1 "^FAIL lint: $rule" "$T.out" | sed -n '2s/^    //p')
        ok "$name: ${detail:-$(grep "^FAIL lint: $rule" "$T.out" | sed 's/^FAIL lint: //')}"
        return
    fi
    sed 's/^/    /' "$T.out"
}

expect_pass() {
    local name=$1
    shift
    if lint "$@"; then
        ok "$name"
    else
        bad "$name"
        sed 's/^/    /' "$T.out"
    fi
}

# ---- The clean tree -------------------------------------------------------------------------
new_case clean
expect_pass "a clean tree passes, formatting included"
grep -q '^WARN lint: size: over 600' "$T.out" && grep -q 'tests/long.c: 650 lines' "$T.out" &&
    ok "a file over 600 lines is a warning" || bad "a file over 600 lines is a warning"

# ---- One bad file per rule --------------------------------------------------------------------
new_case paging-level
fn 'return t == KOZO_OBJ_PDPT;' | put kernel/object/x.c
expect_fail "a paging level in kernel/object" arch-name --no-format

new_case register
fn 'return t + ctx.rax;' | put lib/libfoo/x.c
expect_fail "a register in lib/" arch-name --no-format

new_case arch-in-service
fn 'return t == KOZO_ARCH_X86_64;' | put services/fsd/x.c
expect_fail "an architecture name in a service" arch-name --no-format

new_case ioport-in-kernel
fn 'return t == KOZO_OBJ_IOPORT;' | put kernel/core/x.c
expect_fail "an x86 I/O-port type in the portable kernel" arch-name --no-format

new_case abi
printf '# on x86 the page directory is one level down\n' | put abi/kernel.abi
expect_fail "an arch name in the portable ABI file" arch-name --no-format

new_case arch-if
printf '#if CONFIG_ARCH_ARM\n#define X 1\n#endif\n' | put lib/common/x.h
expect_fail "#if on the architecture in lib/" arch-if --no-format

new_case asm
printf '.globl _start\n_start:\n    hlt\n' | put lib/libfoo/start.S
expect_fail "assembly outside an arch folder" arch-asm --no-format

new_case cross-service
printf '#include "../uart/regs.h"\n' | put services/fsd/main.c
expect_fail "#include \"../\" into another service" include-up --no-format

new_case lib-up
printf '#include "../../services/uart/regs.h"\n' | put lib/libfoo/x.c
expect_fail "#include from lib/ into services/" include-up --no-format

new_case arg-index
fn 'return inv->args[3];' | put kernel/object/x.c
expect_fail "a kernel argument read by position" arg-index --no-format

new_case arg-index-a
fn 'return (int)a[0] + t;' | put kernel/arch/x86_64/x.c
expect_fail "a[N] in an arch decoder" arg-index --no-format

new_case decode-const
printf 'struct invocation;\nint decode_foo_bar(struct invocation *inv);\n' | put kernel/object/x.h
expect_fail "a decoder that may change its invocation" decode-const --no-format
printf 'struct invocation;\nint decode_foo_bar(const struct invocation *inv);\n' | put kernel/object/x.h
expect_pass "a decoder with a const invocation" --no-format

new_case size
{ fn 'return t;'; for _ in $(seq 794); do echo '// padding'; done; } | put tests/big.c
expect_fail "a file over 800 lines" size --no-format

new_case format
printf 'int f(int t) {return t;}\n' | put kernel/core/bad.c
expect_fail "a file clang-format would change" format

# ---- The allowlist is a ratchet ---------------------------------------------------------------
new_case allowed
fn 'return t == KOZO_OBJ_PDPT;' | put kernel/object/x.c
printf '# a known offender\narch-name kernel/object/x.c: return t == KOZO_OBJ_PDPT;\n' >"$T/scripts/lint.allow"
expect_pass "an allowlisted offence passes" --no-format

new_case stale
printf 'arch-name kernel/object/x.c: return t == KOZO_OBJ_PDPT;\n' >"$T/scripts/lint.allow"
expect_fail "an allowlist entry that matches nothing fails" arch-name --no-format

new_case twice
fn 'return t == KOZO_OBJ_PDPT || t == KOZO_OBJ_PDPT;' | put kernel/object/x.c
fn 'return t == KOZO_OBJ_PDPT;' | put kernel/object/y.c
printf 'arch-name kernel/object/x.c: return t == KOZO_OBJ_PDPT || t == KOZO_OBJ_PDPT;\n' >"$T/scripts/lint.allow"
expect_fail "an entry allows its own line, not another file's" arch-name --no-format

new_case unknown-rule
printf 'arch-names kernel/object/x.c: return t;\n' >"$T/scripts/lint.allow"
expect_fail "an allowlist entry for no rule fails" allowlist --no-format

echo "lint self-test: $pass passed, $fail failed"
((fail == 0))
