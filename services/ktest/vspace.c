// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Address spaces: page-table levels (MISSING_LEVEL, ALREADY_MAPPED), frame Map/Unmap/
// GetAddress, alignment and range checks, what a mapping's rights and attributes allow
// (checked through a helper's fault messages), and deleting caps or whole VSpaces.
#include "ktest.h"

#define VA 0x10000000ULL // in a fresh VSpace: PML4 0, PDPT 0, PD 128

// A new VSpace with every level down to a page table at va; *pt (if asked) is that table.
static uint64_t
vspace_with_table(kozo_handle_t *vs, uint64_t va, kozo_handle_t *pt)
{
    static const uint64_t levels[3] = { KOZO_OBJ_PDPT, KOZO_OBJ_PAGE_DIRECTORY, KOZO_OBJ_PAGE_TABLE };
    uint64_t err;
    if ((err = kt_alloc(KOZO_OBJ_VSPACE, 0, vs)))
        return err;
    for (int k = 0; k < 3; k++) {
        kozo_handle_t t;
        if ((err = kt_alloc(levels[k], 0, &t)) || (err = kozo_page_table_map(t, *vs, va, 0)))
            return err;
        if (pt)
            *pt = t;
    }
    return KOZO_ERR_OK;
}

static uint64_t
vspace_with_tables(kozo_handle_t *vs, uint64_t va)
{
    return vspace_with_table(vs, va, NULL);
}

static uint64_t
mapped_at(kozo_handle_t frame)
{
    struct kozo_res_cnode_describe d = { 0, 0, ~0ULL };
    kozo_cnode_describe(SYS_SLOT_CNODE, frame, KT_DEPTH, &d);
    return d.data;
}

KTEST(vspace_frame_needs_tables, "Mapping a frame into an empty VSpace is MISSING_LEVEL")
{
    kozo_handle_t vs, f;
    KT_OK(kt_alloc(KOZO_OBJ_VSPACE, 0, &vs));
    KT_OK(kt_alloc(KOZO_OBJ_FRAME, 0, &f));
    KT_ERR(kozo_frame_map(f, vs, VA, KT_RW, 0), KOZO_ERR_MISSING_LEVEL);
    KT_EQ(mapped_at(f), 0);
}

KTEST(vspace_levels_in_order, "A PD needs its PDPT and a PT its PD: MISSING_LEVEL until then")
{
    kozo_handle_t vs, pdpt, pd, pt;
    KT_OK(kt_alloc(KOZO_OBJ_VSPACE, 0, &vs));
    KT_OK(kt_alloc(KOZO_OBJ_PDPT, 0, &pdpt));
    KT_OK(kt_alloc(KOZO_OBJ_PAGE_DIRECTORY, 0, &pd));
    KT_OK(kt_alloc(KOZO_OBJ_PAGE_TABLE, 0, &pt));
    KT_ERR(kozo_page_table_map(pt, vs, VA, 0), KOZO_ERR_MISSING_LEVEL);
    KT_ERR(kozo_page_table_map(pd, vs, VA, 0), KOZO_ERR_MISSING_LEVEL);
    KT_OK(kozo_page_table_map(pdpt, vs, VA, 0));
    KT_ERR(kozo_page_table_map(pt, vs, VA, 0), KOZO_ERR_MISSING_LEVEL);
    KT_OK(kozo_page_table_map(pd, vs, VA, 0));
    KT_OK(kozo_page_table_map(pt, vs, VA, 0));
}

KTEST(vspace_map_frame, "With all levels a frame maps; Describe reports where")
{
    kozo_handle_t vs, f;
    KT_OK(vspace_with_tables(&vs, VA));
    KT_OK(kt_alloc(KOZO_OBJ_FRAME, 0, &f));
    KT_OK(kozo_frame_map(f, vs, VA + 5 * KT_PAGE, KT_RW, 0));
    KT_EQ(mapped_at(f), VA + 5 * KT_PAGE);
}

