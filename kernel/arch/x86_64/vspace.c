// SPDX-License-Identifier: MIT OR Apache-2.0
//
// x86_64 address spaces: user page tables, the ASID table, and the invocations on frames
// and page-table levels. Portable C (the MMU itself is behind mmu.h), so the host tests and
// the fuzzer run this file as it is and check its invariant after every call.
//
// Every address space (a VSPACE object, i.e. a PML4) shares the kernel half: PML4 entries
// 256..511 are copied from the kernel's own PML4 when the VSpace is retyped. The kernel
// half never gains new top-level entries after boot, so the copies never go stale.
// A VSpace gets an ASID from its ASID pool (object/asid.c decides; asid_cr3[] here records
// which VSpace holds which); frame and table caps record (ASID, address) of their mapping,
// which is how deleting a cap finds what to unmap without a pointer that could dangle.
//
// The mapping invariant (docs/ARCHITECTURE.md): every entry reachable from a live ASID's
// PML4 points at a live frame or table whose cap records it mapped exactly there, with no
// more rights than the cap has; a table linked nowhere is empty. Unmapping a table empties
// it, found in its parent or not: a table whose VSpace died, or whose parent was unmapped,
// is an orphan whose entries no lookup finds, and emptying it is what keeps those entries
// from coming back wherever it is mapped next.
#include <kern/arch_api.h>
#include <kern/cspace.h>
#include <kern/invocation.h>
#include <kern/object.h>
#include <kern/printk.h>
#include <string.h>
#include "mmu.h"

word_t asid_cr3[ARCH_ASID_COUNT];
void *asid_vspace[ARCH_ASID_COUNT];

static inline unsigned
idx(word_t va, unsigned level)
{
    return (va >> (12 + 9 * level)) & 511;
}
static inline pte_t *
table_at(pte_t e)
{
    return arch_kva(e & PTE_ADDR);
}
// The PML4 of a user ASID; NULL if the ASID is free.
static inline pte_t *
asid_root(unsigned asid)
{
    return asid_cr3[asid] ? table_at(asid_cr3[asid]) : NULL;
}

// --- VSpace objects ----------------------------------------------------------------------

void
arch_vspace_init(void *root)
{
    pte_t *pml4 = root;
    const pte_t *kernel = mmu_kernel_pml4();
    for (unsigned i = PML4_USER_ENTRIES; i < PTES; i++)
        pml4[i] = kernel[i];
}

bool
arch_asid_bound(unsigned asid)
{
    return asid_cr3[asid] != 0;
}

void
arch_asid_bind(unsigned asid, void *root)
{
    asid_cr3[asid] = arch_pa(root) | mmu_cr3_tag(asid);
    asid_vspace[asid] = root;
}

// The VSpace loses its ASID: nothing loads it or looks up its entries any more. Its user
// half is emptied: the PDPTs below are orphans now, each cleared when its own cap unmaps
// it, before it can be linked anywhere again.
void
arch_asid_unbind(unsigned asid)
{
    pte_t *pml4 = asid_root(asid);
    asid_cr3[asid] = 0;
    asid_vspace[asid] = NULL;
    mmu_asid_released(asid);
    memset(pml4, 0, PML4_USER_ENTRIES * sizeof(pte_t));
}

void
arch_vspace_destroy(cap_t vspace)
{
    unsigned asid = vspace_asid(vspace);
    pte_t *pml4 = cap_ptr(vspace);
    if (asid && asid_root(asid) == pml4)
        arch_asid_unbind(asid); // the ASID goes back to its pool
    else
        memset(pml4, 0, PML4_USER_ENTRIES * sizeof(pte_t)); // never had one, or lost it
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
        mmu_flush(asid, map_vaddr(frame), false);
    }
}

