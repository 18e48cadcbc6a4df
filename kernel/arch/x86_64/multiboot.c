// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Multiboot2 hand-off: the memory map and the initrd module. Everything the boot loader
// says is checked before use; a malformed structure stops the boot with a clear reason.
#include <kern/arch_api.h>
#include <kern/boot.h>
#include <kern/printk.h>
#include <string.h>
#include "cpu.h"

#define MB2_BOOT_MAGIC    0x36d76289
#define MB2_TAG_END       0
#define MB2_TAG_MODULE    3
#define MB2_TAG_MMAP      6
#define MB2_MEM_AVAILABLE 1
#define LOW_MEMORY_END    0x100000 // below 1 MiB: BIOS data, leave it alone

struct mb2_tag {
    uint32_t type, size;
};
struct mb2_module {
    uint32_t type, size, start, end;
    char cmdline[];
};
struct mb2_mmap {
    uint32_t type, size, entry_size, entry_version;
};
struct mb2_mmap_entry {
    uint64_t addr, len;
    uint32_t type, reserved;
};

extern char _kernel_start[], _kernel_end[];

// Remove [base, end) from the free regions (splitting one if needed).
static void
reserve(struct boot_mem *bm, paddr_t base, paddr_t end)
{
    for (unsigned i = 0; i < bm->nfree; i++) {
        struct boot_region *r = &bm->free[i];
        if (end <= r->base || base >= r->end)
            continue;
        if (base > r->base && end < r->end) {
            if (bm->nfree == BOOT_MAX_REGIONS)
                panic("boot: memory map too fragmented");
            bm->free[bm->nfree++] = (struct boot_region){ end, r->end };
            r->end = base;
        } else if (base <= r->base && end >= r->end) {
            r->end = r->base; // swallowed whole
        } else if (base <= r->base) {
            r->base = end;
        } else {
            r->end = base;
        }
    }
}

static void
add_free(struct boot_mem *bm, paddr_t base, paddr_t end)
{
    base = ALIGN_UP(MAX(base, (paddr_t)LOW_MEMORY_END), BIT(KOZO_PAGE_BITS));
    end = ALIGN_DOWN(MIN(end, ARCH_PHYSMAP_BYTES), BIT(KOZO_PAGE_BITS));
    if (base < end && bm->nfree < BOOT_MAX_REGIONS)
        bm->free[bm->nfree++] = (struct boot_region){ base, end };
}

// Device memory: everything between 1 MiB and 4 GiB that is not RAM, except the interrupt
// controllers' (the kernel's). User drivers map it from device Untyped caps.
// The whole MSI window is withheld, not only the local APIC's page at its start: a write
// anywhere in it is an interrupt message (QEMU sends one for every CPU write there), which
// can name any vector and any delivery mode (NMI, SMI, INIT). A device that writes to
// memory (DMA) can still send one: without an IOMMU its driver is trusted
// (docs/ARCHITECTURE.md).
#define DEVICE_LIMIT 0x100000000ULL
static const struct boot_region kernel_mmio[] = {
    { 0xfec00000, 0xfec01000 }, // IOAPIC
    { 0xfee00000, 0xfef00000 }, // local APIC and the MSI window
};

static void
add_device(struct boot_mem *bm, paddr_t base, paddr_t end)
{
    for (unsigned i = 0; i < ARRAY_SIZE(kernel_mmio); i++) {
        if (base < kernel_mmio[i].end && end > kernel_mmio[i].base) {
            add_device(bm, base, kernel_mmio[i].base);
            add_device(bm, kernel_mmio[i].end, end);
            return;
        }
    }
    if (base < end && bm->ndevice < BOOT_MAX_REGIONS)
        bm->device[bm->ndevice++] = (struct boot_region){ base, end };
}

