// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The seam between x86_64's page tables and its MMU.
//
// vspace.c builds and takes apart 4-level page tables and keeps the ASID table; it is
// portable C, so the host tests and the fuzzer run the very same code (kernel/arch/host
// implements these hooks over ordinary memory). mmu.c is the machine side: the kernel's
// own tables, CR3, PCIDs and the TLB.
#ifndef KOZO_X86_64_MMU_H
#define KOZO_X86_64_MMU_H

#include <kern/types.h>
#include <arch.h>

#define PTE_P             BIT(0)
#define PTE_W             BIT(1)
#define PTE_U             BIT(2)
#define PTE_PWT           BIT(3)
#define PTE_PCD           BIT(4)
#define PTE_PS            BIT(7)
#define PTE_G             BIT(8)
#define PTE_NX            BIT(63)
#define PTE_ADDR          0x000ffffffffff000ULL
#define PTES              512 // entries in one table of any level
#define PML4_USER_ENTRIES 256 // the lower half; 256..511 are the kernel's, shared by all

typedef uint64_t pte_t;

// ASID -> the CR3 value that loads its PML4 (0: a free ASID; ASID 0 is the kernel's own
// tables). With PCIDs the low 12 bits are the PCID and bit 63 says "keep its TLB entries".
extern word_t asid_cr3[ARCH_ASID_COUNT];
// ASID -> the VSpace (its PML4) that holds it, NULL if none: what a switch compares a
// thread's VSpace cap with, so a VSpace that lost its ASID is never loaded under it.
extern void *asid_vspace[ARCH_ASID_COUNT];

// After changing entries of `asid`'s tables: drop what the TLB may hold of them (the entry
// for va, or all of the address space).
void mmu_flush(unsigned asid, word_t va, bool whole);
// `asid` was just freed: if it is loaded, load the kernel's tables instead.
void mmu_asid_released(unsigned asid);
// The kernel's PML4, whose upper half every VSpace copies.
const pte_t *mmu_kernel_pml4(void);
// The CR3 bits besides the PML4 address a new VSpace with this ASID starts with.
word_t mmu_cr3_tag(unsigned asid);

// Invocations on frames and page-table levels (vspace.c), for arch_decode_invocation.
struct invocation;
struct inv_reply;
word_t decode_vspace_invocation(const struct invocation *inv, struct inv_reply *reply);

#endif
