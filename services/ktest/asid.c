// SPDX-License-Identifier: MIT OR Apache-2.0
//
// ASID control and ASID pools (issue 10, defect 5): a VSpace gets its address-space
// identifier from a pool cap, not from Retype, so one holder of Untyped can no longer take
// every ASID of the machine; a pool used up is that holder's problem alone, and a pool
// deleted takes its ASIDs back. ktest has a copy of init's ASID control cap and a pool of
// its own (SYS_SLOT_ASID_POOL, which kt_alloc uses for VSpaces).
#include "ktest.h"

#define RETYPE(ut, type, bits, slot, n) kozo_untyped_retype(ut, type, bits, SYS_SLOT_CNODE, 0, 0, slot, n)

static uint64_t
make_pool(kozo_handle_t *pool, struct kozo_res_asid_control_make_pool *r)
{
    *pool = kt_slot();
    return kozo_asid_control_make_pool(SYS_SLOT_ASID_CONTROL, SYS_SLOT_CNODE, *pool, KT_DEPTH, r);
}

// The attack of defect 5: VSpaces retyped by the thousand used up the machine's 4095 ASIDs,
// and everyone else's Retype of a VSpace then failed. Now Retype takes no ASID: 4096
// VSpaces (16 MiB, more than there are ASIDs) are made, and another VSpace still gets one.
KTEST(asid_vspaces_beyond_the_asid_count, "More VSpaces than the machine has ASIDs: Retype takes none")
{
    kozo_handle_t big = kt_slot(), node, vs, f;
    KT_OK(kozo_untyped_retype(SYS_SLOT_UNTYPED, KOZO_OBJ_UNTYPED, 24, SYS_SLOT_CNODE, 0, 0, big, 1));
    KT_OK(kt_alloc(KOZO_OBJ_CNODE, 12, &node));
    for (unsigned i = 0; i < 4096; i += KOZO_RETYPE_MAX_COUNT)
        KT_OK(kozo_untyped_retype(big, KOZO_OBJ_VSPACE, 0, SYS_SLOT_CNODE, node, KT_DEPTH, i,
                                  KOZO_RETYPE_MAX_COUNT));
    KT_OK(kt_alloc(KOZO_OBJ_VSPACE, 0, &vs)); // retyped and assigned from ktest's pool
    KT_OK(kt_alloc(KOZO_OBJ_FRAME, 0, &f));
    KT_OK(kt_map_in(vs, f, 0x10000000, KT_RW, 0));
    KT_OK(kozo_cnode_revoke(SYS_SLOT_CNODE, big, KT_DEPTH));
}

// A new VSpace is of no use until it has an ASID: it cannot be copied (so Assign finds its
// only cap), mapped into, or given to a thread. Assign works once.
KTEST(asid_unassigned_vspace_unusable, "A VSpace without an ASID cannot be copied, mapped into or run")
{
    kozo_handle_t vs = kt_slot(), copy, pdpt, t;
    struct kozo_res_asid_pool_assign a;
    struct kozo_res_cnode_describe d;
    KT_OK(RETYPE(env->untyped, KOZO_OBJ_VSPACE, 0, vs, 1));
    KT_OK(kozo_cnode_describe(SYS_SLOT_CNODE, vs, KT_DEPTH, &d));
    KT_EQ(d.data, 0); // no ASID
    KT_ERR(kt_copy(vs, KOZO_RIGHTS_ALL, &copy), KOZO_ERR_ILLEGAL_OPERATION);
    KT_EQ(kt_type(copy), KOZO_OBJ_NULL);
    KT_OK(kt_alloc(KOZO_OBJ_PDPT, 0, &pdpt));
    KT_ERR(kozo_page_table_map(pdpt, vs, 0x8000000000, 0), KOZO_ERR_ILLEGAL_OPERATION);
    KT_OK(kt_alloc(KOZO_OBJ_TCB, 0, &t));
    KT_ERR(kozo_tcb_configure(t, SYS_SLOT_CNODE, vs, 0, 0, 0), KOZO_ERR_ILLEGAL_OPERATION);
    KT_OK(kozo_asid_pool_assign(SYS_SLOT_ASID_POOL, vs, &a));
    KT_NE(a.asid, 0);
    KT_OK(kozo_cnode_describe(SYS_SLOT_CNODE, vs, KT_DEPTH, &d));
    KT_EQ(d.data, a.asid);
    KT_ERR(kozo_asid_pool_assign(SYS_SLOT_ASID_POOL, vs, &a), KOZO_ERR_ALREADY_MAPPED);
    KT_OK(kt_copy(vs, KOZO_RIGHTS_ALL, &copy));
    KT_OK(kozo_page_table_map(pdpt, copy, 0x8000000000, 0));
    KT_OK(kozo_tcb_configure(t, SYS_SLOT_CNODE, vs, 0, 0, 0));
    KT_ERR(kozo_asid_pool_assign(SYS_SLOT_ASID_POOL, pdpt, &a), KOZO_ERR_WRONG_TYPE);
    KT_ERR(kozo_asid_pool_assign(vs, vs, &a), KOZO_ERR_ILLEGAL_OPERATION); // not a pool
}