// The VSpace named by a handle argument, as a PML4 pointer and ASID.
static word_t
lookup_vspace(const struct invocation *inv, word_t handle, pte_t **pml4, unsigned *asid)
{
    cte_t *slot;
    word_t err = cspace_lookup_cap(inv->caller, handle, &slot);
    if (err)
        return err;
    if (cap_type(slot->cap) != KOZO_OBJ_VSPACE)
        return user_reject(KOZO_ERR_WRONG_TYPE, "map: handle %#lx is not a VSpace", (unsigned long)handle);
    // A VSpace not assigned an ASID yet, or whose ASID went with its pool, takes no mappings.
    *asid = vspace_asid(slot->cap);
    *pml4 = *asid ? asid_root(*asid) : NULL;
    if (!*pml4 || *pml4 != cap_ptr(slot->cap))
        return user_reject(KOZO_ERR_ILLEGAL_OPERATION, "map: the VSpace has no ASID");
    return KOZO_ERR_OK;
}

// The changes of state: each cannot fail (the entry was found empty, the cap unmapped).
static void
invoke_frame_map(cte_t *slot, pte_t *e, unsigned asid, word_t vaddr, word_t rights, word_t attrs)
{
    cap_t f = slot->cap;
    *e = arch_pa(cap_ptr(f)) | PTE_P | PTE_U | (rights & KOZO_RIGHT_WRITE ? PTE_W : 0) |
         (frame_level(f) ? PTE_PS : 0) | (attrs & KOZO_FRAME_ATTR_EXEC ? 0 : PTE_NX) |
         ((attrs & KOZO_FRAME_ATTR_UNCACHED) || map_is_device(f) ? PTE_PCD | PTE_PWT : 0);
    slot->cap = map_set(f, asid, vaddr);
}

static void
invoke_frame_unmap(cte_t *slot)
{
    if (map_is_mapped(slot->cap)) {
        arch_frame_unmap(slot->cap);
        slot->cap = map_clear(slot->cap);
    }
}

static void
invoke_frame_get_address(cap_t f, struct inv_reply *reply)
{
    reply->res[0] = arch_pa(cap_ptr(f));
    reply->nres = KOZO_INV_FRAME_GET_ADDRESS_NRES;
}

static word_t
decode_frame_map(const struct invocation *inv)
{
    const struct kozo_args_frame_map *m = &inv->a.frame_map;
    cap_t f = inv->cap;
    unsigned level = frame_level(f), bits = level ? KOZO_LARGE_PAGE_BITS : KOZO_PAGE_BITS;
    pte_t *pml4;
    unsigned asid;
    word_t err;

    INV_NEED_ARGS(inv, KOZO_INV_FRAME_MAP_NARGS);
    if (map_is_mapped(f))
        return user_reject(KOZO_ERR_ALREADY_MAPPED, "frame map: this cap is mapped already");
    // x86 has no user page that is writable or executable but not readable: a mapping is
    // readable or there is none. Without READ (in the cap, or asked for) Map refuses.
    word_t rights = cap_rights(f) & m->rights;
    if (!(rights & KOZO_RIGHT_READ))
        return user_reject(KOZO_ERR_INSUFFICIENT_RIGHTS, "frame map: no READ right (cap or request)");
    if ((err = lookup_vspace(inv, m->vspace, &pml4, &asid)))
        return err;
    if (!IS_ALIGNED(m->vaddr, bits))
        return user_reject(KOZO_ERR_ALIGNMENT, "frame map: %#lx is not aligned to 2^%u",
                           (unsigned long)m->vaddr, bits);
    if (m->vaddr >= KOZO_USER_TOP || KOZO_USER_TOP - m->vaddr < BIT(bits))
        return user_reject(KOZO_ERR_RANGE, "frame map: %#lx is above user space", (unsigned long)m->vaddr);
    pte_t *e = walk(pml4, m->vaddr, level);
    if (!e)
        return user_reject(KOZO_ERR_MISSING_LEVEL, "frame map: no table above %#lx", (unsigned long)m->vaddr);
    if (*e & PTE_P)
        return user_reject(KOZO_ERR_ALREADY_MAPPED, "frame map: %#lx is mapped already",
                           (unsigned long)m->vaddr);
    invoke_frame_map(inv->slot, e, asid, m->vaddr, rights, m->attrs);
    return KOZO_ERR_OK;
}

