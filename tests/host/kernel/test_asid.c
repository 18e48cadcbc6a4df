// SPDX-License-Identifier: MIT OR Apache-2.0
//
// test_asid.c: ASIDs: VSpaces without one, pools, their exhaustion and deletion
// (host unit tests of the kernel core; tests/host/test_kernel.c runs them).
#include "kernel_tests.h"

// ASIDs come from ASID pools (object/asid.c): Retype makes a VSpace without one, Assign
// gives it the next free one of the pool, and a pool can be used up without touching any
// other pool (issue 10, defect 5: one Untyped holder exhausted the global table).
#define POOL_ASIDS ARCH_ASID_POOL_SIZE
static word_t
assign(word_t pool, word_t vspace)
{
    return KH_INVOKE(kh.root, pool, KOZO_INV_ASID_POOL_ASSIGN, vspace);
}

static void
test_retype_vspace_has_no_asid(void)
{
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_VSPACE, 0, S(0), 3), OK);
    for (unsigned i = 0; i < 3; i++)
        CHECK_EQ(vspace_asid(capof(S(i))), 0);
    // More VSpaces than the machine has ASIDs: Retype takes none, so memory is the only limit.
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_VSPACE, 0, S(10), ARCH_ASID_COUNT + 4), OK);
    CHECK_EQ(assign(KH_SLOT_ASIDPOOL, S(0)), OK);
    cap_t v = capof(S(0));
    CHECK_NE(vspace_asid(v), 0);
    CHECK((asid_cr3[vspace_asid(v)] & PTE_ADDR) == arch_pa(cap_ptr(v)));
    CHECK_EQ(kh.root->ctx.r[HREG_MR0], vspace_asid(v)); // Assign returns it
    CHECK_EQ(assign(KH_SLOT_ASIDPOOL, S(0)), KOZO_ERR_ALREADY_MAPPED);
    CHECK_EQ(assign(KH_SLOT_ASIDPOOL, UT), KOZO_ERR_WRONG_TYPE);
    CHECK_EQ(assign(UT, S(1)), KOZO_ERR_ILLEGAL_OPERATION); // not a pool: Untyped has no label 71
    CHECK_EQ(assign(KH_SLOT_ASIDPOOL, S(300)), KOZO_ERR_INVALID_HANDLE);
    CHECK(kh_vspace_ok());
}

// Until it has an ASID a VSpace has exactly one cap and no use: no copy, no mapping, no thread.
static void
test_unassigned_vspace_is_unusable(void)
{
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_VSPACE, 0, S(0), 1), OK);
    CHECK_EQ(kh_copy(S(1), S(0), R_ALL), KOZO_ERR_ILLEGAL_OPERATION);
    CHECK(cte_empty(kh_slot(S(1))));
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_PDPT, 0, S(2), 1), OK);
    CHECK_EQ(KH_INVOKE(kh.root, S(2), KOZO_INV_PAGE_TABLE_MAP, S(0), 0x40000000, 0),
             KOZO_ERR_ILLEGAL_OPERATION);
    CHECK(!map_is_mapped(capof(S(2))));
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_TCB, 0, S(3), 1), OK);
    CHECK_EQ(KH_INVOKE(kh.root, S(3), KOZO_INV_TCB_CONFIGURE, KH_SLOT_CNODE, S(0), 0, 0, 0),
             KOZO_ERR_ILLEGAL_OPERATION);
    CHECK(cte_empty(&tcb_from_cap(capof(S(3)))->slots[TCB_SLOT_VSPACE]));
    // Assigned, all three work; the copy has the same ASID.
    CHECK_EQ(assign(KH_SLOT_ASIDPOOL, S(0)), OK);
    CHECK_EQ(kh_copy(S(1), S(0), R_ALL), OK);
    CHECK_EQ(vspace_asid(capof(S(1))), vspace_asid(capof(S(0))));
    CHECK_EQ(KH_INVOKE(kh.root, S(2), KOZO_INV_PAGE_TABLE_MAP, S(1), 0x40000000, 0), OK);
    CHECK_EQ(KH_INVOKE(kh.root, S(3), KOZO_INV_TCB_CONFIGURE, KH_SLOT_CNODE, S(0), 0, 0, 0), OK);
    CHECK(kh_vspace_ok());
    CHECK(kh_mdb_ok());
}

