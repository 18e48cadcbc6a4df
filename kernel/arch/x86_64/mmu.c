// SPDX-License-Identifier: MIT OR Apache-2.0
//
// x86_64's MMU: the kernel's own tables (the physical window), loading address spaces
// into CR3, PCIDs and TLB flushes. The page tables themselves are vspace.c's (mmu.h).
//
// Where the CPU has PCIDs, the ASID is also the VSpace's PCID (both are 12 bits), so
// loading another address space keeps the TLB entries of the others instead of flushing
// them. The "keep the PCID's entries" bit (63) of an asid_cr3[] value is what makes a
// load cheap, and clearing it is how a flush reaches an address space that is not
// loaded: its next load flushes it. A new VSpace starts without the bit, so no entry of
// its ASID's previous owner survives.
#include <kern/arch_api.h>
#include "cpu.h"
#include "mmu.h"

#define CR3_NOFLUSH BIT(63) // with CR4.PCIDE: keep the TLB entries of the PCID loaded

extern pte_t boot_pml4[PTES];
static pte_t physmap_pdpt[PTES] ALIGNED(4096);
static pte_t physmap_pd[PHYSMAP_GIB][PTES] ALIGNED(4096);
static word_t cr3_keep; // CR3_NOFLUSH if PCIDs are on, else 0

paddr_t
vspace_kernel_root(void)
{
    return arch_pa_of_kernel(boot_pml4);
}

const pte_t *
mmu_kernel_pml4(void)
{
    return boot_pml4;
}

void
vspace_init(void)
{
    // RAM is write-back; the 3-4 GiB hole (LAPIC, IOAPIC, PCI) is uncached.
    for (word_t g = 0; g < PHYSMAP_GIB; g++) {
        for (word_t i = 0; i < PTES; i++) {
            paddr_t pa = (g << 30) | (i << 21);
            bool mmio = pa >= 0xc0000000ULL && pa < 0x100000000ULL;
            physmap_pd[g][i] = pa | PTE_P | PTE_W | PTE_PS | PTE_G | PTE_NX | (mmio ? PTE_PCD | PTE_PWT : 0);
        }
        physmap_pdpt[g] = arch_pa_of_kernel(physmap_pd[g]) | PTE_P | PTE_W;
    }
    boot_pml4[(PHYSMAP_BASE >> 39) & 511] = arch_pa_of_kernel(physmap_pdpt) | PTE_P | PTE_W;
    boot_pml4[0] = 0; // the identity map was only for the jump to the higher half
    write_cr3(vspace_kernel_root());
    cpu0.loaded_asid = 0;

    uint32_t a, b, c, d;
    cpuid(1, &a, &b, &c, &d);
    if (c & BIT(17)) { // CPUID.01H:ECX.PCID; setting PCIDE needs CR3[11:0] = 0, as it is
        write_cr4(read_cr4() | CR4_PCIDE);
        cr3_keep = CR3_NOFLUSH;
    }
    asid_cr3[0] = vspace_kernel_root() | cr3_keep;
}

bool
vspace_pcid_on(void)
{
    return cr3_keep != 0;
}

word_t
mmu_cr3_tag(unsigned asid)
{
    return cr3_keep ? asid : 0; // without the keep bit: the first load flushes
}

static void
load_asid(word_t asid)
{
    if (asid == cpu0.loaded_asid)
        return;
    word_t cr3 = asid_cr3[asid];
    write_cr3(cr3);
    cpu0.loaded_asid = asid;
    asid_cr3[asid] = cr3 | cr3_keep; // flushed now if it had to be; from now on, kept
}

// Out of line, so that the common case is one compare and a branch not taken.
static NOINLINE void
load_kernel_tables(void)
{
    load_asid(0);
}

void
vspace_activate(cap_t vs)
{
    // A thread whose VSpace cap was deleted under it, or whose VSpace has no ASID (not yet,
    // or no longer: its pool was deleted, and the ASID may be another VSpace's now), runs on
    // the kernel-only tables: it has no user mappings there, so its first instruction
    // faults (to its handler, or it stops) instead of the CPU loading CR3 from a dead
    // object or running it in someone else's address space. (An empty slot's cap is all
    // zero: ASID 0 either way.)
    word_t asid = vspace_asid(vs) % ARCH_ASID_COUNT;
    if (unlikely(asid_vspace[asid] != cap_ptr(vs)))
        return load_kernel_tables();
    load_asid(asid);
}

void
mmu_asid_released(unsigned asid)
{
    if (cpu0.loaded_asid == asid) {
        write_cr3(asid_cr3[0]);
        cpu0.loaded_asid = 0;
    }
}

void
mmu_flush(unsigned asid, word_t va, bool whole)
{
    if (cpu0.loaded_asid != asid)
        asid_cr3[asid] &= ~CR3_NOFLUSH; // its next load flushes it (always, without PCIDs)
    else if (whole)
        write_cr3(asid_cr3[asid] & ~CR3_NOFLUSH); // flush the loaded PCID's entries
    else
        invlpg(va); // the loaded PCID's entry for va
}