static word_t
decode_frame_invocation(const struct invocation *inv, struct inv_reply *reply)
{
    switch (inv->label) {
    case KOZO_INV_FRAME_MAP: return decode_frame_map(inv);
    case KOZO_INV_FRAME_UNMAP: invoke_frame_unmap(inv->slot); return KOZO_ERR_OK;
    case KOZO_INV_FRAME_GET_ADDRESS: invoke_frame_get_address(inv->cap, reply); return KOZO_ERR_OK;
    default: return INV_NO_METHOD(inv, "frame");
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
        mmu_flush(asid, 0, true); // the entries below went too: drop the whole address space's
}

static void
invoke_page_table_map(cte_t *slot, pte_t *e, unsigned asid, word_t va)
{
    *e = arch_pa(cap_ptr(slot->cap)) | PTE_P | PTE_W | PTE_U;
    slot->cap = map_set(slot->cap, asid, va);
}

static void
invoke_page_table_unmap(cte_t *slot)
{
    if (map_is_mapped(slot->cap)) {
        arch_table_unmap(slot->cap);
        slot->cap = map_clear(slot->cap);
    }
}

static word_t
decode_page_table_map(const struct invocation *inv)
{
    const struct kozo_args_page_table_map *m = &inv->a.page_table_map;
    cap_t t = inv->cap;
    unsigned level = table_level(t);
    pte_t *pml4;
    unsigned asid;
    word_t err;

    INV_NEED_ARGS(inv, KOZO_INV_PAGE_TABLE_MAP_NARGS);
    word_t va = ALIGN_DOWN(m->vaddr, BIT(12 + 9 * level));
    if (map_is_mapped(t))
        return user_reject(KOZO_ERR_ALREADY_MAPPED, "table map: this table is mapped already");
    if ((err = lookup_vspace(inv, m->vspace, &pml4, &asid)))
        return err;
    if (va >= KOZO_USER_TOP)
        return user_reject(KOZO_ERR_RANGE, "table map: %#lx is above user space", (unsigned long)va);
    pte_t *e = walk(pml4, va, level);
    if (!e)
        return user_reject(KOZO_ERR_MISSING_LEVEL, "table map: no table above %#lx", (unsigned long)va);
    if (*e & PTE_P)
        return user_reject(KOZO_ERR_ALREADY_MAPPED, "table map: %#lx has a table already", (unsigned long)va);
    invoke_page_table_map(inv->slot, e, asid, va);
    return KOZO_ERR_OK;
}

static word_t
decode_page_table_invocation(const struct invocation *inv)
{
    switch (inv->label) {
    case KOZO_INV_PAGE_TABLE_MAP: return decode_page_table_map(inv);
    case KOZO_INV_PAGE_TABLE_UNMAP: invoke_page_table_unmap(inv->slot); return KOZO_ERR_OK;
    default: return INV_NO_METHOD(inv, "page table");
    }
}

// --- The per-type rules of the page-table levels (kern/arch_api.h) ------------------------

static bool
is_table(cap_t c)
{
    return cap_type(c) == KOZO_OBJ_PAGE_TABLE || cap_type(c) == KOZO_OBJ_PAGE_DIRECTORY ||
           cap_type(c) == KOZO_OBJ_PDPT;
}

// A table's mapping belongs to its cap: it goes with the cap.
void
arch_cap_delete(cap_t c)
{
    if (is_table(c) && map_is_mapped(c))
        arch_table_unmap(c);
}

// One table, one cap, one place: a table cap is never copied.
word_t
arch_cap_derive(cap_t *c)
{
    if (is_table(*c)) {
        user_error("page-table caps cannot be copied");
        return KOZO_ERR_ILLEGAL_OPERATION;
    }
    return KOZO_ERR_OK;
}

word_t
decode_vspace_invocation(const struct invocation *inv, struct inv_reply *reply)
{
    switch (cap_type(inv->cap)) {
    case KOZO_OBJ_FRAME:
    case KOZO_OBJ_LARGE_FRAME: return decode_frame_invocation(inv, reply);
    case KOZO_OBJ_PAGE_TABLE:
    case KOZO_OBJ_PAGE_DIRECTORY:
    case KOZO_OBJ_PDPT: return decode_page_table_invocation(inv);
    default: return INV_NO_METHOD(inv, "this object");
    }
}
