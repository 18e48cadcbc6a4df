// SPDX-License-Identifier: MIT OR Apache-2.0
//
// test_kernel.c - unit tests of the portable kernel core (kernel/core, kernel/object) on the
// host arch, under ASan/UBSan. Every test starts from a fresh hand-built root task
// (kernel_harness.h) and mostly acts through syscall_dispatch() exactly as user code does.
//
//   test_kernel [substring]     run the tests whose name contains substring (default: all)
//   KOZO_TEST_ECHO=1            also show the kernel console on stdout
//
// Prints "PASS: name" / "FAIL: name" per test, failure details on stderr, and last
// "kernel-core: N passed, M failed" (N, M count checks); exits 1 if anything failed.
#include "test.h"

#include "kernel_harness.h"
#include "../../kernel/arch/x86_64/mmu.h"

#include <kern/arch_api.h>
#include <kern/fault.h>
#include <kern/invocation.h>
#include <kern/irq.h>
#include <kern/ksyms.h>
#include <kern/printk.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define OK     KOZO_ERR_OK
#define R_ALL  KOZO_RIGHTS_ALL
#define S(n)   (KH_SLOT_FREE + (n)) // test slots
#define UT     KH_SLOT_UT
#define ROOTCN KH_SLOT_CNODE

static cap_t
capof(word_t slot)
{
    return kh_slot(slot)->cap;
}
static word_t
ut_free(word_t slot)
{
    return ut_free_index(capof(slot));
}
static word_t
rax(const struct tcb *t)
{
    return t->ctx.r[HREG_NR];
}
static word_t
mr(const struct tcb *t, unsigned i)
{
    return arch_get_mr(&t->ctx, i);
}
static word_t
msg_len(const struct tcb *t)
{
    return kozo_msginfo_get_length(t->ctx.r[HREG_INFO]);
}
static word_t
msg_label(const struct tcb *t)
{
    return kozo_msginfo_get_label(t->ctx.r[HREG_INFO]);
}

static bool
all_bytes(const void *p, int value, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != (unsigned char)value)
            return false;
    return true;
}

static bool
slots_empty(const cte_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!cte_empty(&s[i]) || s[i].prev || s[i].next)
            return false;
    return true;
}

// Syscalls without a message.
static word_t
sys(struct tcb *t, word_t sysno, word_t cap)
{
    return kh_syscall(t, sysno, cap, 0, NULL, 0);
}

// Copy src (full depth in the root CNode) into slot `index` of the CNode whose cap is at
// `cnode` (resolved there with `depth` bits).
static word_t
copy_into(word_t cnode, word_t index, word_t depth, word_t src)
{
    return KH_INVOKE(kh.root, cnode, KOZO_INV_CNODE_COPY, index, depth, ROOTCN, src, KH_DEPTH, R_ALL);
}

static word_t
move_into(word_t cnode, word_t index, word_t depth, word_t src)
{
    return KH_INVOKE(kh.root, cnode, KOZO_INV_CNODE_MOVE, index, depth, ROOTCN, src, KH_DEPTH);
}

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

// ============================================================================================
// Untyped.Retype
// ============================================================================================

static void
test_retype_alignment_and_watermark(void)
{
    unsigned char *base = kh.ut_base;

    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(0), 3), OK);
    CHECK(cap_ptr(capof(S(0))) == base);
    CHECK(cap_ptr(capof(S(1))) == base + 16);
    CHECK(cap_ptr(capof(S(2))) == base + 32);
    CHECK_EQ(ut_free(UT), 48);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_TCB, 0, S(3), 1), OK); // 2 KiB: aligned up from 48
    CHECK(cap_ptr(capof(S(3))) == base + 2048);
    CHECK_EQ(ut_free(UT), 4096);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_CNODE, 4, S(4), 1), OK); // 16 slots, 512 bytes
    CHECK(cap_ptr(capof(S(4))) == base + 4096);
    CHECK_EQ(cnode_radix(capof(S(4))), 4);
    CHECK_EQ(ut_free(UT), 4096 + 512);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_FRAME, 0, S(5), 2), OK);
    CHECK(cap_ptr(capof(S(5))) == base + 8192);
    CHECK(cap_ptr(capof(S(6))) == base + 12288);
    CHECK_EQ(ut_free(UT), 16384);
    for (word_t i = S(0); i <= S(6); i++) {
        cap_t c = capof(i);
        CHECK_EQ((uintptr_t)cap_ptr(c) & MASK(cap_object_bits(c)), 0);
        CHECK(mdb_is_parent_of(kh_slot(UT), kh_slot(i)));
        CHECK_EQ(cap_rights(c), R_ALL);
    }
    CHECK_EQ(kh_mdb_list_len(kh_slot(UT)), 8);
}

static void
test_retype_no_space_changes_nothing(void)
{
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(0), 1), OK);
    CHECK_EQ(ut_free(UT), 16);
    // 256 frames would need all 1 MiB, but the first one can only start at 4 KiB.
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_FRAME, 0, S(10), 256), KOZO_ERR_NOT_ENOUGH_MEMORY);
    CHECK(slots_empty(kh_slot(S(10)), 256));
    CHECK_EQ(ut_free(UT), 16);
    CHECK_EQ(kh_mdb_list_len(kh_slot(UT)), 2);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_FRAME, 0, S(10), 255), OK);
    CHECK_EQ(ut_free(UT), 1u << KH_UT_BITS);
    CHECK(cap_ptr(capof(S(10 + 254))) == kh.ut_base + (255u << 12));
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(300), 1), KOZO_ERR_NOT_ENOUGH_MEMORY);
    CHECK(cte_empty(kh_slot(S(300))));
    CHECK_EQ(ut_free(UT), 1u << KH_UT_BITS);
}

static void
test_retype_bad_arguments(void)
{
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_NULL, 0, S(0), 1), KOZO_ERR_INVALID_ARGUMENT);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_IRQ_CONTROL, 0, S(0), 1), KOZO_ERR_INVALID_ARGUMENT);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_IOPORT, 0, S(0), 1), KOZO_ERR_INVALID_ARGUMENT);
    CHECK_EQ(kh_retype(UT, 1000, 0, S(0), 1), KOZO_ERR_INVALID_ARGUMENT);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_UNTYPED, KOZO_UNTYPED_MIN_BITS - 1, S(0), 1), KOZO_ERR_INVALID_ARGUMENT);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_UNTYPED, KOZO_UNTYPED_MAX_BITS + 1, S(0), 1), KOZO_ERR_INVALID_ARGUMENT);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_UNTYPED, KH_UT_BITS + 1, S(0), 1), KOZO_ERR_RANGE);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_CNODE, KOZO_CNODE_MIN_BITS - 1, S(0), 1), KOZO_ERR_INVALID_ARGUMENT);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_CNODE, KOZO_CNODE_MAX_BITS + 1, S(0), 1), KOZO_ERR_INVALID_ARGUMENT);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_CNODE, KOZO_CNODE_MAX_BITS, S(0), 1), KOZO_ERR_RANGE); // 2 MiB
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_LARGE_FRAME, 0, S(0), 1), KOZO_ERR_RANGE);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(0), 0), KOZO_ERR_RANGE);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(0), KOZO_RETYPE_MAX_COUNT + 1), KOZO_ERR_RANGE);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, KH_ROOT_SLOTS - 1, 2), KOZO_ERR_RANGE);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, KH_ROOT_SLOTS, 1), KOZO_ERR_RANGE);
    // Too few arguments, wrong label, a destination that is not a CNode.
    CHECK_EQ(KH_INVOKE(kh.root, UT, KOZO_INV_UNTYPED_RETYPE, KOZO_OBJ_ENDPOINT, 0, ROOTCN, 0, 0, S(0)),
             KOZO_ERR_INVALID_ARGUMENT);
    CHECK_EQ(KH_INVOKE(kh.root, UT, KOZO_INV_CNODE_COPY, KOZO_OBJ_ENDPOINT, 0, ROOTCN, 0, 0, S(0), 1),
             KOZO_ERR_ILLEGAL_OPERATION);
    CHECK_EQ(
        KH_INVOKE(kh.root, UT, KOZO_INV_UNTYPED_RETYPE, KOZO_OBJ_ENDPOINT, 0, KH_SLOT_TCB, 0, 0, S(0), 1),
        KOZO_ERR_WRONG_TYPE);
    // Nothing happened.
    CHECK(!mdb_has_children(kh_slot(UT)));
    CHECK_EQ(ut_free(UT), 0);
    CHECK(cte_empty(kh_slot(S(0))));
    // The limits themselves are fine.
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(0), KOZO_RETYPE_MAX_COUNT), OK);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, KH_ROOT_SLOTS - 1, 1), OK);
}

static void
test_retype_cnode_radix_bounds(void)
{
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_CNODE, KOZO_CNODE_MIN_BITS, S(0), 1), OK);
    CHECK_EQ(cap_object_bits(capof(S(0))), KOZO_CNODE_MIN_BITS + KOZO_OBJ_CNODE_BITS);
    CHECK_EQ(kh_revoke(UT), OK);
    // Radix 15 is 1 MiB: exactly the whole Untyped, and every slot comes out empty.
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_CNODE, 15, S(0), 1), OK);
    CHECK_EQ(cnode_radix(capof(S(0))), 15);
    CHECK(slots_empty(cap_ptr(capof(S(0))), 1u << 15));
    CHECK_EQ(ut_free(UT), 1u << KH_UT_BITS);
}

static void
test_retype_slot_occupied(void)
{
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(2), 1), OK);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_NOTIFICATION, 0, S(0), 3), KOZO_ERR_SLOT_OCCUPIED);
    CHECK(cte_empty(kh_slot(S(0))));
    CHECK(cte_empty(kh_slot(S(1))));
    CHECK_EQ(cap_type(capof(S(2))), KOZO_OBJ_ENDPOINT);
    CHECK_EQ(ut_free(UT), 16);
    CHECK_EQ(kh_mdb_list_len(kh_slot(UT)), 2);
}

static void
test_retype_device_untyped(void)
{
    kh_device_untyped();
    CHECK_EQ(kh_retype(KH_SLOT_DEVUT, KOZO_OBJ_TCB, 0, S(0), 1), KOZO_ERR_INVALID_ARGUMENT);
    CHECK_EQ(kh_retype(KH_SLOT_DEVUT, KOZO_OBJ_ENDPOINT, 0, S(0), 1), KOZO_ERR_INVALID_ARGUMENT);
    CHECK_EQ(kh_retype(KH_SLOT_DEVUT, KOZO_OBJ_CNODE, 2, S(0), 1), KOZO_ERR_INVALID_ARGUMENT);
    CHECK_EQ(kh_retype(KH_SLOT_DEVUT, KOZO_OBJ_PAGE_TABLE, 0, S(0), 1), KOZO_ERR_INVALID_ARGUMENT);
    CHECK(cte_empty(kh_slot(S(0))));
    CHECK_EQ(kh_retype(KH_SLOT_DEVUT, KOZO_OBJ_FRAME, 0, S(0), 1), OK);
    CHECK(map_is_device(capof(S(0))));
    CHECK(!map_is_mapped(capof(S(0))));
    CHECK(all_bytes(cap_ptr(capof(S(0))), 0x5a, 4096)); // the kernel never writes device memory
    CHECK_EQ(kh_retype(KH_SLOT_DEVUT, KOZO_OBJ_UNTYPED, 12, S(1), 1), OK);
    CHECK(ut_device(capof(S(1))));
    CHECK_EQ(kh_retype(S(1), KOZO_OBJ_NOTIFICATION, 0, S(2), 1), KOZO_ERR_INVALID_ARGUMENT);
    CHECK_EQ(kh_retype(S(1), KOZO_OBJ_FRAME, 0, S(2), 1), OK);
    CHECK(map_is_device(capof(S(2))));
    // The copy of a device frame is a device frame too.
    CHECK_EQ(kh_copy(S(3), S(2), R_ALL), OK);
    CHECK(map_is_device(capof(S(3))));
}

static void
test_retype_after_revoke_starts_over(void)
{
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_TCB, 0, S(0), 2), OK);
    CHECK_EQ(kh_copy(S(5), S(0), R_ALL), OK);
    CHECK_EQ(ut_free(UT), 4096);
    CHECK_EQ(kh_revoke(UT), OK);
    CHECK(cte_empty(kh_slot(S(0))));
    CHECK(cte_empty(kh_slot(S(1))));
    CHECK(cte_empty(kh_slot(S(5))));
    CHECK(!mdb_has_children(kh_slot(UT)));
    CHECK_EQ(kh_mdb_list_len(kh_slot(UT)), 1);
    // The whole megabyte is available again: one Untyped child covering all of it.
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_UNTYPED, KH_UT_BITS, S(6), 1), OK);
    CHECK(cap_ptr(capof(S(6))) == kh.ut_base);
    // Grandchildren go with a revoke of the grandparent.
    CHECK_EQ(kh_retype(S(6), KOZO_OBJ_CNODE, 3, S(7), 1), OK);
    CHECK_EQ(kh_retype(S(6), KOZO_OBJ_ENDPOINT, 0, S(8), 1), OK);
    CHECK_EQ(kh_revoke(UT), OK);
    CHECK(cte_empty(kh_slot(S(6))));
    CHECK(cte_empty(kh_slot(S(7))));
    CHECK(cte_empty(kh_slot(S(8))));
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_TCB, 0, S(9), 1), OK);
    CHECK(cap_ptr(capof(S(9))) == kh.ut_base);
}

static void
test_retype_objects_zeroed(void)
{
    CHECK(all_bytes(kh.ut_base, 0xa5, 1u << KH_UT_BITS));
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_FRAME, 0, S(0), 1), OK);
    CHECK(all_bytes(cap_ptr(capof(S(0))), 0, 4096));
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_CNODE, 6, S(1), 1), OK);
    CHECK(slots_empty(cap_ptr(capof(S(1))), 64));
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_TCB, 0, S(2), 1), OK);
    struct tcb *t = tcb_from_cap(capof(S(2)));
    CHECK_EQ(t->state, TS_INACTIVE);
    CHECK_EQ(t->priority, 0);
    CHECK(t->reply_to == NULL && t->replier == NULL && t->blocked_on == NULL);
    CHECK(slots_empty(t->slots, TCB_SLOT_COUNT));
    CHECK_EQ(t->ctx.r[HREG_FLAGS], RFLAGS_FIXED);
    CHECK_EQ(t->ctx.r[HREG_NR], 0);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(3), 1), OK);
    CHECK(all_bytes(cap_ptr(capof(S(3))), 0, 16));
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_NOTIFICATION, 0, S(4), 1), OK);
    CHECK(all_bytes(cap_ptr(capof(S(4))), 0, 32));
    // An Untyped child is not touched (its objects are zeroed when they are made).
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_UNTYPED, 12, S(5), 1), OK);
    CHECK(all_bytes(cap_ptr(capof(S(5))), 0xa5, 4096));
}

