// SPDX-License-Identifier: MIT OR Apache-2.0
//
// test_cspace.c: CSpace lookup: one and two levels, through syscalls, relative to a CNode
// (host unit tests of the kernel core; tests/host/test_kernel.c runs them).
#include "kernel_tests.h"

// ============================================================================================
// CSpace lookup
// ============================================================================================

static void
test_cspace_root_lookup(void)
{
    cap_t root = capof(ROOTCN);
    cte_t *s = NULL;
    struct lookup_fault f = { 99, 99 };

    CHECK_EQ(cnode_guard_bits(root), 52);
    CHECK_EQ(cspace_lookup_slot(root, 5, 64, &s, &f), OK);
    CHECK(s == kh_slot(5));
    CHECK_EQ(cspace_lookup_slot(root, 4095, 64, &s, NULL), OK);
    CHECK(s == kh_slot(4095));
    // Any set bit above the 12 index bits is a guard mismatch at the root.
    CHECK_EQ(cspace_lookup_slot(root, (1ULL << 12) | 5, 64, &s, &f), KOZO_ERR_INVALID_HANDLE);
    CHECK_EQ(f.level, 0);
    CHECK_EQ(f.bits_left, 64);
    CHECK_EQ(cspace_lookup_slot(root, (1ULL << 63) | 5, 64, &s, &f), KOZO_ERR_INVALID_HANDLE);
    // Depth must be 1..64 and cover the root's guard + radix.
    CHECK_EQ(cspace_lookup_slot(root, 5, 0, &s, NULL), KOZO_ERR_INVALID_HANDLE);
    CHECK_EQ(cspace_lookup_slot(root, 5, 65, &s, NULL), KOZO_ERR_INVALID_HANDLE);
    CHECK_EQ(cspace_lookup_slot(root, 5, 63, &s, &f), KOZO_ERR_INVALID_HANDLE);
    CHECK_EQ(f.bits_left, 63);
    // Not a CNode at all.
    CHECK_EQ(cspace_lookup_slot(capof(UT), 5, 64, &s, NULL), KOZO_ERR_INVALID_HANDLE);
    // An exact lookup may name an empty slot; a cap lookup may not.
    CHECK_EQ(cspace_lookup_slot(root, S(0), 64, &s, NULL), OK);
    CHECK(s == kh_slot(S(0)));
    CHECK_EQ(cspace_lookup_cap(kh.root, S(0), &s), KOZO_ERR_INVALID_HANDLE);
    CHECK_EQ(cspace_lookup_cap(kh.root, UT, &s), OK);
    CHECK(s == kh_slot(UT));
}

// Root cap with a 40-bit guard (so 12 handle bits are left for a second level) and a
// radix-4 CNode in slot S(1) minted with an 8-bit guard 0xab: 12 more bits.
static cap_t
two_level_setup(cte_t **l2)
{
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_CNODE, 4, S(0), 1), OK);
    CHECK_EQ(kh_mint(S(1), S(0), R_ALL, kozo_cnode_guard_make(8, 0xab)), OK);
    *l2 = cap_ptr(capof(S(0)));
    return cap_cnode(kh.cnode, KOZO_ROOT_CNODE_BITS, 40, 0);
}

static void
test_cspace_two_level(void)
{
    cte_t *l2, *s = NULL;
    struct lookup_fault f;
    cap_t root = two_level_setup(&l2);
    word_t h = ((word_t)S(1) << 12) | (0xab << 4) | 7;

    CHECK_EQ(cnode_guard_bits(capof(S(1))), 8);
    CHECK_EQ(cnode_guard(capof(S(1))), 0xab);
    CHECK_EQ(cspace_lookup_slot(root, h, 64, &s, &f), OK);
    CHECK(s == &l2[7]);
    // Wrong second-level guard: fails at level 1 with 12 bits left.
    CHECK_EQ(cspace_lookup_slot(root, h ^ (1 << 4), 64, &s, &f), KOZO_ERR_INVALID_HANDLE);
    CHECK_EQ(f.level, 1);
    CHECK_EQ(f.bits_left, 12);
    // Depth 52 stops exactly at the root slot holding the second-level CNode cap.
    CHECK_EQ(cspace_lookup_slot(root, S(1), 52, &s, NULL), OK);
    CHECK(s == kh_slot(S(1)));
    // Depth 58: 6 bits left at level 1, which needs 12.
    CHECK_EQ(cspace_lookup_slot(root, h >> 6, 58, &s, &f), KOZO_ERR_INVALID_HANDLE);
    CHECK_EQ(f.level, 1);
    CHECK_EQ(f.bits_left, 6);
    // Through the unguarded cap in S(0): 52 + 4 bits.
    CHECK_EQ(cspace_lookup_slot(root, ((word_t)S(0) << 4) | 9, 56, &s, NULL), OK);
    CHECK(s == &l2[9]);
    // Full depth through S(0): 8 bits left after l2[0], which is empty: an exact lookup
    // fails, a cap lookup stops there and finds it empty.
    CHECK_EQ(cspace_lookup_slot(root, ((word_t)S(0) << 12), 64, &s, &f), KOZO_ERR_INVALID_HANDLE);
    CHECK_EQ(f.level, 2);
    // A 60-bit guard on a radix-4 CNode uses all 64 bits.
    CHECK_EQ(kh_mint(S(2), S(0), R_ALL, kozo_cnode_guard_make(60, 0)), OK);
    CHECK_EQ(cspace_lookup_slot(capof(S(2)), 3, 64, &s, NULL), OK);
    CHECK(s == &l2[3]);
    CHECK_EQ(cspace_lookup_slot(capof(S(2)), 1ULL << 40, 64, &s, NULL), KOZO_ERR_INVALID_HANDLE);
}

