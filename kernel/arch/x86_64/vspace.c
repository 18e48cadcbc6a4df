// SPDX-License-Identifier: MIT OR Apache-2.0
//
// x86_64 address spaces: the kernel window, user page tables, and the invocations on
// frames and page-table levels.
//
// Every address space (a VSPACE object, i.e. a PML4) shares the kernel half: PML4 entries
// 256..511 are copied from the kernel's own PML4 when the VSpace is retyped. The kernel
// half never gains new top-level entries after boot, so the copies never go stale.
// A VSpace gets an ASID from a fixed table when it is created; frame and table caps record
// (ASID, address) of their mapping, which is how deleting a cap finds what to unmap
// without a pointer that could dangle.
#include <kern/arch_api.h>
#include <kern/cspace.h>
#include <kern/invocation.h>
#include <kern/printk.h>
#include <kern/sched.h>
#include <string.h>
#include "cpu.h"

#define PTE_P     BIT(0)
#define PTE_W     BIT(1)
#define PTE_U     BIT(2)
#define PTE_PWT   BIT(3)
#define PTE_PCD   BIT(4)
#define PTE_PS    BIT(7)
#define PTE_G     BIT(8)
#define PTE_NX    BIT(63)
#define PTE_ADDR  0x000ffffffffff000ULL
#define ASID_COUNT 4096

typedef uint64_t pte_t;

extern pte_t boot_pml4[512];
static pte_t physmap_pdpt[512] ALIGNED(4096);
static pte_t physmap_pd[PHYSMAP_GIB][512] ALIGNED(4096);
static pte_t *asid_table[ASID_COUNT]; // ASID -> PML4; 0 is never used
static unsigned asid_next = 1;

static inline unsigned idx(word_t va, unsigned level) { return (va >> (12 + 9 * level)) & 511; }
static inline pte_t *table_at(pte_t e) { return arch_kva(e & PTE_ADDR); }

paddr_t
vspace_kernel_root(void)
{
    return arch_pa_of_kernel(boot_pml4);
}

void
vspace_init(void)
{
    // RAM is write-back; the 3-4 GiB hole (LAPIC, IOAPIC, PCI) is uncached.
    for (word_t g = 0; g < PHYSMAP_GIB; g++) {
        for (word_t i = 0; i < 512; i++) {
            paddr_t pa = (g << 30) | (i << 21);
            bool mmio = pa >= 0xc0000000ULL && pa < 0x100000000ULL;
            physmap_pd[g][i] = pa | PTE_P | PTE_W | PTE_PS | PTE_G | PTE_NX | (mmio ? PTE_PCD | PTE_PWT : 0);
        }
        physmap_pdpt[g] = arch_pa_of_kernel(physmap_pd[g]) | PTE_P | PTE_W;
    }
    boot_pml4[idx(PHYSMAP_BASE, 3)] = arch_pa_of_kernel(physmap_pdpt) | PTE_P | PTE_W;
    boot_pml4[0] = 0; // the identity map was only for the jump to the higher half
    write_cr3(vspace_kernel_root());
    cpu0.loaded_root = vspace_kernel_root();
}

// --- VSpace objects ----------------------------------------------------------------------

bool
arch_asid_available(unsigned count)
{
    unsigned free = 0;
    for (unsigned a = 1; a < ASID_COUNT && free < count; a++)
        free += asid_table[a] == NULL;
    return free >= count;
}

word_t
arch_vspace_init(void *root)
{
    pte_t *pml4 = root;
    for (unsigned i = 256; i < 512; i++)
        pml4[i] = boot_pml4[i];
    // Next-fit, so a freed ASID is reused as late as possible.
    for (unsigned n = 0; n < ASID_COUNT - 1; n++) {
        unsigned a = asid_next;
        asid_next = asid_next % (ASID_COUNT - 1) + 1;
        if (!asid_table[a]) {
            asid_table[a] = pml4;
            return (word_t)a << 48;
        }
    }
    return 0; // decode checked arch_asid_available(); only boot can get here
}

