// SPDX-License-Identifier: MIT OR Apache-2.0
//
// test_cnode.c: CNode copy, mint and move, and copying Untyped
// (host unit tests of the kernel core; tests/host/test_kernel.c runs them).
#include "kernel_tests.h"

static void
test_untyped_copy_no_overlap(void)
{
    CHECK_EQ(kh_copy(S(0), UT, R_ALL), OK);
    CHECK(no_overlap(S(0), UT, KOZO_OBJ_TCB, S(1), S(2)));
    CHECK(no_overlap(UT, S(0), KOZO_OBJ_ENDPOINT, S(3), S(4)));
    CHECK_EQ(kh_revoke(UT), OK);
    CHECK(cte_empty(kh_slot(S(0))));
    // A child Untyped and its copy, original retyped first.
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_UNTYPED, 12, S(5), 1), OK);
    CHECK_EQ(kh_copy(S(6), S(5), R_ALL), OK);
    CHECK(no_overlap(S(5), S(6), KOZO_OBJ_FRAME, S(7), S(8)));
    // Once the copy is gone the original has all its memory again.
    CHECK_EQ(kh_delete(S(6)), OK);
    CHECK_EQ(kh_delete(S(7)), OK);
    CHECK_EQ(kh_delete(S(8)), OK);
    CHECK(!mdb_has_children(kh_slot(S(5))));
    CHECK_EQ(kh_retype(S(5), KOZO_OBJ_FRAME, 0, S(9), 1), OK);
    CHECK(cap_ptr(capof(S(9))) == cap_ptr(capof(S(5))));
}

// ============================================================================================
// CNode: copy, mint, move, delete, revoke
// ============================================================================================

static void
test_cnode_copy(void)
{
    word_t d[3];
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(0), 1), OK);
    CHECK(mdb_is_final(kh_slot(S(0))));
    CHECK_EQ(kh_copy(S(1), S(0), R_ALL), OK);
    CHECK(cap_same_object(capof(S(0)), capof(S(1))));
    CHECK(mdb_next(kh_slot(S(0))) == kh_slot(S(1))); // a copy follows its source
    CHECK(mdb_is_parent_of(kh_slot(S(0)), kh_slot(S(1))));
    CHECK(!mdb_is_final(kh_slot(S(0))));
    CHECK(!mdb_is_final(kh_slot(S(1))));
    CHECK_EQ(kh_copy(S(1), S(0), R_ALL), KOZO_ERR_SLOT_OCCUPIED);
    CHECK_EQ(kh_copy(S(2), S(3), R_ALL), KOZO_ERR_INVALID_HANDLE); // empty source
    CHECK_EQ(KH_INVOKE(kh.root, ROOTCN, KOZO_INV_CNODE_COPY, S(2), KH_DEPTH, ROOTCN, S(0), KH_DEPTH),
             KOZO_ERR_INVALID_ARGUMENT); // 5 of 6 arguments
    CHECK(cte_empty(kh_slot(S(2))));
    CHECK_EQ(kh_describe(S(1), d), OK);
    CHECK_EQ(d[0], KOZO_OBJ_ENDPOINT);
    CHECK_EQ(d[1], R_ALL);
    CHECK_EQ(d[2], 0);
    CHECK_EQ(msg_len(kh.root), KOZO_INV_CNODE_DESCRIBE_NRES);
    CHECK_EQ(kh_describe(S(3), d), OK);
    CHECK_EQ(d[0], KOZO_OBJ_NULL);
    CHECK_EQ(KH_INVOKE(kh.root, ROOTCN, 99, S(0), KH_DEPTH), KOZO_ERR_ILLEGAL_OPERATION);
    CHECK_EQ(kh_invoke(kh.root, ROOTCN, 99, 0, NULL), KOZO_ERR_ILLEGAL_OPERATION); // label first
    // Page-table caps cannot be copied.
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_PAGE_TABLE, 0, S(4), 1), OK);
    CHECK_EQ(kh_copy(S(5), S(4), R_ALL), KOZO_ERR_ILLEGAL_OPERATION);
}