// A pool's ASIDs are its own: using all of them up touches no other pool.
KTEST(asid_pool_exhaustion_is_local, "Using up one ASID pool leaves every other pool its ASIDs")
{
    kozo_handle_t pool, vs = kt_slots(257);
    struct kozo_res_asid_control_make_pool mp;
    struct kozo_res_asid_pool_assign a;
    struct kozo_res_cnode_describe d;
    KT_OK(make_pool(&pool, &mp));
    KT_EQ(mp.count, KOZO_ARCH_ASID_POOL_SIZE);
    KT_EQ(mp.first % KOZO_ARCH_ASID_POOL_SIZE, 0);
    KT_NE(mp.first, 0); // the first range is init's
    KT_OK(kozo_cnode_describe(SYS_SLOT_CNODE, pool, KT_DEPTH, &d));
    KT_EQ(d.type, KOZO_OBJ_ASID_POOL);
    KT_EQ(d.data, mp.first | mp.count << 32);
    KT_OK(RETYPE(env->untyped, KOZO_OBJ_VSPACE, 0, vs, 256));
    KT_OK(RETYPE(env->untyped, KOZO_OBJ_VSPACE, 0, vs + 256, 1));
    for (unsigned i = 0; i < 256; i++) {
        KT_OK(kozo_asid_pool_assign(pool, vs + i, &a));
        KT_ASSERT(a.asid >= mp.first && a.asid < mp.first + mp.count);
    }
    KT_ERR(kozo_asid_pool_assign(pool, vs + 256, &a), KOZO_ERR_EXHAUSTED);
    KT_OK(kozo_cnode_describe(SYS_SLOT_CNODE, vs + 256, KT_DEPTH, &d));
    KT_EQ(d.data, 0); // nothing changed
    KT_OK(kozo_asid_pool_assign(SYS_SLOT_ASID_POOL, vs + 256, &a));
    KT_ASSERT(a.asid < mp.first || a.asid >= mp.first + mp.count);
    // A VSpace that dies gives its ASID back to its pool.
    KT_OK(kozo_cnode_describe(SYS_SLOT_CNODE, vs + 7, KT_DEPTH, &d));
    uint64_t seventh = d.data;
    KT_OK(kozo_cnode_delete(SYS_SLOT_CNODE, vs + 7, KT_DEPTH));
    KT_OK(RETYPE(env->untyped, KOZO_OBJ_VSPACE, 0, vs + 7, 1));
    KT_OK(kozo_asid_pool_assign(pool, vs + 7, &a));
    KT_EQ(a.asid, seventh);
}