KTEST(vspace_frame_cap_maps_once, "A mapped frame cap cannot map again: ALREADY_MAPPED")
{
    kozo_handle_t vs, f;
    KT_OK(vspace_with_tables(&vs, VA));
    KT_OK(kt_alloc(KOZO_OBJ_FRAME, 0, &f));
    KT_OK(kozo_frame_map(f, vs, VA, KT_RW, 0));
    KT_ERR(kozo_frame_map(f, vs, VA + KT_PAGE, KT_RW, 0), KOZO_ERR_ALREADY_MAPPED);
    KT_EQ(mapped_at(f), VA);
}

KTEST(vspace_address_taken, "A second frame at a mapped address is ALREADY_MAPPED")
{
    kozo_handle_t vs, f, g;
    KT_OK(vspace_with_tables(&vs, VA));
    KT_OK(kt_alloc(KOZO_OBJ_FRAME, 0, &f));
    KT_OK(kt_alloc(KOZO_OBJ_FRAME, 0, &g));
    KT_OK(kozo_frame_map(f, vs, VA, KT_RW, 0));
    KT_ERR(kozo_frame_map(g, vs, VA, KT_RW, 0), KOZO_ERR_ALREADY_MAPPED);
    KT_EQ(mapped_at(g), 0);
}

KTEST(vspace_table_twice, "A table cap maps once, and a level already present is ALREADY_MAPPED")
{
    kozo_handle_t vs, pt2, pdpt;
    KT_OK(vspace_with_tables(&vs, VA));
    KT_OK(kt_alloc(KOZO_OBJ_PAGE_TABLE, 0, &pt2));
    KT_ERR(kozo_page_table_map(pt2, vs, VA, 0), KOZO_ERR_ALREADY_MAPPED);
    KT_OK(kozo_page_table_map(pt2, vs, VA + (2ULL << 20), 0)); // the next 2 MiB
    KT_ERR(kozo_page_table_map(pt2, vs, VA + (4ULL << 20), 0), KOZO_ERR_ALREADY_MAPPED);
    KT_OK(kt_alloc(KOZO_OBJ_PDPT, 0, &pdpt));
    KT_ERR(kozo_page_table_map(pdpt, vs, VA, 0), KOZO_ERR_ALREADY_MAPPED);
}

KTEST(vspace_map_alignment, "Frames map at their own alignment: ALIGNMENT otherwise")
{
    kozo_handle_t vs, f, big;
    KT_OK(vspace_with_tables(&vs, VA));
    KT_OK(kt_alloc(KOZO_OBJ_FRAME, 0, &f));
    KT_OK(kt_alloc(KOZO_OBJ_LARGE_FRAME, 0, &big));
    KT_ERR(kozo_frame_map(f, vs, VA + 8, KT_RW, 0), KOZO_ERR_ALIGNMENT);
    KT_ERR(kozo_frame_map(big, vs, VA + (2ULL << 20) + KT_PAGE, KT_RW, 0), KOZO_ERR_ALIGNMENT);
    KT_OK(kozo_frame_map(big, vs, VA + (2ULL << 20), KT_RW, 0));
}

KTEST(vspace_map_range, "Addresses in or reaching into the kernel half are RANGE; the last user page is fine")
{
    kozo_handle_t vs, f, big, pt;
    uint64_t top = KOZO_USER_TOP - KT_PAGE, big_top = KOZO_USER_TOP - (2ULL << 20);
    KT_OK(vspace_with_tables(&vs, top));
    KT_OK(kt_alloc(KOZO_OBJ_FRAME, 0, &f));
    KT_ERR(kozo_frame_map(f, vs, KOZO_USER_TOP, KT_RW, 0), KOZO_ERR_RANGE);
    KT_ERR(kozo_frame_map(f, vs, 0xffff800000000000ULL, KT_RW, 0), KOZO_ERR_RANGE);
    KT_OK(kozo_frame_map(f, vs, top, KT_RW, 0));
    KT_OK(kt_alloc(KOZO_OBJ_LARGE_FRAME, 0, &big));
    KT_ERR(kozo_frame_map(big, vs, big_top, KT_RW, 0), KOZO_ERR_ALREADY_MAPPED); // the PT is there
    KT_OK(kt_alloc(KOZO_OBJ_PAGE_TABLE, 0, &pt));
    KT_ERR(kozo_page_table_map(pt, vs, KOZO_USER_TOP, 0), KOZO_ERR_RANGE);
    KT_ERR(kozo_page_table_map(pt, vs, 0xffffffff80000000ULL, 0), KOZO_ERR_RANGE);
}

