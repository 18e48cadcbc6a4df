#!/usr/bin/env bash
# preflight.sh - check (and on Debian as root, install) the KOZO toolchain
# before anything is compiled.
#
# Usage: scripts/preflight.sh [--fuzz] [--bench] [--rust] [--lint] [--graph]
#   --fuzz   also require clang with libFuzzer (clang -fsanitize=fuzzer)
#   --bench  also require what scripts/linux-bench.sh needs: musl-gcc
#            (package musl-tools) and a Debian Linux kernel /boot/vmlinuz-*
#            (package linux-image-amd64)
#   --rust   also require rustc (package rustc): make test compiles the
#            generated Rust ABI module
#   --lint   also require what scripts/lint.sh needs: clang-format (package
#            clang-format; the tree is formatted with Debian 12's, version 14)
#            and perl
#   --graph  also require Graphviz's dot (package graphviz): make graph draws
#            the system description
#
# Checks: a C compiler (gcc or clang; $CC honoured), GNU binutils (ld,
# objcopy, nm, readelf), GNU make, qemu-system-x86_64 >= 7, grub-mkrescue
# and the BIOS GRUB modules (/usr/lib/grub/i386-pc), xorriso, mformat,
# cpio, b3sum. Prints one line per tool.
#
# If something is missing and we run as root on Debian with KOZO_NO_INSTALL
# unset, the Debian packages are installed with apt-get (apt-get update is
# only run if the first install attempt fails), then everything is re-checked.
# Otherwise the apt-get command line to run is printed.
#
# Environment:
#   CC               C compiler to check (default: gcc, else clang)
#   GRUB_PC_DIR      GRUB i386-pc modules (default /usr/lib/grub/i386-pc)
#   KOZO_NO_INSTALL  if set (to anything), never install packages
#   KOZO_ABI_CHECK   "abi-file [abi-file...]:generated-header": also check that the
#                    KOZO_ABI_FINGERPRINT_STR in the header equals the first
#                    16 hex digits of the b3sum of the abi files concatenated
#
# Exit status: 0 all required tools present (and ABI files fresh),
#              1 tools missing / unusable or generated ABI files stale,
#              2 usage error.
set -euo pipefail

GRUB_PC_DIR=${GRUB_PC_DIR:-/usr/lib/grub/i386-pc}
QEMU_MIN_MAJOR=7
# Default clang major on Debian 12 (bookworm); used for libclang-rt-N-dev
# when clang itself is not installed yet.
DEFAULT_CLANG_MAJOR=14

want_fuzz=0
want_bench=0
want_rust=0
want_lint=0
want_graph=0

usage() {
    sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$0" >&2
}

while (($#)); do
    case "$1" in
    --fuzz) want_fuzz=1 ;;
    --bench) want_bench=1 ;;
    --rust) want_rust=1 ;;
    --lint) want_lint=1 ;;
    --graph) want_graph=1 ;;
    -h | --help)
        usage
        exit 0
        ;;
    *)
        echo "preflight: unknown argument: $1" >&2
        echo "usage: $0 [--fuzz] [--bench] [--rust] [--lint] [--graph]" >&2
        exit 2
        ;;
    esac
    shift
done

tmpdir=$(mktemp -d "${TMPDIR:-/tmp}/kozo-preflight.XXXXXX")
trap 'rm -rf "$tmpdir"' EXIT

missing_pkgs=()   # Debian packages that would fix what is missing
fatal=()          # problems that installing packages cannot fix

say() { printf 'preflight: %s\n' "$*"; }

add_pkg() {
    local p q
    for p in "$@"; do
        for q in ${missing_pkgs[@]+"${missing_pkgs[@]}"}; do
            [[ $q == "$p" ]] && continue 2
        done
        missing_pkgs+=("$p")
    done
}

# First dotted version number on the first line of `CMD --version`.
version_of() {
    local out line
    out=$("$@" --version 2>&1 </dev/null) || true
    line=${out%%$'\n'*}
    if [[ $line =~ ([0-9]+(\.[0-9]+)+) ]]; then
        printf '%s' "${BASH_REMATCH[1]}"
    else
        printf '?'
    fi
}

first_line() {
    local out
    out=$("$@" --version 2>&1 </dev/null) || true
    printf '%s' "${out%%$'\n'*}"
}

# check_cmd NAME PACKAGE...: present in PATH, else record packages.
check_cmd() {
    local name=$1
    shift
    if command -v "$name" >/dev/null 2>&1; then
        say "$name $(version_of "$name") ok"
        return 0
    fi
    say "$name missing (package: $*)"
    add_pkg "$@"
    return 1
}