// A pool's ASIDs are its own: using them all up leaves other pools whole, and a VSpace's
// death gives its ASID back to its pool.
static void
test_asid_pool_exhaustion_is_local(void)
{
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_VSPACE, 0, S(0), POOL_ASIDS + 2), OK);
    unsigned usable = POOL_ASIDS - 1; // the first pool holds ASID 0, the kernel's
    for (unsigned i = 0; i < usable; i++)
        CHECK_EQ(assign(KH_SLOT_ASIDPOOL, S(i)), OK);
    CHECK_EQ(assign(KH_SLOT_ASIDPOOL, S(usable)), KOZO_ERR_EXHAUSTED);
    CHECK_EQ(vspace_asid(capof(S(usable))), 0);
    // A second pool: a whole range of its own.
    CHECK_EQ(
        KH_INVOKE(kh.root, KH_SLOT_ASIDCTL, KOZO_INV_ASID_CONTROL_MAKE_POOL, KH_SLOT_CNODE, S(100), KH_DEPTH),
        OK);
    CHECK_EQ(kh.root->ctx.r[HREG_MR0], POOL_ASIDS); // first ASID
    CHECK_EQ(kh.root->ctx.r[HREG_MR1], POOL_ASIDS); // count
    CHECK_EQ(assign(S(100), S(usable)), OK);
    CHECK_EQ(vspace_asid(capof(S(usable))), POOL_ASIDS);
    // Deleting a VSpace returns its ASID to its pool; a copy keeps it alive.
    unsigned a0 = vspace_asid(capof(S(0)));
    CHECK_EQ(kh_copy(S(40), S(0), R_ALL), OK);
    CHECK_EQ(kh_delete(S(0)), OK);
    CHECK_EQ(host_arch.asids_released, 0);
    CHECK_EQ(kh_delete(S(40)), OK);
    CHECK_EQ(host_arch.asids_released, 1);
    CHECK_EQ(assign(KH_SLOT_ASIDPOOL, S(usable + 1)), OK);
    CHECK_EQ(vspace_asid(capof(S(usable + 1))), a0);
    // Every pool issued: MakePool says so and changes nothing.
    for (unsigned p = 2; p < ARCH_ASID_COUNT / POOL_ASIDS; p++)
        CHECK_EQ(KH_INVOKE(kh.root, KH_SLOT_ASIDCTL, KOZO_INV_ASID_CONTROL_MAKE_POOL, KH_SLOT_CNODE,
                           S(100 + p - 1), KH_DEPTH),
                 OK);
    CHECK_EQ(
        KH_INVOKE(kh.root, KH_SLOT_ASIDCTL, KOZO_INV_ASID_CONTROL_MAKE_POOL, KH_SLOT_CNODE, S(200), KH_DEPTH),
        KOZO_ERR_EXHAUSTED);
    CHECK(cte_empty(kh_slot(S(200))));
    CHECK_EQ(
        KH_INVOKE(kh.root, KH_SLOT_ASIDCTL, KOZO_INV_ASID_CONTROL_MAKE_POOL, KH_SLOT_CNODE, S(100), KH_DEPTH),
        KOZO_ERR_SLOT_OCCUPIED);
    word_t d[3];
    CHECK_EQ(kh_describe(S(100), d), OK);
    CHECK_EQ(d[0], KOZO_OBJ_ASID_POOL);
    CHECK_EQ(d[2], POOL_ASIDS | (word_t)POOL_ASIDS << 32);
    CHECK(kh_mdb_ok());
}

