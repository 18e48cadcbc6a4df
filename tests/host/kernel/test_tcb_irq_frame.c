// SPDX-License-Identifier: MIT OR Apache-2.0
//
// test_tcb_irq_frame.c: Threads, IRQ handlers, frames and page tables
// (host unit tests of the kernel core; tests/host/test_kernel.c runs them).
#include "kernel_tests.h"

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

const struct ktest kt_tcb_irq_frame_tests[] = {
    T(test_tcb_invocations),
    T(test_ipc_buffer_needs_write_right),
    T(test_irq_handler_lifecycle),
    T(test_frame_and_table_caps),
    T(test_table_moved_comes_back_empty),
    T(test_frame_map_needs_read),
    { NULL, NULL },
};