static void
test_retype_into_other_cnode(void)
{
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_CNODE, 3, S(0), 1), OK);
    cte_t *l2 = cap_ptr(capof(S(0)));
    // root = root CNode, node = (S(0), full depth), offset 5
    CHECK_EQ(KH_INVOKE(kh.root, UT, KOZO_INV_UNTYPED_RETYPE, KOZO_OBJ_ENDPOINT, 0, ROOTCN, S(0), 64, 5, 2),
             OK);
    CHECK_EQ(cap_type(l2[5].cap), KOZO_OBJ_ENDPOINT);
    CHECK_EQ(cap_type(l2[6].cap), KOZO_OBJ_ENDPOINT);
    CHECK(cte_empty(&l2[7]));
    CHECK(mdb_is_parent_of(kh_slot(UT), &l2[5]));
    CHECK_EQ(KH_INVOKE(kh.root, UT, KOZO_INV_UNTYPED_RETYPE, KOZO_OBJ_ENDPOINT, 0, ROOTCN, S(0), 64, 7, 2),
             KOZO_ERR_RANGE);
    CHECK_EQ(KH_INVOKE(kh.root, UT, KOZO_INV_UNTYPED_RETYPE, KOZO_OBJ_ENDPOINT, 0, ROOTCN, S(0), 64, 8, 1),
             KOZO_ERR_RANGE);
    // node_depth 0: the CNode named by `root` itself.
    CHECK_EQ(KH_INVOKE(kh.root, UT, KOZO_INV_UNTYPED_RETYPE, KOZO_OBJ_ENDPOINT, 0, S(0), 0, 0, 7, 1), OK);
    CHECK_EQ(cap_type(l2[7].cap), KOZO_OBJ_ENDPOINT);
    CHECK(kh_mdb_cnode_ok(l2, 8));
}

// Retype is preemptible between objects (issue 10 hardening): with an interrupt pending it
// stops after each RETYPE_CHUNK (64 KiB) zeroed, with the objects made so far complete and
// in place, and the restarted call (the same registers) goes on with the next slot. The end
// state is the unpreempted one: COUNT objects, consecutive in memory, every one zeroed.
#define PREEMPT_FRAMES 64
static void
check_frames_made(word_t first, unsigned n, uintptr_t base)
{
    for (unsigned i = 0; i < n; i++) {
        cap_t f = capof(S(first + i));
        CHECK_EQ(cap_type(f), KOZO_OBJ_FRAME);
        CHECK_EQ((uintptr_t)cap_ptr(f), base + ((uintptr_t)i << KOZO_PAGE_BITS));
        const unsigned char *b = cap_ptr(f);
        size_t nonzero = 0;
        for (size_t k = 0; k < BIT(KOZO_PAGE_BITS); k++)
            nonzero += b[k] != 0;
        CHECK_EQ(nonzero, 0);
    }
}

static void
test_retype_preempted_and_restarted(void)
{
    uintptr_t base = (uintptr_t)kh.ut_base;
    host_arch.irq_pending = 1;
    unsigned restarts = host_arch.restarts;
    kh_retype(UT, KOZO_OBJ_FRAME, 0, S(0), PREEMPT_FRAMES);
    CHECK_EQ(host_arch.restarts, restarts + 1); // stopped at the first preemption point
    CHECK_EQ(kh.root->retype_made, 16);
    check_frames_made(0, 16, base);
    CHECK(cte_empty(kh_slot(S(16))));
    CHECK_EQ(ut_free(UT), 16 * BIT(KOZO_PAGE_BITS));
    CHECK(kh_mdb_ok());
    // The restarted call: no interrupt now, so it runs to the end.
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_FRAME, 0, S(0), PREEMPT_FRAMES), OK);
    CHECK_EQ(host_arch.restarts, restarts + 1);
    CHECK_EQ(kh.root->retype_made, 0);
    check_frames_made(0, PREEMPT_FRAMES, base);
    CHECK_EQ(ut_free(UT), PREEMPT_FRAMES * BIT(KOZO_PAGE_BITS));
    // Interrupts all along: each call makes one more chunk, and never more than asked.
    CHECK_EQ(kh_revoke(UT), OK);
    host_arch.irq_pending = 1000;
    unsigned calls = 0;
    do {
        kh_retype(UT, KOZO_OBJ_FRAME, 0, S(0), PREEMPT_FRAMES);
        calls++;
    } while (kh.root->retype_made && calls < 10);
    CHECK_EQ(calls, PREEMPT_FRAMES / 16);
    CHECK_EQ(kh.root->ctx.r[HREG_NR], OK);
    check_frames_made(0, PREEMPT_FRAMES, base);
    CHECK(cte_empty(kh_slot(S(PREEMPT_FRAMES))));
    host_arch.irq_pending = 0;
    CHECK(kh_mdb_ok());
}

// A preempted Retype belongs to the call that made it: once another thread replaces the
// registers (SetRegisters), the progress is forgotten, and a new Retype into the same slots
// starts afresh (and finds its first slots taken).
static void
test_retype_progress_forgotten_on_set_registers(void)
{
    struct tcb *t = kh_thread(0, 100);
    host_arch.irq_pending = 1;
    kh_syscall(t, KOZO_SYS_CALL, UT, kozo_msginfo_make(7, 0, 0, KOZO_INV_UNTYPED_RETYPE),
               (const word_t[]){ KOZO_OBJ_FRAME, 0, KH_SLOT_CNODE, 0, 0, S(0), PREEMPT_FRAMES }, 7);
    CHECK_EQ(t->retype_made, 16);
    host_arch.irq_pending = 0;
    CHECK_EQ(KH_INVOKE(kh.root, 8, KOZO_INV_TCB_SET_REGISTERS, 0x1000, 0x2000, 0, 0, 0, 0), OK);
    CHECK_EQ(t->retype_made, 0);
    kh_run(t);
    CHECK_EQ(kh_syscall(t, KOZO_SYS_CALL, UT, kozo_msginfo_make(7, 0, 0, KOZO_INV_UNTYPED_RETYPE),
                        (const word_t[]){ KOZO_OBJ_FRAME, 0, KH_SLOT_CNODE, 0, 0, S(0), PREEMPT_FRAMES }, 7),
             KOZO_ERR_SLOT_OCCUPIED);
    CHECK(cte_empty(kh_slot(S(16))));
    CHECK(kh_mdb_ok());
}

// --- Preemptible delete of CNode and thread trees (object/delete.c) ---------------------

static word_t
retype_into(word_t cnode_slot, word_t type, word_t bits, word_t offset, word_t count)
{
    return KH_INVOKE(kh.root, UT, KOZO_INV_UNTYPED_RETYPE, type, bits, KH_SLOT_CNODE, cnode_slot, KH_DEPTH,
                     offset, count);
}

// Delete (or Revoke, if `revoke`) root slot `slot` with an interrupt pending at every
// preemption point, calling again as a restarted system call would, until it finishes.
// Checks the derivation tree between calls; returns the number of calls.
static unsigned
delete_preempted(word_t slot, bool revoke)
{
    unsigned calls = 0;
    for (;;) {
        unsigned restarts = host_arch.restarts;
        host_arch.irq_pending = 1000000;
        word_t err = revoke ? kh_revoke(slot) : kh_delete(slot);
        host_arch.irq_pending = 0;
        calls++;
        if (host_arch.restarts == restarts) {
            CHECK_EQ(err, OK);
            return calls;
        }
        CHECK(kh_mdb_ok());
        if (!revoke)
            CHECK_EQ(cap_type(capof(slot)), KOZO_OBJ_DELETING);
        if (calls > 100000) {
            CHECK(!"the delete does not finish");
            return calls;
        }
    }
}

// A CNode of 16 slots holding the last caps to 16 CNodes of 8 slots, each holding 8
// endpoints and, in one of them, a thread: 161 objects.
static void
make_tree(word_t top)
{
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_CNODE, 4, S(top), 1), OK);
    for (word_t k = 0; k < 16; k++) {
        CHECK_EQ(kh_retype(UT, KOZO_OBJ_CNODE, 3, S(top + 1), 1), OK);
        CHECK_EQ(retype_into(S(top + 1), KOZO_OBJ_ENDPOINT, 0, 0, 8), OK);
        if (k == 5) {
            CHECK_EQ(KH_INVOKE(kh.root, S(top + 1), KOZO_INV_CNODE_DELETE, 7, 3), OK);
            CHECK_EQ(retype_into(S(top + 1), KOZO_OBJ_TCB, 0, 7, 1), OK);
        }
        CHECK_EQ(move_into(S(top), k, 4, S(top + 1)), OK);
    }
}

static void
test_delete_tree_preempted(void)
{
    make_tree(0);
    word_t used = ut_free(UT);
    // Paused half way: the slot holds a DELETING cap that nothing but Delete can use.
    unsigned restarts = host_arch.restarts;
    host_arch.irq_pending = 1;
    kh_delete(S(0));
    host_arch.irq_pending = 0;
    CHECK_EQ(host_arch.restarts, restarts + 1);
    word_t d[3];
    CHECK_EQ(kh_describe(S(0), d), OK);
    CHECK_EQ(d[0], KOZO_OBJ_DELETING);
    CHECK_EQ(d[1], 0);
    CHECK_EQ(kh_copy(S(5), S(0), R_ALL), KOZO_ERR_ILLEGAL_OPERATION);
    CHECK_EQ(kh_move(S(5), S(0)), KOZO_ERR_ILLEGAL_OPERATION);
    CHECK_EQ(KH_INVOKE(kh.root, S(0), KOZO_INV_CNODE_DESCRIBE, 0, 4), KOZO_ERR_ILLEGAL_OPERATION);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(0), 1), KOZO_ERR_SLOT_OCCUPIED);
    // Its memory stays the Untyped's child: new objects go above it.
    CHECK(mdb_has_children(kh_slot(UT)));
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(5), 1), OK);
    CHECK((uintptr_t)cap_ptr(capof(S(5))) >= (uintptr_t)kh.ut_base + used);
    CHECK_EQ(kh_delete(S(5)), OK);
    // Go on, stopped at every preemption point, to the end.
    unsigned calls = delete_preempted(S(0), false);
    CHECK(calls >= 3); // 177 slots visited, 32 between two looks
    CHECK(cte_empty(kh_slot(S(0))));
    CHECK(!mdb_has_children(kh_slot(UT)));
    CHECK(kh_mdb_ok());
    // And the same tree deleted in one go leaves the same: nothing.
    make_tree(0);
    CHECK_EQ(kh_delete(S(0)), OK);
    CHECK(!mdb_has_children(kh_slot(UT)));
}

// A chain of 300 CNodes, each holding the last cap to the next: deep, and deleted in time
// linear in its length however often it is stopped.
static void
test_delete_deep_chain_preempted(void)
{
    enum { N = 300 };
    // Built bottom-up: each new CNode takes the chain so far into its slot 1.
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_CNODE, 1, S(0), 1), OK);
    for (unsigned k = 1; k < N; k++) {
        CHECK_EQ(kh_retype(UT, KOZO_OBJ_CNODE, 1, S(1), 1), OK);
        CHECK_EQ(move_into(S(1), 1, 1, S(0)), OK); // the chain so far goes into the new one
        CHECK_EQ(kh_move(S(0), S(1)), OK);
    }
    unsigned calls = delete_preempted(S(0), false);
    CHECK(calls >= N / 32);
    CHECK(calls <= 2 * N / 32 + 4);
    CHECK(!mdb_has_children(kh_slot(UT)));
    CHECK(kh_mdb_ok());
}

// A walk that meets another walk's stopped DELETING cap takes it over; a CNode holding its
// own last cap is finished by a Revoke of its Untyped.
static void
test_delete_takes_over_and_cycles(void)
{
    make_tree(0);                                            // A, in S(0)
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_CNODE, 2, S(2), 1), OK); // B, in S(2)
    CHECK_EQ(move_into(S(2), 1, 2, S(0)), OK);               // A's last cap now in B[1]
    // Stop a Delete of B[1] (through a guarded copy of B's cap, for the handle)...
    host_arch.irq_pending = 1;
    unsigned restarts = host_arch.restarts;
    KH_INVOKE(kh.root, S(2), KOZO_INV_CNODE_DELETE, 1, 2);
    host_arch.irq_pending = 0;
    CHECK_EQ(host_arch.restarts, restarts + 1);
    // ... then delete B itself: its walk meets A's DELETING cap and finishes it too.
    delete_preempted(S(2), false);
    CHECK(!mdb_has_children(kh_slot(UT)));
    CHECK(kh_mdb_ok());
    // A CNode whose last cap is inside itself, and a thread in it: Revoke of the Untyped.
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_CNODE, 3, S(0), 1), OK);
    CHECK_EQ(retype_into(S(0), KOZO_OBJ_TCB, 0, 2, 1), OK);
    CHECK_EQ(retype_into(S(0), KOZO_OBJ_ENDPOINT, 0, 3, 5), OK);
    CHECK_EQ(KH_INVOKE(kh.root, S(0), KOZO_INV_CNODE_MOVE, 1, 3, KH_SLOT_CNODE, S(0), KH_DEPTH), OK);
    CHECK(cte_empty(kh_slot(S(0))));
    delete_preempted(UT, true);
    CHECK(!mdb_has_children(kh_slot(UT)));
    CHECK(kh_mdb_ok());
}

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

// A copy of an Untyped is a second way to retype the same memory. Whatever the kernel's
// rule, two live objects must never share memory. (KOZO follows seL4: copying an Untyped
// marks the source full, so only the copy can retype until the copy is gone.)
static bool
no_overlap(word_t ut_a, word_t ut_b, word_t type, word_t da, word_t db)
{
    word_t ea = kh_retype(ut_a, type, 0, da, 1), eb = kh_retype(ut_b, type, 0, db, 1);
    CHECK(ea == OK || eb == OK); // one of them can retype
    return ea != OK || eb != OK || cap_ptr(capof(da)) != cap_ptr(capof(db));
}

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

static void
test_delete_copy_keeps_object(void)
{
    struct tcb *s = kh_thread(0, 100);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(0), 1), OK);
    CHECK_EQ(kh_copy(S(1), S(0), R_ALL), OK);
    kh_run(s);
    sys(s, KOZO_SYS_RECV, S(0));
    CHECK_EQ(s->state, TS_BLOCKED_RECV);
    CHECK_EQ(kh_delete(S(1)), OK);
    CHECK(cte_empty(kh_slot(S(1))));
    CHECK(!cte_empty(kh_slot(S(0))));
    CHECK(mdb_is_final(kh_slot(S(0))));
    CHECK_EQ(s->state, TS_BLOCKED_RECV); // the endpoint lives on
    CHECK(((struct endpoint *)cap_ptr(capof(S(0))))->head == s);
    CHECK_EQ(kh_delete(S(1)), OK); // deleting an empty slot is fine
}

static void
test_delete_last_endpoint_cap_aborts_waiters(void)
{
    struct tcb *a = kh_thread(0, 100), *b = kh_thread(1, 100), *c = kh_thread(2, 100);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(0), 1), OK);
    struct endpoint *ep = cap_ptr(capof(S(0)));
    kh_run(a);
    kh_run(b);
    sys(a, KOZO_SYS_RECV, S(0));
    sys(b, KOZO_SYS_RECV, S(0));
    CHECK_EQ(a->state, TS_BLOCKED_RECV);
    CHECK_EQ(b->state, TS_BLOCKED_RECV);
    CHECK_EQ(kh_delete(S(0)), OK);
    CHECK_EQ(a->state, TS_RUNNABLE);
    CHECK_EQ(b->state, TS_RUNNABLE);
    CHECK_EQ(rax(a), KOZO_ERR_ABORTED);
    CHECK_EQ(rax(b), KOZO_ERR_ABORTED);
    CHECK(a->blocked_on == NULL && b->blocked_on == NULL);
    CHECK(ep->head == NULL && ep->tail == NULL);
    // Blocked senders too (a Call in progress included).
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(1), 1), OK);
    kh_run(c);
    sys(c, KOZO_SYS_CALL, S(1));
    CHECK_EQ(c->state, TS_BLOCKED_SEND);
    CHECK_EQ(kh_delete(S(1)), OK);
    CHECK_EQ(c->state, TS_RUNNABLE);
    CHECK_EQ(rax(c), KOZO_ERR_ABORTED);
}

