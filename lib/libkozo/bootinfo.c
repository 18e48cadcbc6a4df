// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The boot-info frame, as the root task receives it: checking it before trusting it.
#include <kozo/kozo.h>

int
kozo_bootinfo_check(const struct kozo_bootinfo *bi)
{
    if (!bi || bi->magic != KOZO_BOOTINFO_MAGIC) {
        kozo_printf("kozo: no boot information at %p\n", (const void *)bi);
        return -1;
    }
    if (bi->abi_fingerprint != KOZO_ABI_FINGERPRINT) {
        kozo_printf("kozo: ABI MISMATCH: the kernel speaks ABI %016lx, this program was built for "
                    "%016lx.\nkozo: rebuild the kernel and services together (make).\n",
                    (unsigned long)bi->abi_fingerprint, (unsigned long)KOZO_ABI_FINGERPRINT);
        return -1;
    }
    if (bi->untyped_count > KOZO_BOOTINFO_MAX_UNTYPED) {
        kozo_printf("kozo: boot information claims %lu Untyped regions (at most %u)\n",
                    (unsigned long)bi->untyped_count, (unsigned)KOZO_BOOTINFO_MAX_UNTYPED);
        return -1;
    }
    return 0;
}