// Full-depth (cap) lookups from a thread stop at the first non-CNode cap, whatever bits
// remain, and resolve through a guarded second level.
static void
test_cspace_two_level_syscall(void)
{
    cte_t *l2;
    cap_t root = two_level_setup(&l2);
    struct tcb *t = kh_thread(0, 10);
    word_t h = ((word_t)S(1) << 12) | (0xab << 4);

    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(2), 1), OK);
    CHECK_EQ(copy_into(S(0), 7, 4, S(2)), OK); // the unguarded cap: 4 bits
    CHECK(cap_same_object(l2[7].cap, capof(S(2))));
    CHECK_EQ(copy_into(S(0), 8, 5, S(2)), KOZO_ERR_INVALID_HANDLE); // depth must match
    t->slots[TCB_SLOT_CSPACE].cap = root; // same CNode, shorter guard (as Mint would make)
    kh_run(t);

    CHECK_EQ(sys(t, KOZO_SYS_NB_RECV, ((word_t)S(2) << 12) | 0xfff), KOZO_ERR_WOULD_BLOCK);
    CHECK_EQ(sys(t, KOZO_SYS_NB_RECV, h | 7), KOZO_ERR_WOULD_BLOCK);
    CHECK_EQ(sys(t, KOZO_SYS_NB_RECV, (h ^ (1 << 4)) | 7), KOZO_ERR_INVALID_HANDLE);
    CHECK_EQ(mr(t, KOZO_LOOKUP_FAULT_LEVEL_WORD), 1);
    CHECK_EQ(mr(t, KOZO_LOOKUP_FAULT_BITS_WORD), 12);
    CHECK_EQ(sys(t, KOZO_SYS_NB_RECV, h | 6), KOZO_ERR_INVALID_HANDLE); // empty slot
    CHECK_EQ(sys(t, KOZO_SYS_NB_RECV, (1ULL << 52) | ((word_t)S(2) << 12)), KOZO_ERR_INVALID_HANDLE);
    // The root thread's 52-bit guard makes the same handles invalid.
    CHECK_EQ(sys(kh.root, KOZO_SYS_NB_RECV, h | 7), KOZO_ERR_INVALID_HANDLE);
    CHECK_EQ(sys(kh.root, KOZO_SYS_NB_RECV, S(2)), KOZO_ERR_WOULD_BLOCK);
}

static void
test_cspace_relative_lookup(void)
{
    cte_t *s;
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(0), 1), OK);
    CHECK_EQ(cspace_lookup_rel(kh.root, ROOTCN, S(0), 64, &s), OK);
    CHECK(s == kh_slot(S(0)));
    CHECK_EQ(cspace_lookup_rel(kh.root, ROOTCN, S(0), 0, &s), KOZO_ERR_INVALID_HANDLE);
    CHECK_EQ(cspace_lookup_rel(kh.root, ROOTCN, S(0), 1000, &s), KOZO_ERR_INVALID_HANDLE);
    CHECK_EQ(cspace_lookup_rel(kh.root, S(0), 0, 64, &s), KOZO_ERR_WRONG_TYPE);
    CHECK_EQ(cspace_lookup_rel(kh.root, S(1), 0, 64, &s), KOZO_ERR_INVALID_HANDLE);
    // The same through CNode invocations.
    CHECK_EQ(KH_INVOKE(kh.root, ROOTCN, KOZO_INV_CNODE_DELETE, S(0), 0), KOZO_ERR_INVALID_HANDLE);
    CHECK_EQ(KH_INVOKE(kh.root, ROOTCN, KOZO_INV_CNODE_DELETE, S(0), 63), KOZO_ERR_INVALID_HANDLE);
    CHECK_EQ(KH_INVOKE(kh.root, UT, KOZO_INV_CNODE_DELETE, S(0), 64), KOZO_ERR_ILLEGAL_OPERATION);
    CHECK(!cte_empty(kh_slot(S(0))));
}

const struct ktest kt_cspace_tests[] = {
    T(test_cspace_root_lookup),     T(test_cspace_two_level), T(test_cspace_two_level_syscall),
    T(test_cspace_relative_lookup), { NULL, NULL },
};
