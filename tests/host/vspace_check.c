// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The page-table invariant as a check, for host tests and the fuzzer (issue 10).
//
// Every entry reachable from a live ASID's PML4 must point at a live object of the kind
// its level holds (a PDPT, a page directory, a page table or a 2 MiB frame, a 4 KiB
// frame) whose capability records it mapped exactly there (that ASID, that address), with
// no right the cap does not have: present needs READ, writable needs WRITE. Every table
// whose cap says it is not mapped is empty, and every PML4's upper half is the kernel's.
// "Live" means a cap to it exists: the check collects every mapped frame and table cap
// from the derivation lists reachable from the root CNode, then walks the tables.
#include "kernel_harness.h"
#include "../../kernel/arch/x86_64/mmu.h"
#include <stdio.h>
#include <string.h>

#define MAX_RECORDS 8192
#define MAX_HEADS   256

static cap_t records[MAX_RECORDS];
static unsigned nrecords;

static bool
is_paging_cap(cap_t c)
{
    switch (cap_type(c)) {
    case KOZO_OBJ_FRAME:
    case KOZO_OBJ_LARGE_FRAME:
    case KOZO_OBJ_PAGE_TABLE:
    case KOZO_OBJ_PAGE_DIRECTORY:
    case KOZO_OBJ_PDPT:
    case KOZO_OBJ_VSPACE: return true;
    default: return false;
    }
}

static const cte_t *
head_of(const cte_t *s)
{
    while (s->prev)
        s = s->prev;
    return s;
}

// Every frame, table and VSpace cap in the lists the root CNode's caps belong to (which,
// derived from boot caps, is every cap there is).
static void
collect(void)
{
    const cte_t *heads[MAX_HEADS];
    unsigned nheads = 0;
    nrecords = 0;
    for (word_t i = 0; i < KH_ROOT_SLOTS; i++) {
        const cte_t *s = kh_slot(i);
        if (cte_empty(s))
            continue;
        const cte_t *h = head_of(s);
        unsigned j = 0;
        while (j < nheads && heads[j] != h)
            j++;
        if (j < nheads)
            continue;
        if (nheads < MAX_HEADS)
            heads[nheads++] = h;
        for (const cte_t *c = h; c; c = mdb_next(c))
            if (is_paging_cap(c->cap) && nrecords < MAX_RECORDS)
                records[nrecords++] = c->cap;
    }
}

static bool
bad(unsigned asid, word_t va, unsigned level, pte_t e, const char *what)
{
    fprintf(stderr, "     page tables: ASID %u, address %#lx, level %u, entry %#lx: %s\n", asid,
            (unsigned long)va, level, (unsigned long)e, what);
    return false;
}

// The object type an entry at this level points at.
static word_t
expected_type(unsigned level, pte_t e)
{
    switch (level) {
    case 3: return KOZO_OBJ_PDPT;
    case 2: return KOZO_OBJ_PAGE_DIRECTORY;
    case 1: return (e & PTE_PS) ? KOZO_OBJ_LARGE_FRAME : KOZO_OBJ_PAGE_TABLE;
    default: return KOZO_OBJ_FRAME;
    }
}

static bool
entry_ok(unsigned asid, word_t va, unsigned level, pte_t e)
{
    word_t type = expected_type(level, e);
    if ((e & PTE_PS) && level != 1)
        return bad(asid, va, level, e, "a large page where KOZO makes none");
    if (!(e & PTE_U))
        return bad(asid, va, level, e, "a user entry without the user bit");
    for (unsigned i = 0; i < nrecords; i++) {
        cap_t c = records[i];
        if (cap_type(c) != type || (word_t)cap_ptr(c) != (e & PTE_ADDR) || !map_is_mapped(c) ||
            map_asid(c) != asid || map_vaddr(c) != va)
            continue;
        if (type == KOZO_OBJ_FRAME || type == KOZO_OBJ_LARGE_FRAME) {
            if (!cap_has(c, KOZO_RIGHT_READ))
                continue; // present is readable: not this cap's mapping
            if ((e & PTE_W) && !cap_has(c, KOZO_RIGHT_WRITE))
                continue;
        }
        return true;
    }
    return bad(asid, va, level, e, "no live cap of the right type and rights records this mapping");
}

