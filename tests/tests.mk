# SPDX-License-Identifier: MIT OR Apache-2.0
# Test targets. `make test` builds everything and runs scripts/run-tests.sh, which runs
# each suite and prints the total "N passed, M failed".
HOST_TEST_DIR := $(BUILD)/host-tests
include tests/host/Makefile.frag
-include tests/host/kernel.mk
include tests/host/svc.mk
include tests/fuzz/fuzz.mk

# The test build (TEST_BUILD=1) adds the deliberate-panic system call and init's `crash`
# command, for the crash-channel test. It lives in its own build folder.
$(BUILD)/testbuild/kozo.img: FORCE
	@$(MAKE) -s BUILD=$(BUILD)/testbuild TEST_BUILD=1 image

# The ktest build (KTEST=1) adds services/ktest, the in-guest kernel test suite, to the
# initrd; init runs it before its prompt. `make ktest` builds and boots it (docs/KTEST.md).
# KTEST_HOSTILE_N sets the number of random invocations of the hostile-caller case; the
# knobs go into a header that changes only when a value does, so ktest rebuilds then.
# KTEST_HOSTILE_SEED seeds its generator; KTEST_ONLY=<text> runs only the cases whose name
# contains <text>.
KTEST_HOSTILE_N ?= 100000
KTEST_HOSTILE_SEED ?= 0x6b6f7a6f2d6b7465
KTEST_ONLY ?=
$(BUILD)/ktest/kozo.img: FORCE
	@$(MAKE) -s BUILD=$(BUILD)/ktest KTEST=1 KTEST_HOSTILE_N=$(KTEST_HOSTILE_N) \
		KTEST_HOSTILE_SEED=$(KTEST_HOSTILE_SEED) KTEST_ONLY=$(KTEST_ONLY) image

ifeq ($(KTEST),1)
KTEST_CONFIG_H := $(BUILD)/include/ktest_config.h
$(KTEST_CONFIG_H): FORCE
	@mkdir -p $(dir $@)
	@printf '#define KTEST_HOSTILE_N %s\n#define KTEST_HOSTILE_SEED %s\n#define KTEST_ONLY "%s"\n' \
		'$(KTEST_HOSTILE_N)' '$(KTEST_HOSTILE_SEED)' '$(KTEST_ONLY)' >$@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv -f $@.tmp $@
$(call svc_objs,ktest): $(KTEST_CONFIG_H)
endif

ktest: preflight $(BUILD)/ktest/kozo.img
	@tests/ktest/run.sh $(BUILD)/ktest/kozo.img $(BUILD)/ktest

# The longer hostile-caller run (not part of make test): 20 times the calls.
ktest-long:
	@KTEST_TIMEOUT=1200 $(MAKE) -s BUILD=$(BUILD)/ktest-long KTEST_HOSTILE_N=2000000 ktest
.PHONY: ktest ktest-long

# The supervisor's test system: a service that dies at once, under an on_failure policy.
$(BUILD)/faults/kozo.img: FORCE
	@$(MAKE) -s BUILD=$(BUILD)/faults SYSTEM=system/faults.sys image

# A kernel that publishes a different ABI fingerprint: init must refuse to run.
$(BUILD)/abiskew/kozo.img: FORCE
	@$(MAKE) -s BUILD=$(BUILD)/abiskew ABI_SKEW=1 image

# The benchmark configuration (BENCH=1 adds services/bench). make bench boots it under
# icount and without, boots Debian's Linux with bench/linux/lbench.c the same two ways,
# and prints the table (scripts/bench.sh; docs/PERFORMANCE.md); make test checks the fast
# path's figures against bench/baseline.txt.
$(BUILD)/bench/kozo.img: FORCE
	@$(MAKE) -s BUILD=$(BUILD)/bench BENCH=1 image
bench: preflight-bench $(BUILD)/bench/kozo.img
	@scripts/bench.sh $(BUILD)/bench/kozo.img $(BUILD)/bench
	@cp $(BUILD)/bench/bench.json $(BUILD)/bench.json
preflight-bench:
	@scripts/preflight.sh --bench
.PHONY: bench preflight-bench

# The whole in-guest suite again with the fast path compiled out: both must pass.
$(BUILD)/nofastpath/ktest/kozo.img: FORCE
	@$(MAKE) -s BUILD=$(BUILD)/nofastpath FASTPATH=0 $(BUILD)/nofastpath/ktest/kozo.img

test: preflight-test $(IMAGE) $(ABIGEN) $(SYSGEN) $(BUILD)/testbuild/kozo.img $(BUILD)/abiskew/kozo.img $(BUILD)/ktest/kozo.img \
	$(BUILD)/faults/kozo.img \
	$(BUILD)/bench/kozo.img $(BUILD)/nofastpath/ktest/kozo.img
	@scripts/run-tests.sh

.PHONY: FORCE
FORCE:

# Build twice from two checkout paths (other TZ, locale, umask) and compare sha256sums.
repro-check:
	@scripts/repro-check.sh
.PHONY: repro-check

# make test also fuzzes and compiles the generated Rust module, so it needs clang with
# libFuzzer and rustc besides the build tools.
preflight-test:
	@scripts/preflight.sh --fuzz --rust --lint
.PHONY: preflight-test
