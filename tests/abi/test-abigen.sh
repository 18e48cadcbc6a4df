#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
# Host tests for tools/abigen: the generated C header and Rust module compile, generation is
# deterministic, one change in kernel.abi reaches both outputs and the fingerprint (lockstep),
# and malformed .abi files are rejected with a line number.
#
#   tests/abi/test-abigen.sh <path-to-abigen-binary> <workdir>
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 <path-to-abigen-binary> <workdir>" >&2
    exit 2
fi
ABIGEN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
WORK=$2
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ABI=$ROOT/abi/kernel.abi          # the portable part, read first
ARCH_ABI=$ROOT/abi/arch/x86_64.abi # then the architecture's
CC=${CC:-cc}
CFLAGS="-std=c11 -Wall -Wextra -Werror"
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)

. "$ROOT/tests/checks.sh"

# fingerprint FILE...: of the inputs concatenated in order, as the Makefile computes it
fingerprint() { cat "$@" | b3sum --no-names | cut -c1-16; }

# gen OUTDIR FILE...: generate OUTDIR/kozo_abi.h and OUTDIR/kozo_abi.rs from the inputs
gen() {
    local outdir=$1 ins=() f
    shift
    for f in "$@"; do ins+=(--in "$f"); done
    mkdir -p "$outdir" &&
        "$ABIGEN" "${ins[@]}" --fingerprint "$(fingerprint "$@")" --c "$outdir/kozo_abi.h" --rs "$outdir/kozo_abi.rs"
}

have_rustc() { command -v rustc >/dev/null 2>&1; }

# rust_check DIR: the module compiles on its own and through include! in a no_std crate.
rust_check() {
    printf '#![no_std]\npub mod abi {\n    include!("kozo_abi.rs");\n}\n' >"$1/wrap.rs" &&
        rustc --edition 2021 --crate-type lib -D warnings --out-dir "$1" "$1/kozo_abi.rs" &&
        rustc --edition 2021 --crate-type lib -D warnings --out-dir "$1" "$1/wrap.rs"
}

# ---- 1. The real ABI: generate and compile ------------------------------------------------

A=$WORK/gen-a
check "generate from kernel.abi and arch/x86_64.abi" gen "$A" "$ABI" "$ARCH_ABI"

# Including the header type-checks every inline accessor and stub and evaluates every layout
# _Static_assert. Only names every ABI definition has are used here; behaviour is tested in section 4.
cat >"$WORK/use.c" <<'EOF'
#include "kozo_abi.h"
#include "kozo_abi.h" /* include guard */
uint64_t abi_fingerprint(void);
uint64_t abi_fingerprint(void) { return KOZO_ABI_FINGERPRINT + KOZO_SYS_COUNT + sizeof KOZO_ABI_FINGERPRINT_STR; }
EOF
# The project's own warnings on top of the baseline (see Makefile WARN).
STRICT="-Wstrict-prototypes -Wmissing-prototypes -Wundef"
cc_check() { $CC $CFLAGS -I"$A" "$@" -c "$WORK/use.c" -o "$WORK/use.o"; }
check "C header compiles for userspace" cc_check
check "C header compiles for the kernel (-DKOZO_KERNEL -ffreestanding)" cc_check -DKOZO_KERNEL -ffreestanding $STRICT
check "C header compiles with name tables (-DKOZO_ABI_WANT_NAMES)" cc_check -DKOZO_ABI_WANT_NAMES $STRICT
check "C header compiles for the kernel with name tables" cc_check -DKOZO_KERNEL -DKOZO_ABI_WANT_NAMES -ffreestanding
check "C header has no user stubs under KOZO_KERNEL" \
    bash -c "! $CC $CFLAGS -DKOZO_KERNEL -I'$A' -E -P '$WORK/use.c' | grep -q kozo_invoke"

if have_rustc; then
    check "Rust module compiles (-D warnings, standalone and include! under no_std)" rust_check "$A"
else
    bad "Rust module compiles: rustc not on PATH (make test's preflight installs Debian's rustc)"
fi

# ---- 2. Determinism ------------------------------------------------------------------------