// Deleting the last cap to a TCB stops the thread and deletes the caps it holds.
static void
test_delete_last_tcb_cap(void)
{
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_TCB, 0, S(0), 1), OK);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(1), 1), OK);
    CHECK_EQ(kh_vspaces(S(2), 1), OK);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_FRAME, 0, S(3), 1), OK);
    struct tcb *t = tcb_from_cap(capof(S(0)));
    CHECK_EQ(KH_INVOKE(kh.root, S(0), KOZO_INV_TCB_CONFIGURE, ROOTCN, S(2), S(3), KH_IPCBUF_VADDR + 8, S(1)),
             OK);
    CHECK(cap_same_object(t->slots[TCB_SLOT_CSPACE].cap, capof(ROOTCN)));
    CHECK(cap_same_object(t->slots[TCB_SLOT_VSPACE].cap, capof(S(2))));
    CHECK(cap_same_object(t->slots[TCB_SLOT_FAULT_EP].cap, capof(S(1))));
    CHECK(tcb_ipc_buffer(t) == (struct kozo_ipc_buffer *)((char *)cap_ptr(capof(S(3))) + 8));
    CHECK(!mdb_is_final(kh_slot(S(1))));
    CHECK_EQ(kh_invoke(kh.root, S(0), KOZO_INV_TCB_RESUME, 0, NULL), OK);
    CHECK_EQ(t->state, TS_RUNNABLE);
    // The new thread blocks on the endpoint through its own CSpace (the root CNode).
    sys(t, KOZO_SYS_RECV, S(1));
    CHECK_EQ(t->state, TS_BLOCKED_RECV);
    current = kh.root;
    CHECK_EQ(kh_delete(S(0)), OK);
    CHECK_EQ(t->state, TS_INACTIVE);
    CHECK(((struct endpoint *)cap_ptr(capof(S(1))))->head == NULL);
    CHECK(slots_empty(t->slots, TCB_SLOT_COUNT));
    CHECK(mdb_is_final(kh_slot(S(1))));
    CHECK(mdb_is_final(kh_slot(S(2))));
    CHECK_EQ(host_arch.asids_released, 0); // the VSpace still has its cap
    CHECK(!cte_empty(kh_slot(ROOTCN)));
}

// Revoking an Untyped deletes all it made, including CNodes holding the last caps to
// other objects (which then go too).
static void
test_revoke_untyped_nested(void)
{
    struct tcb *s = kh_thread(0, 100);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_CNODE, 2, S(0), 2), OK); // A = S(0), B = S(1)
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(2), 1), OK);
    cte_t *a = cap_ptr(capof(S(0))), *b = cap_ptr(capof(S(1)));
    CHECK_EQ(copy_into(S(0), 1, 2, S(2)), OK);
    CHECK_EQ(copy_into(S(1), 3, 2, S(2)), OK);
    CHECK_EQ(move_into(S(0), 2, 2, S(1)), OK); // B's only cap now lives in A
    CHECK(cte_empty(kh_slot(S(1))));
    kh_run(s);
    sys(s, KOZO_SYS_RECV, S(2));
    CHECK_EQ(kh_delete(S(2)), OK); // copies in A and B keep the endpoint alive
    CHECK_EQ(s->state, TS_BLOCKED_RECV);
    CHECK(kh_mdb_cnode_ok(a, 4) && kh_mdb_cnode_ok(b, 4));
    CHECK_EQ(kh_revoke(UT), OK);
    CHECK_EQ(s->state, TS_RUNNABLE);
    CHECK_EQ(rax(s), KOZO_ERR_ABORTED);
    CHECK(slots_empty(a, 4));
    CHECK(slots_empty(b, 4));
    CHECK(cte_empty(kh_slot(S(0))));
    CHECK(!mdb_has_children(kh_slot(UT)));
    CHECK_EQ(kh_mdb_list_len(kh_slot(UT)), 1);
}

// A chain of CNodes, each holding the only cap to the next (alternately in slot 0 and
// slot 1), the last one holding the last cap to an endpoint a thread waits on. Deleting
// the head must tear down all of it without recursing: it runs on a 64 KiB stack, where
// one kernel frame per level would overflow.
#define CHAIN_LEN   3000
#define CHAIN_STACK (64 * 1024)

static void *
chain_delete_thread(void *arg)
{
    *(word_t *)arg = kh_delete(S(0));
    return NULL;
}

static void
test_delete_deep_cnode_chain(void)
{
    struct tcb *s = kh_thread(0, 100);
    const word_t ep = S(CHAIN_LEN), nt = S(CHAIN_LEN + 1);
    cte_t *node[CHAIN_LEN];
    bool ok = true;

    for (word_t i = 0; i < CHAIN_LEN; i += KOZO_RETYPE_MAX_COUNT)
        ok &= kh_retype(UT, KOZO_OBJ_CNODE, 1, S(i), MIN(KOZO_RETYPE_MAX_COUNT, CHAIN_LEN - i)) == OK;
    CHECK(ok);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, ep, 1), OK);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_NOTIFICATION, 0, nt, 1), OK);
    for (unsigned i = 0; i < CHAIN_LEN; i++)
        node[i] = cap_ptr(capof(S(i)));
    kh_run(s);
    sys(s, KOZO_SYS_RECV, ep);
    CHECK_EQ(s->state, TS_BLOCKED_RECV);

    CHECK_EQ(copy_into(S(CHAIN_LEN - 1), (CHAIN_LEN - 1) & 1, 1, ep), OK);
    for (unsigned i = 0; ok && i < CHAIN_LEN - 1; i += 7) // extra caps on the way down
        ok &= copy_into(S(i), 1 - (i & 1), 1, nt) == OK;
    for (unsigned i = CHAIN_LEN - 1; ok && i-- > 0;) // from the end: S(i) is still in the root
        ok &= move_into(S(i), i & 1, 1, S(i + 1)) == OK;
    CHECK(ok);
    CHECK_EQ(kh_delete(ep), OK); // the chain holds the endpoint's last cap
    CHECK(cte_empty(kh_slot(S(1))) && cte_empty(kh_slot(S(CHAIN_LEN - 1))));
    CHECK_EQ(s->state, TS_BLOCKED_RECV);
    CHECK(kh_mdb_list_ok(kh_slot(UT)));

    pthread_attr_t attr;
    pthread_t th;
    word_t err = ~0ULL;
    CHECK_EQ(pthread_attr_init(&attr), 0);
    CHECK_EQ(pthread_attr_setstacksize(&attr, CHAIN_STACK), 0);
    if (!CHECK_EQ(pthread_create(&th, &attr, chain_delete_thread, &err), 0))
        return;
    pthread_join(th, NULL);
    pthread_attr_destroy(&attr);
    current = kh.root;

    CHECK_EQ(err, OK);
    CHECK(cte_empty(kh_slot(S(0))));
    ok = true;
    for (unsigned i = 0; i < CHAIN_LEN; i++)
        ok &= slots_empty(node[i], 2); // return links cleared too
    CHECK(ok);
    CHECK_EQ(s->state, TS_RUNNABLE);
    CHECK_EQ(rax(s), KOZO_ERR_ABORTED);
    CHECK(mdb_is_final(kh_slot(nt)));
    CHECK_EQ(kh_mdb_list_len(kh_slot(UT)), 2); // the Untyped and the notification
    CHECK_EQ(kh_delete(nt), OK);
    CHECK(!mdb_has_children(kh_slot(UT)));
}

// Deleting a CNode that holds a cap to itself (and nothing else does) through Revoke.
static void
test_revoke_self_referencing_cnode(void)
{
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_CNODE, 2, S(0), 1), OK);
    cte_t *a = cap_ptr(capof(S(0)));
    CHECK_EQ(copy_into(S(0), 0, 2, S(0)), OK);
    CHECK_EQ(move_into(S(0), 1, 2, S(0)), OK); // the original moves into itself
    CHECK(cte_empty(kh_slot(S(0))));
    CHECK(kh_mdb_cnode_ok(a, 4));
    CHECK(mdb_has_children(kh_slot(UT)));
    CHECK_EQ(kh_revoke(UT), OK);
    CHECK(slots_empty(a, 4));
    CHECK(!mdb_has_children(kh_slot(UT)));
}

// Containers of both kinds nested: root slot S(0) -> CNode C0, whose slot 0 holds the
// only cap to thread T, whose CSpace slot holds the only cap to CNode C2, which holds the
// last cap to an endpoint T and another thread wait on.
static void
test_delete_nested_tcb_and_cnode(void)
{
    struct tcb *s = kh_thread(0, 100);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_CNODE, 2, S(0), 1), OK);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_TCB, 0, S(1), 1), OK);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_CNODE, 2, S(2), 1), OK);
    CHECK_EQ(kh_mint(S(3), S(2), R_ALL, kozo_cnode_guard_make(62, 0)), OK); // handle = index
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(4), 1), OK);
    CHECK_EQ(kh_vspaces(S(5), 1), OK);
    struct tcb *t = tcb_from_cap(capof(S(1)));
    cte_t *c0 = cap_ptr(capof(S(0))), *c2 = cap_ptr(capof(S(2)));
    CHECK_EQ(copy_into(S(2), 1, 2, S(4)), OK);
    CHECK_EQ(KH_INVOKE(kh.root, S(1), KOZO_INV_TCB_CONFIGURE, S(3), S(5), 0, 0, 0), OK);
    CHECK_EQ(kh_invoke(kh.root, S(1), KOZO_INV_TCB_RESUME, 0, NULL), OK);
    kh_run(s);
    sys(s, KOZO_SYS_RECV, S(4));
    sys(t, KOZO_SYS_RECV, 1); // C2[1] through T's own CSpace
    CHECK_EQ(t->state, TS_BLOCKED_RECV);
    current = kh.root;

    CHECK_EQ(kh_delete(S(2)), OK);
    CHECK_EQ(kh_delete(S(3)), OK);
    CHECK_EQ(kh_delete(S(4)), OK);
    CHECK_EQ(move_into(S(0), 0, 2, S(1)), OK);
    CHECK(mdb_is_final(&c0[0]));
    CHECK(mdb_is_final(&t->slots[TCB_SLOT_CSPACE]));
    CHECK(mdb_is_final(&c2[1]));
    CHECK_EQ(s->state, TS_BLOCKED_RECV);

    CHECK_EQ(kh_delete(S(0)), OK);
    CHECK_EQ(t->state, TS_INACTIVE);
    CHECK_EQ(s->state, TS_RUNNABLE);
    CHECK_EQ(rax(s), KOZO_ERR_ABORTED);
    CHECK(slots_empty(c0, 4));
    CHECK(slots_empty(c2, 4));
    CHECK(slots_empty(t->slots, TCB_SLOT_COUNT));
    CHECK(mdb_is_final(kh_slot(S(5)))); // T's copy of the VSpace cap went with T
    CHECK_EQ(host_arch.asids_released, 0);
    CHECK_EQ(kh_mdb_list_len(kh_slot(UT)), 2);
}

// An Untyped whose own cap lives in a CNode made from it: revoking it destroys that CNode
// and with it the slot being revoked. The walk must stop cleanly, and whatever survives
// (an object after the CNode in the list) must not be handed out again while it lives.
static void
test_revoke_deletes_its_own_slot(void)
{
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_UNTYPED, 16, S(0), 1), OK);
    CHECK_EQ(kh_retype(S(0), KOZO_OBJ_ENDPOINT, 0, S(1), 1), OK);
    CHECK_EQ(kh_retype(S(0), KOZO_OBJ_CNODE, 2, S(2), 1), OK);
    CHECK_EQ(kh_retype(S(0), KOZO_OBJ_ENDPOINT, 0, S(3), 1), OK);
    cte_t *c = cap_ptr(capof(S(2)));
    CHECK_EQ(move_into(S(2), 1, 2, S(0)), OK);
    CHECK_EQ(KH_INVOKE(kh.root, S(2), KOZO_INV_CNODE_REVOKE, 1, 2), OK);
    CHECK(cte_empty(kh_slot(S(2))));
    CHECK(cte_empty(kh_slot(S(3))));
    CHECK(slots_empty(c, 4));
    CHECK(kh_mdb_ok());
    if (!cte_empty(kh_slot(S(1)))) {
        CHECK(mdb_is_parent_of(kh_slot(UT), kh_slot(S(1)))); // adopted by the grandparent
        CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(4), 1), OK);
        CHECK(cap_ptr(capof(S(4))) != cap_ptr(capof(S(1))));
    }
}

// Revoke stops at a preemption point when an interrupt is pending (every 32 deletions) and
// the restarted system call carries on: registers untouched, progress kept in the tree.
static void
test_revoke_preemptible(void)
{
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(0), 100), OK);
    CHECK_EQ(kh_mdb_list_len(kh_slot(UT)), 101);
    host_arch.irq_pending = 2;
    kh_revoke(UT);
    CHECK_EQ(host_arch.restarts, 1);
    CHECK_EQ(msg_label(kh.root), KOZO_INV_CNODE_REVOKE); // the call is still in the registers
    CHECK_EQ(mr(kh.root, 0), UT);
    CHECK_EQ(kh_mdb_list_len(kh_slot(UT)), 101 - 32);
    CHECK(kh_mdb_ok());
    syscall_dispatch(kh.root); // the restart
    CHECK_EQ(host_arch.restarts, 2);
    CHECK_EQ(kh_mdb_list_len(kh_slot(UT)), 101 - 64);
    syscall_dispatch(kh.root);
    CHECK_EQ(host_arch.restarts, 2);
    CHECK_EQ(rax(kh.root), OK);
    CHECK_EQ(msg_label(kh.root), 0);
    CHECK(!mdb_has_children(kh_slot(UT)));
    CHECK(slots_empty(kh_slot(S(0)), 100));
}

// Random operations on a few slots; after each one the derivation list must be well
// formed, caps to one object must be neighbours, and no two live objects may overlap.
static uint64_t rng_state;
static word_t
rng(word_t n)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (rng_state >> 33) % n;
}

static bool
objects_disjoint(void)
{
    for (word_t i = KH_SLOT_UT; i < S(64); i++) {
        cap_t a = capof(i);
        if (cte_empty(kh_slot(i)) || cap_object_bits(a) == 0)
            continue;
        for (word_t j = i + 1; j < S(64); j++) {
            cap_t b = capof(j);
            if (cte_empty(kh_slot(j)) || cap_object_bits(b) == 0 || cap_same_object(a, b))
                continue;
            if (cap_same_region(a, b) || cap_same_region(b, a))
                continue; // an Untyped and what was made from it
            uintptr_t a0 = (uintptr_t)cap_ptr(a), a1 = a0 + BIT(cap_object_bits(a));
            uintptr_t b0 = (uintptr_t)cap_ptr(b), b1 = b0 + BIT(cap_object_bits(b));
            if (a0 < b1 && b0 < a1) {
                fprintf(stderr, "     slots %lu and %lu overlap\n", (unsigned long)i, (unsigned long)j);
                return false;
            }
        }
    }
    return true;
}

static bool
same_object_caps_adjacent(void)
{
    for (word_t i = KH_SLOT_UT; i < S(64); i++) {
        const cte_t *s = kh_slot(i);
        if (cte_empty(s) || s->prev)
            continue;
        // s heads a list: once a run of caps to one object ends, the object must not recur.
        for (const cte_t *c = s; c; c = mdb_next(c)) {
            const cte_t *end = c;
            while (mdb_next(end) && cap_same_object(mdb_next(end)->cap, c->cap))
                end = mdb_next(end);
            for (const cte_t *d = mdb_next(end); d; d = mdb_next(d))
                if (cap_same_object(d->cap, c->cap)) {
                    fprintf(stderr, "     caps to one object are not neighbours; the list:\n");
                    for (const cte_t *e = s; e; e = mdb_next(e))
                        fprintf(stderr, "       type %2lu ptr %p w1 %#lx\n", (unsigned long)cap_type(e->cap),
                                cap_ptr(e->cap), (unsigned long)e->cap.w1);
                    return false;
                }
        }
    }
    return true;
}

