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
// without a pointer that could dangle. The table, asid_cr3[], holds for each ASID the CR3
// value that loads its PML4 (0: a free ASID; ASID 0 is the kernel's own tables).
//
// Where the CPU has PCIDs, the ASID is also the VSpace's PCID (both are 12 bits), so
// loading another address space keeps the TLB entries of the others instead of flushing
// them. The "keep the PCID's entries" bit (63) of an asid_cr3[] value is what makes a
// load cheap, and clearing it is how a flush reaches an address space that is not
// loaded: its next load flushes it. A new VSpace starts without the bit, so no entry of
// its ASID's previous owner survives.
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
#define CR3_NOFLUSH BIT(63) // with CR4.PCIDE: keep the TLB entries of the PCID loaded

typedef uint64_t pte_t;

extern pte_t boot_pml4[512];
static pte_t physmap_pdpt[512] ALIGNED(4096);
static pte_t physmap_pd[PHYSMAP_GIB][512] ALIGNED(4096);
static word_t asid_cr3[ASID_COUNT];   // ASID -> CR3 value that loads it, 0 if free
static unsigned asid_next = 1;
static word_t cr3_keep;               // CR3_NOFLUSH if PCIDs are on, else 0

static inline unsigned idx(word_t va, unsigned level) { return (va >> (12 + 9 * level)) & 511; }
static inline pte_t *table_at(pte_t e) { return arch_kva(e & PTE_ADDR); }
// The PML4 of a user ASID; NULL if the ASID is free.
static inline pte_t *asid_root(unsigned asid) { return asid_cr3[asid] ? table_at(asid_cr3[asid]) : NULL; }

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

void
vspace_activate(cap_t vs)
{
    // A thread whose VSpace cap was deleted under it runs on the kernel-only tables: it has
    // no user mappings there, so its first instruction faults (to its handler, or it stops)
    // instead of the CPU loading CR3 from a dead object.
    unsigned asid = cap_type(vs) == KOZO_OBJ_VSPACE ? vspace_asid(vs) : 0;
    if (asid == cpu0.loaded_asid)
        return;
    word_t cr3 = asid_cr3[asid];
    write_cr3(cr3);
    cpu0.loaded_asid = asid;
    asid_cr3[asid] = cr3 | cr3_keep; // flushed now if it had to be; from now on, kept
}

// --- VSpace objects ----------------------------------------------------------------------

bool
arch_asid_available(unsigned count)
{
    unsigned free = 0;
    for (unsigned a = 1; a < ASID_COUNT && free < count; a++)
        free += asid_cr3[a] == 0;
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
        if (!asid_cr3[a]) {
            asid_cr3[a] = arch_pa(pml4) | (cr3_keep ? a : 0); // the first load flushes
            return (word_t)a << 48;
        }
    }
    return 0; // decode checked arch_asid_available(); only boot can get here
}

void
arch_vspace_destroy(cap_t vspace)
{
    unsigned asid = vspace_asid(vspace);
    pte_t *pml4 = cap_ptr(vspace);
    if (!asid || asid_root(asid) != pml4)
        return; // it never had an ASID, so it was never loaded either
    asid_cr3[asid] = 0;
    if (cpu0.loaded_asid == asid) {
        write_cr3(asid_cr3[0]);
        cpu0.loaded_asid = 0;
    }
    // The PDPTs below are orphans now; each is cleared when its own cap unmaps it, before
    // it can be linked anywhere again. The user half of the PML4 goes with the object.
    memset(pml4, 0, 256 * sizeof(pte_t));
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

// After changing an entry of `asid`'s tables: drop what the TLB may hold of it (one
// address, or all of the address space).
static void
flush(unsigned asid, word_t va, bool whole)
{
    if (cpu0.loaded_asid != asid)
        asid_cr3[asid] &= ~CR3_NOFLUSH; // its next load flushes it (always, without PCIDs)
    else if (whole)
        write_cr3(asid_cr3[asid] & ~CR3_NOFLUSH); // flush the loaded PCID's entries
    else
        invlpg(va); // the loaded PCID's entry for va
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
    unsigned asid = map_asid(frame);
    pte_t *pml4 = asid_root(asid);
    if (!pml4)
        return;
    unsigned level = frame_level(frame);
    pte_t *e = walk(pml4, map_vaddr(frame), level);
    if (e && (*e & PTE_P) && (*e & PTE_ADDR) == arch_pa(cap_ptr(frame)) && !!(*e & PTE_PS) == (level == 1)) {
        *e = 0;
        flush(asid, map_vaddr(frame), false);
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
    *pml4 = asid_root(*asid);
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
        // x86 has no user page that is writable or executable but not readable: a mapping
        // is readable or there is none. Without READ (in the cap, or asked for) Map refuses.
        word_t rights = cap_rights(f) & m.rights;
        if (!(rights & KOZO_RIGHT_READ))
            return KOZO_ERR_INSUFFICIENT_RIGHTS;
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

// Unlink a table from its parent (if the parent still holds it) and empty it. Emptying it
// every time, found or not, is what keeps the mapping invariant (ARCHITECTURE.md): a table
// whose parent moved, or whose VSpace died, keeps entries nobody can look up any more, and
// those must not survive into wherever the table is mapped next (or into the memory of the
// frames they name, once those are freed and retyped).
void
arch_table_unmap(cap_t table)
{
    unsigned asid = map_asid(table);
    pte_t *pml4 = asid_root(asid);
    pte_t *e = pml4 ? walk(pml4, map_vaddr(table), table_level(table)) : NULL;
    if (e && (*e & PTE_P) && !(*e & PTE_PS) && (*e & PTE_ADDR) == arch_pa(cap_ptr(table)))
        *e = 0;
    memset(cap_ptr(table), 0, BIT(KOZO_OBJ_PAGE_TABLE_BITS));
    if (pml4)
        flush(asid, 0, true); // the entries below went too: drop the whole address space's
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