// Deleting a pool's last cap takes every ASID of the range from its VSpace: the VSpace keeps
// its (stale) number, takes no mappings, is loaded by no switch, cannot be assigned again,
// and the range is issued anew, its ASIDs going to new VSpaces without the old ones
// reaching them.
static void
test_asid_pool_delete_takes_asids(void)
{
    CHECK_EQ(
        KH_INVOKE(kh.root, KH_SLOT_ASIDCTL, KOZO_INV_ASID_CONTROL_MAKE_POOL, KH_SLOT_CNODE, S(100), KH_DEPTH),
        OK);
    CHECK_EQ(kh_copy(S(101), S(100), R_ALL), OK);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_VSPACE, 0, S(0), 2), OK);
    CHECK_EQ(assign(S(101), S(0)), OK); // through a copy: the same pool
    unsigned a = vspace_asid(capof(S(0)));
    CHECK_EQ(a, POOL_ASIDS);
    CHECK_EQ(kh_map_tables(S(0), 0x400000, S(10)), OK);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_FRAME, 0, S(13), 1), OK);
    CHECK_EQ(KH_INVOKE(kh.root, S(13), KOZO_INV_FRAME_MAP, S(0), 0x400000, R_ALL, 0), OK);
    CHECK_EQ(kh_delete(S(100)), OK); // a copy is left: nothing changes
    CHECK_EQ(host_arch.asids_released, 0);
    CHECK_EQ(kh_delete(S(101)), OK);
    CHECK_EQ(host_arch.asids_released, 1);
    CHECK_EQ(asid_cr3[a], 0);
    CHECK_EQ(kh_vspace_entry(S(0), 0x400000, 3), 0); // the user half went with the ASID
    CHECK_EQ(vspace_asid(capof(S(0))), a);
    CHECK_EQ(KH_INVOKE(kh.root, S(13), KOZO_INV_FRAME_UNMAP), OK);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_PAGE_TABLE, 0, S(14), 1), OK);
    CHECK_EQ(KH_INVOKE(kh.root, S(14), KOZO_INV_PAGE_TABLE_MAP, S(0), 0x40000000, 0),
             KOZO_ERR_ILLEGAL_OPERATION);
    CHECK_EQ(assign(KH_SLOT_ASIDPOOL, S(0)), KOZO_ERR_ALREADY_MAPPED);
    // The range again, to another VSpace: the same number, which the old VSpace cannot use.
    CHECK_EQ(
        KH_INVOKE(kh.root, KH_SLOT_ASIDCTL, KOZO_INV_ASID_CONTROL_MAKE_POOL, KH_SLOT_CNODE, S(100), KH_DEPTH),
        OK);
    CHECK_EQ(assign(S(100), S(1)), OK);
    CHECK_EQ(vspace_asid(capof(S(1))), a);
    CHECK_EQ(KH_INVOKE(kh.root, S(14), KOZO_INV_PAGE_TABLE_MAP, S(0), 0x40000000, 0),
             KOZO_ERR_ILLEGAL_OPERATION);
    CHECK_EQ(KH_INVOKE(kh.root, S(13), KOZO_INV_FRAME_MAP, S(0), 0x400000, R_ALL, 0),
             KOZO_ERR_ILLEGAL_OPERATION);
    CHECK(kh_vspace_ok());
    // The old VSpace dies: the new one keeps the ASID.
    CHECK_EQ(kh_delete(S(0)), OK);
    CHECK_EQ(host_arch.asids_released, 1);
    CHECK((asid_cr3[a] & PTE_ADDR) == arch_pa(cap_ptr(capof(S(1)))));
    CHECK(kh_vspace_ok());
    CHECK(kh_mdb_ok());
}

// Revoking the control cap takes back every pool it issued, and with them every ASID.
static void
test_asid_control_revoke(void)
{
    CHECK_EQ(kh_vspaces(S(0), 1), OK);
    CHECK_EQ(
        KH_INVOKE(kh.root, KH_SLOT_ASIDCTL, KOZO_INV_ASID_CONTROL_MAKE_POOL, KH_SLOT_CNODE, S(100), KH_DEPTH),
        OK);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_VSPACE, 0, S(1), 1), OK);
    CHECK_EQ(assign(S(100), S(1)), OK);
    CHECK_EQ(kh_revoke(KH_SLOT_ASIDCTL), OK);
    CHECK(cte_empty(kh_slot(KH_SLOT_ASIDPOOL)));
    CHECK(cte_empty(kh_slot(S(100))));
    CHECK_EQ(host_arch.asids_released, 2);
    for (unsigned a = 1; a < ARCH_ASID_COUNT; a++)
        CHECK_EQ(asid_cr3[a], 0);
    CHECK_EQ(
        KH_INVOKE(kh.root, KH_SLOT_ASIDCTL, KOZO_INV_ASID_CONTROL_MAKE_POOL, KH_SLOT_CNODE, S(100), KH_DEPTH),
        OK);
    CHECK_EQ(kh.root->ctx.r[HREG_MR0], 0); // the first range is free again
    CHECK(kh_mdb_ok());
}

const struct ktest kt_asid_tests[] = {
    T(test_retype_vspace_has_no_asid),     T(test_unassigned_vspace_is_unusable),
    T(test_asid_pool_exhaustion_is_local), T(test_asid_pool_delete_takes_asids),
    T(test_asid_control_revoke),           { NULL, NULL },
};