static void
test_mdb_random_operations(void)
{
    static const word_t types[] = { KOZO_OBJ_ENDPOINT, KOZO_OBJ_NOTIFICATION, KOZO_OBJ_CNODE,
                                    KOZO_OBJ_UNTYPED,  KOZO_OBJ_FRAME,        KOZO_OBJ_TCB };
    unsigned ops = 0, errors = 0;
    bool ok = true;

    rng_state = 12345;
    for (unsigned round = 0; ok && round < 3000; round++) {
        word_t a = S(rng(32)), b = S(rng(32)), err;
        word_t src = rng(8) == 0 ? UT : b;
        switch (rng(8)) {
        case 0:
        case 1: {
            word_t type = types[rng(ARRAY_SIZE(types))];
            // Sometimes from another Untyped (a child or a copy). Only Untyped and CNode caps
            // are invoked here: a CALL on an endpoint would block the root thread.
            word_t from = rng(4) == 0 && cap_type(capof(b)) == KOZO_OBJ_UNTYPED ? b : UT;
            err = kh_retype(from, type, type == KOZO_OBJ_UNTYPED ? 12 : (type == KOZO_OBJ_CNODE ? 2 : 0), a,
                            1 + rng(3));
            break;
        }
        case 2: err = kh_copy(a, src, R_ALL); break;
        case 3: err = kh_mint(a, src, R_ALL, rng(3)); break;
        case 4: err = kh_move(a, b); break;
        case 5: err = kh_delete(a); break;
        case 6: err = rng(4) == 0 ? kh_revoke(UT) : kh_revoke(a); break;
        default: // into a CNode, if a is one
            err = cap_type(capof(a)) == KOZO_OBJ_CNODE ? copy_into(a, rng(4), 2, b) : kh_delete(b);
            break;
        }
        ops++;
        errors += err != OK;
        ok = kh_mdb_ok() && same_object_caps_adjacent() && objects_disjoint();
        if (!ok)
            fprintf(stderr, "     after operation %u\n", round);
    }
    CHECK(ok);
    CHECK(errors > 0 && errors < ops); // the mix exercised both paths
    CHECK_EQ(kh_revoke(UT), OK);
    CHECK(!mdb_has_children(kh_slot(UT)));
}

// ============================================================================================
// IPC through syscall_dispatch
// ============================================================================================

static void
test_ipc_call_reply_direct_switch(void)
{
    struct tcb *srv = kh_thread(0, 100), *cli = kh_thread(1, 50);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(0), 1), OK);
    CHECK_EQ(kh_mint(S(1), S(0), R_ALL, 0x77), OK);
    kh_run(srv);
    kh_run(cli);

    sys(srv, KOZO_SYS_RECV, S(0));
    CHECK_EQ(srv->state, TS_BLOCKED_RECV);
    CHECK(srv->blocked_on == cap_ptr(capof(S(0))));

    const word_t msg[] = { 11, 22, 33 };
    kh_syscall(cli, KOZO_SYS_CALL, S(1), kozo_msginfo_make(3, 0, 0, 0x1234), msg, 3);
    CHECK_EQ(srv->state, TS_RUNNABLE);
    CHECK_EQ(rax(srv), OK);
    CHECK_EQ(srv->ctx.r[HREG_CAP], 0x77); // the badge of the cap the client used
    CHECK_EQ(msg_len(srv), 3);
    CHECK_EQ(msg_label(srv), 0x1234);
    CHECK_EQ(mr(srv, 0), 11);
    CHECK_EQ(mr(srv, 1), 22);
    CHECK_EQ(mr(srv, 2), 33);
    CHECK_EQ(cli->state, TS_BLOCKED_REPLY);
    CHECK(cli->replier == srv && srv->reply_to == cli);
    CHECK(current == srv); // direct switch

    const word_t reply[] = { 0xaa, 0xbb };
    kh_syscall(srv, KOZO_SYS_REPLY_RECV, S(0), kozo_msginfo_make(2, 0, 0, 5), reply, 2);
    CHECK_EQ(cli->state, TS_RUNNABLE);
    CHECK_EQ(rax(cli), OK);
    CHECK_EQ(msg_len(cli), 2);
    CHECK_EQ(msg_label(cli), 5);
    CHECK_EQ(mr(cli, 0), 0xaa);
    CHECK_EQ(mr(cli, 1), 0xbb);
    CHECK_EQ(cli->ctx.r[HREG_CAP], 0); // replies carry no badge
    CHECK(cli->replier == NULL && srv->reply_to == NULL);
    CHECK_EQ(srv->state, TS_BLOCKED_RECV);
    CHECK(current == cli); // and straight back
}

static void
test_ipc_long_message(void)
{
    struct tcb *srv = kh_thread(0, 100), *cli = kh_thread(1, 50);
    word_t msg[KOZO_MSG_MAX_WORDS];
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(0), 1), OK);
    kh_run(srv);
    kh_run(cli);
    for (unsigned i = 0; i < KOZO_MSG_MAX_WORDS; i++)
        msg[i] = 1000 + i;
    sys(srv, KOZO_SYS_RECV, S(0));
    kh_syscall(cli, KOZO_SYS_CALL, S(0), kozo_msginfo_make(KOZO_MSG_MAX_WORDS, 0, 0, 1), msg,
               KOZO_MSG_MAX_WORDS);
    CHECK_EQ(msg_len(srv), KOZO_MSG_MAX_WORDS);
    CHECK_EQ(mr(srv, 3), 1003);
    CHECK_EQ(kh_ipcbuf(srv)->msg[4], 1004);
    CHECK_EQ(kh_ipcbuf(srv)->msg[KOZO_MSG_MAX_WORDS - 1], 1000 + KOZO_MSG_MAX_WORDS - 1);
    // A length above the maximum is cut to it.
    kh_syscall(srv, KOZO_SYS_REPLY_RECV, S(0), kozo_msginfo_make(KOZO_MSGINFO_LENGTH_MASK, 0, 0, 0), msg, 0);
    CHECK_EQ(msg_len(cli), KOZO_MSG_MAX_WORDS);
    // Without an IPC buffer on one side, only the register words arrive.
    cte_delete(&srv->slots[TCB_SLOT_IPC_BUFFER]);
    CHECK(tcb_ipc_buffer(srv) == NULL);
    kh_syscall(cli, KOZO_SYS_CALL, S(0), kozo_msginfo_make(6, 0, 0, 1), msg, 6);
    CHECK_EQ(msg_len(srv), KOZO_MSG_REG_WORDS);
    CHECK_EQ(mr(srv, 0), 1000);
}

static void
test_ipc_send_before_recv(void)
{
    struct tcb *srv = kh_thread(0, 100), *cli = kh_thread(1, 50);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(0), 1), OK);
    CHECK_EQ(kh_mint(S(1), S(0), R_ALL, 9), OK);
    kh_run(srv);
    kh_run(cli);
    const word_t msg[] = { 5 };
    kh_syscall(cli, KOZO_SYS_SEND, S(1), kozo_msginfo_make(1, 0, 0, 3), msg, 1);
    CHECK_EQ(cli->state, TS_BLOCKED_SEND);
    CHECK_EQ(sys(srv, KOZO_SYS_RECV, S(0)), OK);
    CHECK_EQ(mr(srv, 0), 5);
    CHECK_EQ(srv->ctx.r[HREG_CAP], 9);
    CHECK_EQ(msg_label(srv), 3);
    CHECK_EQ(cli->state, TS_RUNNABLE); // a Send needs no reply
    CHECK_EQ(rax(cli), OK);
    CHECK(srv->reply_to == NULL);
    // A queued Call: the receiver becomes the replier.
    kh_syscall(cli, KOZO_SYS_CALL, S(1), kozo_msginfo_make(1, 0, 0, 4), msg, 1);
    CHECK_EQ(cli->state, TS_BLOCKED_SEND);
    CHECK_EQ(sys(srv, KOZO_SYS_RECV, S(0)), OK);
    CHECK_EQ(cli->state, TS_BLOCKED_REPLY);
    CHECK(srv->reply_to == cli);
    CHECK_EQ(sys(srv, KOZO_SYS_REPLY, 0), OK);
    CHECK_EQ(cli->state, TS_RUNNABLE);
    CHECK_EQ(sys(srv, KOZO_SYS_REPLY, 0), OK); // nobody to reply to: harmless
}

static void
test_ipc_nonblocking(void)
{
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(0), 1), OK);
    CHECK_EQ(sys(kh.root, KOZO_SYS_NB_SEND, S(0)), KOZO_ERR_WOULD_BLOCK);
    CHECK_EQ(sys(kh.root, KOZO_SYS_NB_RECV, S(0)), KOZO_ERR_WOULD_BLOCK);
    CHECK_EQ(kh.root->state, TS_RUNNABLE);
    CHECK(((struct endpoint *)cap_ptr(capof(S(0))))->head == NULL);
    CHECK_EQ(sys(kh.root, KOZO_SYS_SEND, UT), KOZO_ERR_WRONG_TYPE);
    CHECK_EQ(sys(kh.root, KOZO_SYS_RECV, UT), KOZO_ERR_WRONG_TYPE);
    CHECK_EQ(sys(kh.root, KOZO_SYS_RECV, S(1)), KOZO_ERR_INVALID_HANDLE);
}

// The fast path must do exactly what the general path does. One scenario of Calls and
// ReplyRecvs, covered and not covered by the fast path, runs twice: through the general
// path only and with the fast path first; the registers, states, reply links (and whether
// the reply owed may carry caps) and the thread to run are recorded after every step and
// must be identical.
#define FP_THREADS 3
#define FP_STEPS   24
#define FP_WORDS   (FP_THREADS * 12 + 2)
static word_t fp_trace[2][FP_STEPS][FP_WORDS];

static word_t
fp_index(struct tcb *const *th, const struct tcb *t)
{
    for (unsigned i = 0; i < FP_THREADS; i++)
        if (th[i] == t)
            return i + 1;
    return t ? 99 : 0;
}

static unsigned
fp_scenario(bool fast, word_t (*trace)[FP_WORDS])
{
    kh_teardown();
    kh_setup();
    kh.no_fastpath = !fast;
    struct tcb *srv = kh_thread(0, 100), *cli = kh_thread(1, 50), *hi = kh_thread(2, 150);
    struct tcb *const th[FP_THREADS] = { srv, cli, hi };
    unsigned step = 0;
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(0), 1), OK);
    CHECK_EQ(kh_mint(S(1), S(0), R_ALL, 0x77), OK);
    CHECK_EQ(kh_mint(S(2), S(0), KOZO_RIGHT_WRITE, 0x5), OK); // no GRANT_REPLY: no Call
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_NOTIFICATION, 0, S(3), 1), OK);
    CHECK_EQ(kh_copy(S(4), S(0), KOZO_RIGHT_READ), OK); // no GRANT: replies carry no caps
    for (unsigned i = 0; i < FP_THREADS; i++)
        kh_run(th[i]);
    const word_t w[10] = { 11, 22, 33, 44, 55, 66, 77, 88, 99, 110 };
    static const struct {
        unsigned who;
        word_t sysno, cap, len, caps, label;
    } steps[FP_STEPS] = {
        { 0, KOZO_SYS_RECV, S(0), 0, 0, 0 },
        { 1, KOZO_SYS_CALL, S(1), 2, 0, 7 },        // fast
        { 0, KOZO_SYS_REPLY_RECV, S(0), 3, 0, 1 },  // fast
        { 1, KOZO_SYS_CALL, S(0), 4, 0, 2 },        // fast
        { 0, KOZO_SYS_REPLY_RECV, S(4), 0, 0, 0 },  // fast, waiting through a cap without GRANT
        { 2, KOZO_SYS_CALL, S(1), 1, 0, 3 },        // fast (a higher-priority caller)
        { 0, KOZO_SYS_REPLY_RECV, S(0), 4, 0, 0 },  // general: it outranks the server
        { 1, KOZO_SYS_CALL, S(1), 6, 0, 4 },        // general: long message
        { 0, KOZO_SYS_REPLY_RECV, S(0), 7, 0, 0 },  // general: long reply
        { 1, KOZO_SYS_CALL, S(1), 0, 1, 5 },        // general: a cap
        { 0, KOZO_SYS_REPLY_RECV, S(0), 0, 1, 0 },  // general: a cap in the reply
        { 1, KOZO_SYS_CALL, S(2), 1, 0, 6 },        // refused: no GRANT_REPLY
        { 1, KOZO_SYS_CALL, S(3), 1, 0, 6 },        // a notification: a signal
        { 1, KOZO_SYS_CALL, 0x123456789, 1, 0, 6 }, // no such cap
        { 1, KOZO_SYS_CALL, S(1), 2, 0, 8 },        // fast
        { 2, KOZO_SYS_CALL, S(1), 2, 0, 9 },        // the server is busy: queued
        { 0, KOZO_SYS_REPLY_RECV, S(0), 2, 0, 0 },  // general: a sender is waiting
        { 0, KOZO_SYS_REPLY_RECV, S(0), 2, 0, 0 },  // general: answers hi (outranks)
        { 1, KOZO_SYS_CALL, S(1), 3, 0, 10 },       // fast
        { 0, KOZO_SYS_REPLY, 0, 1, 0, 0 },
        { 0, KOZO_SYS_REPLY_RECV, S(0), 1, 0, 0 }, // nobody to answer: just waits
        { 1, KOZO_SYS_CALL, S(1), 4, 0, 11 },      // fast
        { 0, KOZO_SYS_REPLY_RECV, S(1), 4, 0, 0 }, // fast, badged cap to wait on
        { 2, KOZO_SYS_YIELD, 0, 0, 0, 0 },
    };
    kh_ipcbuf(cli)->caps[0] = S(3);
    kh_ipcbuf(srv)->caps[0] = S(3);
    kh_ipcbuf(srv)->receive_cnode = ROOTCN;
    kh_ipcbuf(srv)->receive_index = S(10);
    kh_ipcbuf(srv)->receive_depth = KH_DEPTH;
    for (step = 0; step < FP_STEPS; step++) {
        struct tcb *t = th[steps[step].who];
        if (t->state == TS_RUNNABLE) // a blocked thread cannot make a call
            kh_syscall(t, steps[step].sysno, steps[step].cap,
                       kozo_msginfo_make(steps[step].len, steps[step].caps, 0, steps[step].label), w,
                       (unsigned)steps[step].len);
        word_t *r = trace[step];
        unsigned k = 0;
        for (unsigned i = 0; i < FP_THREADS; i++) {
            const struct arch_context *c = &th[i]->ctx;
            r[k++] = th[i]->state;
            for (unsigned reg = HREG_NR; reg <= HREG_MR3; reg++) // number, cap, info, MR0..MR3
                r[k++] = c->r[reg];
            r[k++] = fp_index(th, th[i]->replier);
            r[k++] = fp_index(th, th[i]->reply_to), r[k++] = th[i]->queued;
            r[k++] = th[i]->reply_to ? th[i]->reply_can_grant : 0;
        }
        r[k++] = fp_index(th, current);
        r[k++] = fp_index(th, ((struct endpoint *)cap_ptr(capof(S(0))))->head);
    }
    CHECK(kh_mdb_ok());
    return kh.fastpath_taken;
}

