# SPDX-License-Identifier: MIT OR Apache-2.0
# Test targets. `make test` builds everything and runs scripts/run-tests.sh, which runs
# each suite and prints the total "N passed, M failed".
HOST_TEST_DIR := $(BUILD)/host-tests
include tests/host/Makefile.frag
-include tests/host/kernel.mk

test: preflight $(IMAGE) $(ABIGEN)
	@scripts/run-tests.sh