# check_gnu NAME PACKAGE: present and a GNU tool.
check_gnu() {
    local name=$1 pkg=$2 l
    if ! command -v "$name" >/dev/null 2>&1; then
        say "$name missing (package: $pkg)"
        add_pkg "$pkg"
        return 1
    fi
    l=$(first_line "$name")
    if [[ $l != *GNU* ]]; then
        say "$name is not the GNU version ($l)"
        fatal+=("$name must be GNU $pkg (found: $l)")
        add_pkg "$pkg"
        return 1
    fi
    say "$name $(version_of "$name") ok"
}

check_cc() {
    local -a cc
    local name pkg
    if [[ -n ${CC:-} ]]; then
        read -r -a cc <<<"$CC"
    elif command -v gcc >/dev/null 2>&1; then
        cc=(gcc)
    elif command -v clang >/dev/null 2>&1; then
        cc=(clang)
    else
        cc=(gcc)
    fi
    name=${cc[0]}
    case "${name##*/}" in
    *clang*) pkg=clang ;;
    *) pkg=gcc ;;
    esac
    if ! command -v "$name" >/dev/null 2>&1; then
        say "$name (C compiler) missing (package: $pkg)"
        add_pkg "$pkg"
        return 1
    fi
    if ! printf 'int kozo_preflight;\n' |
        "${cc[@]}" -ffreestanding -x c -c -o "$tmpdir/cc.o" - >"$tmpdir/cc.log" 2>&1; then
        say "$name (C compiler) cannot compile a trivial file"
        sed 's/^/preflight:   /' "$tmpdir/cc.log" | tail -n 5
        fatal+=("C compiler '${cc[*]}' does not work")
        return 1
    fi
    say "$name $(version_of "${cc[@]}") ok"
}

check_qemu() {
    local v major
    command -v qemu-system-x86_64 >/dev/null 2>&1 || {
        say "qemu-system-x86_64 missing (package: qemu-system-x86)"
        add_pkg qemu-system-x86
        return 1
    }
    v=$(version_of qemu-system-x86_64)
    major=${v%%.*}
    if [[ ! $major =~ ^[0-9]+$ ]] || ((major < QEMU_MIN_MAJOR)); then
        say "qemu-system-x86_64 $v too old (need >= $QEMU_MIN_MAJOR)"
        fatal+=("qemu-system-x86_64 $v is older than $QEMU_MIN_MAJOR.0")
        return 1
    fi
    say "qemu-system-x86_64 $v ok"
}

check_grub_pc() {
    local f
    for f in modinfo.sh kernel.img boot_hybrid.img multiboot2.mod; do
        if [[ ! -f $GRUB_PC_DIR/$f ]]; then
            say "grub i386-pc modules missing ($GRUB_PC_DIR/$f; package: grub-pc-bin)"
            add_pkg grub-pc-bin grub-common
            return 1
        fi
    done
    say "grub i386-pc modules ($GRUB_PC_DIR) ok"
}

clang_major() {
    local v
    if command -v clang >/dev/null 2>&1; then
        v=$(version_of clang)
        [[ ${v%%.*} =~ ^[0-9]+$ ]] && { printf '%s' "${v%%.*}"; return; }
    fi
    printf '%s' "$DEFAULT_CLANG_MAJOR"
}

check_fuzz() {
    local rtpkg
    rtpkg="libclang-rt-$(clang_major)-dev"
    if ! command -v clang >/dev/null 2>&1; then
        say "clang missing (needed for --fuzz; packages: clang $rtpkg)"
        add_pkg clang "$rtpkg"
        return 1
    fi
    cat >"$tmpdir/fuzz.c" <<'EOF'
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }
EOF
    if clang -fsanitize=fuzzer -o "$tmpdir/fuzz" "$tmpdir/fuzz.c" >"$tmpdir/fuzz.log" 2>&1; then
        say "libFuzzer (clang $(version_of clang) -fsanitize=fuzzer) ok"
    else
        say "libFuzzer missing (clang -fsanitize=fuzzer fails; package: $rtpkg)"
        add_pkg "$rtpkg"
        return 1
    fi
}

# The Linux side of the benchmarks: a static musl program and a kernel to
# boot it with (scripts/linux-bench.sh).
check_bench() {
    local k
    check_cmd musl-gcc musl-tools || true
    k=$(compgen -G '/boot/vmlinuz-*' | LC_ALL=C sort -V | tail -n 1 || true)
    if [[ -n $k && -r $k ]]; then
        say "linux kernel $k ok"
    else
        say "linux kernel /boot/vmlinuz-* missing (package: linux-image-amd64)"
        add_pkg linux-image-amd64
    fi
}

check_rust() {
    check_cmd rustc rustc || true
}

