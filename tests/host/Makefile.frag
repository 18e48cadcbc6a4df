# SPDX-License-Identifier: MIT OR Apache-2.0
#
# tests/host/Makefile.frag - build rules for lib/common and its host unit tests.
#
# Meant to be included from the root Makefile (all paths are relative to the
# repository root); also usable on its own:
#     make -f tests/host/Makefile.frag host-tests lib-common-check
#
# Targets
#   host-tests        build and run test_cpio, test_fmt, test_elf under
#                     AddressSanitizer + UBSan (any sanitizer report aborts).
#   lib-common-check  compile every lib/common/*.c with the kernel's
#                     freestanding flags, once with gcc and once with clang,
#                     and fail if an object references any external symbol
#                     (the library must not depend on anything).
#
# Notes
#   - string.c only compiles with -ffreestanding (it #errors otherwise):
#     hosted, GCC -O2 / clang -O1 turn its loops into calls to memset/memcpy,
#     i.e. into infinite recursion.
#   - In the tests string.c is compiled a second time with
#     -DKOZO_STRING_PREFIXED=1, which renames its functions kz_memcpy,
#     kz_strlen, ...; test_fmt.c defines the same macro before including
#     lib/common/string.h. So the code under test is exactly lib/common/string.c
#     and nothing clashes with the host libc. See lib/common/string.h.
#   - Tests add lib/common with -iquote, not -I: lib/common/string.h must not
#     shadow the host's <string.h> (the kernel build, by contrast, wants -I).
#   - -mcmodel=kernel needs -fno-pic with toolchains that default to PIE
#     (Debian's gcc does: "code model kernel does not support PIC mode").
#   - test_elf links small programs with $(HOSTCC) (static, static glibc,
#     dynamic, PIE, and with lld) to validate real linker output; what cannot
#     be built is reported as SKIP, not as failure. Extra arguments to
#     test_elf are static executables that must validate, e.g. the services:
#         build/host-tests/test_elf build/services/init.elf

HOST_TEST_DIR ?= build/host-tests
HOSTCC        ?= cc

HOST_TEST_CFLAGS := -std=c11 -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
                    -Wall -Wextra -Werror
HOST_TEST_INC    := -iquote lib/common -Ilib/common/arch/x86_64 # the host tests check x86_64 images

LIB_COMMON_SRCS := lib/common/cpio.c lib/common/elf.c lib/common/fmt.c lib/common/string.c
LIB_COMMON_HDRS := $(LIB_COMMON_SRCS:.c=.h)
HOST_TEST_HDRS  := tests/host/test.h $(LIB_COMMON_HDRS)

# The kernel's flags for lib/common (the kernel Makefile may add -O2, -g, ...).
LIB_COMMON_KFLAGS := -ffreestanding -nostdlib -fno-builtin -mgeneral-regs-only -mno-red-zone \
                     -fno-stack-protector -fno-pic -fno-pie -mcmodel=kernel \
                     -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes -Wundef -std=c11

HOST_TESTS := $(HOST_TEST_DIR)/test_cpio $(HOST_TEST_DIR)/test_fmt $(HOST_TEST_DIR)/test_elf

.PHONY: host-tests lib-common-check

host-tests: $(HOST_TESTS)
	$(HOST_TEST_DIR)/test_cpio
	$(HOST_TEST_DIR)/test_fmt
	CC=$(HOSTCC) $(HOST_TEST_DIR)/test_elf

$(HOST_TEST_DIR)/string_prefixed.o: lib/common/string.c lib/common/string.h
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_TEST_CFLAGS) -ffreestanding -DKOZO_STRING_PREFIXED=1 -c $< -o $@

$(HOST_TEST_DIR)/test_cpio: tests/host/test_cpio.c lib/common/cpio.c $(HOST_TEST_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_TEST_CFLAGS) $(HOST_TEST_INC) -o $@ tests/host/test_cpio.c lib/common/cpio.c

$(HOST_TEST_DIR)/test_elf: tests/host/test_elf.c tests/host/test_elf_real.c tests/host/elf_image.h lib/common/elf.c $(HOST_TEST_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_TEST_CFLAGS) $(HOST_TEST_INC) -o $@ tests/host/test_elf.c tests/host/test_elf_real.c lib/common/elf.c

$(HOST_TEST_DIR)/test_fmt: tests/host/test_fmt.c lib/common/fmt.c $(HOST_TEST_DIR)/string_prefixed.o $(HOST_TEST_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_TEST_CFLAGS) $(HOST_TEST_INC) -o $@ tests/host/test_fmt.c lib/common/fmt.c \
		$(HOST_TEST_DIR)/string_prefixed.o

lib-common-check: $(LIB_COMMON_SRCS) $(LIB_COMMON_HDRS)
	@mkdir -p $(HOST_TEST_DIR)/freestanding-gcc $(HOST_TEST_DIR)/freestanding-clang
	cd $(HOST_TEST_DIR)/freestanding-gcc && gcc -O2 $(LIB_COMMON_KFLAGS) -I$(CURDIR)/lib/common/arch/x86_64 -c $(addprefix $(CURDIR)/,$(LIB_COMMON_SRCS))
	cd $(HOST_TEST_DIR)/freestanding-clang && clang -O2 $(LIB_COMMON_KFLAGS) -I$(CURDIR)/lib/common/arch/x86_64 -c $(addprefix $(CURDIR)/,$(LIB_COMMON_SRCS))
	@undef=$$(nm -A -u $(HOST_TEST_DIR)/freestanding-gcc/*.o $(HOST_TEST_DIR)/freestanding-clang/*.o); \
	 if [ -n "$$undef" ]; then echo "lib/common references external symbols:"; echo "$$undef"; exit 1; fi; \
	 echo "lib-common-check: gcc and clang objects OK, no external references"