KTEST(vspace_map_wrong_vspace, "Map into a cap that is no VSpace is WRONG_TYPE; an empty slot INVALID_HANDLE")
{
    kozo_handle_t f, pt, e;
    KT_OK(kt_alloc(KOZO_OBJ_FRAME, 0, &f));
    KT_OK(kt_alloc(KOZO_OBJ_PAGE_TABLE, 0, &pt));
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &e));
    KT_ERR(kozo_frame_map(f, e, VA, KT_RW, 0), KOZO_ERR_WRONG_TYPE);
    KT_ERR(kozo_frame_map(f, SYS_SLOT_CNODE, VA, KT_RW, 0), KOZO_ERR_WRONG_TYPE);
    KT_ERR(kozo_page_table_map(pt, e, VA, 0), KOZO_ERR_WRONG_TYPE);
    KT_ERR(kozo_frame_map(f, kt_slot(), VA, KT_RW, 0), KOZO_ERR_INVALID_HANDLE);
}

static uint64_t
paddr(kozo_handle_t frame)
{
    struct kozo_res_frame_get_address r = { ~0ULL };
    return kozo_frame_get_address(frame, &r) ? ~0ULL : r.paddr;
}

KTEST(vspace_frame_get_address, "GetAddress: pages aligned and 4 KiB apart, large frames 2 MiB aligned")
{
    kozo_handle_t u, a, b, big;
    KT_OK(kt_alloc(KOZO_OBJ_UNTYPED, 13, &u));
    KT_OK(kt_alloc_from(u, KOZO_OBJ_FRAME, 0, &a));
    KT_OK(kt_alloc_from(u, KOZO_OBJ_FRAME, 0, &b));
    KT_EQ(paddr(a) & (KT_PAGE - 1), 0);
    KT_NE(paddr(a), 0);
    KT_EQ(paddr(b), paddr(a) + KT_PAGE);
    KT_OK(kt_alloc(KOZO_OBJ_LARGE_FRAME, 0, &big));
    KT_EQ(paddr(big) & ((2ULL << 20) - 1), 0);
}

KTEST(vspace_unmap_and_remap_keeps_data, "Unmap, then map elsewhere: the frame keeps its contents")
{
    kozo_handle_t f;
    uint64_t a = kt_window_vaddr(), b = kt_window_vaddr();
    KT_OK(kt_alloc(KOZO_OBJ_FRAME, 0, &f));
    KT_OK(kt_map(f, a, KT_RW, 0));
    ((volatile uint64_t *)a)[100] = 0xfeed;
    KT_OK(kozo_frame_unmap(f));
    KT_EQ(mapped_at(f), 0);
    KT_OK(kozo_frame_unmap(f)); // unmapping an unmapped frame is fine
    KT_OK(kt_map(f, b, KT_RW, 0));
    KT_EQ(((volatile uint64_t *)b)[100], 0xfeed);
}

KTEST(vspace_shared_frame, "Two caps of one frame mapped at two addresses share the memory")
{
    kozo_handle_t f, c;
    uint64_t a = kt_window_vaddr(), b = kt_window_vaddr();
    KT_OK(kt_alloc(KOZO_OBJ_FRAME, 0, &f));
    KT_OK(kt_copy(f, KOZO_RIGHTS_ALL, &c));
    KT_OK(kt_map(f, a, KT_RW, 0));
    KT_OK(kt_map(c, b, KOZO_RIGHT_READ, 0));
    ((volatile uint64_t *)a)[7] = 0x5eed;
    KT_EQ(((volatile uint64_t *)b)[7], 0x5eed);
}