void
arch_vspace_destroy(cap_t vspace)
{
    unsigned asid = vspace_asid(vspace);
    if (asid && asid_table[asid] == cap_ptr(vspace))
        asid_table[asid] = NULL;
    if (cpu0.loaded_root == arch_pa(cap_ptr(vspace))) {
        write_cr3(vspace_kernel_root());
        cpu0.loaded_root = vspace_kernel_root();
    }
}

// Walk from the root to the entry for `va` at `level` (0 = PT entry .. 3 = PML4 entry).
// Returns NULL if a level above is missing or is a large page.
static pte_t *
walk(pte_t *pml4, word_t va, unsigned level)
{
    pte_t *t = pml4;
    for (unsigned l = 3; l > level; l--) {
        pte_t e = t[idx(va, l)];
        if (!(e & PTE_P) || (e & PTE_PS))
            return NULL;
        t = table_at(e);
    }
    return &t[idx(va, level)];
}

static void
flush(pte_t *pml4, word_t va, bool whole)
{
    if (cpu0.loaded_root != arch_pa(pml4))
        return; // not loaded: the next CR3 load flushes it (no PCIDs yet)
    if (whole)
        write_cr3(cpu0.loaded_root);
    else
        invlpg(va);
}

void
arch_boot_map_page(void *root, word_t va, paddr_t pa, bool writable, bool exec, paddr_t (*alloc_table)(void))
{
    pte_t *t = root;
    for (unsigned l = 3; l > 0; l--) {
        pte_t *e = &t[idx(va, l)];
        if (!(*e & PTE_P))
            *e = alloc_table() | PTE_P | PTE_W | PTE_U;
        t = table_at(*e);
    }
    t[idx(va, 0)] = pa | PTE_P | PTE_U | (writable ? PTE_W : 0) | (exec ? 0 : PTE_NX);
}

// --- Frames --------------------------------------------------------------------------------

static unsigned
frame_level(cap_t c)
{
    return cap_type(c) == KOZO_OBJ_LARGE_FRAME ? 1 : 0;
}

void
arch_frame_unmap(cap_t frame)
{
    pte_t *pml4 = asid_table[map_asid(frame)];
    if (!pml4)
        return;
    pte_t *e = walk(pml4, map_vaddr(frame), frame_level(frame));
    if (e && (*e & PTE_P) && (*e & PTE_ADDR) == arch_pa(cap_ptr(frame))) {
        *e = 0;
        flush(pml4, map_vaddr(frame), false);
    }
}

// The VSpace named by a handle argument, as a PML4 pointer and ASID.
static word_t
lookup_vspace(struct invocation *inv, word_t handle, pte_t **pml4, unsigned *asid)
{
    cte_t *slot;
    word_t err = cspace_lookup_cap(inv->caller, handle, &slot);
    if (err)
        return err;
    if (cap_type(slot->cap) != KOZO_OBJ_VSPACE)
        return KOZO_ERR_WRONG_TYPE;
    *asid = vspace_asid(slot->cap);
    *pml4 = asid_table[*asid];
    return *pml4 == cap_ptr(slot->cap) ? KOZO_ERR_OK : KOZO_ERR_INVALID_ARGUMENT;
}

static word_t
decode_frame(struct invocation *inv)
{
    cap_t f = inv->cap;
    unsigned level = frame_level(f), bits = level ? KOZO_LARGE_PAGE_BITS : KOZO_PAGE_BITS;
    const word_t *a = inv->args;
    pte_t *pml4;
    unsigned asid;
    word_t err;

    switch (inv->label) {
    case KOZO_INV_FRAME_MAP: {
        INV_NEED_ARGS(inv, KOZO_INV_FRAME_MAP_NARGS);
        struct kozo_args_frame_map m = { a[0], a[1], a[2], a[3] };
        if (map_is_mapped(f))
            return KOZO_ERR_ALREADY_MAPPED;
        if ((err = lookup_vspace(inv, m.vspace, &pml4, &asid)))
            return err;
        if (!IS_ALIGNED(m.vaddr, bits))
            return KOZO_ERR_ALIGNMENT;
        if (m.vaddr >= KOZO_USER_TOP || KOZO_USER_TOP - m.vaddr < BIT(bits))
            return KOZO_ERR_RANGE;
        pte_t *e = walk(pml4, m.vaddr, level);
        if (!e)
            return KOZO_ERR_MISSING_LEVEL;
        if (*e & PTE_P)
            return KOZO_ERR_ALREADY_MAPPED;
        word_t rights = cap_rights(f) & m.rights;
        *e = arch_pa(cap_ptr(f)) | PTE_P | PTE_U | (rights & KOZO_RIGHT_WRITE ? PTE_W : 0) |
             (level ? PTE_PS : 0) | (m.attrs & KOZO_FRAME_ATTR_EXEC ? 0 : PTE_NX) |
             ((m.attrs & KOZO_FRAME_ATTR_UNCACHED) || map_is_device(f) ? PTE_PCD | PTE_PWT : 0);
        inv->slot->cap = map_set(f, asid, m.vaddr);
        return KOZO_ERR_OK;
    }
    case KOZO_INV_FRAME_UNMAP:
        if (map_is_mapped(f)) {
            arch_frame_unmap(f);
            inv->slot->cap = map_clear(f);
        }
        return KOZO_ERR_OK;
    case KOZO_INV_FRAME_GET_ADDRESS:
        inv->res[0] = arch_pa(cap_ptr(f));
        inv->nres = 1;
        return KOZO_ERR_OK;
    default:
        return KOZO_ERR_ILLEGAL_OPERATION;
    }
}