static void
test_fastpath_matches_general_path(void)
{
    CHECK_EQ(fp_scenario(false, fp_trace[0]), 0);
    unsigned taken = fp_scenario(true, fp_trace[1]);
    CHECK_EQ(taken, 9); // the steps marked "fast" above
    for (unsigned s = 0; s < FP_STEPS; s++)
        for (unsigned k = 0; k < FP_WORDS; k++)
            if (fp_trace[0][s][k] != fp_trace[1][s][k]) {
                CHECK_EQ(fp_trace[1][s][k], fp_trace[0][s][k]);
                printf("  first difference: step %u, word %u\n", s, k);
                return;
            }
}

// A server that goes away (suspended, or its TCB deleted) aborts the Call waiting on it.
static void
test_ipc_server_gone_aborts_caller(void)
{
    struct tcb *srv = kh_thread(0, 100), *cli = kh_thread(1, 50), *cli2 = kh_thread(2, 50);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(0), 1), OK);
    kh_run(srv);
    kh_run(cli);
    kh_run(cli2);
    sys(srv, KOZO_SYS_RECV, S(0));
    sys(cli, KOZO_SYS_CALL, S(0));
    CHECK_EQ(cli->state, TS_BLOCKED_REPLY);
    CHECK_EQ(kh_invoke(kh.root, 8 /* srv's TCB */, KOZO_INV_TCB_SUSPEND, 0, NULL), OK);
    CHECK_EQ(srv->state, TS_INACTIVE);
    CHECK_EQ(cli->state, TS_RUNNABLE);
    CHECK_EQ(rax(cli), KOZO_ERR_ABORTED);
    CHECK(cli->replier == NULL && srv->reply_to == NULL);
    // A server taking a second call without replying drops the first caller.
    kh_run(srv);
    sys(srv, KOZO_SYS_RECV, S(0));
    sys(cli, KOZO_SYS_CALL, S(0));
    sys(srv, KOZO_SYS_RECV, S(0));
    sys(cli2, KOZO_SYS_CALL, S(0));
    CHECK_EQ(cli->state, TS_RUNNABLE);
    CHECK_EQ(rax(cli), KOZO_ERR_ABORTED);
    CHECK_EQ(cli2->state, TS_BLOCKED_REPLY);
    CHECK(srv->reply_to == cli2);
    // A caller suspended while waiting for its reply unlinks itself from the server.
    tcb_suspend(cli2);
    CHECK(srv->reply_to == NULL);
}

// Suspending a thread in the middle of an endpoint queue keeps the queue in order.
static void
test_ipc_queue_suspend_middle(void)
{
    struct tcb *r[3] = { kh_thread(0, 100), kh_thread(1, 100), kh_thread(2, 100) };
    const word_t one[] = { 1 }, two[] = { 2 };
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(0), 1), OK);
    struct endpoint *ep = cap_ptr(capof(S(0)));
    for (unsigned i = 0; i < 3; i++) {
        kh_run(r[i]);
        sys(r[i], KOZO_SYS_RECV, S(0));
    }
    CHECK(ep->head == r[0] && ep->tail == r[2]);
    tcb_suspend(r[1]);
    CHECK_EQ(r[1]->state, TS_INACTIVE);
    CHECK(r[1]->blocked_on == NULL && r[1]->q_next == NULL && r[1]->q_prev == NULL);
    CHECK(r[0]->q_next == r[2] && r[2]->q_prev == r[0]);
    kh_syscall(kh.root, KOZO_SYS_SEND, S(0), kozo_msginfo_make(1, 0, 0, 0), one, 1);
    kh_syscall(kh.root, KOZO_SYS_SEND, S(0), kozo_msginfo_make(1, 0, 0, 0), two, 1);
    CHECK_EQ(r[0]->state, TS_RUNNABLE);
    CHECK_EQ(mr(r[0], 0), 1); // FIFO
    CHECK_EQ(r[2]->state, TS_RUNNABLE);
    CHECK_EQ(mr(r[2], 0), 2);
    CHECK(ep->head == NULL && ep->tail == NULL);
    CHECK_EQ(kh.root->state, TS_RUNNABLE);
}

// Revoking the root CNode's original cap takes the thread's own CSpace copy with it: the
// thread can name nothing any more, and the kernel says so instead of crashing.
static void
test_revoke_own_cspace(void)
{
    CHECK_EQ(kh_revoke(ROOTCN), OK);
    CHECK(cte_empty(&kh.root->slots[TCB_SLOT_CSPACE]));
    CHECK(mdb_is_final(kh_slot(ROOTCN)));
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(0), 1), KOZO_ERR_INVALID_HANDLE);
    CHECK_EQ(sys(kh.root, KOZO_SYS_NB_RECV, S(0)), KOZO_ERR_INVALID_HANDLE);
    CHECK(cte_empty(kh_slot(S(0))));
}

// Caps travel with a message when the sender's cap has GRANT: into the receiver's one
// receive slot, or, for a cap to the endpoint itself, unwrapped into its badge.
static void
test_ipc_cap_transfer(void)
{
    struct tcb *srv = kh_thread(0, 100), *cli = kh_thread(1, 50);
    struct kozo_ipc_buffer *sb = kh_ipcbuf(srv), *cb = kh_ipcbuf(cli);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(0), 1), OK);
    CHECK_EQ(kh_mint(S(1), S(0), R_ALL, 0x99), OK);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_NOTIFICATION, 0, S(2), 1), OK);
    CHECK_EQ(kh_copy(S(3), S(0), R_ALL & ~KOZO_RIGHT_GRANT), OK);
    kh_run(srv);
    kh_run(cli);
    sb->receive_cnode = ROOTCN;
    sb->receive_index = S(10);
    sb->receive_depth = KH_DEPTH;

    sys(srv, KOZO_SYS_RECV, S(0));
    cb->caps[0] = S(2);
    CHECK_EQ(kh_syscall(cli, KOZO_SYS_SEND, S(0), kozo_msginfo_make(0, 1, 0, 0), NULL, 0), OK);
    CHECK_EQ(kozo_msginfo_get_extra_caps(srv->ctx.r[HREG_INFO]), 1);
    CHECK(cap_same_object(capof(S(10)), capof(S(2))));
    CHECK(mdb_next(kh_slot(S(2))) == kh_slot(S(10))); // derived from the sent cap

    sys(srv, KOZO_SYS_RECV, S(0));
    cb->caps[0] = S(1);
    CHECK_EQ(kh_syscall(cli, KOZO_SYS_SEND, S(0), kozo_msginfo_make(0, 1, 0, 0), NULL, 0), OK);
    CHECK_EQ(kozo_msginfo_get_extra_caps(srv->ctx.r[HREG_INFO]), 1);
    CHECK_EQ(kozo_msginfo_get_unwrapped(srv->ctx.r[HREG_INFO]), 1);
    CHECK_EQ(sb->badges[0], 0x99);

    // The receive slot is taken now: the cap does not travel, the message still does.
    sys(srv, KOZO_SYS_RECV, S(0));
    cb->caps[0] = S(2);
    const word_t w[] = { 77 };
    CHECK_EQ(kh_syscall(cli, KOZO_SYS_SEND, S(0), kozo_msginfo_make(1, 1, 0, 0), w, 1), OK);
    CHECK_EQ(kozo_msginfo_get_extra_caps(srv->ctx.r[HREG_INFO]), 0);
    CHECK_EQ(mr(srv, 0), 77);
    // Without GRANT nothing travels.
    CHECK_EQ(kh_delete(S(10)), OK);
    sys(srv, KOZO_SYS_RECV, S(0));
    CHECK_EQ(kh_syscall(cli, KOZO_SYS_SEND, S(3), kozo_msginfo_make(0, 1, 0, 0), NULL, 0), OK);
    CHECK_EQ(kozo_msginfo_get_extra_caps(srv->ctx.r[HREG_INFO]), 0);
    CHECK(cte_empty(kh_slot(S(10))));
}

// Whether a reply may carry caps is decided when the server receives the Call (the GRANT
// right of its receive cap) and kept with the reply: blocking again through a cap with
// GRANT before replying must not give the reply that right (issue 10, defect 3).
static void
test_ipc_reply_grant_kept_with_reply(void)
{
    struct tcb *srv = kh_thread(0, 100), *cli = kh_thread(1, 50), *oth = kh_thread(2, 50);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(0), 2), OK); // the service, a side one
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_NOTIFICATION, 0, S(2), 1), OK);
    CHECK_EQ(kh_copy(S(3), S(0), KOZO_RIGHT_READ), OK); // the server's receive cap: no GRANT
    kh_run(srv);
    kh_run(cli);
    kh_run(oth);
    kh_ipcbuf(cli)->receive_cnode = ROOTCN;
    kh_ipcbuf(cli)->receive_index = S(10);
    kh_ipcbuf(cli)->receive_depth = KH_DEPTH;
    kh_ipcbuf(srv)->caps[0] = S(2);
    for (unsigned detour = 0; detour < 2; detour++) { // a blocking Send, a blocking Recv
        sys(srv, KOZO_SYS_RECV, S(3));
        sys(cli, KOZO_SYS_CALL, S(0));
        CHECK(cli->state == TS_BLOCKED_REPLY && srv->reply_to == cli);
        sys(srv, detour ? KOZO_SYS_RECV : KOZO_SYS_SEND, S(1)); // full rights: GRANT
        CHECK_EQ(srv->state, detour ? TS_BLOCKED_RECV : TS_BLOCKED_SEND);
        sys(oth, detour ? KOZO_SYS_SEND : KOZO_SYS_RECV, S(1));
        CHECK(srv->state == TS_RUNNABLE && srv->reply_to == cli);
        CHECK_EQ(kh_syscall(srv, KOZO_SYS_REPLY, 0, kozo_msginfo_make(0, 1, 0, 0), NULL, 0), OK);
        CHECK_EQ(cli->state, TS_RUNNABLE);
        CHECK_EQ(kozo_msginfo_get_extra_caps(cli->ctx.r[HREG_INFO]), 0);
        CHECK(cte_empty(kh_slot(S(10))));
    }
}

// An Untyped cap sent in a message is a copy like CNode.Copy makes: the two must never
// hand out the same memory.
static void
test_ipc_cap_transfer_untyped_no_overlap(void)
{
    struct tcb *srv = kh_thread(0, 100), *cli = kh_thread(1, 50);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_UNTYPED, 16, S(0), 1), OK);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(1), 1), OK);
    kh_run(srv);
    kh_run(cli);
    kh_ipcbuf(srv)->receive_cnode = ROOTCN;
    kh_ipcbuf(srv)->receive_index = S(10);
    kh_ipcbuf(srv)->receive_depth = KH_DEPTH;
    kh_ipcbuf(cli)->caps[0] = S(0);
    sys(srv, KOZO_SYS_RECV, S(1));
    kh_syscall(cli, KOZO_SYS_SEND, S(1), kozo_msginfo_make(0, 1, 0, 0), NULL, 0);
    CHECK_EQ(cap_type(capof(S(10))), KOZO_OBJ_UNTYPED);
    CHECK(no_overlap(S(0), S(10), KOZO_OBJ_TCB, S(2), S(3)));
    CHECK(no_overlap(S(10), S(0), KOZO_OBJ_ENDPOINT, S(4), S(5)));
}

// Faults as messages: an unknown syscall by a thread with a fault endpoint becomes a Call
// to it; the handler's reply (label 0) sets registers and resumes it, another label stops it.
static void
test_fault_unknown_syscall_to_handler(void)
{
    struct tcb *h = kh_thread(0, 100), *t = kh_thread(1, 50);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(0), 1), OK);
    CHECK_EQ(kh_mint(S(1), S(0), R_ALL, 0x7), OK);
    mdb_insert(kh_slot(S(1)), &t->slots[TCB_SLOT_FAULT_EP], capof(S(1)), 0); // as Configure does
    kh_run(h);
    kh_run(t);
    t->ctx.r[HREG_IP] = 0x401000;
    sys(h, KOZO_SYS_RECV, S(0));
    const word_t regs[] = { 10, 11, 12, 13 };
    kh_syscall(t, 99, 0x1234, 0x5678, regs, 4);
    CHECK_EQ(t->state, TS_BLOCKED_REPLY);
    CHECK_EQ(h->state, TS_RUNNABLE);
    CHECK_EQ(msg_label(h), KOZO_FAULT_UNKNOWN_SYSCALL);
    CHECK_EQ(msg_len(h), KOZO_FAULT_SYSCALL_WORDS);
    CHECK_EQ(h->ctx.r[HREG_CAP], 0x7);        // the fault endpoint cap's badge
    CHECK_EQ(mr(h, 0), 99);                   // rax
    CHECK_EQ(mr(h, 1), 0x1234);               // rdi
    CHECK_EQ(mr(h, 2), 0x5678);               // rsi
    CHECK_EQ(mr(h, 3), 10);                   // rdx
    CHECK_EQ(kh_ipcbuf(h)->msg[7], 0x401000); // ip

    const word_t reply[] = { 42, 43 };
    kh_syscall(h, KOZO_SYS_REPLY_RECV, S(0), kozo_msginfo_make(2, 0, 0, 0), reply, 2);
    CHECK_EQ(t->state, TS_RUNNABLE);
    CHECK_EQ(t->ctx.r[HREG_NR], 42);
    CHECK_EQ(t->ctx.r[HREG_CAP], 43);
    CHECK_EQ(t->ctx.r[HREG_RET_IP], 0x401000);
    CHECK_EQ(t->fault_type, 0);

    kh_syscall(t, 99, 0, 0, NULL, 0);
    CHECK_EQ(t->state, TS_BLOCKED_REPLY);
    unsigned restarts = host_arch.restarts;
    kh_syscall(h, KOZO_SYS_REPLY, 0, kozo_msginfo_make(0, 0, 0, 1), NULL, 0); // label 1: stop it
    CHECK_EQ(t->state, TS_INACTIVE);
    CHECK_EQ(t->fault_type, 0);
    CHECK_EQ(host_arch.restarts, restarts + 1); // stopped as Suspend stops it: at the syscall
    // A fault with the handler busy waits in the endpoint queue; suspending clears it.
    kh_run(t);
    kh_syscall(t, 99, 0, 0, NULL, 0);
    CHECK_EQ(t->state, TS_BLOCKED_SEND);
    CHECK_NE(t->fault_type, 0);
    tcb_suspend(t);
    CHECK_EQ(t->fault_type, 0);
    CHECK(((struct endpoint *)cap_ptr(capof(S(0))))->head == NULL);
}

