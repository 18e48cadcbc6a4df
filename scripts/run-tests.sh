#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
#
# Run every test suite of `make test`, in order, and add up their results.
# Each suite prints "<suite>: N passed, M failed" lines (one per part it runs); they are
# added up. A suite that fails without printing one counts as one failure. The boot suites' JUnit files are merged
# into $BUILD/test-results.xml.
#
# Usage: scripts/run-tests.sh   (from the repository root; BUILD defaults to build)
# Exit status: 0 if nothing failed.
set -uo pipefail
BUILD=$(realpath -m "${BUILD:-build}")
export BUILD
total_pass=0 total_fail=0
failed_suites=()

suite() {
    local name=$1
    shift
    echo "=== $name"
    local log rc=0
    log=$(mktemp)
    "$@" 2>&1 | tee "$log" || rc=$?
    local line found=0 spass=0 sfail=0
    while IFS= read -r line; do
        if [[ $line =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
            found=1
            spass=$((spass + BASH_REMATCH[1]))
            sfail=$((sfail + BASH_REMATCH[2]))
        fi
    done <"$log"
    rm -f "$log"
    if ((found)); then
        ((rc != 0 && sfail == 0)) && sfail=1
    elif ((rc == 0)); then
        spass=1
    else
        sfail=1
    fi
    total_pass=$((total_pass + spass))
    total_fail=$((total_fail + sfail))
    ((rc == 0)) || failed_suites+=("$name")
}

suite "lint: the rules of docs/CONTRIBUTING.md" scripts/lint.sh
suite "lint: self-test (each rule fails on a bad file)" tests/lint/test-lint.sh "$BUILD/lint-test"
suite "host: lib/common parsers and formatting" make -s host-tests
if [[ -f tests/host/kernel.mk ]]; then
    suite "host: kernel core (ASan/UBSan)" make -s test-host-kernel
fi
suite "host: lib/libsvc (ASan/UBSan)" make -s test-host-svc
suite "host: the console driver's line editor (ASan/UBSan)" make -s test-host-console
suite "host: the VMM's regions and page map (ASan/UBSan)" make -s test-host-vmm
suite "abi: generator and lockstep" tests/abi/test-abigen.sh "$BUILD/tools/abigen" "$BUILD/abi-test"
suite "sysgen: system descriptions (generator, golden files)" tests/sysgen/test-sysgen.sh "$BUILD/tools/sysgen" "$BUILD/sysgen-test" "$BUILD/include"
suite "abi: protocols (generator, golden files, docs/proto)" tests/abi/test-protogen.sh "$BUILD/tools/abigen" "$BUILD/protogen-test" "$BUILD/include"
suite "scripts: integration runner self-test" scripts/test-integration-runner.sh
suite "fuzz: libFuzzer smoke run of every target" make -s fuzz-smoke
suite "build: reproducible bit for bit" scripts/repro-check.sh "$BUILD/repro"
suite "boot: Genesis in QEMU" scripts/integration-test.sh --timeout 120 --suite genesis \
    --junit "$BUILD/junit-genesis.xml" "$BUILD/kozo.img" tests/boot/genesis.checks
tests/boot/services.sh >"$BUILD/services.checks"
suite "boot: the service manager at the prompt (fsd killed 100 times)" scripts/integration-test.sh --timeout 240 \
    --suite services --junit "$BUILD/junit-services.xml" "$BUILD/kozo.img" "$BUILD/services.checks"
suite "boot: a service that dies too often is failed, the system goes on" scripts/integration-test.sh --timeout 60 \
    --suite faults --junit "$BUILD/junit-faults.xml" "$BUILD/faults/kozo.img" tests/boot/faults.checks
suite "boot: init refuses a kernel with another ABI" scripts/integration-test.sh --timeout 60 \
    --suite abi-mismatch --junit "$BUILD/junit-abi-mismatch.xml" "$BUILD/abiskew/kozo.img" \
    tests/boot/abi-mismatch.checks
suite "boot: bad boot input panics cleanly" tests/boot/bad-input.sh "$BUILD/kozo-kernel" \
    "$BUILD/services/fsd" "$BUILD/bad-input"
suite "boot: crash channel and anonymised crash reports" tests/boot/crash-test.sh \
    "$BUILD/testbuild/kozo.img" "$BUILD/crash-test"
suite "boot: in-guest kernel tests (ktest)" tests/ktest/run.sh "$BUILD/ktest/kozo.img" "$BUILD/ktest"
suite "boot: ktest with the IPC fast path compiled out" tests/ktest/run.sh \
    "$BUILD/nofastpath/ktest/kozo.img" "$BUILD/nofastpath/ktest" ktest-nofastpath
suite "bench: fast-path instruction counts against bench/baseline.txt" tests/bench/check-baseline.sh \
    "$BUILD/bench/kozo.img" "$BUILD/bench-check"

# One JUnit file for CI viewers: every boot suite's <testsuite>, in one <testsuites>.
{
    echo '<?xml version="1.0" encoding="UTF-8"?>'
    echo '<testsuites>'
    for f in "$BUILD"/junit-*.xml "$BUILD"/bad-input/bad-*.xml "$BUILD"/crash-test/crash-*.xml; do
        [[ -f $f ]] && grep -v '^<?xml' "$f" | sed -e '/^<testsuites/d' -e '/^<\/testsuites/d'
    done
    echo '</testsuites>'
} >"$BUILD/test-results.xml"

echo
((${#failed_suites[@]} == 0)) || printf 'failed suite: %s\n' "${failed_suites[@]}"
echo "$total_pass passed, $total_fail failed"
((total_fail == 0))