KTEST(vspace_large_frame_blocks_table, "Under a large frame there is no PT: ALREADY_MAPPED, MISSING_LEVEL")
{
    kozo_handle_t vs, big, pt, f;
    uint64_t va = VA + (4ULL << 20);
    KT_OK(vspace_with_tables(&vs, VA));
    KT_OK(kt_alloc(KOZO_OBJ_LARGE_FRAME, 0, &big));
    KT_OK(kozo_frame_map(big, vs, va, KT_RW, 0));
    KT_OK(kt_alloc(KOZO_OBJ_PAGE_TABLE, 0, &pt));
    KT_ERR(kozo_page_table_map(pt, vs, va, 0), KOZO_ERR_ALREADY_MAPPED);
    KT_OK(kt_alloc(KOZO_OBJ_FRAME, 0, &f));
    KT_ERR(kozo_frame_map(f, vs, va + KT_PAGE, KT_RW, 0), KOZO_ERR_MISSING_LEVEL);
}

KTEST(vspace_delete_frame_unmaps, "Deleting a mapped frame cap frees its address for another frame")
{
    kozo_handle_t vs, f, g;
    KT_OK(vspace_with_tables(&vs, VA));
    KT_OK(kt_alloc(KOZO_OBJ_FRAME, 0, &f));
    KT_OK(kt_alloc(KOZO_OBJ_FRAME, 0, &g));
    KT_OK(kozo_frame_map(f, vs, VA, KT_RW, 0));
    KT_OK(kozo_cnode_delete(SYS_SLOT_CNODE, f, KT_DEPTH));
    KT_OK(kozo_frame_map(g, vs, VA, KT_RW, 0));
}

KTEST(vspace_table_unmap_and_delete, "An unmapped or deleted table frees its place; unmapped, it maps again")
{
    kozo_handle_t vs, pdpt, pd, pt, pt2;
    KT_OK(kt_alloc(KOZO_OBJ_VSPACE, 0, &vs));
    KT_OK(kt_alloc(KOZO_OBJ_PDPT, 0, &pdpt));
    KT_OK(kt_alloc(KOZO_OBJ_PAGE_DIRECTORY, 0, &pd));
    KT_OK(kt_alloc(KOZO_OBJ_PAGE_TABLE, 0, &pt));
    KT_OK(kt_alloc(KOZO_OBJ_PAGE_TABLE, 0, &pt2));
    KT_OK(kozo_page_table_map(pdpt, vs, VA, 0));
    KT_OK(kozo_page_table_map(pd, vs, VA, 0));
    KT_OK(kozo_page_table_map(pt, vs, VA, 0));
    KT_OK(kozo_page_table_unmap(pt));
    KT_OK(kozo_page_table_unmap(pt)); // twice is fine
    KT_OK(kozo_page_table_map(pt2, vs, VA, 0));
    KT_OK(kozo_page_table_map(pt, vs, VA + (2ULL << 20), 0));
    KT_OK(kozo_cnode_delete(SYS_SLOT_CNODE, pt2, KT_DEPTH));
    KT_OK(kt_alloc(KOZO_OBJ_PAGE_TABLE, 0, &pt2));
    KT_OK(kozo_page_table_map(pt2, vs, VA, 0));
}

