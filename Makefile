# SPDX-License-Identifier: MIT OR Apache-2.0
#
# KOZO build: preflight -> ABI -> kernel -> services -> initrd -> image -> tests.
# Everything goes into $(BUILD). `make run` boots it, `make test` runs every test.

SHELL    := /bin/bash
BUILD    ?= build
ARCH     ?= x86_64
CC       ?= gcc
HOSTCC   ?= $(CC)
LD       ?= ld
OBJCOPY  ?= objcopy
VERSION  := 0.0.1-dev
COMMIT   ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
BUILD_ID := $(VERSION)-$(COMMIT)
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
export SOURCE_DATE_EPOCH
export BUILD
TEST_BUILD ?= 0
FASTPATH ?= 1
DEBUG_ERRORS ?= 0
ABI_SKEW ?= 0
KTEST ?= 0
BENCH ?= 0

ifeq ($(origin CC),default)
CC := gcc
endif

WARN := -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes -Wundef
REPRO := -ffile-prefix-map=$(CURDIR)=. -fdebug-prefix-map=$(CURDIR)=.
FREESTANDING := -std=c11 -ffreestanding -fno-builtin -nostdlib -fno-pic -fno-pie \
	-fno-stack-protector -mgeneral-regs-only -fno-asynchronous-unwind-tables -O2 -g $(WARN) $(REPRO)

ABI_SRC  := abi/kernel.abi abi/arch/$(ARCH).abi
ABI_H    := $(BUILD)/include/kozo_abi.h
ABI_RS   := $(BUILD)/kozo_abi.rs
ABIGEN   := $(BUILD)/tools/abigen

KERNEL_CFLAGS := $(FREESTANDING) -mno-red-zone -mcmodel=kernel -fno-omit-frame-pointer \
	-Ikernel/arch/$(ARCH) -Ikernel/include -Ilib/common -Ilib/common/arch/$(ARCH) -I$(BUILD)/include \
	-DKOZO_KERNEL -DKOZO_BUILD_ID='"$(BUILD_ID)"' -DKOZO_TEST_BUILD=$(TEST_BUILD) -DKOZO_FASTPATH=$(FASTPATH) -DKOZO_DEBUG_ERRORS=$(DEBUG_ERRORS) -DKOZO_ABI_SKEW=$(ABI_SKEW)
USER_CFLAGS := $(FREESTANDING) -Ilib/libsvc/include -Ilib/libkozo/include -Ilib/libkozo/arch/$(ARCH)/include \
	-Ilib/common -Ilib/common/arch/$(ARCH) -I$(BUILD)/include \
	-DKOZO_TEST_BUILD=$(TEST_BUILD)