B=$WORK/gen-b
check "generate again" gen "$B" "$ABI" "$ARCH_ABI"
check "deterministic: kozo_abi.h identical" cmp "$A/kozo_abi.h" "$B/kozo_abi.h"
check "deterministic: kozo_abi.rs identical" cmp "$A/kozo_abi.rs" "$B/kozo_abi.rs"
# Only the input's basename may reach the output: the same file elsewhere gives the same bytes.
mkdir -p "$WORK/elsewhere/deeper"
cp "$ABI" "$ARCH_ABI" "$WORK/elsewhere/deeper/"
check "output independent of paths" bash -c "
    $(declare -f gen fingerprint); ABIGEN='$ABIGEN'
    gen '$WORK/elsewhere/out' '$WORK/elsewhere/deeper/kernel.abi' '$WORK/elsewhere/deeper/x86_64.abi' &&
    cmp '$A/kozo_abi.h' '$WORK/elsewhere/out/kozo_abi.h' && cmp '$A/kozo_abi.rs' '$WORK/elsewhere/out/kozo_abi.rs'"

# ---- 3. Lockstep: one number changes, both outputs and the fingerprint follow ---------------

L=$WORK/lockstep
mkdir -p "$L"
cp "$ABI" "$L/kernel.abi"
sys=$(awk '$1 == "syscall" { print $2; exit }' "$L/kernel.abi")
used=$(awk '$1 == "syscall" { print $3 }' "$L/kernel.abi")
free=
for n in $(seq 0 15); do
    if ! grep -qx "$n" <<<"$used"; then free=$n; break; fi
done
if [ -z "$sys" ] || [ -z "$free" ]; then
    bad "lockstep: find a syscall and a free number in kernel.abi"
else
    sed -E -i "s/^(syscall[[:space:]]+$sys[[:space:]]+)[0-9]+/\\1$free/" "$L/kernel.abi"
    check "lockstep: edited copy differs and fingerprint changed" \
        bash -c "! cmp -s '$ABI' '$L/kernel.abi' && [ \"\$(b3sum --no-names '$ABI' | cut -c1-16)\" != \"\$(b3sum --no-names '$L/kernel.abi' | cut -c1-16)\" ]"
    check "lockstep: regenerate" gen "$L/out" "$L/kernel.abi" "$ARCH_ABI"
    check "lockstep: kozo_abi.h changed" bash -c "! cmp -s '$A/kozo_abi.h' '$L/out/kozo_abi.h'"
    check "lockstep: kozo_abi.rs changed" bash -c "! cmp -s '$A/kozo_abi.rs' '$L/out/kozo_abi.rs'"
    check "lockstep: KOZO_SYS_$sys is $free in C" grep -Eq "^#define KOZO_SYS_$sys +$free( |\$)" "$L/out/kozo_abi.h"
    check "lockstep: SYS_$sys is $free in Rust" grep -q "^pub const SYS_$sys: u64 = $free;" "$L/out/kozo_abi.rs"
    fp=$(fingerprint "$L/kernel.abi" "$ARCH_ABI")
    check "lockstep: fingerprint define changed in C" bash -c "
        grep -q '^#define KOZO_ABI_FINGERPRINT  *0x${fp}ULL' '$L/out/kozo_abi.h' &&
        ! grep -q '^#define KOZO_ABI_FINGERPRINT  *0x${fp}ULL' '$A/kozo_abi.h'"
    check "lockstep: fingerprint changed in Rust" grep -q "^pub const ABI_FINGERPRINT: u64 = 0x$fp;" "$L/out/kozo_abi.rs"
fi

# ---- 3b. The two parts: the arch's file is in the fingerprint, and numbers span both ------