KTEST(vspace_delete_with_mappings, "A VSpace deleted under its frames: they unmap and map elsewhere")
{
    kozo_handle_t vs, vs2, f;
    KT_OK(vspace_with_tables(&vs, VA));
    KT_OK(kt_alloc(KOZO_OBJ_FRAME, 0, &f));
    KT_OK(kozo_frame_map(f, vs, VA, KT_RW, 0));
    KT_OK(kozo_cnode_delete(SYS_SLOT_CNODE, vs, KT_DEPTH));
    KT_EQ(mapped_at(f), VA); // the cap still says so; the mapping is gone with the VSpace
    KT_OK(kozo_frame_unmap(f));
    KT_OK(vspace_with_tables(&vs2, VA));
    KT_OK(kozo_frame_map(f, vs2, VA, KT_RW, 0));
}

KTEST(vspace_unknown_labels, "Unknown labels on frames, tables and VSpaces are ILLEGAL_OPERATION")
{
    kozo_handle_t f, pt, vs;
    KT_OK(kt_alloc(KOZO_OBJ_FRAME, 0, &f));
    KT_OK(kt_alloc(KOZO_OBJ_PAGE_TABLE, 0, &pt));
    KT_OK(kt_alloc(KOZO_OBJ_VSPACE, 0, &vs));
    KT_ERR(kt_label(f, KOZO_INV_PAGE_TABLE_MAP), KOZO_ERR_ILLEGAL_OPERATION);
    KT_ERR(kt_label(pt, KOZO_INV_FRAME_MAP), KOZO_ERR_ILLEGAL_OPERATION);
    KT_ERR(kt_label(vs, KOZO_INV_FRAME_MAP), KOZO_ERR_ILLEGAL_OPERATION);
    KT_ERR(kt_label(vs, 0), KOZO_ERR_ILLEGAL_OPERATION);
}

// --- What mappings allow: a helper touches them, its faults come to us ----------------------

static void
touch(struct kt_thread *t)
{
    if (t->arg[2] == 1)
        kt_write_at(t->arg[0], 99);
    else if (t->arg[2] == 2)
        ((void (*)(void))t->arg[0])();
    else
        t->res[1] = kt_read_at(t->arg[0]);
    t->res[0] = 1;
}

// Run `touch` (0 read, 1 write, 2 execute) at va; return the fault's error code, 0 if none.
static uint64_t
access_fault(const struct ktest_env *env, uint64_t va, uint64_t how, uint64_t *code)
{
    kozo_handle_t ep;
    struct kt_thread *t;
    uint64_t err;
    *code = 0;
    if ((err = kt_alloc(KOZO_OBJ_ENDPOINT, 0, &ep)) || (err = kt_thread_new(touch, env->priority, 0, &t)) ||
        (err = kt_thread_fault_ep(t, ep)))
        return err;
    t->arg[0] = va, t->arg[2] = how;
    if ((err = kt_thread_start(t)))
        return err;
    kt_settle();
    if (t->res[0])
        return KOZO_ERR_OK; // no fault
    struct kozo_msg m = { 0, 0, { 0 } };
    if ((err = kozo_nb_recv(ep, &m)))
        return err;
    if (kozo_msginfo_get_label(m.info) != KOZO_FAULT_VM || m.mr[1] != va)
        return KOZO_ERR_INVALID_ARGUMENT;
    *code = m.mr[2];
    m.info = kozo_msginfo_make(0, 0, 0, 1); // leave it stopped
    return kozo_reply(&m);
}

KTEST(vspace_read_only_mapping, "Writing a mapping made without WRITE faults (present, write, user)")
{
    kozo_handle_t f;
    uint64_t va = kt_window_vaddr(), code;
    KT_OK(kt_alloc(KOZO_OBJ_FRAME, 0, &f));
    KT_OK(kt_map(f, va, KOZO_RIGHT_READ, 0));
    KT_OK(access_fault(env, va, 0, &code));
    KT_EQ(code, 0); // reading is fine
    KT_OK(access_fault(env, va, 1, &code));
    KT_EQ(code & 7, 7);
    KT_EQ(((volatile uint64_t *)va)[0], 0);
}