// The gaps between the RAM ranges `ram` (any order) in [1 MiB, 4 GiB).
static void
find_device_memory(struct boot_mem *bm, struct boot_region *ram, unsigned nram)
{
    for (unsigned i = 1; i < nram; i++) // insertion sort: a few dozen entries at most
        for (unsigned j = i; j > 0 && ram[j].base < ram[j - 1].base; j--) {
            struct boot_region t = ram[j];
            ram[j] = ram[j - 1];
            ram[j - 1] = t;
        }
    paddr_t at = LOW_MEMORY_END;
    for (unsigned i = 0; i < nram && at < DEVICE_LIMIT; i++) {
        if (ram[i].base > at)
            add_device(bm, at, MIN(ALIGN_DOWN(ram[i].base, BIT(KOZO_PAGE_BITS)), DEVICE_LIMIT));
        at = MAX(at, ALIGN_UP(ram[i].end, BIT(KOZO_PAGE_BITS)));
    }
    if (at < DEVICE_LIMIT)
        add_device(bm, at, DEVICE_LIMIT);
}

void
multiboot_parse(word_t magic, word_t info, struct boot_mem *bm)
{
    if (magic != MB2_BOOT_MAGIC)
        panic("boot: not started by a multiboot2 loader (magic %#lx)", (unsigned long)magic);
    const uint8_t *p = arch_kva(info);
    uint32_t total = *(const uint32_t *)p;
    const uint8_t *end = p + total;
    bool have_mmap = false;
    struct boot_region ram[BOOT_MAX_REGIONS];
    unsigned nram = 0;

    memset(bm, 0, sizeof(*bm));
    for (p += 8; p + sizeof(struct mb2_tag) <= end;) {
        const struct mb2_tag *tag = (const void *)p;
        if (tag->type == MB2_TAG_END || tag->size < sizeof(*tag) || p + tag->size > end)
            break;
        if (tag->type == MB2_TAG_MMAP) {
            const struct mb2_mmap *m = (const void *)tag;
            for (const uint8_t *e = p + sizeof(*m); m->entry_size && e + m->entry_size <= p + tag->size;
                 e += m->entry_size) {
                const struct mb2_mmap_entry *me = (const void *)e;
                if (me->type != MB2_MEM_AVAILABLE || me->addr + me->len <= me->addr)
                    continue;
                add_free(bm, me->addr, me->addr + me->len);
                if (nram < BOOT_MAX_REGIONS)
                    ram[nram++] = (struct boot_region){ me->addr, me->addr + me->len };
            }
            have_mmap = true;
        } else if (tag->type == MB2_TAG_MODULE && tag->size >= sizeof(struct mb2_module)) {
            const struct mb2_module *mod = (const void *)tag;
            if (bm->initrd_end == 0 && mod->end > mod->start) { // the first module is the initrd
                bm->initrd_base = mod->start;
                bm->initrd_end = mod->end;
            }
        }
        p += ALIGN_UP(tag->size, 8u);
    }
    if (!have_mmap)
        panic("boot: the boot loader gave no memory map");
    find_device_memory(bm, ram, nram);

    paddr_t kbase = arch_pa_of_kernel(_kernel_start), kend = arch_pa_of_kernel(_kernel_end);
    bm->kernel_bytes = kend - kbase;
    reserve(bm, kbase, kend);
    reserve(bm, ALIGN_DOWN(info, BIT(KOZO_PAGE_BITS)), ALIGN_UP(info + total, BIT(KOZO_PAGE_BITS)));
    if (bm->initrd_end)
        reserve(bm, ALIGN_DOWN(bm->initrd_base, BIT(KOZO_PAGE_BITS)),
                ALIGN_UP(bm->initrd_end, BIT(KOZO_PAGE_BITS)));

    word_t total_free = 0;
    for (unsigned i = 0; i < bm->nfree; i++)
        total_free += bm->free[i].end - bm->free[i].base;
    printk("[kernel] memory: %lu KiB free in %u regions, kernel %lu KiB, initrd %lu KiB\n",
           (unsigned long)(total_free >> 10), bm->nfree, (unsigned long)(bm->kernel_bytes >> 10),
           (unsigned long)((bm->initrd_end - bm->initrd_base) >> 10));
}
