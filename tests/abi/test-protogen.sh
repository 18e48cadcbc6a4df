#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
# Host tests of tools/abigen's protocol mode (abi/proto/*.proto): the generated headers
# compile (client stubs and server dispatch, several words in registers and in the IPC
# buffer), generation is deterministic, the golden protocol's header and page are exactly
# tests/abi/golden/example.{h,md}, a change to a protocol changes its stubs and its
# fingerprint, docs/proto/ holds the current page of every protocol, and malformed .proto
# files are refused with a line number.
#
#   tests/abi/test-protogen.sh <path-to-abigen-binary> <workdir> <build-include-dir>
set -euo pipefail

if [ $# -ne 3 ]; then
    echo "usage: $0 <path-to-abigen-binary> <workdir> <build-include-dir>" >&2
    exit 2
fi
ABIGEN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
WORK=$2
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
INC=$(cd "$3" && pwd) # kozo_abi.h
GOLDEN=$ROOT/tests/abi/golden
CC=${CC:-cc}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)

. "$ROOT/tests/checks.sh"

# gen PROTO OUTDIR: OUTDIR/proto/<name>.h and OUTDIR/<name>.md, as the Makefile makes them
gen() {
    local name
    name=$(basename "$1" .proto)
    mkdir -p "$2/proto" &&
        "$ABIGEN" --proto "$1" --fingerprint "$(b3sum --no-names "$1" | cut -c1-16)" \
            --c "$2/proto/$name.h" --md "$2/$name.md"
}

# compiles OUTDIR NAME: a client and a server of the protocol compile with the service flags
compiles() {
    printf '#include <proto/%s.h>\nvoid use(void);\nvoid use(void) { (void)%s_dispatch; }\n' "$2" "$2" >"$1/use.c" &&
        "$CC" -std=c11 -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes -Wundef -fsyntax-only \
            -I"$1" -I"$ROOT/lib/libsvc/include" -I"$ROOT/lib/libkozo/include" \
            -I"$ROOT/lib/libkozo/arch/x86_64/include" -I"$INC" "$1/use.c"
}

# Every protocol of the tree, and the golden one.
for p in "$ROOT"/abi/proto/*.proto "$GOLDEN/example.proto"; do
    name=$(basename "$p" .proto)
    out=$WORK/gen-$name
    check "$name: generates" gen "$p" "$out"
    check "$name: header compiles (stubs and dispatch)" compiles "$out" "$name"
    if gen "$p" "$WORK/again-$name" && cmp -s "$out/proto/$name.h" "$WORK/again-$name/proto/$name.h" &&
        cmp -s "$out/$name.md" "$WORK/again-$name/$name.md"; then
        ok "$name: deterministic"
    else
        bad "$name: deterministic"
    fi
done

# The golden files: what the generator writes, reviewed.
check "golden: example.h is what abigen writes" diff -u "$GOLDEN/example.h" "$WORK/gen-example/proto/example.h"
check "golden: example.md is what abigen writes" diff -u "$GOLDEN/example.md" "$WORK/gen-example/example.md"

# docs/proto/ is current (make proto-docs rewrites it).
for p in "$ROOT"/abi/proto/*.proto; do
    name=$(basename "$p" .proto)
    check "docs/proto/$name.md is current (make proto-docs)" diff -u "$ROOT/docs/proto/$name.md" "$WORK/gen-$name/$name.md"
done

# A change to a protocol reaches its stubs and its fingerprint.
changed() {
    sed "$1" "$GOLDEN/example.proto" >"$WORK/changed/example.proto" &&
        gen "$WORK/changed/example.proto" "$WORK/changed/out" &&
        ! cmp -s "$WORK/gen-example/proto/example.h" "$WORK/changed/out/proto/example.h" &&
        grep -q "$2" "$WORK/changed/out/proto/example.h" &&
        fp_old=$(grep -o 'EXAMPLE_PROTO_FINGERPRINT_STR *"[0-9a-f]*"' "$WORK/gen-example/proto/example.h") &&
        fp_new=$(grep -o 'EXAMPLE_PROTO_FINGERPRINT_STR *"[0-9a-f]*"' "$WORK/changed/out/proto/example.h") &&
        [ "$fp_old" != "$fp_new" ]
}
mkdir -p "$WORK/changed"
check "change: a new label changes the stub and the fingerprint" \
    changed 's/^method DROP 3/method DROP 7/' '#define EXAMPLE_DROP  *7 '
check "change: a new argument changes the stub's signature and the fingerprint" \
    changed 's/^method DROP 3 (key)/method DROP 3 (key, flags)/' 'example_drop(kozo_handle_t ep, uint64_t key, uint64_t flags,'
check "change: a new status reaches the method's list and the fingerprint" \
    changed 's/\[NOT_FOUND\]  "Forget key"/[NOT_FOUND, NO_SPACE] "Forget key"/' 'EXAMPLE_DROP_STATUSES  *0x1bULL'

# Malformed protocols: refused, naming the line.
refuses() { # NAME EXPECTED-MESSAGE-PART then the file's lines
    local name=$1 want=$2
    shift 2
    printf '%s\n' "$@" >"$WORK/bad.proto"
    if "$ABIGEN" --proto "$WORK/bad.proto" --fingerprint 0123456789abcdef --c "$WORK/bad.h" >"$WORK/bad.log" 2>&1; then
        bad "refuses $name (accepted)"
    elif grep -q "bad.proto:[0-9]*: .*$want" "$WORK/bad.log" || grep -q "$want" "$WORK/bad.log"; then
        ok "refuses $name"
    else
        bad "refuses $name (wrong message)"
        sed 's/^/    /' "$WORK/bad.log"
    fi
    [ ! -e "$WORK/bad.h" ] || { bad "$name: left a header behind"; rm -f "$WORK/bad.h"; }
}
refuses "no protocol line" "first declaration must be 'protocol" 'method A 1 () -> () [] "x"'
refuses "two protocols" "second 'protocol'" 'protocol a "x"' 'protocol b "y"'
refuses "no methods" "has no methods" 'protocol a "x"'
refuses "a duplicate label" "label 1 is already A" 'protocol a "x"' 'method A 1 () -> () [] "x"' 'method B 1 () -> () [] "y"'
refuses "label 0" "label 0 is not in" 'protocol a "x"' 'method A 0 () -> () [] "x"'
refuses "a reserved status number" "statuses are 3..63" 'protocol a "x"' 'status GONE 1 "x"' 'method A 1 () -> () [] "x"'
refuses "a reserved status name" "is reserved" 'protocol a "x"' 'status OK 5 "x"' 'method A 1 () -> () [] "x"'
refuses "an unknown status" "unknown status 'GONE'" 'protocol a "x"' 'method A 1 () -> () [GONE] "x"'
refuses "a missing status list" "status list" 'protocol a "x"' 'method A 1 () -> () "x"'
refuses "a stub's own name as an argument" "reserved for the stubs" 'protocol a "x"' 'method A 1 (status) -> () [] "x"'
refuses "a duplicate name" "already used" 'protocol a "x"' 'const A 1 "x"' 'method A 1 () -> () [] "x"'
refuses "a kernel keyword" "unknown keyword 'object'" 'protocol a "x"' 'object A 1 0 "x"'

echo "protogen: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