KTEST(vspace_read_only_cap, "A frame cap without WRITE maps read-only whatever Map asks for")
{
    kozo_handle_t f, ro;
    uint64_t va = kt_window_vaddr(), code;
    KT_OK(kt_alloc(KOZO_OBJ_FRAME, 0, &f));
    KT_OK(kt_copy(f, KOZO_RIGHT_READ, &ro));
    KT_OK(kt_map(ro, va, KOZO_RIGHTS_ALL, 0));
    KT_OK(access_fault(env, va, 1, &code));
    KT_EQ(code & 7, 7);
}

KTEST(vspace_no_execute, "Jumping into a mapping without FRAME_ATTR_EXEC faults on the fetch")
{
    kozo_handle_t f;
    uint64_t va = kt_window_vaddr(), code;
    KT_OK(kt_alloc(KOZO_OBJ_FRAME, 0, &f));
    KT_OK(kt_map(f, va, KT_RW, 0));
    *(volatile uint8_t *)va = 0xc3; // ret
    KT_OK(access_fault(env, va, 2, &code));
    KT_EQ(code & 0x15, 0x15); // present, user, instruction fetch
}

KTEST(vspace_execute_allowed, "With FRAME_ATTR_EXEC the same code runs")
{
    kozo_handle_t f, x;
    uint64_t va = kt_window_vaddr(), xva = kt_window_vaddr(), code;
    KT_OK(kt_alloc(KOZO_OBJ_FRAME, 0, &f));
    KT_OK(kt_map(f, va, KT_RW, 0));
    *(volatile uint8_t *)va = 0xc3; // ret
    KT_OK(kt_copy(f, KOZO_RIGHT_READ, &x));
    KT_OK(kt_map(x, xva, KOZO_RIGHT_READ, KOZO_FRAME_ATTR_EXEC));
    KT_OK(access_fault(env, xva, 2, &code));
    KT_EQ(code, 0);
}

KTEST(vspace_unmapped_frame_faults, "After Unmap the address faults (not present)")
{
    kozo_handle_t f;
    uint64_t va = kt_window_vaddr(), code;
    KT_OK(kt_alloc(KOZO_OBJ_FRAME, 0, &f));
    KT_OK(kt_map(f, va, KT_RW, 0));
    KT_OK(kozo_frame_unmap(f));
    KT_OK(access_fault(env, va, 0, &code));
    KT_EQ(code & 1, 0);
    KT_NE(code, 0);
}

// --- The mapping invariant: no entry outlives what it maps (issue 10, defect 1) ------------
// Regions of ktest's own address space no runner range uses: 1 GiB slots 4 and 5 of its
// PDPT, each given its own page directory by the case.
#define GIB4 (4ULL << 30)
#define GIB5 (5ULL << 30)
#define MIB2 (2ULL << 20)

// A page directory of the case's at `va` in ktest's VSpace.
static uint64_t
own_pd(uint64_t va, kozo_handle_t *pd)
{
    uint64_t err = kt_alloc(KOZO_OBJ_PAGE_DIRECTORY, 0, pd);
    return err ? err : kozo_page_table_map(*pd, SYS_SLOT_VSPACE, va, 0);
}

// A frame with `marker` in its first word (written through a window mapping).
static uint64_t
marked_frame(uint64_t type, uint64_t marker, kozo_handle_t *f)
{
    kozo_handle_t w;
    uint64_t va = kt_window_vaddr(), err;
    if ((err = kt_alloc(type, 0, f)) || (err = kt_copy(*f, KOZO_RIGHTS_ALL, &w)) ||
        (err = type == KOZO_OBJ_FRAME ? kt_map(w, va, KT_RW, 0) : KOZO_ERR_OK))
        return err;
    if (type == KOZO_OBJ_FRAME) {
        *(volatile uint64_t *)va = marker;
        return kozo_frame_unmap(w);
    }
    return KOZO_ERR_OK;
}