// A fault whose endpoint or handler goes away is forgotten, not answered: the thread's
// registers stay as they were (no ABORTED in RAX), the fault state is cleared, and the
// faulting instruction (for an unknown syscall: the syscall) runs again.
static void
test_fault_lost_handler_forgotten(void)
{
    struct tcb *h = kh_thread(0, 100), *t = kh_thread(1, 50);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(0), 1), OK);
    CHECK_EQ(kh_mint(S(1), S(0), R_ALL, 0x7), OK);
    mdb_insert(kh_slot(S(1)), &t->slots[TCB_SLOT_FAULT_EP], capof(S(1)), 0);
    kh_run(h);
    kh_run(t);
    // Endpoint destroyed while the fault waits in its queue.
    kh_syscall(t, 99, 0, 0, NULL, 0);
    CHECK_EQ(t->state, TS_BLOCKED_SEND);
    unsigned restarts = host_arch.restarts;
    CHECK_EQ(kh_revoke(S(0)), OK);
    CHECK_EQ(kh_delete(S(0)), OK);
    CHECK_EQ(t->state, TS_RUNNABLE);
    CHECK_EQ(t->fault_type, 0);
    CHECK_EQ(rax(t), 99);
    CHECK_EQ(host_arch.restarts, restarts + 1);
    CHECK(!fault_has_handler(t)); // the TCB's copy went with the endpoint

    // Handler deleted while it owes the reply to a page fault.
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(0), 1), OK);
    CHECK_EQ(kh_mint(S(1), S(0), R_ALL, 0x7), OK);
    mdb_insert(kh_slot(S(1)), &t->slots[TCB_SLOT_FAULT_EP], capof(S(1)), 0);
    sys(h, KOZO_SYS_RECV, S(0));
    t->ctx.r[HREG_NR] = 0x5555;
    fault_raise(t, KOZO_FAULT_VM, 0x1000, 4);
    CHECK_EQ(t->state, TS_BLOCKED_REPLY);
    CHECK_EQ(msg_label(h), KOZO_FAULT_VM);
    restarts = host_arch.restarts;
    tcb_suspend(h);
    CHECK_EQ(t->state, TS_RUNNABLE);
    CHECK_EQ(t->fault_type, 0);
    CHECK_EQ(rax(t), 0x5555);
    CHECK_EQ(host_arch.restarts, restarts); // the saved ip is the faulting instruction's
    // Its next Call is an ordinary message, not a stale fault.
    kh_run(h);
    sys(h, KOZO_SYS_RECV, S(0));
    const word_t w[] = { 40 };
    kh_syscall(t, KOZO_SYS_CALL, S(1), kozo_msginfo_make(1, 0, 0, 5), w, 1);
    CHECK_EQ(msg_label(h), 5);
    CHECK_EQ(mr(h, 0), 40);
}

// A thread suspended while blocked in Recv, Send or a notification wait makes the same call
// again when resumed; one waiting for the reply to a delivered Call gets ABORTED.
static void
test_suspend_restarts_blocked_syscall(void)
{
    struct tcb *a = kh_thread(0, 100), *srv = kh_thread(1, 100);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(0), 1), OK);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_NOTIFICATION, 0, S(1), 1), OK);
    kh_run(a);
    static const word_t blocking[] = { KOZO_SYS_RECV, KOZO_SYS_SEND, KOZO_SYS_RECV };
    static const word_t on[] = { S(0), S(0), S(1) };
    for (unsigned k = 0; k < 3; k++) {
        unsigned restarts = host_arch.restarts;
        sys(a, blocking[k], on[k]);
        CHECK_NE(a->state, TS_RUNNABLE);
        tcb_suspend(a);
        CHECK_EQ(a->state, TS_INACTIVE);
        CHECK_EQ(rax(a), blocking[k]); // untouched: the call is made again
        CHECK_EQ(host_arch.restarts, restarts + 1);
        kh_run(a);
    }
    kh_run(srv);
    sys(srv, KOZO_SYS_RECV, S(0));
    sys(a, KOZO_SYS_CALL, S(0));
    CHECK_EQ(a->state, TS_BLOCKED_REPLY);
    unsigned restarts = host_arch.restarts;
    tcb_suspend(a);
    CHECK_EQ(rax(a), KOZO_ERR_ABORTED);
    CHECK_EQ(host_arch.restarts, restarts);
    CHECK(srv->reply_to == NULL);
}

// The registers, IPC buffer and CSpace of a thread blocked in a system call belong to the
// call: SetRegisters, ReadRegisters and Configure are refused (nothing changes) until it is
// suspended or runnable; then what is set is exactly what it resumes with.
static void
test_tcb_registers_of_blocked_thread(void)
{
    struct tcb *a = kh_thread(0, 100), *srv = kh_thread(1, 100);
    const word_t tcap = 8;
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(0), 1), OK);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_NOTIFICATION, 0, S(1), 1), OK);
    CHECK_EQ(kh_vspaces(S(2), 1), OK);
    kh_run(a);
    kh_run(srv);
    static const word_t blocking[] = { KOZO_SYS_RECV, KOZO_SYS_SEND, KOZO_SYS_RECV, KOZO_SYS_CALL };
    static const word_t on[] = { S(0), S(0), S(1), S(0) };
    for (unsigned k = 0; k < 4; k++) {
        a->ctx.r[HREG_IP] = 0x401000;
        sys(a, blocking[k], on[k]);
        if (k == 3)
            sys(srv, KOZO_SYS_RECV, S(0)); // the Call is delivered: a waits for the reply
        CHECK_NE(a->state, TS_RUNNABLE);
        struct arch_context before = a->ctx;
        CHECK_EQ(KH_INVOKE(kh.root, tcap, KOZO_INV_TCB_SET_REGISTERS, 0x402000, 0x7ff000, 0, 1, 2, 3),
                 KOZO_ERR_ILLEGAL_OPERATION);
        CHECK_EQ(kh_invoke(kh.root, tcap, KOZO_INV_TCB_READ_REGISTERS, 0, NULL), KOZO_ERR_ILLEGAL_OPERATION);
        CHECK_EQ(KH_INVOKE(kh.root, tcap, KOZO_INV_TCB_CONFIGURE, ROOTCN, S(2), 24, KH_IPCBUF_VADDR, 0),
                 KOZO_ERR_ILLEGAL_OPERATION);
        CHECK(memcmp(&before, &a->ctx, sizeof(before)) == 0);
        CHECK(cte_empty(&a->slots[TCB_SLOT_VSPACE]));
        CHECK_EQ(kh_invoke(kh.root, tcap, KOZO_INV_TCB_SUSPEND, 0, NULL), OK);
        unsigned restarts = host_arch.restarts;
        CHECK_EQ(KH_INVOKE(kh.root, tcap, KOZO_INV_TCB_SET_REGISTERS, 0x402000, 0x7ff000, 0, 1, 2, 3), OK);
        CHECK_EQ(kh_invoke(kh.root, tcap, KOZO_INV_TCB_SUSPEND, 0, NULL), OK); // no second restart
        CHECK_EQ(host_arch.restarts, restarts);
        CHECK_EQ(kh_invoke(kh.root, tcap, KOZO_INV_TCB_READ_REGISTERS, 0, NULL), OK);
        CHECK_EQ(mr(kh.root, 0), 0x402000);
        // Nothing queued it any more: a message or a signal does not reach it.
        CHECK_EQ(sys(kh.root, KOZO_SYS_NB_SEND, S(0)), KOZO_ERR_WOULD_BLOCK);
        CHECK_EQ(sys(kh.root, KOZO_SYS_SEND, S(1)), OK);
        CHECK_EQ(sys(srv, KOZO_SYS_REPLY, 0), OK);
        CHECK_EQ(a->ctx.r[HREG_IP], 0x402000);
        CHECK_EQ(a->ctx.r[HREG_ARG0], 1);
        CHECK_EQ(a->ctx.r[HREG_ARG1], 2);
        CHECK_EQ(a->ctx.r[HREG_ARG2], 3);
        CHECK_EQ(a->state, TS_INACTIVE);
        CHECK_EQ(sys(kh.root, KOZO_SYS_NB_RECV, S(1)), OK); // the signal stayed pending
        kh_run(a);
    }
}

static void
test_notification_signal_wait(void)
{
    struct tcb *w = kh_thread(0, 100);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_NOTIFICATION, 0, S(0), 1), OK);
    CHECK_EQ(kh_mint(S(1), S(0), R_ALL, 0x1), OK);
    CHECK_EQ(kh_mint(S(2), S(0), R_ALL, 0x4), OK);
    kh_run(w);
    CHECK_EQ(sys(w, KOZO_SYS_NB_RECV, S(0)), KOZO_ERR_WOULD_BLOCK);
    CHECK_EQ(sys(kh.root, KOZO_SYS_SEND, S(1)), OK);
    CHECK_EQ(sys(kh.root, KOZO_SYS_NB_SEND, S(2)), OK);
    CHECK_EQ(sys(w, KOZO_SYS_NB_RECV, S(0)), OK);
    CHECK_EQ(w->ctx.r[HREG_CAP], 0x5);                              // the OR of the badges
    CHECK_EQ(sys(w, KOZO_SYS_NB_RECV, S(0)), KOZO_ERR_WOULD_BLOCK); // taken
    // A signal with badge 0 still wakes a later wait.
    CHECK_EQ(sys(kh.root, KOZO_SYS_SEND, S(0)), OK);
    CHECK_EQ(sys(w, KOZO_SYS_NB_RECV, S(0)), OK);
    CHECK_EQ(w->ctx.r[HREG_CAP], 0);
    // Blocking wait, then a signal (CALL on a notification signals too).
    sys(w, KOZO_SYS_RECV, S(0));
    CHECK_EQ(w->state, TS_BLOCKED_NTFN);
    CHECK_EQ(kh_invoke(kh.root, S(2), 0, 0, NULL), OK);
    CHECK_EQ(w->state, TS_RUNNABLE);
    CHECK_EQ(rax(w), OK);
    CHECK_EQ(w->ctx.r[HREG_CAP], 0x4);
    // A suspended waiter leaves the queue; a signal then stays pending.
    sys(w, KOZO_SYS_RECV, S(0));
    tcb_suspend(w);
    CHECK(((struct notification *)cap_ptr(capof(S(0))))->head == NULL);
    CHECK_EQ(sys(kh.root, KOZO_SYS_SEND, S(1)), OK);
    CHECK_EQ(w->state, TS_INACTIVE);
    kh_run(w);
    CHECK_EQ(sys(w, KOZO_SYS_NB_RECV, S(0)), OK);
    CHECK_EQ(w->ctx.r[HREG_CAP], 0x1);
    // Waiters are aborted when the notification goes.
    sys(w, KOZO_SYS_RECV, S(0));
    CHECK_EQ(kh_revoke(S(0)), OK);
    CHECK_EQ(kh_delete(S(0)), OK);
    CHECK_EQ(w->state, TS_RUNNABLE);
    CHECK_EQ(rax(w), KOZO_ERR_ABORTED);
}

// ============================================================================================
// Threads, IRQs, frames
// ============================================================================================

static void
test_tcb_invocations(void)
{
    struct tcb *t = kh_thread(0, 10);
    const word_t tcap = 8;

    CHECK_EQ(kh_invoke(kh.root, KH_SLOT_TCB, KOZO_INV_TCB_INFO, 0, NULL), OK);
    CHECK_EQ(mr(kh.root, 0), KOZO_THREAD_RUNNABLE);
    CHECK_EQ(mr(kh.root, 1), 255);
    CHECK_EQ(msg_len(kh.root), KOZO_INV_TCB_INFO_NRES);
    CHECK_EQ(kh_invoke(kh.root, KH_SLOT_TCB, KOZO_INV_TCB_READ_REGISTERS, 0, NULL),
             KOZO_ERR_ILLEGAL_OPERATION);

    CHECK_EQ(KH_INVOKE(kh.root, tcap, KOZO_INV_TCB_SET_REGISTERS, 0x401000, 0x7ff000, 0xffff, 1, 2, 3), OK);
    CHECK_EQ(t->ctx.r[HREG_IP], 0x401000);
    CHECK_EQ(t->ctx.r[HREG_SP], 0x7ff000);
    CHECK_EQ(t->ctx.r[HREG_FLAGS], (0xffff & RFLAGS_USER_OK) | RFLAGS_FIXED);
    CHECK_EQ(t->ctx.r[HREG_FLAGS] & 0x3300, 0x300); // TF set (single-step), IF forced on, IOPL 0
    CHECK_EQ(t->ctx.r[HREG_FLAGS] & ~0xdd7ULL & ~0x200ULL, 0);
    CHECK_EQ(t->ctx.r[HREG_ARG0], 1);
    CHECK_EQ(t->ctx.r[HREG_ARG2], 3);
    CHECK_EQ(KH_INVOKE(kh.root, tcap, KOZO_INV_TCB_SET_REGISTERS, KOZO_USER_TOP, 0, 0, 0, 0, 0),
             KOZO_ERR_RANGE);
    CHECK_EQ(t->ctx.r[HREG_IP], 0x401000);
    CHECK_EQ(kh_invoke(kh.root, tcap, KOZO_INV_TCB_READ_REGISTERS, 0, NULL), OK);
    CHECK_EQ(mr(kh.root, 0), 0x401000);
    CHECK_EQ(mr(kh.root, 1), 0x7ff000);

    CHECK_EQ(KH_INVOKE(kh.root, tcap, KOZO_INV_TCB_SET_PRIORITY, 256), KOZO_ERR_RANGE);
    CHECK_EQ(KH_INVOKE(kh.root, tcap, KOZO_INV_TCB_SET_PRIORITY, 200), OK);
    CHECK_EQ(t->priority, 200);
    kh_run(t);
    CHECK_EQ(KH_INVOKE(t, tcap, KOZO_INV_TCB_SET_PRIORITY, 201), KOZO_ERR_INSUFFICIENT_RIGHTS);
    CHECK_EQ(KH_INVOKE(t, tcap, KOZO_INV_TCB_SET_PRIORITY, 100), OK);
    CHECK_EQ(t->priority, 100);
    CHECK_EQ(kh_invoke(kh.root, tcap, KOZO_INV_TCB_SUSPEND, 0, NULL), OK);
    CHECK_EQ(t->state, TS_INACTIVE);

    // Resume needs a VSpace; Configure gives one, and refuses to drop a last cap.
    CHECK_EQ(kh_invoke(kh.root, tcap, KOZO_INV_TCB_RESUME, 0, NULL), KOZO_ERR_ILLEGAL_OPERATION);
    CHECK_EQ(kh_vspaces(S(0), 2), OK);
    CHECK_EQ(KH_INVOKE(kh.root, tcap, KOZO_INV_TCB_CONFIGURE, ROOTCN, S(0), 24, KH_IPCBUF_VADDR + 4, 0),
             KOZO_ERR_ALIGNMENT);
    CHECK_EQ(KH_INVOKE(kh.root, tcap, KOZO_INV_TCB_CONFIGURE, ROOTCN, S(0), 24, KH_IPCBUF_VADDR + 4000, 0),
             KOZO_ERR_ALIGNMENT);
    CHECK_EQ(KH_INVOKE(kh.root, tcap, KOZO_INV_TCB_CONFIGURE, ROOTCN, S(0), 24, KOZO_USER_TOP, 0),
             KOZO_ERR_RANGE);
    CHECK_EQ(KH_INVOKE(kh.root, tcap, KOZO_INV_TCB_CONFIGURE, ROOTCN, UT, 24, KH_IPCBUF_VADDR, 0),
             KOZO_ERR_WRONG_TYPE);
    CHECK(cte_empty(&t->slots[TCB_SLOT_VSPACE]));
    CHECK_EQ(KH_INVOKE(kh.root, tcap, KOZO_INV_TCB_CONFIGURE, ROOTCN, S(0), 24, KH_IPCBUF_VADDR, 0), OK);
    CHECK(cap_same_object(t->slots[TCB_SLOT_VSPACE].cap, capof(S(0))));
    CHECK_EQ(kh_invoke(kh.root, tcap, KOZO_INV_TCB_RESUME, 0, NULL), OK);
    CHECK_EQ(t->state, TS_RUNNABLE);
    CHECK_EQ(kh_delete(S(0)), OK); // now the thread holds the VSpace's last cap
    CHECK_EQ(KH_INVOKE(kh.root, tcap, KOZO_INV_TCB_CONFIGURE, ROOTCN, S(1), 24, KH_IPCBUF_VADDR, 0),
             KOZO_ERR_REVOKE_FIRST);
    CHECK_EQ(kh_invoke(kh.root, tcap, 99, 0, NULL), KOZO_ERR_ILLEGAL_OPERATION);
}