static void
test_cnode_rights_only_shrink(void)
{
    const word_t rw = KOZO_RIGHT_READ | KOZO_RIGHT_WRITE;
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(0), 1), OK);
    CHECK_EQ(kh_copy(S(1), S(0), rw), OK);
    CHECK_EQ(cap_rights(capof(S(1))), rw);
    CHECK_EQ(kh_copy(S(2), S(1), R_ALL), OK); // asking for more gives no more
    CHECK_EQ(cap_rights(capof(S(2))), rw);
    CHECK_EQ(kh_mint(S(3), S(2), R_ALL | 0xf0, 0), OK);
    CHECK_EQ(cap_rights(capof(S(3))), rw);
    CHECK_EQ(kh_copy(S(4), S(2), KOZO_RIGHT_READ), OK);
    CHECK_EQ(cap_rights(capof(S(4))), KOZO_RIGHT_READ);
    CHECK_EQ(kh_copy(S(5), S(4), 0), OK);
    CHECK_EQ(cap_rights(capof(S(5))), 0);
    // And the rights are enforced.
    CHECK_EQ(kh_invoke(kh.root, S(1), 0, 0, NULL), KOZO_ERR_INSUFFICIENT_RIGHTS); // no grant-reply
    CHECK_EQ(sys(kh.root, KOZO_SYS_NB_SEND, S(4)), KOZO_ERR_INSUFFICIENT_RIGHTS);
    CHECK_EQ(sys(kh.root, KOZO_SYS_NB_RECV, S(5)), KOZO_ERR_INSUFFICIENT_RIGHTS);
    CHECK_EQ(sys(kh.root, KOZO_SYS_NB_SEND, S(1)), KOZO_ERR_WOULD_BLOCK);
    CHECK_EQ(sys(kh.root, KOZO_SYS_NB_RECV, S(4)), KOZO_ERR_WOULD_BLOCK);
}

static void
test_cnode_mint_badge(void)
{
    word_t d[3];
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(0), 1), OK);
    CHECK_EQ(kh_mint(S(1), S(0), R_ALL, 0x42), OK);
    CHECK_EQ(cap_badge(capof(S(1))), 0x42);
    CHECK(mdb_revocable(kh_slot(S(1))) && mdb_first_badged(kh_slot(S(1))));
    CHECK_EQ(kh_describe(S(1), d), OK);
    CHECK_EQ(d[2], 0x42);
    CHECK_EQ(kh_mint(S(2), S(1), R_ALL, 7), KOZO_ERR_INVALID_ARGUMENT); // no re-badging
    CHECK(cte_empty(kh_slot(S(2))));
    CHECK_EQ(kh_mint(S(2), S(1), R_ALL, 0), OK); // badge 0: a plain copy
    CHECK_EQ(cap_badge(capof(S(2))), 0x42);
    CHECK_EQ(kh_copy(S(3), S(1), R_ALL), OK);
    CHECK_EQ(cap_badge(capof(S(3))), 0x42);
    // Badges only mean something on endpoints and notifications.
    CHECK_EQ(kh_mint(S(4), KH_SLOT_TCB, R_ALL, 5), KOZO_ERR_INVALID_ARGUMENT);
    CHECK_EQ(kh_mint(S(4), KH_SLOT_IRQCTL, R_ALL, 5), KOZO_ERR_INVALID_ARGUMENT);
    CHECK_EQ(kh_mint(S(4), KH_SLOT_TCB, R_ALL, 0), OK);
    // Revoking the badged cap removes its copies, not the original or other badges.
    CHECK_EQ(kh_mint(S(5), S(0), R_ALL, 0x43), OK);
    CHECK_EQ(kh_revoke(S(1)), OK);
    CHECK(cte_empty(kh_slot(S(2))));
    CHECK(cte_empty(kh_slot(S(3))));
    CHECK(!cte_empty(kh_slot(S(1))));
    CHECK(!cte_empty(kh_slot(S(5))));
    // Revoking the unbadged original removes every badge.
    CHECK_EQ(kh_revoke(S(0)), OK);
    CHECK(cte_empty(kh_slot(S(1))));
    CHECK(cte_empty(kh_slot(S(5))));
    CHECK(mdb_is_final(kh_slot(S(0))));
}

