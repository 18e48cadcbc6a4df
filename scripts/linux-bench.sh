#!/usr/bin/env bash
# linux-bench.sh - measure Linux's microbenchmarks in KOZO's QEMU machine, for
# comparison with KOZO's (make bench).
#
# Usage: scripts/linux-bench.sh [--icount] OUTFILE
#   --icount  run QEMU with deterministic instruction counting (qemu.sh
#             --icount): ticks are then guest instructions, exactly the same
#             from run to run, and the ns figures mean nothing. The RTC is
#             then also fixed (see $icount_rtc below).
#
# Builds bench/linux/lbench.c with musl-gcc (static) into $BUILD/linux-bench/,
# packs it as /init into a reproducible newc initramfs (scripts/mkinitrd.sh),
# and boots Debian's kernel (the newest /boot/vmlinuz-*, package
# linux-image-amd64) with it through scripts/qemu.sh --kernel, so the machine
# is the one KOZO runs in. lbench prints one "LBENCH <name> <ticks_per_op>
# <ns_per_op> <iterations>" line per benchmark, then "LBENCH DONE", and powers
# the machine off. Every benchmark line must be there; OUTFILE then gets
#   <name> <ticks_per_op> <ns_per_op> <iterations>
# one line per benchmark, in the order of $benches below. The console is kept
# in $BUILD/linux-bench/console.log.
#
# Environment:
#   BUILD              build folder (default build)
#   LINUX_KERNEL       kernel to boot (default: newest /boot/vmlinuz-*)
#   LINUX_BENCH_TIMEOUT  seconds before QEMU is stopped (default 600)
#   SOURCE_DATE_EPOCH  time stamp of the initramfs entries (default 0)
#
# Exit status: 0 OUTFILE written; 1 a tool or the kernel is missing, the
#              build failed, or the run did not print every result (the
#              console tail is shown); 2 usage error.
set -euo pipefail

prog=linux-bench
here=$(cd -- "$(dirname -- "$0")" && pwd)
root=$(cd -- "$here/.." && pwd)
benches=(getppid pipe_pingpong futex_pingpong sched_yield fork_exit_wait mmap_touch_munmap anon_first_touch)

die() { echo "$prog: $*" >&2; exit 1; }
usage() {
    echo "usage: $0 [--icount] OUTFILE" >&2
    exit 2
}

# Linux mixes the RTC's time into its random pool, which seeds KASLR, ASLR,
# the slab freelist order and the kernel stack offset; with the host's clock
# there, fork and mmap vary by several percent from run to run even under
# icount. A fixed start that follows the virtual clock makes the run exact.
icount_rtc=(-rtc 'base=2000-01-01T00:00:00,clock=vm')

qopts=() qextra=()
while (($#)); do
    case "$1" in
    --icount) qopts+=(--icount) qextra=("${icount_rtc[@]}") ;;
    -h | --help) usage ;;
    -*) echo "$prog: unknown option: $1" >&2; usage ;;
    *) break ;;
    esac
    shift
done
(($# == 1)) || usage
outfile=$1

build=${BUILD:-build}
out=$build/linux-bench
timeout_s=${LINUX_BENCH_TIMEOUT:-600}

command -v musl-gcc >/dev/null 2>&1 ||
    die "musl-gcc not found: install package musl-tools (scripts/preflight.sh --bench)"
kernel=${LINUX_KERNEL:-}
if [[ -z $kernel ]]; then
    kernel=$(compgen -G '/boot/vmlinuz-*' | LC_ALL=C sort -V | tail -n 1 || true)
    [[ -n $kernel ]] ||
        die "no Linux kernel in /boot/vmlinuz-*: install package linux-image-amd64 (scripts/preflight.sh --bench)"
fi
[[ -r $kernel ]] || die "cannot read kernel $kernel"

mkdir -p -- "$out"
musl-gcc -static -O2 -Wall -Wextra -Werror -o "$out/lbench" "$root/bench/linux/lbench.c" ||
    die "building lbench failed"
cp -f -- "$out/lbench" "$out/init"
"$here/mkinitrd.sh" "$out/initramfs.cpio" "$out/init" || die "building the initramfs failed"

# quiet: only warnings on the console; panic=-1: a failed /init ends QEMU at
# once (-no-reboot) instead of waiting for the timeout.
append="console=ttyS0 quiet panic=-1"

log=$out/console.log
echo "$prog: booting $kernel${qopts[*]+ (${qopts[*]})}, limit ${timeout_s}s" >&2
SECONDS=0
rc=0
PANIC_LOG=$out/panic.log timeout "$timeout_s" "$here/qemu.sh" --headless ${qopts[@]+"${qopts[@]}"} \
    --kernel "$kernel" --initrd "$out/initramfs.cpio" --append "$append" -- ${qextra[@]+"${qextra[@]}"} \
    </dev/null >"$log" 2>"$out/qemu.stderr" || rc=$?
elapsed=$SECONDS

fail() {
    echo "$prog: $* (QEMU exit status $rc after ${elapsed}s); console tail ($log):" >&2
    if [[ -s $log ]]; then
        tail -n 30 -- "$log" | tr -d '\r' | sed 's/^/  | /' >&2
    else
        echo "  (empty)" >&2
    fi
    if [[ -s $out/qemu.stderr ]]; then
        echo "$prog: QEMU's stderr:" >&2
        tail -n 10 -- "$out/qemu.stderr" | sed 's/^/  | /' >&2
    fi
    exit 1
}

((rc != 124)) || fail "timed out"
results=$(tr -d '\r' <"$log" | grep -E '^LBENCH ' || true)
grep -qx 'LBENCH DONE' <<<"$results" || fail "no 'LBENCH DONE' line"
table=''
for b in "${benches[@]}"; do
    line=$(grep -E "^LBENCH $b [0-9]+ [0-9]+ [0-9]+\$" <<<"$results" | head -n 1 || true)
    [[ -n $line ]] || fail "no result for $b"
    table+=${line#LBENCH }$'\n'
done

mkdir -p -- "$(dirname -- "$outfile")"
printf '%s' "$table" >"$outfile.tmp.$$"
mv -f -- "$outfile.tmp.$$" "$outfile"
echo "$prog: ${#benches[@]} results in $outfile (${elapsed}s)" >&2
