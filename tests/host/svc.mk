# SPDX-License-Identifier: MIT OR Apache-2.0
#
# tests/host/svc.mk - host unit tests of lib/libsvc's logic (the pool allocator, mapping
# with missing levels), included from tests/tests.mk. The library's files compile for the
# host as they are; tests/host/test_svc.c plays the kernel's part.
#
#   make test-host-svc        build $(BUILD)/tests/test_svc (ASan + UBSan) and run it

SVCTEST_BIN := $(BUILD)/tests/test_svc
SVCTEST_SRC := lib/libsvc/alloc.c lib/libsvc/pool.c lib/libsvc/vspace.c lib/libsvc/proto.c lib/libsvc/arena.c \
               lib/libsvc/arch/$(ARCH)/paging.c \
               tests/host/test_svc.c
SVCTEST_FLAGS := -std=c11 -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
                 -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes -Wundef \
                 -Ilib/libsvc/include -Ilib/libkozo/include -Ilib/libkozo/arch/$(ARCH)/include -I$(BUILD)/include \
                 -I$(BUILD)/tests
# The generator's golden protocol (tests/abi/golden/), whose dispatch the test runs.
SVCTEST_PROTO := $(BUILD)/tests/proto/example.h
$(SVCTEST_PROTO): tests/abi/golden/example.proto $(ABIGEN)
	@mkdir -p $(@D)
	$(ABIGEN) --proto $< --fingerprint $$(b3sum --no-names $< | cut -c1-16) --c $@

.PHONY: test-host-svc
$(SVCTEST_BIN): $(SVCTEST_SRC) $(wildcard lib/libsvc/include/svc/*.h) tests/host/test.h $(ABI_H) $(SVCTEST_PROTO)
	@mkdir -p $(@D)
	$(HOSTCC) $(SVCTEST_FLAGS) -o $@ $(SVCTEST_SRC)
test-host-svc: $(SVCTEST_BIN)
	ASAN_OPTIONS=detect_leaks=0 $(SVCTEST_BIN)

# The console driver's line editor and screen (services/console/line.c, screen.c), pure logic.
CONSOLETEST_BIN := $(BUILD)/tests/test_console
CONSOLETEST_SRC := services/console/line.c services/console/screen.c
$(CONSOLETEST_BIN): tests/host/test_console.c $(CONSOLETEST_SRC) services/console/line.h services/console/screen.h \
		tests/host/test.h
	@mkdir -p $(@D)
	$(HOSTCC) -std=c11 -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -Wall -Wextra -Werror \
		-o $@ tests/host/test_console.c $(CONSOLETEST_SRC)
test-host-console: $(CONSOLETEST_BIN)
	ASAN_OPTIONS=detect_leaks=0 $(CONSOLETEST_BIN)
.PHONY: test-host-console

# The VMM's region logic (services/vmm/space.c) and the map it keeps pages in.
VMMTEST_BIN := $(BUILD)/tests/test_vmm
$(VMMTEST_BIN): tests/host/test_vmm.c services/vmm/space.c services/vmm/space.h lib/libsvc/map.c \
		lib/libsvc/include/svc/map.h tests/host/test.h $(BUILD)/include/proto/vmm.h $(ABI_H)
	@mkdir -p $(@D)
	$(HOSTCC) $(SVCTEST_FLAGS) -o $@ tests/host/test_vmm.c services/vmm/space.c lib/libsvc/map.c
test-host-vmm: $(VMMTEST_BIN)
	ASAN_OPTIONS=detect_leaks=0 $(VMMTEST_BIN)
.PHONY: test-host-vmm