// There are 16 ranges; MakePool issues the free ones and then says EXHAUSTED; a deleted
// pool's range is issued again.
KTEST(asid_control_issues_every_range_once,
      "ASID control issues each of the 16 ranges once; a deleted one again")
{
    kozo_handle_t pools = kt_slots(16), spare = kt_slot();
    struct kozo_res_asid_control_make_pool mp;
    unsigned n = 0;
    uint64_t seen = 0, err;
    while ((err = kozo_asid_control_make_pool(SYS_SLOT_ASID_CONTROL, SYS_SLOT_CNODE, pools + n, KT_DEPTH,
                                              &mp)) == KOZO_ERR_OK) {
        KT_EQ(seen & (1ULL << (mp.first / 256)), 0);
        seen |= 1ULL << (mp.first / 256);
        n++;
        KT_ASSERT(n < 16);
    }
    KT_EQ(err, KOZO_ERR_EXHAUSTED);
    KT_EQ(kt_type(pools + n), KOZO_OBJ_NULL);
    KT_EQ(n, 14);       // init and ktest hold the other two (fsd holds none)
    KT_EQ(seen & 1, 0); // init's
    KT_OK(kozo_cnode_delete(SYS_SLOT_CNODE, pools + 3, KT_DEPTH));
    KT_OK(kozo_asid_control_make_pool(SYS_SLOT_ASID_CONTROL, SYS_SLOT_CNODE, spare, KT_DEPTH, &mp));
    KT_ERR(kozo_asid_control_make_pool(SYS_SLOT_ASID_CONTROL, SYS_SLOT_CNODE, pools + 3, KT_DEPTH, &mp),
           KOZO_ERR_EXHAUSTED);
    KT_ERR(kozo_asid_control_make_pool(SYS_SLOT_ASID_CONTROL, SYS_SLOT_CNODE, spare, KT_DEPTH, &mp),
           KOZO_ERR_SLOT_OCCUPIED);
    KT_ERR(kt_label(SYS_SLOT_ASID_CONTROL, KOZO_INV_ASID_POOL_ASSIGN), KOZO_ERR_ILLEGAL_OPERATION);
    KT_ERR(kt_label(spare, KOZO_INV_ASID_CONTROL_MAKE_POOL), KOZO_ERR_ILLEGAL_OPERATION);
}

// Deleting a pool's last cap takes its ASIDs: its VSpaces take no more mappings (their
// existing ones are gone) and cannot be assigned again; a copy of the pool keeps it alive.
KTEST(asid_pool_delete_takes_its_asids, "Deleting an ASID pool takes the ASIDs from its VSpaces")
{
    kozo_handle_t pool, copy, vs = kt_slot(), f, pt;
    struct kozo_res_asid_control_make_pool mp;
    struct kozo_res_asid_pool_assign a;
    KT_OK(make_pool(&pool, &mp));
    KT_OK(kt_copy(pool, KOZO_RIGHTS_ALL, &copy));
    KT_OK(RETYPE(env->untyped, KOZO_OBJ_VSPACE, 0, vs, 1));
    KT_OK(kozo_asid_pool_assign(copy, vs, &a));
    KT_OK(kt_alloc(KOZO_OBJ_FRAME, 0, &f));
    KT_OK(kt_map_in(vs, f, 0x10000000, KT_RW, 0));
    KT_OK(kozo_cnode_delete(SYS_SLOT_CNODE, pool, KT_DEPTH)); // the copy keeps the pool
    KT_OK(kt_alloc(KOZO_OBJ_PAGE_TABLE, 0, &pt));
    KT_OK(kozo_page_table_map(pt, vs, 0x10200000, 0)); // still has its ASID
    KT_OK(kozo_cnode_delete(SYS_SLOT_CNODE, copy, KT_DEPTH));
    KT_OK(kozo_frame_unmap(f)); // finds nothing to unmap: the user half went with the ASID
    KT_ERR(kt_map_in(vs, f, 0x10000000, KT_RW, 0), KOZO_ERR_ILLEGAL_OPERATION);
    KT_ERR(kozo_asid_pool_assign(SYS_SLOT_ASID_POOL, vs, &a), KOZO_ERR_ALREADY_MAPPED);
    KT_OK(kozo_page_table_unmap(pt));
    KT_ERR(kozo_page_table_map(pt, vs, 0x10200000, 0), KOZO_ERR_ILLEGAL_OPERATION);
    // Revoking is the same for every copy at once.
    KT_OK(make_pool(&pool, &mp));
    KT_OK(kt_copy(pool, KOZO_RIGHTS_ALL, &copy));
    KT_OK(kozo_cnode_revoke(SYS_SLOT_CNODE, pool, KT_DEPTH));
    KT_EQ(kt_type(copy), KOZO_OBJ_NULL);
}
