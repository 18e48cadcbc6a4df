#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
#
# repro-check.sh - build KOZO twice, from two different checkout paths, with different time
# zones, locales and umasks, and check that kozo-kernel, initrd.cpio and kozo.img are
# identical bit for bit (sha256sum).
#
# Usage: scripts/repro-check.sh [WORKDIR]     (default: $BUILD/repro, i.e. build/repro)
# The two trees are copies of the files git tracks (with any uncommitted edits), so the
# check covers exactly what would be committed. SOURCE_DATE_EPOCH and the commit ID are
# taken once here and given to both builds.
# Prints PASS/FAIL per artefact and "repro-check: N passed, M failed"; exit 1 on failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(realpath -m "${1:-${BUILD:-build}/repro}")
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || echo 0)}
commit=$(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
rm -rf "$work"
mkdir -p "$work"

# build DIR TZ LOCALE UMASK
build() {
    local dir=$1
    mkdir -p "$dir"
    (cd "$root" && git ls-files -z | xargs -0 cp --parents -t "$dir")
    (cd "$dir" && umask "$4" && TZ=$2 LC_ALL=$3 SOURCE_DATE_EPOCH=$epoch \
        make -s COMMIT="$commit" BUILD=out image >"$dir.log" 2>&1) || {
        echo "repro-check: build in $dir failed:"
        tail -n 30 "$dir.log"
        return 1
    }
}
build "$work/a/kozo" UTC C 022
build "$work/second-checkout/src/kozo" Asia/Tokyo C.UTF-8 077

pass=0 fail=0
for f in kozo-kernel kozo-kernel-x86_64.debug initrd.cpio kozo.img; do
    a=$(sha256sum <"$work/a/kozo/out/$f" | cut -d' ' -f1)
    b=$(sha256sum <"$work/second-checkout/src/kozo/out/$f" | cut -d' ' -f1)
    if [[ $a == "$b" ]]; then
        echo "PASS: $f identical ($a)"
        pass=$((pass + 1))
    else
        echo "FAIL: $f differs ($a vs $b)"
        fail=$((fail + 1))
    fi
done
echo "repro-check: $pass passed, $fail failed"
((fail == 0))