AR=$WORK/arch-lockstep
mkdir -p "$AR"
cp "$ARCH_ABI" "$AR/x86_64.abi"
sed -E -i 's/^(method IOPORT +IN8 +)61/\169/' "$AR/x86_64.abi"
check "arch part: an edit there changes the fingerprint and the header" bash -c "
    $(declare -f gen fingerprint); ABIGEN='$ABIGEN'
    [ \"\$(fingerprint '$ABI' '$ARCH_ABI')\" != \"\$(fingerprint '$ABI' '$AR/x86_64.abi')\" ] &&
    gen '$AR/out' '$ABI' '$AR/x86_64.abi' && grep -Eq '^#define KOZO_INV_IOPORT_IN8 +69( |\$)' '$AR/out/kozo_abi.h'"
printf 'object ONE 1 0\n' >"$AR/a.abi"
printf '# the arch part\nobject TWO 1 0\n' >"$AR/b.abi"
if "$ABIGEN" --in "$AR/a.abi" --in "$AR/b.abi" --fingerprint 0123456789abcdef --c "$AR/x.h" 2>"$AR/x.err"; then
    bad "arch part: a number used in both files is refused"
elif grep -q "^abigen: b.abi:2: object TWO: number 1 is already used by ONE (a.abi:1)" "$AR/x.err" && [ ! -e "$AR/x.h" ]; then
    ok "arch part: a number used in both files is refused, naming both files"
else
    bad "arch part: a number used in both files is refused, naming both files"
    sed 's/^/    /' "$AR/x.err"
fi

# ---- 4. A fixture of our own: syntax the real file may not use, and runtime behaviour --------

X=$WORK/fixture
mkdir -p "$X"
cat >"$X/kozo.abi" <<'EOF'
const N 0x3 "hex stays hex"
const TEN 010 "decimal, not octal"
object THING 1 4
object OTHER 3 0
error ILLEGAL_OPERATION 10
error INVALID_ARGUMENT 4
error RANGE 5
method THING DO 0x10 (a, b) -> (type, loop) [RANGE]
method OTHER NOP 17 () -> () []
field flags TYPE 0 64 "a full-width field"
field hdr LEN    0  7
field hdr LABEL  12 52
field hdr CAPS   7  2 "fields need not be declared in bit order"
struct padded "needs padding"
  u8  a
  u64 b
  u16 c[N]
  u8  type      "a Rust keyword as a member"
end
struct outer
  struct padded p[2]
  u32 x
end
EOF
check "fixture: generate" gen "$X" "$X/kozo.abi"
cat >"$X/run.c" <<'EOF'
#define KOZO_ABI_WANT_NAMES
#include <string.h>
#include "kozo_abi.h"
static uint64_t seen[4];
uint64_t kozo_invoke(uint64_t cap, uint64_t label, unsigned nargs, const uint64_t *args,
                     unsigned nres, uint64_t *res)
{
    seen[0] = cap;
    seen[1] = label;
    seen[2] = nargs;
    seen[3] = nargs ? args[nargs - 1] : 0;
    for (unsigned i = 0; res && i < nres; i++) res[i] = 100 + i;
    return 7;
}
int main(void)
{
    int ok = 1;
    uint64_t w = kozo_hdr_make(5, KOZO_HDR_LABEL_MASK, 3); /* declaration order: LEN, LABEL, CAPS */
    ok &= kozo_hdr_get_len(w) == 5 && kozo_hdr_get_caps(w) == 3 && kozo_hdr_get_label(w) == KOZO_HDR_LABEL_MASK;
    w = kozo_hdr_set_len(w, ~0ULL); /* masked to the field; neighbours untouched */
    ok &= kozo_hdr_get_len(w) == 0x7f && kozo_hdr_get_caps(w) == 3 && kozo_hdr_get_label(w) == KOZO_HDR_LABEL_MASK;
    ok &= kozo_flags_get_type(kozo_flags_set_type(0, ~0ULL)) == ~0ULL && kozo_flags_make(42) == 42;
    struct kozo_res_thing_do r;
    ok &= kozo_thing_do(9, 1, 2, &r) == 7 && r.type == 100 && r.loop == 101;
    ok &= seen[0] == 9 && seen[1] == 0x10 && seen[2] == 2 && seen[3] == 2;
    ok &= kozo_other_nop(4) == 7 && seen[1] == 17 && seen[2] == 0;
    ok &= KOZO_N == 3 && KOZO_TEN == 10 && KOZO_OBJ_COUNT == 4 && kozo_object_names[2] == NULL;
    ok &= strcmp(kozo_object_names[KOZO_OBJ_OTHER], "OTHER") == 0 && KOZO_INV_MAX_ARGS == 2;
    ok &= strcmp(kozo_method_names[1].name, "OTHER.NOP") == 0 && kozo_method_names[1].label == 17;
    /* Error lists: the listed ones plus the implicit ILLEGAL_OPERATION (and INVALID_ARGUMENT
     * for a method with arguments); an unknown label has only ILLEGAL_OPERATION. */
    ok &= KOZO_INV_THING_DO_ERRORS == ((1ULL << 5) | (1ULL << 10) | (1ULL << 4));
    ok &= kozo_inv_errors(0x10) == KOZO_INV_THING_DO_ERRORS && kozo_inv_errors(17) == 1ULL << 10;
    ok &= kozo_inv_errors(99) == 1ULL << 10;
    ok &= sizeof(struct kozo_padded) == 24 && sizeof(struct kozo_outer) == 56;
    return !ok;
}
EOF
check "fixture: C compiles (layout asserts hold) and behaves (host run)" \
    bash -c "$CC $CFLAGS -I'$X' '$X/run.c' -o '$X/run' && '$X/run'"
if have_rustc; then
    cat >"$X/run.rs" <<'EOF'
#[allow(dead_code)]
#[path = "kozo_abi.rs"]
mod abi;
fn main() {
    let w = abi::hdr_make(5, abi::HDR_LABEL_MASK, 3);
    assert_eq!((abi::hdr_get_len(w), abi::hdr_get_caps(w)), (5, 3));
    let w = abi::hdr_set_len(w, !0);
    assert_eq!((abi::hdr_get_len(w), abi::hdr_get_label(w)), (0x7f, abi::HDR_LABEL_MASK));
    assert_eq!(abi::flags_make(42), 42);
    assert_eq!((abi::N, abi::TEN, abi::INV_THING_DO, abi::INV_THING_DO_NRES), (3, 10, 0x10, 2));
    assert_eq!(core::mem::size_of::<abi::Outer>(), 56);
}
EOF
    check "fixture: Rust compiles (raw identifiers, nested arrays)" rust_check "$X"
    check "fixture: Rust behaves (host run)" \
        bash -c "rustc --edition 2021 -D warnings -o '$X/run-rs' '$X/run.rs' && '$X/run-rs'"
else
    bad "fixture: Rust compiles and behaves: rustc not on PATH"
fi

# ---- 5. Malformed input is rejected with the offending line --------------------------------

N=$WORK/neg
mkdir -p "$N"
# neg NAME LINE CONTENT: abigen must fail, name NAME.abi:LINE, and write no output.
neg() {
    local name=$1 line=$2 f=$N/$1.abi
    printf '%b' "$3" >"$f"
    rm -f "$N/$name.h" "$N/$name.rs"
    if "$ABIGEN" --in "$f" --fingerprint 0123456789abcdef --c "$N/$name.h" --rs "$N/$name.rs" \
        >/dev/null 2>"$N/$name.err"; then
        bad "reject $name (exit status 0)"
    elif ! grep -q "^abigen: $name.abi:$line: " "$N/$name.err"; then
        bad "reject $name (want line $line, got: $(head -1 "$N/$name.err"))"
    elif [ -e "$N/$name.h" ] || [ -e "$N/$name.rs" ]; then
        bad "reject $name (output written anyway)"
    else
        ok "reject $name: $(head -1 "$N/$name.err")"
    fi
}
neg dup-syscall-number  3 '# comment\nsyscall A 1\nsyscall B 1\n'
neg syscall-16          2 'syscall A 15\nsyscall B 16\n'
neg unknown-keyword     3 'const X 1\n\nsysall A 1\n'
neg overlapping-field   3 'field w A 0 4\nfield w C 8 8\nfield w B 3 2\n'
neg unterminated-struct 2 'const X 1\nstruct s\n  u64 a\n'
neg unknown-array-count 3 'struct s\n  u64 a\n  u8 b[NOPE]\nend\n'
neg dup-name            2 'error A 1\nerror A 2\n'
neg right-bit-64        1 'right R 64\n'
neg field-past-64       1 'field w A 60 5\n'
neg unknown-member-type 2 'struct s\n  u128 a\nend\n'
neg unknown-object      2 'object O 1 0\nmethod P M 1 () -> () []\n'
neg dup-method-label    3 'object O 1 0\nmethod O A 5 () -> () []\nmethod O B 5 () -> () []\n'
neg no-error-list       2 'object O 1 0\nmethod O A 5 () -> () "doc"\n'
neg unknown-error       2 'object O 1 0\nmethod O A 5 () -> () [NOPE]\n'
neg error-listed-twice  3 'object O 1 0\nerror E 1\nmethod O A 5 () -> () [E, E]\n'
neg malformed-method    2 'object O 1 0\nmethod O A 5 (a, b -> ()\n'
neg name-collision      2 'syscall CALL 0\nconst SYS_CALL 3\n'

if "$ABIGEN" --in "$ABI" --fingerprint 12345 --c "$N/fp.h" >/dev/null 2>&1; then
    bad "reject a fingerprint that is not 16 hex digits"
else
    ok "reject a fingerprint that is not 16 hex digits"
fi

echo "abigen tests: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
