# SPDX-License-Identifier: MIT OR Apache-2.0
#
# tests/host/kernel.mk - host unit tests of the portable kernel core, included from
# tests/tests.mk (uses BUILD, HOSTCC and ABI_H from the root Makefile).
#
#   make test-host-kernel          build $(BUILD)/tests/test_kernel (ASan + UBSan) and run it
#   make test-host-kernel-clang    the same binary built with clang, in one go, and run
#   $(BUILD)/tests/test_kernel cspace   run only the tests whose name contains "cspace"
#
# The binary links every kernel/core/*.c and kernel/object/*.c (new files are picked up),
# the fake arch kernel/arch/host/arch.c with x86_64's page tables (vspace.c, portable C
# behind mmu.h), and lib/common's fmt, cpio and elf. Not
# lib/common/string.c: libc provides memcpy & co. With -Ilib/common the core's
# `#include <string.h>` still reads lib/common/string.h, whose declarations are the
# standard ones, so they agree with libc's definitions.

KTEST_DIR  := $(BUILD)/tests
KTEST_BIN  := $(KTEST_DIR)/test_kernel
KTEST_SRC  := $(wildcard kernel/core/*.c kernel/object/*.c) kernel/arch/host/arch.c \
              kernel/arch/x86_64/vspace.c \
              lib/common/fmt.c lib/common/cpio.c lib/common/elf.c \
              tests/host/kernel_harness.c tests/host/vspace_check.c tests/host/test_kernel.c \
              $(sort $(wildcard tests/host/kernel/*.c))
KTEST_OBJ  := $(patsubst %.c,$(KTEST_DIR)/kobj/%.o,$(KTEST_SRC))
KTEST_FLAGS := -std=c11 -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
               -fno-omit-frame-pointer -pthread \
               -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes -Wundef \
               -Ikernel/arch/host -Ikernel/include -Ilib/common -Ilib/common/arch/x86_64 -I$(BUILD)/include -Itests/host \
               -DKOZO_KERNEL -DKOZO_TEST_BUILD=1 -DKOZO_DEBUG_ERRORS=1 -DKOZO_BUILD_ID='"host-test"'

.PHONY: test-host-kernel test-host-kernel-clang

$(KTEST_DIR)/kobj/%.o: %.c $(ABI_H)
	@mkdir -p $(@D)
	$(HOSTCC) $(KTEST_FLAGS) -MMD -MP -c -o $@ $<

$(KTEST_BIN): $(KTEST_OBJ)
	$(HOSTCC) $(KTEST_FLAGS) -o $@ $(KTEST_OBJ)

# No leak check: the kernel core has no allocator to leak from, and LeakSanitizer's
# stop-the-world scan at exit has been seen to crash and hang on a loaded sandbox.
test-host-kernel: $(KTEST_BIN)
	ASAN_OPTIONS=detect_leaks=0 $(KTEST_BIN)

test-host-kernel-clang: $(KTEST_SRC) $(ABI_H)
	@mkdir -p $(KTEST_DIR)
	clang $(KTEST_FLAGS) -o $(KTEST_BIN)-clang $(KTEST_SRC)
	ASAN_OPTIONS=detect_leaks=0 $(KTEST_BIN)-clang

-include $(KTEST_OBJ:.o=.d)
