// SPDX-License-Identifier: MIT OR Apache-2.0
// What the arch layer learns from the boot loader and hands to kernel_main (core/boot.c).
#ifndef KERN_BOOT_H
#define KERN_BOOT_H

#include <kern/types.h>

#define BOOT_MAX_REGIONS 64

struct boot_region {
    paddr_t base, end; // [base, end)
};

struct boot_mem {
    struct boot_region free[BOOT_MAX_REGIONS]; // usable RAM, minus kernel and modules
    unsigned nfree;
    struct boot_region device[BOOT_MAX_REGIONS]; // physical space that is not RAM (MMIO)
    unsigned ndevice;
    paddr_t initrd_base, initrd_end; // 0, 0 when no initrd module was loaded
    word_t kernel_bytes;             // the kernel image and its static data
};

NORETURN void kernel_main(word_t magic, word_t info);

#endif