// The kernel writes received message words into the receiver's IPC buffer, so a frame the
// thread may only read must not become one (else Configure + a long message is a write
// through a read-only cap: seL4 treats such a buffer as absent). Either Configure refuses
// it, or the frame stays untouched.
static void
test_ipc_buffer_needs_write_right(void)
{
    struct tcb *t = kh_thread(0, 100), *snd = kh_thread(1, 50);
    word_t msg[8] = { 1, 2, 3, 4, 0x5555, 0x6666, 7, 8 };
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_FRAME, 0, S(0), 1), OK);
    CHECK_EQ(kh_copy(S(1), S(0), KOZO_RIGHT_READ), OK);
    CHECK_EQ(kh_vspaces(S(2), 1), OK);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(3), 1), OK);
    const struct kozo_ipc_buffer *frame = cap_ptr(capof(S(0)));
    word_t err = KH_INVOKE(kh.root, 8, KOZO_INV_TCB_CONFIGURE, ROOTCN, S(2), S(1), KH_IPCBUF_VADDR, 0);
    if (err == OK) {
        kh_run(t);
        kh_run(snd);
        sys(t, KOZO_SYS_RECV, S(3));
        kh_syscall(snd, KOZO_SYS_SEND, S(3), kozo_msginfo_make(8, 0, 0, 0), msg, 8);
        CHECK_EQ(t->state, TS_RUNNABLE);
        CHECK_EQ(frame->msg[4], 0);
        CHECK_EQ(frame->msg[5], 0);
    } else {
        CHECK_EQ(err, KOZO_ERR_INSUFFICIENT_RIGHTS);
    }
    // A writable frame is fine.
    CHECK_EQ(KH_INVOKE(kh.root, 8, KOZO_INV_TCB_CONFIGURE, ROOTCN, S(2), S(0), KH_IPCBUF_VADDR, 0), OK);
}

static void
test_irq_handler_lifecycle(void)
{
    CHECK_EQ(KH_INVOKE(kh.root, KH_SLOT_IRQCTL, KOZO_INV_IRQ_CONTROL_GET, 5, ROOTCN, S(0), KH_DEPTH), OK);
    CHECK_EQ(cap_type(capof(S(0))), KOZO_OBJ_IRQ_HANDLER);
    CHECK_EQ(irq_line(capof(S(0))), 5);
    CHECK_EQ(KH_INVOKE(kh.root, KH_SLOT_IRQCTL, KOZO_INV_IRQ_CONTROL_GET, 5, ROOTCN, S(1), KH_DEPTH),
             KOZO_ERR_REVOKE_FIRST);
    CHECK_EQ(
        KH_INVOKE(kh.root, KH_SLOT_IRQCTL, KOZO_INV_IRQ_CONTROL_GET, KOZO_IRQ_LINES, ROOTCN, S(1), KH_DEPTH),
        KOZO_ERR_RANGE);
    CHECK_EQ(KH_INVOKE(kh.root, KH_SLOT_IRQCTL, KOZO_INV_IRQ_CONTROL_GET, 6, ROOTCN, S(0), KH_DEPTH),
             KOZO_ERR_SLOT_OCCUPIED);

    CHECK_EQ(kh_retype(UT, KOZO_OBJ_NOTIFICATION, 0, S(2), 1), OK);
    CHECK_EQ(kh_mint(S(3), S(2), R_ALL, 0x8), OK);
    CHECK_EQ(KH_INVOKE(kh.root, S(0), KOZO_INV_IRQ_HANDLER_SET_NOTIFICATION, UT), KOZO_ERR_WRONG_TYPE);
    CHECK_EQ(KH_INVOKE(kh.root, S(0), KOZO_INV_IRQ_HANDLER_SET_NOTIFICATION, S(3)), OK);
    CHECK(!host_arch.irq_masked[5]);
    CHECK_EQ(host_arch.irq_unmask_calls, 1);
    irq_handle(5);
    CHECK(host_arch.irq_masked[5]); // masked until the driver acks
    CHECK_EQ(sys(kh.root, KOZO_SYS_NB_RECV, S(2)), OK);
    CHECK_EQ(kh.root->ctx.r[HREG_CAP], 0x8);
    CHECK_EQ(kh_invoke(kh.root, S(0), KOZO_INV_IRQ_HANDLER_ACK, 0, NULL), OK);
    CHECK(!host_arch.irq_masked[5]);

    // Deleting the handler masks the line and lets it be issued again.
    CHECK_EQ(kh_delete(S(0)), OK);
    CHECK(host_arch.irq_masked[5]);
    CHECK_EQ(KH_INVOKE(kh.root, KH_SLOT_IRQCTL, KOZO_INV_IRQ_CONTROL_GET, 5, ROOTCN, S(0), KH_DEPTH), OK);
    CHECK_EQ(KH_INVOKE(kh.root, S(0), KOZO_INV_IRQ_HANDLER_SET_NOTIFICATION, S(3)), OK);
    // Deleting the notification unbinds it: a later interrupt does not touch it.
    struct notification *n = cap_ptr(capof(S(2)));
    CHECK_EQ(kh_revoke(S(2)), OK);
    CHECK_EQ(kh_delete(S(2)), OK);
    CHECK(host_arch.irq_masked[5]);
    irq_handle(5);
    CHECK_EQ(n->word, 0);
    CHECK_EQ(n->pending, 0);
    // Revoking IRQ control takes every handler.
    CHECK_EQ(kh_revoke(KH_SLOT_IRQCTL), OK);
    CHECK(cte_empty(kh_slot(S(0))));
    CHECK_EQ(KH_INVOKE(kh.root, KH_SLOT_IRQCTL, KOZO_INV_IRQ_CONTROL_GET, 5, ROOTCN, S(0), KH_DEPTH), OK);
}

static void
test_frame_and_table_caps(void)
{
    word_t d[3];
    CHECK_EQ(kh_vspaces(S(10), 1), OK);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_FRAME, 0, S(0), 1), OK);
    CHECK_EQ(kh_map_tables(S(10), 0x400000, S(20)), OK);
    CHECK_EQ(KH_INVOKE(kh.root, S(0), KOZO_INV_FRAME_MAP, S(10), 0x400000, R_ALL, 0), OK);
    CHECK(kh_vspace_ok());
    CHECK_EQ(kh_copy(S(1), S(0), KOZO_RIGHT_READ), OK);
    CHECK(!map_is_mapped(capof(S(1)))); // a mapping belongs to one cap
    CHECK(cap_same_object(capof(S(0)), capof(S(1))));
    CHECK_EQ(kh_describe(S(0), d), OK);
    CHECK_EQ(d[2], 0x400000);
    CHECK_EQ(kh_describe(S(1), d), OK);
    CHECK_EQ(d[2], 0);
    CHECK_EQ(kh_invoke(kh.root, S(0), KOZO_INV_FRAME_GET_ADDRESS, 0, NULL), OK);
    CHECK_EQ(arch_get_mr(&kh.root->ctx, 0), (word_t)cap_ptr(capof(S(0))));
    CHECK_EQ(kh_delete(S(1)), OK);
    CHECK_EQ(kh_vspace_entry(S(10), 0x400000, 0) & PTE_ADDR, (word_t)cap_ptr(capof(S(0))));
    CHECK_EQ(kh_delete(S(0)), OK); // the mapping goes with the cap that made it
    CHECK_EQ(kh_vspace_entry(S(10), 0x400000, 0), 0);
    CHECK(kh_vspace_ok());
    CHECK_EQ(kh_revoke(UT), OK); // revoke unmaps too
    CHECK(kh_vspace_ok());
}

// Issue 10, defect 1: a table unmapped from wherever it was (its parent unmapped, its
// VSpace deleted) comes back empty, so nothing it mapped is reachable through it again.
static void
test_table_moved_comes_back_empty(void)
{
    CHECK_EQ(kh_vspaces(S(10), 2), OK);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_FRAME, 0, S(0), 1), OK);
    CHECK_EQ(kh_map_tables(S(10), 0x400000, S(20)), OK); // PDPT S(20), PD S(21), PT S(22)
    CHECK_EQ(KH_INVOKE(kh.root, S(0), KOZO_INV_FRAME_MAP, S(10), 0x400000, R_ALL, 0), OK);
    // Moved 2 MiB on in the same VSpace.
    CHECK_EQ(KH_INVOKE(kh.root, S(22), KOZO_INV_PAGE_TABLE_UNMAP), OK);
    CHECK_EQ(KH_INVOKE(kh.root, S(22), KOZO_INV_PAGE_TABLE_MAP, S(10), 0x600000, 0), OK);
    CHECK_EQ(kh_vspace_entry(S(10), 0x600000, 0), 0);
    CHECK(kh_vspace_ok());
    // The directory moved into the other VSpace, with the table in it, after the frame
    // was mapped through them again.
    CHECK_EQ(KH_INVOKE(kh.root, S(0), KOZO_INV_FRAME_UNMAP), OK);
    CHECK_EQ(KH_INVOKE(kh.root, S(0), KOZO_INV_FRAME_MAP, S(10), 0x600000, R_ALL, 0), OK);
    CHECK_EQ(KH_INVOKE(kh.root, S(21), KOZO_INV_PAGE_TABLE_UNMAP), OK);
    CHECK_EQ(kh_map_tables(S(11), 0x40000000, S(30)), OK);
    CHECK_EQ(kh_delete(S(31)), OK); // the directory kh_map_tables made ...
    CHECK_EQ(KH_INVOKE(kh.root, S(21), KOZO_INV_PAGE_TABLE_MAP, S(11), 0x40000000, 0),
             OK); // ... ours instead
    CHECK_EQ(kh_vspace_entry(S(11), 0x40600000, 1), 0);
    CHECK(kh_vspace_ok());
    // The table still records its old place: it maps again only once unmapped.
    CHECK_EQ(KH_INVOKE(kh.root, S(22), KOZO_INV_PAGE_TABLE_MAP, S(11), 0x40600000, 0),
             KOZO_ERR_ALREADY_MAPPED);
    CHECK_EQ(KH_INVOKE(kh.root, S(22), KOZO_INV_PAGE_TABLE_UNMAP), OK);
    // A VSpace deleted under its tables: unmapping them still empties them.
    CHECK_EQ(KH_INVOKE(kh.root, S(22), KOZO_INV_PAGE_TABLE_MAP, S(11), 0x40600000, 0), OK);
    CHECK_EQ(KH_INVOKE(kh.root, S(0), KOZO_INV_FRAME_UNMAP), OK);
    CHECK_EQ(KH_INVOKE(kh.root, S(0), KOZO_INV_FRAME_MAP, S(11), 0x40600000, R_ALL, 0), OK);
    CHECK_EQ(kh_delete(S(11)), OK);
    CHECK_EQ(KH_INVOKE(kh.root, S(22), KOZO_INV_PAGE_TABLE_UNMAP), OK);
    CHECK(kh_vspace_ok());
    const pte_t *pt = cap_ptr(capof(S(22)));
    for (unsigned i = 0; i < PTES; i++)
        CHECK_EQ(pt[i], 0);
}

// Issue 10, defect 2: a mapping needs READ, in the cap and in what Map asks for.
static void
test_frame_map_needs_read(void)
{
    static const word_t no_read[] = { 0, KOZO_RIGHT_WRITE, KOZO_RIGHT_GRANT, R_ALL & ~KOZO_RIGHT_READ };
    CHECK_EQ(kh_vspaces(S(10), 1), OK);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_FRAME, 0, S(0), 1), OK);
    CHECK_EQ(kh_map_tables(S(10), 0x400000, S(20)), OK);
    for (unsigned i = 0; i < ARRAY_SIZE(no_read); i++) {
        CHECK_EQ(kh_copy(S(1), S(0), no_read[i]), OK);
        CHECK_EQ(KH_INVOKE(kh.root, S(1), KOZO_INV_FRAME_MAP, S(10), 0x400000, R_ALL, 0),
                 KOZO_ERR_INSUFFICIENT_RIGHTS);
        CHECK_EQ(KH_INVOKE(kh.root, S(0), KOZO_INV_FRAME_MAP, S(10), 0x400000, no_read[i], 0),
                 KOZO_ERR_INSUFFICIENT_RIGHTS);
        CHECK_EQ(kh_delete(S(1)), OK);
    }
    CHECK_EQ(kh_vspace_entry(S(10), 0x400000, 0), 0);
    CHECK_EQ(kh_copy(S(1), S(0), KOZO_RIGHT_READ), OK);
    CHECK_EQ(KH_INVOKE(kh.root, S(1), KOZO_INV_FRAME_MAP, S(10), 0x400000, R_ALL, 0), OK);
    CHECK_EQ(kh_vspace_entry(S(10), 0x400000, 0) & (PTE_P | PTE_W | PTE_U), PTE_P | PTE_U);
    CHECK(kh_vspace_ok());
}

// ============================================================================================
// System calls, panic, symbols
// ============================================================================================

static void
test_unknown_syscalls(void)
{
    static const word_t nums[] = { 10, 11, 12, 13, 14, 15, 16, 99, 1ULL << 63, ~0ULL };
    for (unsigned i = 0; i < ARRAY_SIZE(nums); i++) {
        CHECK_EQ(kh_syscall(kh.root, nums[i], UT, 0, NULL, 0), KOZO_ERR_UNKNOWN_SYSCALL);
        CHECK_EQ(kh.root->ctx.r[HREG_CAP], UT); // nothing else touched
    }
    CHECK_EQ(kh.root->state, TS_RUNNABLE);
    CHECK_EQ(kh_mdb_list_len(kh_slot(UT)), 1);
}

static void
test_invalid_handles(void)
{
    // The reply says where resolution stopped: MR0 the level, MR1 the bits left.
    CHECK_EQ(kh_invoke(kh.root, (1ULL << 40) | UT, KOZO_INV_UNTYPED_RETYPE, 0, NULL),
             KOZO_ERR_INVALID_HANDLE);
    CHECK_EQ(mr(kh.root, KOZO_LOOKUP_FAULT_LEVEL_WORD), 0);
    CHECK_EQ(mr(kh.root, KOZO_LOOKUP_FAULT_BITS_WORD), 64);
    CHECK_EQ(msg_len(kh.root), 2);
    CHECK_EQ(kh_invoke(kh.root, S(100), 0, 0, NULL), KOZO_ERR_INVALID_HANDLE); // resolved, but empty
    CHECK_EQ(mr(kh.root, KOZO_LOOKUP_FAULT_LEVEL_WORD), 0);
    CHECK_EQ(mr(kh.root, KOZO_LOOKUP_FAULT_BITS_WORD), 0);
    // The same for an empty Copy source, whatever failed before (no stale details).
    CHECK_EQ(kh_invoke(kh.root, (1ULL << 40) | UT, KOZO_INV_UNTYPED_RETYPE, 0, NULL),
             KOZO_ERR_INVALID_HANDLE);
    CHECK_EQ(kh_copy(S(1), S(50), R_ALL), KOZO_ERR_INVALID_HANDLE);
    CHECK_EQ(mr(kh.root, KOZO_LOOKUP_FAULT_LEVEL_WORD), 0);
    CHECK_EQ(mr(kh.root, KOZO_LOOKUP_FAULT_BITS_WORD), 0);
    CHECK_EQ(kh_invoke(kh.root, KOZO_SLOT_NULL, 0, 0, NULL), KOZO_ERR_INVALID_HANDLE);
    CHECK_EQ(sys(kh.root, KOZO_SYS_SEND, S(100)), KOZO_ERR_INVALID_HANDLE);
}

