#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
#
# Boot tests with broken boot input: the kernel must stop with a clear panic reason
# (never crash, reboot or hang). Builds one image per case from the real kernel.
#
# Usage: tests/boot/bad-input.sh KERNEL FSD_BINARY OUTDIR
# Prints PASS/FAIL per case and "bad-input: N passed, M failed"; exit 1 on failure.
set -euo pipefail
kernel=$1 fsd=$2 out=$3
here=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
pass=0 fail=0

# case NAME EXPECTED-REGEX INITRD-FILE
run_case() {
    local name=$1 want=$2 initrd=$3 img="$out/$1.img" checks="$out/$1.checks"
    "$here/scripts/mkimage.sh" "$img" "$kernel" "$initrd" >/dev/null 2>&1
    printf 'name %s\nexpect KOZO KERNEL PANIC: %s\nexpect system halted\nexpect_not Init>\n' \
        "$name" "$want" >"$checks"
    if "$here/scripts/integration-test.sh" --timeout 60 --suite "bad-$name" \
        --junit "$out/bad-$name.xml" "$img" "$checks" >"$out/$name.out" 2>&1; then
        echo "PASS: $name"
        pass=$((pass + 1))
    else
        echo "FAIL: $name"
        cat "$out/$name.out"
        fail=$((fail + 1))
    fi
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

: >"$work/empty"
run_case missing-initrd "boot: no initrd module was loaded" "$work/empty"

head -c 4096 /dev/zero | tr '\0' 'Z' >"$work/garbage"
run_case corrupt-initrd "boot: the initrd is not a valid newc cpio archive" "$work/garbage"

cp "$fsd" "$work/fsd"
"$here/scripts/mkinitrd.sh" "$work/no-init.cpio" "$work/fsd" >/dev/null
run_case missing-init "boot: the initrd has no file named 'init'" "$work/no-init.cpio"

mkdir -p "$work/notelf"
echo "#!/bin/sh: this is not an ELF executable" >"$work/notelf/init"
"$here/scripts/mkinitrd.sh" "$work/bad-elf.cpio" "$work/notelf/init" >/dev/null
run_case init-not-elf "boot: init is not a valid ELF executable" "$work/bad-elf.cpio"

echo "bad-input: $pass passed, $fail failed"
((fail == 0))
