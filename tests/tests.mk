# SPDX-License-Identifier: MIT OR Apache-2.0
# Test targets. `make test` builds everything and runs scripts/run-tests.sh, which runs
# each suite and prints the total "N passed, M failed".
HOST_TEST_DIR := $(BUILD)/host-tests
include tests/host/Makefile.frag
-include tests/host/kernel.mk
include tests/fuzz/fuzz.mk

# The test build (TEST_BUILD=1) adds the deliberate-panic system call and init's `crash`
# command, for the crash-channel test. It lives in its own build folder.
$(BUILD)/testbuild/kozo.img: FORCE
	@$(MAKE) -s BUILD=$(BUILD)/testbuild TEST_BUILD=1 image

test: preflight-test $(IMAGE) $(ABIGEN) $(BUILD)/testbuild/kozo.img
	@scripts/run-tests.sh

.PHONY: FORCE
FORCE:

# Build twice from two checkout paths (other TZ, locale, umask) and compare sha256sums.
repro-check:
	@scripts/repro-check.sh
.PHONY: repro-check

# make test also fuzzes, so it needs clang and libFuzzer besides the build tools.
preflight-test:
	@scripts/preflight.sh --fuzz
.PHONY: preflight-test