// DEBUG_PUTCHAR of the n bytes of s through `console`, one call each; the first error.
static word_t
putchars(word_t console, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const word_t mr[] = { (unsigned char)s[i] };
        word_t err =
            kh_syscall(kh.root, KOZO_SYS_DEBUG_PUTCHAR, console, kozo_msginfo_make(1, 0, 0, 0), mr, 1);
        if (err)
            return err;
    }
    return OK;
}
#define PUTS(console, lit) putchars((console), (lit), sizeof(lit) - 1)

// The console must have written exactly `want` since host_out_clear() ('\r' not recorded).
#define CHECK_OUT(want) CHECK_EQ(strcmp(host_arch.out, (want)), 0)

static void
test_debug_putchar_and_yield(void)
{
    host_out_clear();
    CHECK_EQ(PUTS(KH_SLOT_CONSOLE, "Kz"), OK);
    CHECK(kh_out_has("Kz"));
    CHECK_EQ(sys(kh.root, KOZO_SYS_YIELD, 0), OK);
    CHECK_EQ(kh.root->state, TS_RUNNABLE);
}

// Is every line of s empty or the kernel's? (This build logs each refused call.)
static bool
only_kernel_lines(const char *s)
{
    for (const char *line = s; *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : "")
        if (*line != '\n' && strncmp(line, "[kernel]", 8) != 0)
            return false;
    return true;
}

// DEBUG_PUTCHAR names a DEBUG_CONSOLE cap like any call names its object: without one it
// fails and writes nothing; a copy works until it, or the original's Revoke, deletes it.
static void
test_debug_console_cap(void)
{
    host_out_clear();
    CHECK_EQ(PUTS(S(0), "a"), KOZO_ERR_INVALID_HANDLE);
    CHECK_EQ(PUTS(KOZO_SLOT_NULL, "b"), KOZO_ERR_INVALID_HANDLE);
    CHECK_EQ(PUTS(1ULL << 40, "c"), KOZO_ERR_INVALID_HANDLE);
    CHECK_EQ(PUTS(KH_SLOT_UT, "d"), KOZO_ERR_WRONG_TYPE);
    CHECK_EQ(PUTS(KH_SLOT_IOCTL, "e"), KOZO_ERR_WRONG_TYPE);
    CHECK_EQ(sys(kh.root, KOZO_SYS_DEBUG_PUTCHAR, KH_SLOT_TCB), KOZO_ERR_WRONG_TYPE);
    CHECK(only_kernel_lines(host_arch.out));
    CHECK_EQ(KH_INVOKE(kh.root, KH_SLOT_CONSOLE, 0), KOZO_ERR_ILLEGAL_OPERATION); // no methods

    host_out_clear();
    CHECK_EQ(kh_copy(S(0), KH_SLOT_CONSOLE, R_ALL), OK);
    CHECK_EQ(kh_copy(S(1), S(0), 0), OK); // rights mean nothing to it
    CHECK_EQ(PUTS(S(0), "\ncopy"), OK);
    CHECK_EQ(PUTS(S(1), "!"), OK);
    CHECK_OUT("\ncopy!");
    CHECK_EQ(KH_INVOKE(kh.root, ROOTCN, KOZO_INV_CNODE_REVOKE, KH_SLOT_CONSOLE, KH_DEPTH), OK);
    CHECK(cte_empty(kh_slot(S(0))) && cte_empty(kh_slot(S(1))));
    host_out_clear();
    CHECK_EQ(PUTS(S(0), "x"), KOZO_ERR_INVALID_HANDLE);
    CHECK_EQ(PUTS(S(1), "y"), KOZO_ERR_INVALID_HANDLE);
    CHECK(only_kernel_lines(host_arch.out));
    CHECK_EQ(PUTS(KH_SLOT_CONSOLE, "!\n"), OK); // the original still writes
    CHECK(kh_out_has("!\n"));
}

// What a holder of the cap writes cannot be a control, continue a kernel line or start a
// line the way the kernel's do.
static void
test_debug_console_filter(void)
{
    PUTS(KH_SLOT_CONSOLE, "\n");
    host_out_clear();
    CHECK_EQ(PUTS(KH_SLOT_CONSOLE, "\x1b[31mred\x07\x7f\x9b\x00\t\b.\n"), OK);
    CHECK_OUT("?[31mred????\t\b.\n");

    host_out_clear();
    CHECK_EQ(PUTS(KH_SLOT_CONSOLE, "[kernel] forged\n[kern?\nx[kernel]\n  \b\b[kernel]\n"), OK);
    CHECK_OUT("[user] [kernel] forged\n[kern?\nx[kernel]\n  \b\b[user] [kernel]\n");

    // The writer changes in mid-line: the other one's line is ended first.
    host_out_clear();
    CHECK_EQ(PUTS(KH_SLOT_CONSOLE, "abc"), OK);
    printk("[kernel] hello\n");
    printk("[kernel] part");
    CHECK_EQ(PUTS(KH_SLOT_CONSOLE, " forged\n[ker"), OK);
    printk("[kernel] again\n");
    CHECK_EQ(PUTS(KH_SLOT_CONSOLE, "nel] late\n"), OK);
    CHECK_OUT("abc\n[kernel] hello\n[kernel] part\n forged\n[ker\n[kernel] again\nnel] late\n");
}

// Yield with nobody of the same or a higher priority queued is a no-op; otherwise the
// thread goes to the tail of its queue. sched_contender looks at exactly those priorities.
static void
test_yield_and_contenders(void)
{
    static const uint8_t prios[] = { 0, 63, 64, 127, 128, 200, 255 };
    for (unsigned i = 0; i < sizeof(prios); i++) {
        kh_teardown();
        kh_setup();
        kh_run(kh.root);
        sched_dequeue(kh.root); // it is the running thread
        current = kh.root;
        struct tcb *t = kh_thread(0, prios[i]);
        CHECK(!sched_contender(0));
        kh_run(t);
        CHECK(sched_contender(prios[i]));
        CHECK(prios[i] == 0 || sched_contender(prios[i] - 1));
        CHECK(prios[i] == 255 || !sched_contender(prios[i] + 1u));
    }
    kh_teardown();
    kh_setup();
    current = kh.root;
    sched_dequeue(kh.root);
    CHECK_EQ(sys(kh.root, KOZO_SYS_YIELD, 0), OK);
    CHECK(!kh.root->queued); // alone at 255: it runs on
    struct tcb *peer = kh_thread(0, 255);
    kh_run(peer);
    CHECK_EQ(sys(kh.root, KOZO_SYS_YIELD, 0), OK);
    CHECK(kh.root->queued && peer->queued); // behind its peer
    CHECK(peer->sched_next == kh.root);
}

static void
test_debug_panic(void)
{
    const word_t other[] = { 0 };
    bool panicked;
    word_t local = 0;

    // Labels other than CAP_VIOLATION are refused (KERNEL_FAULT reads a readable address
    // here: the host has no kernel-mode faults).
    KH_PANICS(panicked, kh_syscall(kh.root, KOZO_SYS_DEBUG_PANIC, KH_SLOT_CONSOLE,
                                   kozo_msginfo_make(1, 0, 0, 77), other, 1));
    CHECK(!panicked);
    CHECK_EQ(rax(kh.root), KOZO_ERR_INVALID_ARGUMENT);
    const word_t addr[] = { (word_t)(uintptr_t)&local };
    KH_PANICS(panicked, kh_syscall(kh.root, KOZO_SYS_DEBUG_PANIC, KH_SLOT_CONSOLE,
                                   kozo_msginfo_make(1, 0, 0, KOZO_DEBUG_PANIC_KERNEL_FAULT), addr, 1));
    CHECK(!panicked);
    local = 0x5eed;
    KH_PANICS(panicked, kh_syscall(kh.root, KOZO_SYS_DEBUG_PANIC, KH_SLOT_CONSOLE,
                                   kozo_msginfo_make(1, 0, 0, KOZO_DEBUG_PANIC_KERNEL_WRITE), addr, 1));
    CHECK(!panicked);
    CHECK_EQ(local, 0x5eed); // it writes back what it read
    CHECK_EQ(rax(kh.root), KOZO_ERR_INVALID_ARGUMENT);

    // "kozo-tester" packed little-endian into MR1..MR3.
    const word_t mrs[] = { 0xdead, 0x7365742d6f7a6f6bULL, 0x726574ULL, 0 };
    // Without the debug console cap, none of it: the lookup fails first.
    KH_PANICS(panicked, kh_syscall(kh.root, KOZO_SYS_DEBUG_PANIC, KOZO_SLOT_NULL,
                                   kozo_msginfo_make(4, 0, 0, KOZO_DEBUG_PANIC_CAP_VIOLATION), mrs, 4));
    CHECK(!panicked);
    CHECK_EQ(rax(kh.root), KOZO_ERR_INVALID_HANDLE);
    KH_PANICS(panicked, kh_syscall(kh.root, KOZO_SYS_DEBUG_PANIC, KH_SLOT_UT,
                                   kozo_msginfo_make(1, 0, 0, KOZO_DEBUG_PANIC_KERNEL_FAULT), addr, 1));
    CHECK(!panicked);
    CHECK_EQ(rax(kh.root), KOZO_ERR_WRONG_TYPE);
    host_out_clear();
    host_arch.backtrace[0] = 0x2010;
    host_arch.backtrace[1] = 0x10;
    host_arch.backtrace_len = 2;
    KH_PANICS(panicked, kh_syscall(kh.root, KOZO_SYS_DEBUG_PANIC, KH_SLOT_CONSOLE,
                                   kozo_msginfo_make(4, 0, 0, KOZO_DEBUG_PANIC_CAP_VIOLATION), mrs, 4));
    CHECK(panicked);
    CHECK_EQ(host_arch.halts, 1);
    CHECK(kh_out_has("KOZO KERNEL PANIC"));
    CHECK(kh_out_has("Capability violation at 0xdead by user 'kozo-tester'"));
    CHECK(kh_crash_has("KOZO-CRASH v1\n"));
    CHECK(kh_crash_has("message: Capability violation at 0xdead"));
    CHECK(kh_crash_has("bravo+0x10")); // symbolised through the ksyms table
    CHECK(kh_crash_has("  0x10\n"));   // below the first symbol: raw
    CHECK(kh_crash_has("KOZO-CRASH-END\n"));
}

static void
test_assert_panics(void)
{
    bool panicked;
    cap_t before = capof(UT);
    unsigned halts = host_arch.halts;
    // Inserting into an occupied slot is a kernel bug: assert() must stop the kernel.
    KH_PANICS(panicked, mdb_insert(NULL, kh_slot(UT), cap_untyped(kh.ut_base, 12, false), 0));
    CHECK(panicked);
    CHECK_EQ(host_arch.halts, halts + 1);
    CHECK_EQ(capof(UT).w1, before.w1);
}

static void
test_ksyms_lookup(void)
{
    const char *name = NULL;
    word_t off = 0;
    CHECK(!ksyms_lookup(0xfff, &name, &off));
    CHECK(ksyms_lookup(0x1000, &name, &off));
    CHECK_STR_EQ(name, "alpha");
    CHECK_EQ(off, 0);
    CHECK(ksyms_lookup(0x1fff, &name, &off));
    CHECK_STR_EQ(name, "alpha");
    CHECK_EQ(off, 0xfff);
    CHECK(ksyms_lookup(0x2000, &name, &off));
    CHECK_STR_EQ(name, "bravo");
    CHECK(ksyms_lookup(0x2800 + 0x50, &name, &off));
    CHECK_STR_EQ(name, "charlie");
    CHECK_EQ(off, 0x50);
    CHECK(ksyms_lookup(~0ULL, &name, &off));
    CHECK_STR_EQ(name, "charlie");
}

// ============================================================================================

struct ktest {
    const char *name;
    void (*fn)(void);
};
#define T(fn_)                  \
    {                           \
        .name = #fn_, .fn = fn_ \
    }
static const struct ktest tests[] = {
    T(test_cspace_root_lookup),
    T(test_cspace_two_level),
    T(test_cspace_two_level_syscall),
    T(test_cspace_relative_lookup),
    T(test_retype_alignment_and_watermark),
    T(test_retype_no_space_changes_nothing),
    T(test_retype_bad_arguments),
    T(test_retype_cnode_radix_bounds),
    T(test_retype_slot_occupied),
    T(test_retype_device_untyped),
    T(test_retype_after_revoke_starts_over),
    T(test_retype_objects_zeroed),
    T(test_retype_into_other_cnode),
    T(test_retype_preempted_and_restarted),
    T(test_retype_progress_forgotten_on_set_registers),
    T(test_delete_tree_preempted),
    T(test_delete_deep_chain_preempted),
    T(test_delete_takes_over_and_cycles),
    T(test_retype_vspace_has_no_asid),
    T(test_unassigned_vspace_is_unusable),
    T(test_asid_pool_exhaustion_is_local),
    T(test_asid_pool_delete_takes_asids),
    T(test_asid_control_revoke),
    T(test_untyped_copy_no_overlap),
    T(test_cnode_copy),
    T(test_cnode_rights_only_shrink),
    T(test_cnode_mint_badge),
    T(test_cnode_mint_guard),
    T(test_cnode_copy_untyped_rules),
    T(test_cnode_move),
    T(test_delete_copy_keeps_object),
    T(test_delete_last_endpoint_cap_aborts_waiters),
    T(test_delete_last_tcb_cap),
    T(test_revoke_untyped_nested),
    T(test_delete_deep_cnode_chain),
    T(test_revoke_self_referencing_cnode),
    T(test_delete_nested_tcb_and_cnode),
    T(test_revoke_deletes_its_own_slot),
    T(test_revoke_preemptible),
    T(test_mdb_random_operations),
    T(test_ipc_call_reply_direct_switch),
    T(test_ipc_long_message),
    T(test_ipc_send_before_recv),
    T(test_ipc_nonblocking),
    T(test_ipc_server_gone_aborts_caller),
    T(test_fastpath_matches_general_path),
    T(test_ipc_queue_suspend_middle),
    T(test_revoke_own_cspace),
    T(test_ipc_cap_transfer),
    T(test_ipc_reply_grant_kept_with_reply),
    T(test_ipc_cap_transfer_untyped_no_overlap),
    T(test_fault_unknown_syscall_to_handler),
    T(test_fault_lost_handler_forgotten),
    T(test_suspend_restarts_blocked_syscall),
    T(test_tcb_registers_of_blocked_thread),
    T(test_notification_signal_wait),
    T(test_tcb_invocations),
    T(test_ipc_buffer_needs_write_right),
    T(test_irq_handler_lifecycle),
    T(test_frame_and_table_caps),
    T(test_table_moved_comes_back_empty),
    T(test_frame_map_needs_read),
    T(test_unknown_syscalls),
    T(test_invalid_handles),
    T(test_debug_putchar_and_yield),
    T(test_debug_console_cap),
    T(test_debug_console_filter),
    T(test_yield_and_contenders),
    T(test_debug_panic),
    T(test_assert_panics),
    T(test_ksyms_lookup),
};

int
main(int argc, char **argv)
{
    const char *filter = argc > 1 ? argv[1] : NULL;
    host_arch.echo = getenv("KOZO_TEST_ECHO") != NULL;

    for (unsigned i = 0; i < ARRAY_SIZE(tests); i++) {
        if (!test_name_matches(tests[i].name, filter))
            continue;
        unsigned long before = test_state.failed;
        test_state.current = tests[i].name;
        kh_setup();
        tests[i].fn();
        CHECK(kh_mdb_ok()); // every test leaves a well-formed derivation tree
        kh_teardown();
        test_state.current = NULL;
        printf("%s: %s\n", test_state.failed == before ? "PASS" : "FAIL", tests[i].name);
        test_case_end(before);
        fflush(stdout);
    }
    return test_summary("kernel-core");
}
