#!/usr/bin/env bash
# mkinitrd.sh - build the KOZO initrd: a reproducible newc cpio archive.
#
# Usage: scripts/mkinitrd.sh OUT.cpio [FILE...]
#   Each FILE is stored under its basename at the archive root (no
#   directories), in byte-wise sorted name order, with uid/gid 0, mode 0755,
#   mtime $SOURCE_DATE_EPOCH (default 0), no device/inode numbers from the
#   host (GNU cpio --reproducible). The same inputs always give the same
#   bytes, whatever the umask, timezone or file timestamps. With no FILE the
#   archive holds only the cpio trailer.
#
# Environment: SOURCE_DATE_EPOCH  mtime of every entry (decimal seconds)
#
# Exit status: 0 archive written; 1 a FILE is missing / not a regular file,
#              two FILEs share a basename, or cpio failed; 2 usage error.
set -euo pipefail

prog=mkinitrd
die() { echo "$prog: $*" >&2; exit 1; }

if (($# < 1)) || [[ $1 == -h || $1 == --help ]]; then
    echo "usage: $0 OUT.cpio [FILE...]" >&2
    exit 2
fi

out=$1
shift

epoch=${SOURCE_DATE_EPOCH:-0}
[[ $epoch =~ ^[0-9]+$ ]] || die "SOURCE_DATE_EPOCH must be a decimal number (got '$epoch')"

command -v cpio >/dev/null 2>&1 || die "cpio not found (run scripts/preflight.sh)"

# Reproducibility flags of GNU cpio: --reproducible (2.13+) is
# --ignore-devno --renumber-inodes; fall back to the two older flags.
cpio_help=$(cpio --help 2>&1 || true)
if [[ $cpio_help == *--reproducible* ]]; then
    repro=(--reproducible)
elif [[ $cpio_help == *--renumber-inodes* && $cpio_help == *--ignore-devno* ]]; then
    repro=(--ignore-devno --renumber-inodes)
else
    die "installed cpio lacks --reproducible / --renumber-inodes (need GNU cpio >= 2.12)"
fi

# Check every input before doing anything.
declare -A seen=()
names=()
for f in "$@"; do
    [[ -e $f ]] || die "no such file: $f"
    [[ -f $f ]] || die "not a regular file: $f"
    [[ -r $f ]] || die "cannot read: $f"
    base=${f##*/}
    [[ $base != *$'\n'* ]] || die "file name contains a newline: $f"
    if [[ -n ${seen[$base]+x} ]]; then
        die "two files would be stored as '$base': ${seen[$base]} and $f"
    fi
    seen[$base]=$f
    names+=("$base")
done

out_dir=$(dirname -- "$out")
mkdir -p -- "$out_dir"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kozo-initrd.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
stage=$tmp/stage
mkdir "$stage"

for base in ${names[@]+"${names[@]}"}; do
    cp -- "${seen[$base]}" "$stage/$base"
    chmod 0755 "$stage/$base"
    touch -h -d "@$epoch" "$stage/$base"
done

# Absolute path of the output (cpio runs inside the staging dir).
case $out in
/*) out_abs=$out ;;
*) out_abs=$PWD/$out ;;
esac
part=$out_abs.part.$$
trap 'rm -rf "$tmp"; rm -f -- "$part"' EXIT

if ! { if ((${#names[@]})); then printf '%s\n' "${names[@]}"; fi; } | LC_ALL=C sort |
    (cd "$stage" && LC_ALL=C cpio --quiet -o -H newc --owner=0:0 "${repro[@]}") >"$part"; then
    die "cpio failed"
fi

mv -f -- "$part" "$out_abs"