// --- Page-table levels ---------------------------------------------------------------------

// The level of the entry that points at a table of this type (PT: a PD entry, level 1).
static unsigned
table_level(cap_t c)
{
    switch (cap_type(c)) {
    case KOZO_OBJ_PAGE_TABLE: return 1;
    case KOZO_OBJ_PAGE_DIRECTORY: return 2;
    default: return 3;
    }
}

void
arch_table_unmap(cap_t table)
{
    pte_t *pml4 = asid_table[map_asid(table)];
    if (!pml4)
        return;
    pte_t *e = walk(pml4, map_vaddr(table), table_level(table));
    if (e && (*e & PTE_P) && !(*e & PTE_PS) && (*e & PTE_ADDR) == arch_pa(cap_ptr(table))) {
        *e = 0;
        flush(pml4, 0, true);
    }
}

static word_t
decode_table(struct invocation *inv)
{
    cap_t t = inv->cap;
    unsigned level = table_level(t);
    pte_t *pml4;
    unsigned asid;
    word_t err;

    switch (inv->label) {
    case KOZO_INV_PAGE_TABLE_MAP: {
        INV_NEED_ARGS(inv, KOZO_INV_PAGE_TABLE_MAP_NARGS);
        word_t va = ALIGN_DOWN(inv->args[1], BIT(12 + 9 * level));
        if (map_is_mapped(t))
            return KOZO_ERR_ALREADY_MAPPED;
        if ((err = lookup_vspace(inv, inv->args[0], &pml4, &asid)))
            return err;
        if (va >= KOZO_USER_TOP)
            return KOZO_ERR_RANGE;
        pte_t *e = walk(pml4, va, level);
        if (!e)
            return KOZO_ERR_MISSING_LEVEL;
        if (*e & PTE_P)
            return KOZO_ERR_ALREADY_MAPPED;
        *e = arch_pa(cap_ptr(t)) | PTE_P | PTE_W | PTE_U;
        inv->slot->cap = map_set(t, asid, va);
        return KOZO_ERR_OK;
    }
    case KOZO_INV_PAGE_TABLE_UNMAP:
        if (map_is_mapped(t)) {
            arch_table_unmap(t);
            inv->slot->cap = map_clear(t);
        }
        return KOZO_ERR_OK;
    default:
        return KOZO_ERR_ILLEGAL_OPERATION;
    }
}



word_t
arch_decode_invocation(struct invocation *inv)
{
    switch (cap_type(inv->cap)) {
    case KOZO_OBJ_FRAME:
    case KOZO_OBJ_LARGE_FRAME: return decode_frame(inv);
    case KOZO_OBJ_PAGE_TABLE:
    case KOZO_OBJ_PAGE_DIRECTORY:
    case KOZO_OBJ_PDPT: return decode_table(inv);
    case KOZO_OBJ_IOPORT_CONTROL:
    case KOZO_OBJ_IOPORT: return ioport_decode(inv);
    default: return KOZO_ERR_ILLEGAL_OPERATION;
    }
}
