#!/usr/bin/env bash
# qemu.sh - run a KOZO image (or a kernel) in QEMU; the one place QEMU command lines are built.
#
# Usage: scripts/qemu.sh [--headless] [--debug] [--icount] [--kvm] IMAGE [extra qemu args...]
#        scripts/qemu.sh [options] --kernel FILE [--initrd FILE] [--append ARGS]
#                        [extra qemu args...]
#   --headless  no display, COM1 on stdin/stdout, no monitor (for tests)
#               (default: COM1 and the QEMU monitor multiplexed on the
#               terminal: Ctrl-A X quits, Ctrl-A C switches to the monitor)
#   --debug     wait for gdb on tcp::1234 before running (-s -S)
#   --icount    deterministic instruction counting (-icount shift=0,sleep=off)
#   --kvm       use KVM with the host CPU (nested KVM here is slower than TCG)
#   --kernel FILE  boot FILE directly with QEMU's loader (-kernel, e.g. a
#               Linux bzImage) instead of an IMAGE; no IMAGE is then given,
#               all non-option arguments are extra QEMU args
#   --initrd FILE  initial ramdisk for --kernel (QEMU -initrd)
#   --append ARGS  kernel command line for --kernel (QEMU -append)
#   --          end of options (IMAGE may then start with '-'; with --kernel,
#               needed before extra QEMU args, which start with '-')
#   Extra arguments after IMAGE are appended to the QEMU command line.
#
#   The machine: q35, $CPU, 512M, 1 CPU, no reboot (a triple fault ends QEMU),
#   an HPET that can write interrupt messages (hpet.msi=on: ktest uses it as a
#   device that writes to the MSI window, as any bus-mastering device can),
#   IMAGE as a CD-ROM booted by SeaBIOS (or the --kernel FILE loaded by
#   QEMU, with --initrd and --append). COM1 is the console; COM2 is written
#   to $PANIC_LOG. An isa-debug-exit device on port 0xf4 (4 bytes) lets the
#   guest end QEMU: writing V makes QEMU exit with status (V << 1) | 1.
#
# Environment:
#   PANIC_LOG      file receiving COM2 (default ${BUILD:-build}/panic.log)
#   BUILD          build folder (default build)
#   KOZO_QEMU_CMD  command run instead of qemu-system-x86_64 (split on
#                  blanks; used by scripts/test-integration-runner.sh)
#
# Exit status: that of QEMU (exec), or 2 on a usage error / missing IMAGE
#              (or missing --kernel / --initrd FILE).
set -euo pipefail

# CPU model for TCG. The lead may change it; it must stay a model every
# developer's and CI's QEMU (>= 7, TCG) supports.
# qemu64 plus the protections the kernel turns on where it finds them (SMEP, SMAP, UMIP):
# TCG implements all three.
CPU=qemu64,+smep,+smap,+umip
MEM=512M

usage() {
    echo "usage: $0 [--headless] [--debug] [--icount] [--kvm] IMAGE [extra qemu args...]" >&2
    echo "       $0 [options] --kernel FILE [--initrd FILE] [--append ARGS] [extra qemu args...]" >&2
    exit 2
}

headless=0 debug=0 icount=0 kvm=0
kernel='' initrd='' append='' have_kernel=0 have_append=0
while (($#)); do
    case "$1" in
    --headless) headless=1 ;;
    --debug) debug=1 ;;
    --icount) icount=1 ;;
    --kvm) kvm=1 ;;
    --kernel | --initrd | --append)
        (($# >= 2)) || { echo "qemu.sh: $1 needs an argument" >&2; usage; }
        case "$1" in
        --kernel) kernel=$2 have_kernel=1 ;;
        --initrd) initrd=$2 ;;
        --append) append=$2 have_append=1 ;;
        esac
        shift
        ;;
    -h | --help) usage ;;
    --)
        shift
        break
        ;;
    -*)
        echo "qemu.sh: unknown option: $1" >&2
        usage
        ;;
    *) break ;;
    esac
    shift
done
boot=()
if ((have_kernel)); then
    [[ -f $kernel ]] || { echo "qemu.sh: no such kernel: $kernel" >&2; exit 2; }
    boot=(-kernel "$kernel")
    if [[ -n $initrd ]]; then
        [[ -f $initrd ]] || { echo "qemu.sh: no such initrd: $initrd" >&2; exit 2; }
        boot+=(-initrd "$initrd")
    fi
    if ((have_append)); then boot+=(-append "$append"); fi
else
    if [[ -n $initrd ]] || ((have_append)); then
        echo "qemu.sh: --initrd and --append need --kernel" >&2
        usage
    fi
    (($# >= 1)) || usage
    image=$1
    shift
    [[ -f $image ]] || { echo "qemu.sh: no such image: $image" >&2; exit 2; }
    boot=(-cdrom "$image" -boot d)
fi

panic_log=${PANIC_LOG:-${BUILD:-build}/panic.log}
mkdir -p -- "$(dirname -- "$panic_log")"

if [[ -n ${KOZO_QEMU_CMD:-} ]]; then
    read -r -a qemu <<<"$KOZO_QEMU_CMD"
else
    qemu=(qemu-system-x86_64)
fi

accel=()
if ((kvm)); then
    echo "qemu.sh: warning: --kvm: nested KVM on this machine is slower than TCG" >&2
    CPU=host
    accel=(-enable-kvm)
fi

args=(
    -machine q35
    -global hpet.msi=on
    "${accel[@]}"
    -cpu "$CPU"
    -m "$MEM"
    -smp 1
    -no-reboot
    "${boot[@]}"
)
if ((headless)); then
    args+=(-display none -serial stdio -monitor none)
else
    args+=(-display none -serial mon:stdio)
fi
args+=(
    -serial "file:$panic_log"
    -device "isa-debug-exit,iobase=0xf4,iosize=0x04"
)
if ((icount)); then args+=(-icount "shift=0,sleep=off"); fi
if ((debug)); then
    args+=(-s -S)
    echo "qemu.sh: waiting for gdb on tcp::1234 (target remote :1234)" >&2
fi

exec "${qemu[@]}" "${args[@]}" "$@"
