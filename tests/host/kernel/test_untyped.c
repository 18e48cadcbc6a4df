// SPDX-License-Identifier: MIT OR Apache-2.0
//
// test_untyped.c: Untyped.Retype: placement, bad arguments, device memory, zeroing, preemption
// (host unit tests of the kernel core; tests/host/test_kernel.c runs them).
#include "kernel_tests.h"

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

const struct ktest kt_untyped_tests[] = {
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
    { NULL, NULL },
};