# Another clang-format major version formats some constructs differently: say so, as the
# format check may then fail on code that is formatted (docs/CONTRIBUTING.md).
check_lint() {
    if command -v perl >/dev/null 2>&1; then
        say "perl $(perl -e 'printf "%vd", $^V') ok" # its --version starts with a blank line
    else
        say "perl missing (package: perl-base)"
        add_pkg perl-base
    fi
    if check_cmd clang-format clang-format; then
        local v
        v=$(version_of clang-format)
        [[ ${v%%.*} == 14 ]] || say "clang-format $v: the tree is formatted with version 14"
    fi
}

run_checks() {
    missing_pkgs=()
    fatal=()
    local t
    check_cc || true
    for t in ld objcopy nm readelf; do
        check_gnu "$t" binutils || true
    done
    check_gnu make make || true
    check_qemu || true
    check_cmd grub-mkrescue grub-common grub-pc-bin || true
    check_grub_pc || true
    check_cmd xorriso xorriso || true
    check_cmd mformat mtools || true
    check_cmd cpio cpio || true
    check_cmd b3sum b3sum || true
    if ((want_fuzz)); then check_fuzz || true; fi
    if ((want_bench)); then check_bench; fi
    if ((want_rust)); then check_rust; fi
    if ((want_lint)); then check_lint; fi
    if ((want_graph)); then check_cmd dot graphviz || true; fi
}

# Try to install the missing packages; returns non-zero if apt-get failed.
try_install() {
    local log=$tmpdir/apt.log
    local -a install=(apt-get install -y -q --no-install-recommends "${missing_pkgs[@]}")
    say "installing: ${missing_pkgs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if "${install[@]}" >"$log" 2>&1 </dev/null; then
        return 0
    fi
    say "apt-get install failed; running apt-get update and retrying"
    if ! apt-get update -q >"$log" 2>&1 </dev/null; then
        say "apt-get update failed:"
        tail -n 20 "$log" | sed 's/^/preflight:   /' >&2
        return 1
    fi
    if ! "${install[@]}" >"$log" 2>&1 </dev/null; then
        say "apt-get install failed:"
        tail -n 20 "$log" | sed 's/^/preflight:   /' >&2
        return 1
    fi
}

can_install() {
    [[ $(id -u) -eq 0 && -f /etc/debian_version && -z ${KOZO_NO_INSTALL+x} ]] &&
        command -v apt-get >/dev/null 2>&1
}

abi_check() {
    local spec=$1 abi hdr want got line f
    abi=${spec%%:*}
    hdr=${spec#*:}
    if [[ $spec != *:* || -z $abi || -z $hdr ]]; then
        echo "preflight: KOZO_ABI_CHECK must be 'abi-file [abi-file...]:generated-header' (got '$spec')" >&2
        return 1
    fi
    local -a files
    read -r -a files <<<"$abi"
    for f in "${files[@]}"; do
        if [[ ! -f $f ]]; then
            echo "preflight: ABI file '$f' not found" >&2
            return 1
        fi
    done
    if [[ ! -f $hdr ]]; then
        echo "preflight: generated ABI header '$hdr' not found: run make abi" >&2
        return 1
    fi
    want=$(cat "${files[@]}" | b3sum --no-names)
    want=${want:0:16}
    line=$(grep -E '^[[:space:]]*#[[:space:]]*define[[:space:]]+KOZO_ABI_FINGERPRINT_STR[[:space:]]' "$hdr" || true)
    if [[ $line =~ KOZO_ABI_FINGERPRINT_STR[[:space:]]+\"([0-9A-Fa-f]{16})\" ]]; then
        got=${BASH_REMATCH[1],,}
    else
        echo "preflight: no KOZO_ABI_FINGERPRINT_STR \"<16 hex>\" in '$hdr': generated ABI files are stale: run make abi" >&2
        return 1
    fi
    if [[ $got != "$want" ]]; then
        echo "preflight: generated ABI files are stale: run make abi" >&2
        echo "preflight:   $hdr has fingerprint $got, $abi hashes to $want" >&2
        return 1
    fi
    say "ABI fingerprint $got ($hdr matches $abi) ok"
}

run_checks

if ((${#missing_pkgs[@]})) && can_install; then
    if try_install; then
        say "re-checking after install"
    fi
    run_checks
fi

if ((${#missing_pkgs[@]} || ${#fatal[@]})); then
    for f in ${fatal[@]+"${fatal[@]}"}; do
        echo "preflight: error: $f" >&2
    done
    if ((${#missing_pkgs[@]})); then
        echo "Missing tools. Install them with:" >&2
        echo "  sudo apt-get install -y ${missing_pkgs[*]}" >&2
    fi
    exit 1
fi

if [[ -n ${KOZO_ABI_CHECK:-} ]]; then
    abi_check "$KOZO_ABI_CHECK" || exit 1
fi

say "all required tools present"
exit 0