KTEST(vspace_table_moved_is_empty, "A page table unmapped and mapped 2 MiB on maps nothing it mapped before")
{
    kozo_handle_t pd, pt, f;
    uint64_t code;
    KT_OK(own_pd(GIB4, &pd));
    KT_OK(kt_alloc(KOZO_OBJ_PAGE_TABLE, 0, &pt));
    KT_OK(kozo_page_table_map(pt, SYS_SLOT_VSPACE, GIB4, 0));
    KT_OK(marked_frame(KOZO_OBJ_FRAME, 0xa11ce, &f));
    KT_OK(kozo_frame_map(f, SYS_SLOT_VSPACE, GIB4, KT_RW, 0));
    KT_EQ(*(volatile uint64_t *)GIB4, 0xa11ce);
    KT_OK(kozo_page_table_unmap(pt));
    KT_OK(kozo_page_table_map(pt, SYS_SLOT_VSPACE, GIB4 + MIB2, 0));
    KT_OK(access_fault(env, GIB4 + MIB2, 0, &code));
    KT_NE(code, 0);     // it faults ...
    KT_EQ(code & 1, 0); // ... on a missing page: the table came back empty
    KT_OK(access_fault(env, GIB4, 0, &code));
    KT_EQ(code & 1, 0);         // and the old address is gone from the TLB too
    KT_OK(kozo_frame_unmap(f)); // the frame's stale record finds nothing and harms nothing
    KT_OK(kozo_frame_map(f, SYS_SLOT_VSPACE, GIB4 + MIB2, KT_RW, 0));
    KT_EQ(*(volatile uint64_t *)(GIB4 + MIB2), 0xa11ce);
}

KTEST(vspace_table_from_dead_vspace_is_empty,
      "A page table of a deleted VSpace, unmapped and mapped again, is empty")
{
    kozo_handle_t vs, pd, pt, f;
    uint64_t code;
    KT_OK(vspace_with_table(&vs, VA, &pt));
    KT_OK(marked_frame(KOZO_OBJ_FRAME, 0xb0b, &f));
    KT_OK(kozo_frame_map(f, vs, VA, KT_RW, 0));
    KT_OK(kozo_cnode_delete(SYS_SLOT_CNODE, vs, KT_DEPTH));
    KT_OK(kozo_page_table_unmap(pt)); // its parent is gone: nothing to unlink, still emptied
    KT_OK(own_pd(GIB4, &pd));
    KT_OK(kozo_page_table_map(pt, SYS_SLOT_VSPACE, GIB4, 0));
    KT_OK(access_fault(env, GIB4, 0, &code));
    KT_NE(code, 0);
    KT_EQ(code & 1, 0);
}

KTEST(vspace_table_from_other_vspace_is_empty,
      "A page table moved from another VSpace into ours maps nothing")
{
    kozo_handle_t vs, pd, pt, f;
    uint64_t code;
    KT_OK(vspace_with_table(&vs, VA, &pt));
    KT_OK(marked_frame(KOZO_OBJ_FRAME, 0xc0c0, &f));
    KT_OK(kozo_frame_map(f, vs, VA + 3 * KT_PAGE, KT_RW, 0));
    KT_OK(kozo_page_table_unmap(pt));
    KT_OK(own_pd(GIB4, &pd));
    KT_OK(kozo_page_table_map(pt, SYS_SLOT_VSPACE, GIB4, 0));
    KT_OK(access_fault(env, GIB4 + 3 * KT_PAGE, 0, &code));
    KT_NE(code, 0);
    KT_EQ(code & 1, 0);
}

KTEST(vspace_directory_moved_is_empty, "A page directory moved to another 1 GiB slot keeps no 2 MiB frame")
{
    kozo_handle_t pd, big;
    uint64_t code;
    KT_OK(own_pd(GIB4, &pd));
    KT_OK(kt_alloc(KOZO_OBJ_LARGE_FRAME, 0, &big));
    KT_OK(kozo_frame_map(big, SYS_SLOT_VSPACE, GIB4 + MIB2, KT_RW, 0));
    *(volatile uint64_t *)(GIB4 + MIB2) = 0xd1d;
    KT_OK(kozo_page_table_unmap(pd));
    KT_OK(kozo_page_table_map(pd, SYS_SLOT_VSPACE, GIB5, 0));
    KT_OK(access_fault(env, GIB5 + MIB2, 0, &code));
    KT_NE(code, 0);
    KT_EQ(code & 1, 0);
}