// Check the present entries of the table at `level` covering from `base`, and below.
static bool
table_ok(unsigned asid, const pte_t *t, unsigned level, word_t base)
{
    unsigned n = level == 3 ? PML4_USER_ENTRIES : PTES;
    for (unsigned i = 0; i < n; i++) {
        pte_t e = t[i];
        word_t va = base + ((word_t)i << (12 + 9 * level));
        if (!(e & PTE_P))
            continue;
        if (!entry_ok(asid, va, level, e))
            return false;
        if (level > 0 && !(e & PTE_PS) && !table_ok(asid, arch_kva(e & PTE_ADDR), level - 1, va))
            return false;
    }
    return true;
}

static bool
vspace_live(unsigned asid, const pte_t *pml4)
{
    for (unsigned i = 0; i < nrecords; i++)
        if (cap_type(records[i]) == KOZO_OBJ_VSPACE && vspace_asid(records[i]) == asid &&
            cap_ptr(records[i]) == pml4)
            return true;
    return false;
}

static bool
unmapped_tables_empty(void)
{
    for (unsigned i = 0; i < nrecords; i++) {
        cap_t c = records[i];
        word_t type = cap_type(c);
        if (map_is_mapped(c) ||
            (type != KOZO_OBJ_PAGE_TABLE && type != KOZO_OBJ_PAGE_DIRECTORY && type != KOZO_OBJ_PDPT))
            continue;
        const pte_t *t = cap_ptr(c);
        for (unsigned k = 0; k < PTES; k++)
            if (t[k])
                return bad(0, (word_t)t, 0, t[k], "a table that is mapped nowhere has an entry");
    }
    return true;
}

bool
kh_vspace_ok(void)
{
    const pte_t *kernel = mmu_kernel_pml4();
    collect();
    for (unsigned a = 1; a < ARCH_ASID_COUNT; a++) {
        if (!asid_cr3[a])
            continue;
        const pte_t *pml4 = arch_kva(asid_cr3[a] & PTE_ADDR);
        if (!vspace_live(a, pml4))
            return bad(a, 0, 4, asid_cr3[a], "the ASID's PML4 is no live VSpace of that ASID");
        if (memcmp(pml4 + PML4_USER_ENTRIES, kernel + PML4_USER_ENTRIES, PML4_USER_ENTRIES * sizeof(pte_t)))
            return bad(a, 0, 4, 0, "the upper half is not the kernel's");
        if (!table_ok(a, pml4, 3, 0))
            return false;
    }
    return unmapped_tables_empty();
}

word_t
kh_vspace_entry(word_t vspace_slot, word_t va, unsigned level)
{
    const pte_t *t = cap_ptr(kh_slot(vspace_slot)->cap);
    for (unsigned l = 3; l > level; l--) {
        pte_t e = t[(va >> (12 + 9 * l)) & 511];
        if (!(e & PTE_P) || (e & PTE_PS))
            return 0;
        t = arch_kva(e & PTE_ADDR);
    }
    return t[(va >> (12 + 9 * level)) & 511];
}

word_t
kh_map_tables(word_t vspace_slot, word_t va, word_t first_slot)
{
    static const word_t levels[3] = { KOZO_OBJ_PDPT, KOZO_OBJ_PAGE_DIRECTORY, KOZO_OBJ_PAGE_TABLE };
    for (unsigned k = 0; k < 3; k++) {
        word_t err = kh_retype(KH_SLOT_UT, levels[k], 0, first_slot + k, 1);
        if (!err)
            err = KH_INVOKE(kh.root, first_slot + k, KOZO_INV_PAGE_TABLE_MAP, vspace_slot, va, 0);
        if (err)
            return err;
    }
    return KOZO_ERR_OK;
}
