#!/usr/bin/env bash
# mkimage.sh - build the bootable KOZO image: a BIOS (i386-pc) GRUB ISO9660.
#
# Usage: scripts/mkimage.sh OUT.img KERNEL INITRD
#   The image holds /boot/kozo-kernel (KERNEL), /boot/initrd.cpio (INITRD)
#   and /boot/grub/grub.cfg, which boots KERNEL with multiboot2 and passes
#   INITRD as a module2 with the command line "initrd". GRUB itself only
#   writes to the VGA console, so COM1 carries nothing but the kernel's
#   output; if loading the kernel fails, GRUB says so on COM1 and halts.
#   Only the i386-pc GRUB platform is used (grub-pc-bin), no EFI.
#
#   The image is reproducible: the same inputs give the same bytes whatever
#   the time, timezone, umask or input file timestamps. All dates in the ISO
#   (volume dates, El Torito catalog, every file's Rock Ridge times) are set
#   to SOURCE_DATE_EPOCH (default 0) through xorriso options passed by
#   grub-mkrescue; see the comment at the grub-mkrescue call.
#
# Environment:
#   SOURCE_DATE_EPOCH  timestamp of everything in the image (default 0)
#   GRUB_PC_DIR        GRUB i386-pc directory (default /usr/lib/grub/i386-pc)
#
# Exit status: 0 image written; 1 missing input or tool, or grub-mkrescue
#              failed; 2 usage error.
set -euo pipefail

prog=mkimage
GRUB_PC_DIR=${GRUB_PC_DIR:-/usr/lib/grub/i386-pc}

die() { echo "$prog: $*" >&2; exit 1; }

if (($# != 3)); then
    echo "usage: $0 OUT.img KERNEL INITRD" >&2
    exit 2
fi
out=$1 kernel=$2 initrd=$3

for f in "$kernel" "$initrd"; do
    [[ -e $f ]] || die "no such file: $f"
    [[ -f $f && -r $f ]] || die "not a readable regular file: $f"
done
for t in grub-mkrescue xorriso; do
    command -v "$t" >/dev/null 2>&1 || die "$t not found (run scripts/preflight.sh)"
done
[[ -f $GRUB_PC_DIR/modinfo.sh ]] ||
    die "GRUB i386-pc modules not found in $GRUB_PC_DIR (Debian package grub-pc-bin)"

epoch=${SOURCE_DATE_EPOCH:-0}
[[ $epoch =~ ^[0-9]+$ ]] || die "SOURCE_DATE_EPOCH must be a decimal number (got '$epoch')"
# ISO 9660 volume "uuid" date: YYYYMMDDhhmmsscc in UTC (years 1970..2999).
uuid=$(TZ=UTC date -u -d "@$epoch" +%Y%m%d%H%M%S00)
[[ $uuid =~ ^[0-9]{16}$ ]] || die "cannot convert SOURCE_DATE_EPOCH=$epoch to a date"

if command -v grub-file >/dev/null 2>&1 && ! grub-file --is-x86-multiboot2 "$kernel"; then
    echo "$prog: warning: $kernel is not a multiboot2 kernel; the image will not boot" >&2
fi

export LC_ALL=C TZ=UTC
umask 022

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kozo-image.XXXXXX")
case $out in
/*) out_abs=$out ;;
*) out_abs=$PWD/$out ;;
esac
part=$out_abs.part.$$
trap 'rm -rf "$tmp"; rm -f -- "$part"' EXIT

root=$tmp/iso
mkdir -p "$root/boot/grub"
cp -- "$kernel" "$root/boot/kozo-kernel"
cp -- "$initrd" "$root/boot/initrd.cpio"
cat >"$root/boot/grub/grub.cfg" <<'EOF'
set timeout=0
set default=0
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output console
menuentry "KOZO" {
    multiboot2 /boot/kozo-kernel
    module2 /boot/initrd.cpio initrd
    boot
    # Only reached if the kernel could not be loaded or booted: report it
    # on COM1 and power off, so a headless run fails now, not at its timeout.
    terminal_output --append serial
    echo "KOZO-GRUB: failed to boot /boot/kozo-kernel"
    halt
}
EOF
find "$root" -type f -exec chmod 0644 {} +
find "$root" -type d -exec chmod 0755 {} +
find "$root" -depth -exec touch -h -d "@$epoch" {} +

mkdir -p -- "$(dirname -- "$out_abs")"

# Reproducibility. grub-mkrescue (GRUB 2.06) by itself is not reproducible:
#  - it passes `--modification-date=<now>` to xorriso (volume dates, and the
#    El Torito boot catalog dates);
#  - it copies the GRUB modules into a temp dir, so their mtimes are "now",
#    and xorriso records file mtimes/atimes/ctimes in Rock Ridge entries.
# The eltorito core image (grub-mkimage) and the hybrid MBR are deterministic.
# Everything after `--` is handed to xorriso as native commands, applied to
# the ISO tree before it is written, so they override the above:
#  - `-volume_date uuid` overrides the volume creation/modification dates
#    and sets the boot catalog date (expiry/effective dates stay unset);
#  - `-alter_date_r b-c =EPOCH / --` sets atime+mtime of every node; then
#    `-volume_date all_file_dates set_to_mtime` copies mtime into atime and
#    ctime. (`-volume_date all_file_dates =0` would be simpler, but libisofs
#    takes the value 0 as "not set", so it silently does nothing for
#    SOURCE_DATE_EPOCH=0.)
#  - `-volid KOZO` gives a fixed volume id (the default is "ISOIMAGE").
# Fonts, locales and themes are left out: the menu is never shown.
# Verified: two builds give the same sha256 across time, TZ and umask.
log=$tmp/grub-mkrescue.log
# TMPDIR: grub-mkrescue's own temp dir goes inside ours (it leaves it
# behind when xorriso fails).
if ! TMPDIR=$tmp grub-mkrescue -d "$GRUB_PC_DIR" --fonts= --locales= --themes= \
    -o "$part" "$root" \
    -- -volid KOZO \
    -volume_date uuid "$uuid" \
    -alter_date_r b-c "=$epoch" / -- \
    -volume_date all_file_dates set_to_mtime \
    >"$log" 2>&1 </dev/null; then
    tail -n 30 "$log" >&2
    die "grub-mkrescue failed"
fi
[[ -s $part ]] || { tail -n 30 "$log" >&2; die "grub-mkrescue wrote no image"; }
mv -f -- "$part" "$out_abs"