KTEST(vspace_directory_moved_keeps_no_table,
      "A moved page directory keeps no deleted page table whose memory we now write")
{
    kozo_handle_t pd, pt, f, u, g, h;
    uint64_t code, va = kt_window_vaddr();
    volatile uint64_t *hp;
    KT_OK(own_pd(GIB4, &pd));
    KT_OK(kt_alloc(KOZO_OBJ_UNTYPED, 12, &u));
    KT_OK(kt_alloc_from(u, KOZO_OBJ_PAGE_TABLE, 0, &pt));
    KT_OK(kozo_page_table_map(pt, SYS_SLOT_VSPACE, GIB4, 0));
    KT_OK(kt_alloc(KOZO_OBJ_FRAME, 0, &f));
    KT_OK(kozo_frame_map(f, SYS_SLOT_VSPACE, GIB4, KT_RW, 0));
    KT_OK(kozo_page_table_unmap(pd));
    KT_OK(kozo_page_table_map(pd, SYS_SLOT_VSPACE, GIB5, 0));
    // The table's memory becomes a frame of ours: if the directory still pointed at it,
    // what we write there would be page-table entries (here: one mapping frame h).
    KT_OK(kozo_cnode_revoke(SYS_SLOT_CNODE, u, KT_DEPTH));
    KT_OK(kt_alloc_from(u, KOZO_OBJ_FRAME, 0, &g));
    KT_OK(kt_map(g, va, KT_RW, 0));
    KT_OK(kt_frame_mapped(&h, &hp));
    hp[0] = 0x4a4a;
    *(volatile uint64_t *)va = paddr(h) | 7; // present, writable, user
    KT_OK(access_fault(env, GIB5, 0, &code));
    KT_NE(code, 0);
    KT_EQ(code & 1, 0);
}

// --- A mapping needs READ (issue 10, defect 2) --------------------------------------------

KTEST(vspace_map_needs_read,
      "A frame cap without READ (rights 0, WRITE, GRANT) does not map: INSUFFICIENT_RIGHTS")
{
    static const uint64_t no_read[] = { 0, KOZO_RIGHT_WRITE, KOZO_RIGHT_GRANT,
                                        KOZO_RIGHT_WRITE | KOZO_RIGHT_GRANT | KOZO_RIGHT_GRANT_REPLY };
    kozo_handle_t f, c;
    KT_OK(kt_alloc(KOZO_OBJ_FRAME, 0, &f));
    for (unsigned i = 0; i < sizeof(no_read) / sizeof(no_read[0]); i++) {
        KT_OK(kt_copy(f, no_read[i], &c));
        KT_ERR(kt_map(c, kt_window_vaddr(), KOZO_RIGHTS_ALL, 0), KOZO_ERR_INSUFFICIENT_RIGHTS);
        KT_EQ(mapped_at(c), 0);
    }
    // Asking for a mapping without READ is refused the same way, whatever the cap holds.
    KT_ERR(kt_map(f, kt_window_vaddr(), KOZO_RIGHT_WRITE, 0), KOZO_ERR_INSUFFICIENT_RIGHTS);
    KT_ERR(kt_map(f, kt_window_vaddr(), 0, KOZO_FRAME_ATTR_EXEC), KOZO_ERR_INSUFFICIENT_RIGHTS);
    KT_OK(kt_copy(f, KOZO_RIGHT_READ | KOZO_RIGHT_GRANT, &c));
    KT_OK(kt_map(c, kt_window_vaddr(), KOZO_RIGHTS_ALL, 0));
}