COMMON_SRC := lib/common/string.c lib/common/fmt.c lib/common/cpio.c lib/common/elf.c
KERNEL_SRC := $(wildcard kernel/core/*.c kernel/object/*.c kernel/arch/$(ARCH)/*.c) $(COMMON_SRC)
KERNEL_ASM := $(wildcard kernel/arch/$(ARCH)/*.S)
KERNEL_OBJ := $(patsubst %,$(BUILD)/kobj/%.o,$(KERNEL_SRC) $(KERNEL_ASM))
LIBKOZO_SRC := $(wildcard lib/libkozo/*.c) $(COMMON_SRC)
LIBKOZO_OBJ := $(patsubst %,$(BUILD)/uobj/%.o,$(LIBKOZO_SRC))
LIBSVC_SRC := $(wildcard lib/libsvc/*.c lib/libsvc/arch/$(ARCH)/*.c)
LIBSVC_OBJ := $(patsubst %,$(BUILD)/uobj/%.o,$(LIBSVC_SRC))
CRT0 := $(BUILD)/uobj/lib/libkozo/arch/$(ARCH)/crt0.S.o
USER_LD := lib/libkozo/arch/$(ARCH)/user.ld
# The system description (system/*.sys) says what init starts; the configurations are
# descriptions of their own. Its services (and those of the file it includes) are the
# images of the initrd, with init.
SYSTEM ?= system/$(if $(filter 1,$(KTEST)),ktest,$(if $(filter 1,$(BENCH)),bench,default)).sys
SYSTEM_FILES := $(SYSTEM) $(addprefix $(dir $(SYSTEM)),$(shell sed -n 's/^include *"\(.*\)".*/\1/p' $(SYSTEM)))
SERVICES := init $(shell awk '$$1 == "service" { print $$2 }' $(SYSTEM_FILES))
SERVICE_BINS := $(patsubst %,$(BUILD)/services/%,$(SERVICES))

KERNEL   := $(BUILD)/kozo-kernel
KDEBUG   := $(BUILD)/kozo-kernel-x86_64.debug
INITRD   := $(BUILD)/initrd.cpio
IMAGE    := $(BUILD)/kozo.img

# Keep intermediate objects (the service rules reach them through a pattern chain).
.SECONDARY:

.PHONY: all preflight abi kernel services initrd image run debug test test-host test-abi \
	test-boot clean compile_commands.json format format-check lint
all: $(IMAGE)

preflight:
	@scripts/preflight.sh

# --- ABI -------------------------------------------------------------------------------------
ABIGEN_SRC := $(sort $(wildcard tools/abigen/*.c))
$(ABIGEN): $(ABIGEN_SRC) tools/abigen/abigen.h tools/abigen/proto.h
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=c11 -O2 $(WARN) -o $@ $(ABIGEN_SRC)

$(ABI_H) $(ABI_RS): $(ABI_SRC) $(ABIGEN)
	@mkdir -p $(BUILD)/include
	$(ABIGEN) $(addprefix --in ,$(ABI_SRC)) --fingerprint $$(cat $(ABI_SRC) | b3sum --no-names | cut -c1-16) \
		--c $(ABI_H) --rs $(ABI_RS)
abi: $(ABI_H)

# Service protocols (abi/proto/*.proto): not part of the kernel ABI, each with its own
# fingerprint. abigen writes the C header (client stubs, server dispatch) and the page of
# docs/proto/; make proto-docs copies the pages there, and make test checks they match.
PROTO_SRC := $(sort $(wildcard abi/proto/*.proto))
PROTO_H   := $(patsubst abi/proto/%.proto,$(BUILD)/include/proto/%.h,$(PROTO_SRC))
PROTO_MD  := $(patsubst abi/proto/%.proto,$(BUILD)/proto/%.md,$(PROTO_SRC))
$(BUILD)/include/proto/%.h $(BUILD)/proto/%.md: abi/proto/%.proto $(ABIGEN)
	@mkdir -p $(BUILD)/include/proto $(BUILD)/proto
	$(ABIGEN) --proto $< --fingerprint $$(b3sum --no-names $< | cut -c1-16) \
		--c $(BUILD)/include/proto/$*.h --md $(BUILD)/proto/$*.md
protos: $(PROTO_H) $(PROTO_MD)
proto-docs: $(PROTO_MD)
	@mkdir -p docs/proto && cp $(PROTO_MD) docs/proto/
.PHONY: protos proto-docs

# The preflight gate again, now that the ABI files exist: tools, environment, and that the
# generated header carries the fingerprint of the ABI files. Everything compiled waits for it.
ABI_GATE := $(BUILD)/abi.checked
$(ABI_GATE): $(ABI_H) scripts/preflight.sh
	@KOZO_ABI_CHECK='$(ABI_SRC):$(ABI_H)' scripts/preflight.sh >$@.log 2>&1 || { cat $@.log; exit 1; }
	@touch $@

# --- The system description ------------------------------------------------------------------
# tools/sysgen checks it and writes init's boot table, each service's system.h and the
# picture's source (docs/SYSTEM.md).
SYSGEN   := $(BUILD)/tools/sysgen
SYS_DIR  := $(BUILD)/sys
SYS_STAMP := $(SYS_DIR)/stamp
SYSGEN_SRC := $(sort $(wildcard tools/sysgen/*.c)) tools/abigen/lex.c
$(SYSGEN): $(SYSGEN_SRC) tools/sysgen/sysgen.h tools/abigen/abigen.h
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=c11 -O2 $(WARN) -o $@ $(SYSGEN_SRC)
$(SYS_STAMP): $(SYSTEM_FILES) $(SYSGEN)
	@rm -rf $(SYS_DIR) && mkdir -p $(SYS_DIR)/init
	$(SYSGEN) --in $(SYSTEM) --boot $(SYS_DIR)/init/boot_table.h --headers $(SYS_DIR) --dot $(BUILD)/system.dot
	@touch $@

# The description as a picture: build/system.svg (Graphviz's dot).
graph: $(SYS_STAMP)
	@scripts/preflight.sh --graph >/dev/null || scripts/preflight.sh --graph
	dot -Tsvg $(BUILD)/system.dot -o $(BUILD)/system.svg
	@echo "KOZO: the $(notdir $(basename $(SYSTEM))) system is drawn in $(BUILD)/system.svg"
.PHONY: graph

# --- Kernel ----------------------------------------------------------------------------------
$(BUILD)/kobj/%.c.o: %.c $(ABI_GATE)
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_CFLAGS) -MMD -MP -c -o $@ $<
$(BUILD)/kobj/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_CFLAGS) -MMD -MP -c -o $@ $<

# Two links: the first (with an empty symbol table) gives the addresses for the table the
# second one carries. The table is placed last, so the second link moves no code.
KLINK = $(LD) -n -nostdlib -z max-page-size=4096 -z noexecstack --build-id=none \
	-T kernel/arch/$(ARCH)/linker.ld
$(BUILD)/ksyms-empty.S: scripts/mkksyms.sh
	@mkdir -p $(dir $@)
	scripts/mkksyms.sh - $@
$(BUILD)/kernel.pass1: $(KERNEL_OBJ) $(BUILD)/kobj/ksyms-empty.S.o kernel/arch/$(ARCH)/linker.ld
	$(KLINK) -o $@ $(KERNEL_OBJ) $(BUILD)/kobj/ksyms-empty.S.o
$(BUILD)/ksyms.S: $(BUILD)/kernel.pass1 scripts/mkksyms.sh
	scripts/mkksyms.sh $< $@
$(BUILD)/kobj/%.S.o: $(BUILD)/%.S
	$(CC) $(KERNEL_CFLAGS) -c -o $@ $<
$(KDEBUG): $(KERNEL_OBJ) $(BUILD)/kobj/ksyms.S.o kernel/arch/$(ARCH)/linker.ld
	$(KLINK) -o $@ $(KERNEL_OBJ) $(BUILD)/kobj/ksyms.S.o
	@cmp -s <(nm $(BUILD)/kernel.pass1 | grep -vE "ksyms|_kernel_end") <(nm $@ | grep -vE "ksyms|_kernel_end") || \
		{ echo "error: the symbol table moved kernel code"; exit 1; }
	@if nm $@ | grep -qiE ' (kmalloc|malloc|kfree|free|calloc|realloc)$$'; then \
		echo "error: the kernel must not contain an allocator"; exit 1; fi
$(KERNEL): $(KDEBUG)
	$(OBJCOPY) --strip-debug $< $@
kernel: $(KERNEL)

# --- Services --------------------------------------------------------------------------------
# A service's own system.h (what the description gives it) is on its include path: the
# second word of services/<name>/... (libraries find none, and need none).
$(BUILD)/uobj/%.c.o: %.c $(ABI_GATE) $(PROTO_H) $(SYS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -I$(SYS_DIR)/$(word 2,$(subst /, ,$*)) -MMD -MP -c -o $@ $<
$(BUILD)/uobj/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -c -o $@ $<
$(BUILD)/libkozo.a: $(LIBKOZO_OBJ)
	rm -f $@ && ar rcsD $@ $(sort $^)
$(BUILD)/libsvc.a: $(LIBSVC_OBJ)
	rm -f $@ && ar rcsD $@ $(sort $^)

svc_objs = $(patsubst %,$(BUILD)/uobj/%.o,$(sort $(wildcard services/$(1)/*.c)))
.SECONDEXPANSION:
$(BUILD)/services/%: $$(call svc_objs,$$*) $(CRT0) $(BUILD)/libsvc.a $(BUILD)/libkozo.a $(USER_LD)
	@mkdir -p $(dir $@)
	$(LD) -static -nostdlib --build-id=none -T $(USER_LD) -o $@ $(CRT0) $(filter %.c.o,$^) \
		$(BUILD)/libsvc.a $(BUILD)/libkozo.a
services: $(SERVICE_BINS)

# --- Initrd and image ------------------------------------------------------------------------
$(INITRD): $(SERVICE_BINS) scripts/mkinitrd.sh
	scripts/mkinitrd.sh $@ $(SERVICE_BINS)
$(IMAGE): $(KERNEL) $(INITRD) scripts/mkimage.sh
	scripts/mkimage.sh $@ $(KERNEL) $(INITRD)
initrd: $(INITRD)
image: $(IMAGE)

run: preflight $(IMAGE)
	@echo "KOZO: booting in QEMU. Quit with Ctrl-A then X."
	scripts/qemu.sh $(IMAGE)

debug: preflight $(IMAGE)
	@echo "KOZO: QEMU is waiting for GDB on :1234. In another terminal run:"
	@echo "  gdb -ex 'target remote :1234' $(KDEBUG)"
	scripts/qemu.sh --debug $(IMAGE)

# --- Tests -----------------------------------------------------------------------------------
include tests/tests.mk

clean:
	rm -rf $(BUILD)

compile_commands.json:
	rm -rf $(BUILD) && bear -- $(MAKE) all host-tests

# The rules of docs/CONTRIBUTING.md that a script can check (make test runs it too); the
# format check is one of them, and `make format` fixes what it reports.
# (tests/*/golden/ holds the generators' output as they write it: not formatted.)
FORMAT_FILES = $$(git ls-files '*.c' '*.h' | grep -v '/golden/')
format:
	clang-format -i $(FORMAT_FILES)
format-check:
	clang-format --dry-run -Werror $(FORMAT_FILES)
lint:
	@scripts/lint.sh

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
