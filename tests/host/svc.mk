# SPDX-License-Identifier: MIT OR Apache-2.0
#
# tests/host/svc.mk - host unit tests of lib/libsvc's logic (the pool allocator, mapping
# with missing levels), included from tests/tests.mk. The library's files compile for the
# host as they are; tests/host/test_svc.c plays the kernel's part.
#
#   make test-host-svc        build $(BUILD)/tests/test_svc (ASan + UBSan) and run it

SVCTEST_BIN := $(BUILD)/tests/test_svc
SVCTEST_SRC := lib/libsvc/alloc.c lib/libsvc/pool.c lib/libsvc/vspace.c lib/libsvc/arch/$(ARCH)/paging.c \
               tests/host/test_svc.c
SVCTEST_FLAGS := -std=c11 -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
                 -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes -Wundef \
                 -Ilib/libsvc/include -Ilib/libkozo/include -Ilib/libkozo/arch/$(ARCH)/include -I$(BUILD)/include

.PHONY: test-host-svc
$(SVCTEST_BIN): $(SVCTEST_SRC) $(wildcard lib/libsvc/include/svc/*.h) tests/host/test.h $(ABI_H)
	@mkdir -p $(@D)
	$(HOSTCC) $(SVCTEST_FLAGS) -o $@ $(SVCTEST_SRC)
test-host-svc: $(SVCTEST_BIN)
	ASAN_OPTIONS=detect_leaks=0 $(SVCTEST_BIN)
