# SPDX-License-Identifier: MIT OR Apache-2.0
#
# libFuzzer targets (clang -fsanitize=fuzzer,address,undefined).
#   make fuzz [FUZZ_SECONDS=600]   run every target that long, corpus kept in $(BUILD)/fuzz
#   make fuzz-smoke                replay committed regressions, then a short run of each
# Seeds are in tests/fuzz/corpus/<target>/; a crash found becomes a file in
# tests/fuzz/regressions/<target>/ (commit it), replayed by every fuzz-smoke.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 600
FUZZ_SMOKE_SECONDS ?= 10
FUZZ_CFLAGS  := -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-Wall -Wextra -Werror -iquote lib/common -Ilib/common/arch/x86_64
FUZZ_TARGETS := cpio elf syscall
FUZZ_BINS    := $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_TARGETS))

$(BUILD)/fuzz/fuzz_cpio: tests/fuzz/fuzz_cpio.c lib/common/cpio.c lib/common/cpio.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ tests/fuzz/fuzz_cpio.c lib/common/cpio.c
$(BUILD)/fuzz/fuzz_elf: tests/fuzz/fuzz_elf.c lib/common/elf.c lib/common/elf.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ tests/fuzz/fuzz_elf.c lib/common/elf.c

# The kernel core with the host arch and the unit-test harness (see tests/host/kernel.mk).
FUZZ_KERNEL_SRC := $(wildcard kernel/core/*.c kernel/object/*.c) kernel/arch/host/arch.c \
	kernel/arch/x86_64/vspace.c lib/common/fmt.c lib/common/cpio.c lib/common/elf.c \
	tests/host/kernel_harness.c tests/host/vspace_check.c
$(BUILD)/fuzz/fuzz_syscall: tests/fuzz/fuzz_syscall.c $(FUZZ_KERNEL_SRC) $(ABI_H)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fno-omit-frame-pointer -pthread -Ikernel/arch/host -Ikernel/include \
		-Ilib/common -Ilib/common/arch/x86_64 -Itests/host -I$(BUILD)/include -DKOZO_KERNEL -DKOZO_TEST_BUILD=0 -DKOZO_DEBUG_ERRORS=1 \
		-DKOZO_BUILD_ID='"fuzz"' -o $@ tests/fuzz/fuzz_syscall.c $(FUZZ_KERNEL_SRC)

fuzz: $(FUZZ_BINS)
	@scripts/fuzz.sh run $(FUZZ_SECONDS) $(FUZZ_TARGETS)
fuzz-smoke: $(FUZZ_BINS)
	@scripts/fuzz.sh smoke $(FUZZ_SMOKE_SECONDS) $(FUZZ_TARGETS)
.PHONY: fuzz fuzz-smoke
