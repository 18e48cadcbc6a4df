// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The kernel image mapped W^X. boot.S maps the first GiB at KERNEL_VBASE with 2 MiB pages,
// writable and executable, just to reach C. Once the physical window is up (vspace_init),
// kmap_init replaces that with 4 KiB pages of the image alone, each with its section's
// permissions (linker.ld starts every section group on a page):
//
//   .text (with the multiboot header and the boot code)   read-only, executable
//   .rodata, .ksyms                                       read-only, no-execute
//   .data, .bss (the stacks, the tables, all the state)   read-write, no-execute
//
// and nothing else of that GiB. The physical window maps all RAM read-write and NX, the
// image too; its alias of the image's read-only sections becomes read-only as well (as
// Linux does for its direct map), so no kernel address can write kernel code and none
// that is writable can be executed. CR0.WP (boot.S) makes the kernel itself obey the
// read-only bit, EFER.NXE the NX bit. All entries are global: the kernel half is the same
// in every address space.
#include <kern/arch_api.h>
#include <kern/printk.h>
#include "cpu.h"

#define PTE_P    BIT(0)
#define PTE_W    BIT(1)
#define PTE_PWT  BIT(3)
#define PTE_PCD  BIT(4)
#define PTE_G    BIT(8)
#define PTE_NX   BIT(63)
#define PTE_ADDR 0x000ffffffffff000ULL
#define PAGE     BIT(KOZO_PAGE_BITS)
#define LARGE    BIT(KOZO_LARGE_PAGE_BITS)
// Page tables for the first 4 MiB of the kernel window and of the physical window: the
// image must end below (linker.ld checks it at link time).
#define KMAP_TABLES 2

typedef uint64_t pte_t;

extern pte_t boot_pml4[512];
extern char _kernel_start[], _text_end[], _data_start[], _data_end[], _kernel_end[];

static pte_t image_pd[512] ALIGNED(4096);
static pte_t image_pt[KMAP_TABLES][512] ALIGNED(4096);
static pte_t window_pt[KMAP_TABLES][512] ALIGNED(4096);

static inline pte_t *
next_table(pte_t e)
{
    return arch_kva(e & PTE_ADDR);
}

// The permission bits of the image page at physical address pa (mapped at KERNEL_VBASE + pa).
static pte_t
image_perms(paddr_t pa)
{
    word_t va = KERNEL_VBASE + pa;
    if (va < (word_t)_text_end)
        return 0;
    if (va >= (word_t)_data_start && va < (word_t)_data_end)
        return PTE_W | PTE_NX;
    return PTE_NX;
}

static bool
in_image(paddr_t pa)
{
    return pa >= arch_pa_of_kernel(_kernel_start) && pa < arch_pa_of_kernel(_kernel_end);
}

// The kernel window's PD for KERNEL_VBASE: the image's pages, nothing else.
static void
map_image(void)
{
    for (paddr_t pa = arch_pa_of_kernel(_kernel_start); pa < arch_pa_of_kernel(_kernel_end); pa += PAGE)
        image_pt[pa / LARGE][(pa / PAGE) % 512] = pa | PTE_P | PTE_G | image_perms(pa);
    for (unsigned t = 0; t < KMAP_TABLES; t++)
        image_pd[t] = arch_pa_of_kernel(image_pt[t]) | PTE_P | PTE_W;
    pte_t *pdpt = next_table(boot_pml4[(KERNEL_VBASE >> 39) & 511]);
    pdpt[(KERNEL_VBASE >> 30) & 511] = arch_pa_of_kernel(image_pd) | PTE_P | PTE_W;
}

// The physical window's first 2 MiB pages, split into 4 KiB pages with the same attributes,
// except that the image's read-only sections lose their write bit there too.
static void
protect_window_alias(void)
{
    pte_t *pd = next_table(next_table(boot_pml4[(PHYSMAP_BASE >> 39) & 511])[0]);
    for (unsigned t = 0; t < KMAP_TABLES; t++) {
        pte_t attrs = pd[t] & (PTE_P | PTE_W | PTE_PWT | PTE_PCD | PTE_G | PTE_NX);
        for (unsigned i = 0; i < 512; i++) {
            paddr_t pa = t * LARGE + i * PAGE;
            bool read_only = in_image(pa) && !(image_perms(pa) & PTE_W);
            window_pt[t][i] = pa | (read_only ? attrs & ~PTE_W : attrs);
        }
        pd[t] = arch_pa_of_kernel(window_pt[t]) | PTE_P | PTE_W;
    }
}

void
kmap_init(void)
{
    if (arch_pa_of_kernel(_kernel_end) > KMAP_TABLES * LARGE)
        panic("kmap: the kernel image ends beyond %lu MiB", (unsigned long)(KMAP_TABLES * LARGE >> 20));
    map_image();
    protect_window_alias();
    // The window's old entries were global: only toggling PGE drops them (and every other).
    word_t cr4 = read_cr4();
    write_cr4(cr4 & ~(word_t)CR4_PGE);
    write_cr4(cr4);
}
