#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
# Host tests of tools/sysgen: every description of system/ is accepted and its boot table
# compiles with init's types; output is deterministic; the golden description's boot
# table, service header and picture are exactly tests/sysgen/golden/*; malformed
# descriptions are refused with their line, and write nothing.
#
#   tests/sysgen/test-sysgen.sh <path-to-sysgen-binary> <workdir> <build-include-dir>
set -euo pipefail

if [ $# -ne 3 ]; then
    echo "usage: $0 <path-to-sysgen-binary> <workdir> <build-include-dir>" >&2
    exit 2
fi
SYSGEN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
WORK=$2
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
INC=$(cd "$3" && pwd) # kozo_abi.h
GOLDEN=$ROOT/tests/sysgen/golden
CC=${CC:-cc}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)

. "$ROOT/tests/checks.sh"

gen() { # SYS OUTDIR
    rm -rf "$2" && mkdir -p "$2" && "$SYSGEN" --in "$1" --boot "$2/boot_table.h" --headers "$2" --dot "$2/system.dot"
}

# compiles OUTDIR: init's boot.h types with the generated table, and every service header
compiles() {
    printf '#include "boot.h"\n#include <boot_table.h>\nconst void *use(void);\nconst void *use(void) { return boot_services; }\n' >"$WORK/use.c" &&
        "$CC" -std=c11 -Wall -Wextra -Werror -fsyntax-only -I"$1" -I"$ROOT/services/init" \
            -I"$ROOT/lib/libkozo/include" -I"$ROOT/lib/libkozo/arch/x86_64/include" -I"$INC" "$WORK/use.c" &&
        for h in "$1"/*/system.h; do "$CC" -std=c11 -Wall -Werror -fsyntax-only -x c "$h"; done
}

for sys in "$ROOT"/system/*.sys "$GOLDEN/example.sys"; do
    name=$(basename "$sys" .sys)
    check "$name: accepted" gen "$sys" "$WORK/$name"
    check "$name: boot table and headers compile" compiles "$WORK/$name"
    if gen "$sys" "$WORK/$name-again" && diff -r "$WORK/$name" "$WORK/$name-again" >/dev/null; then
        ok "$name: deterministic"
    else
        bad "$name: deterministic"
    fi
done

check "golden: example's boot table" diff -u "$GOLDEN/boot_table.h" "$WORK/example/boot_table.h"
check "golden: client's system.h" diff -u "$GOLDEN/client_system.h" "$WORK/example/client/system.h"
check "golden: example's picture" diff -u "$GOLDEN/system.dot" "$WORK/example/system.dot"

# refuses NAME MESSAGE-PART LINE...: a description with these lines (after a system line)
refuses() {
    local name=$1 want=$2
    shift 2
    printf '%s\n' 'system bad "x"' "$@" >"$WORK/bad.sys"
    rm -rf "$WORK/bad" && mkdir -p "$WORK/bad"
    if "$SYSGEN" --in "$WORK/bad.sys" --boot "$WORK/bad/boot_table.h" --headers "$WORK/bad" >"$WORK/bad.log" 2>&1; then
        bad "refuses $name (accepted)"
    elif grep -q "bad.sys:[0-9]*: .*$want" "$WORK/bad.log"; then
        ok "refuses $name"
    else
        bad "refuses $name (wrong message)"
        sed 's/^/    /' "$WORK/bad.log"
    fi
    [ -z "$(ls -A "$WORK/bad")" ] || bad "$name: wrote something"
}
svc() { printf '%s\n' "service $1 \"x\"" "  priority ${2:-10}" "  cnode 6" "  memory ${3:-16}" "  restart always" '  cap 1 EP endpoint "x"'; }
refuses "no endpoint" "exactly one" 'service a "x"' '  priority 10' '  cnode 6' '  memory 16' '  restart never' 'end'
refuses "a pager that is not there" "pager vm: no service vm" "$(svc a)" '  pager vm 12' 'end'
refuses "a pager declared after" "must be declared before a" "$(svc a 10 18)" '  pager b 12' 'end' "$(svc b)" 'end'
refuses "a pager with a pager" "it has a pager itself" "$(svc a 10 18)" 'end' "$(svc b 10 18)" '  pager a 12' 'end' "$(svc c 10 18)" '  pager b 12' 'end'
refuses "a pager's memory as big as the quota" "smaller than it" "$(svc a)" 'end' "$(svc b 10 18)" '  pager a 18' 'end'
refuses "a pager cap without a pager" "b has no pager" "$(svc b)" '  cap 2 P pager "x"' 'end'
refuses "two pagers" "has a pager already" "$(svc a)" 'end' "$(svc b 10 18)" '  pager a 12' '  pager a 12' 'end'
refuses "two endpoints" "exactly one" "$(svc a)" '  cap 2 EP2 endpoint "y"' 'end'
refuses "slot 0" "null slot" "$(svc a)" '  cap 0 Z copy DEBUG_CONSOLE "x"' 'end'
refuses "a slot outside the CNode" "outside a's CNode" "$(svc a)" '  cap 64 Z copy DEBUG_CONSOLE "x"' 'end'
refuses "a slot used twice" "slot 1 is already cap EP's" "$(svc a)" '  cap 1 Z copy DEBUG_CONSOLE "x"' 'end'
refuses "a range over a cap" "slots OWN: slot 1 is already cap EP's" "$(svc a)" '  slots OWN 1 9 "x"' 'end'
refuses "overlapping ranges" "slots B: slots 20..30 overlap slots A" "$(svc a)" '  slots A 10 20 "x"' '  slots B 20 30 "y"' 'end'
refuses "a cap name used twice" "already used" "$(svc a)" '  cap 2 EP copy DEBUG_CONSOLE "x"' 'end'
refuses "priority 255" "services run at 1..254" 'service a "x"' '  priority 255'
refuses "a call to a later service" "declared after" "$(svc a)" '  cap 2 B call b "x"' 'end' "$(svc b)" 'end'
refuses "a call to itself" "does not call itself" "$(svc a)" '  cap 2 A call a "x"' 'end'
refuses "a call to nobody" "no service nobody" "$(svc a)" '  cap 2 N call nobody "x"' 'end'
refuses "an unknown kind" "unknown kind 'magic'" "$(svc a)" '  cap 2 M magic "x"' 'end'
refuses "a missing end" "not terminated" "$(svc a)"
refuses "a service named init" "root task" 'service init "x"'
refuses "a service twice" "already declared" "$(svc a)" 'end' "$(svc a)" 'end'
refuses "a tiny Untyped" "2^12..2^47" "$(svc a)" '  cap 2 U untyped 4 "x"' 'end'
refuses "an Untyped as big as the quota" "smaller than it" "$(svc a 10 20)" '  cap 2 U untyped 20 "x"' 'end'
refuses "no quota" "no memory quota" 'service a "x"' '  priority 10' '  cnode 6' '  restart never' '  cap 1 EP endpoint "x"' 'end'
refuses "no restart policy" "no restart policy" 'service a "x"' '  priority 10' '  cnode 6' '  memory 16' '  cap 1 EP endpoint "x"' 'end'
refuses "an unknown restart policy" "expected always, on_failure N or never" "$(svc a)" '  restart sometimes' 'end'
refuses "quotas over the budget" "over the budget" 'budget 17' "$(svc a 10 17)" 'end' "$(svc b 10 17)" 'end'
refuses "an include from elsewhere" "same folder" 'include "../x.sys"'
refuses "ports given twice" "ports 0x3fc..0x3ff are also a's P" "$(svc a)" '  cap 2 P ioport 0x3f8 0x3ff "x"' 'end' "$(svc b)" '  cap 2 Q ioport 0x3fc 0x3ff "x"' 'end'
refuses "an IRQ given twice" "IRQ 4 is also a's I" "$(svc a)" '  cap 2 I irq 4 "x"' 'end' "$(svc b)" '  cap 3 J irq 4 "x"' 'end'
refuses "not a range of ports" "not a range of ports" "$(svc a)" '  cap 2 P ioport 0x3ff 0x3f8 "x"' 'end'

echo "sysgen: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
