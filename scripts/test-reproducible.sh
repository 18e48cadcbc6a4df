#!/usr/bin/env bash
# test-reproducible.sh - check that scripts/mkinitrd.sh and scripts/mkimage.sh
# give byte-identical output for identical inputs, whatever the time,
# timezone, umask, TMPDIR, input file timestamps/modes and argument order.
# Uses small dummy inputs (the image need not boot for this).
#
# Usage: scripts/test-reproducible.sh
#   No arguments; works in a temp dir and leaves nothing behind.
#
# Prints PASS:/FAIL: per check and "test-reproducible: N passed, M failed".
# Exit status: 0 if every check passed, 1 otherwise.
set -euo pipefail
export LC_ALL=C

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kozo-repro-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
unset SOURCE_DATE_EPOCH

npass=0 nfail=0
ok() { npass=$((npass + 1)); echo "PASS: $1"; }
ko() { nfail=$((nfail + 1)); echo "FAIL: $1"; }
same() { # NAME FILE1 FILE2
    local a b
    [[ -f $2 && -f $3 ]] || { ko "$1 (missing output)"; return; }
    a=$(sha256sum <"$2") b=$(sha256sum <"$3")
    if [[ -s $2 && $a == "$b" ]]; then ok "$1"; else ko "$1 (${a%% *} vs ${b%% *})"; fi
}
# build CMD...: run a build step; on failure report it and show its stderr.
build() {
    if ! "$@" 2>"$tmp/build.err"; then
        ko "build step failed: $*"
        sed 's/^/      /' "$tmp/build.err"
    fi
}
differ() { # NAME FILE1 FILE2
    [[ -f $2 && -f $3 ]] || { ko "$1 (missing output)"; return; }
    if cmp -s "$2" "$3"; then ko "$1"; else ok "$1"; fi
}

# Two copies of the same inputs, with different timestamps and modes.
mkdir -p "$tmp/a" "$tmp/b/sub" "$tmp/tmp2"
printf 'kernel\n' >"$tmp/a/kernel.elf"
printf 'init\n' >"$tmp/a/init"
head -c 3000 /dev/zero | tr '\0' 'x' >"$tmp/a/srv.elf"
cp "$tmp/a/kernel.elf" "$tmp/a/init" "$tmp/a/srv.elf" "$tmp/b/sub/"
touch -d '2001-02-03 04:05:06' "$tmp/a/"*
chmod 0600 "$tmp/b/sub/init"
chmod 0755 "$tmp/b/sub/kernel.elf"

build "$here/mkinitrd.sh" "$tmp/i1.cpio" "$tmp/a/init" "$tmp/a/srv.elf"
(
    umask 077
    cd "$tmp/b"
    build env TZ=Pacific/Chatham TMPDIR="$tmp/tmp2" "$here/mkinitrd.sh" out/i2.cpio sub/srv.elf sub/init
)
same "mkinitrd: same bytes (time, TZ, umask, mtimes, modes, order)" "$tmp/i1.cpio" "$tmp/b/out/i2.cpio"
build env SOURCE_DATE_EPOCH=1700000000 "$here/mkinitrd.sh" "$tmp/i3.cpio" "$tmp/a/init" "$tmp/a/srv.elf"
differ "mkinitrd: SOURCE_DATE_EPOCH changes the archive" "$tmp/i1.cpio" "$tmp/i3.cpio"
if cpio -it --quiet <"$tmp/i1.cpio" 2>/dev/null | tr '\n' ' ' | grep -qx 'init srv.elf '; then
    ok "mkinitrd: sorted basenames at the archive root"
else
    ko "mkinitrd: sorted basenames at the archive root"
fi

sleep 1.1 # let the wall clock move on between the two image builds
build "$here/mkimage.sh" "$tmp/k1.img" "$tmp/a/kernel.elf" "$tmp/i1.cpio"
(
    umask 077
    cd "$tmp/b"
    build env TZ=America/St_Johns TMPDIR="$tmp/tmp2" \
        "$here/mkimage.sh" out/k2.img sub/kernel.elf out/i2.cpio
)
same "mkimage: same bytes (time, TZ, umask, mtimes, modes)" "$tmp/k1.img" "$tmp/b/out/k2.img"
build env SOURCE_DATE_EPOCH=1700000000 "$here/mkimage.sh" "$tmp/k3.img" "$tmp/a/kernel.elf" "$tmp/i1.cpio"
sleep 1.1
build env SOURCE_DATE_EPOCH=1700000000 "$here/mkimage.sh" "$tmp/k4.img" "$tmp/a/kernel.elf" "$tmp/i1.cpio"
same "mkimage: same bytes with SOURCE_DATE_EPOCH=1700000000" "$tmp/k3.img" "$tmp/k4.img"
differ "mkimage: SOURCE_DATE_EPOCH changes the image" "$tmp/k1.img" "$tmp/k3.img"

echo "test-reproducible: $npass passed, $nfail failed"
((nfail == 0))