static void
test_cnode_mint_guard(void)
{
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_CNODE, 4, S(0), 1), OK);
    CHECK_EQ(kh_mint(S(1), S(0), R_ALL, kozo_cnode_guard_make(8, 0xab)), OK);
    CHECK_EQ(cnode_radix(capof(S(1))), 4);
    CHECK_EQ(cnode_guard_bits(capof(S(1))), 8);
    CHECK_EQ(cnode_guard(capof(S(1))), 0xab);
    CHECK(cap_same_object(capof(S(0)), capof(S(1))));
    CHECK_EQ(kh_mint(S(2), S(0), R_ALL, kozo_cnode_guard_make(4, 0x1f)), KOZO_ERR_INVALID_ARGUMENT);
    CHECK_EQ(kh_mint(S(2), S(0), R_ALL, kozo_cnode_guard_make(61, 0)), KOZO_ERR_INVALID_ARGUMENT);
    CHECK(cte_empty(kh_slot(S(2))));
    CHECK_EQ(kh_mint(S(2), S(0), R_ALL, kozo_cnode_guard_make(60, 0)), OK);
    CHECK_EQ(cnode_guard_bits(capof(S(2))), 60);
}

static void
test_cnode_copy_untyped_rules(void)
{
    CHECK_EQ(kh_copy(S(0), UT, R_ALL), OK); // no children yet: allowed
    CHECK(cap_same_object(capof(S(0)), capof(UT)));
    CHECK_EQ(kh_delete(S(0)), OK);
    CHECK(!mdb_has_children(kh_slot(UT)));
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(1), 1), OK);
    CHECK_EQ(kh_copy(S(0), UT, R_ALL), KOZO_ERR_REVOKE_FIRST);
    CHECK_EQ(kh_mint(S(0), UT, R_ALL, 0), KOZO_ERR_REVOKE_FIRST);
    CHECK(cte_empty(kh_slot(S(0))));
    CHECK_EQ(kh_revoke(UT), OK);
    CHECK_EQ(kh_copy(S(0), UT, R_ALL), OK);
}

static void
test_cnode_move(void)
{
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(0), 1), OK);
    CHECK_EQ(kh_copy(S(1), S(0), R_ALL), OK);
    cap_t c = capof(S(1));
    CHECK_EQ(kh_move(S(10), S(1)), OK);
    CHECK(cte_empty(kh_slot(S(1))));
    CHECK(kh_slot(S(1))->prev == NULL && kh_slot(S(1))->next == 0);
    CHECK_EQ(capof(S(10)).w0, c.w0);
    CHECK(mdb_next(kh_slot(S(0))) == kh_slot(S(10))); // same place in the tree
    CHECK(kh_slot(S(10))->prev == kh_slot(S(0)));
    CHECK_EQ(kh_move(S(10), S(0)), KOZO_ERR_SLOT_OCCUPIED);
    CHECK_EQ(kh_move(S(11), S(1)), KOZO_ERR_INVALID_HANDLE);
    // Moving the original keeps it the parent: revoke through its new slot.
    CHECK_EQ(kh_move(S(20), S(0)), OK);
    CHECK_EQ(kh_revoke(S(20)), OK);
    CHECK(cte_empty(kh_slot(S(10))));
    CHECK(mdb_is_final(kh_slot(S(20))));
    // The Untyped moved still retypes and revokes.
    CHECK_EQ(kh_move(S(30), UT), OK);
    CHECK_EQ(kh_retype(S(30), KOZO_OBJ_ENDPOINT, 0, S(31), 1), OK);
    CHECK_EQ(kh_move(UT, S(30)), OK);
    CHECK(mdb_is_parent_of(kh_slot(UT), kh_slot(S(31))));
}

const struct ktest kt_cnode_tests[] = {
    T(test_untyped_copy_no_overlap),
    T(test_cnode_copy),
    T(test_cnode_rights_only_shrink),
    T(test_cnode_mint_badge),
    T(test_cnode_mint_guard),
    T(test_cnode_copy_untyped_rules),
    T(test_cnode_move),
    { NULL, NULL },
};
