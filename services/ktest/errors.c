// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Errors that cut across objects: unknown system calls, handles that name nothing, and
// for every method with arguments, a call with one word too few (INVALID_ARGUMENT). The
// leading words of those calls are valid where a decoder looks at them before counting.
#include "ktest.h"

static uint64_t
raw_syscall(uint64_t nr, uint64_t label)
{
    struct kozo_msg m = { kozo_msginfo_make(0, 0, 0, label), 0, { 0 } };
    return kozo_syscall(nr, 0, &m);
}

KTEST(syscall_unknown_numbers, "Syscall numbers 10..15 are UNKNOWN_SYSCALL (no fault handler)")
{
    for (uint64_t nr = 10; nr < 16; nr++)
        KT_ERR(raw_syscall(nr, 0), KOZO_ERR_UNKNOWN_SYSCALL);
}

KTEST(syscall_numbers_above_field, "Syscall numbers above the 4-bit field are UNKNOWN_SYSCALL")
{
    static const uint64_t nrs[] = { 16, 17, 0x100, 0x10000, 1ULL << 32, 1ULL << 63, ~0ULL };
    for (unsigned i = 0; i < sizeof(nrs) / sizeof(nrs[0]); i++)
        KT_ERR(raw_syscall(nrs[i], 0), KOZO_ERR_UNKNOWN_SYSCALL);
}

KTEST(syscall_debug_panic_label_zero, "DEBUG_PANIC with no panic label is refused without panicking")
{
    // Label 0 asks for no deliberate panic: a test build says INVALID_ARGUMENT, any other
    // build does not have the call at all.
    struct kozo_msg m = { kozo_msginfo_make(0, 0, 0, 0), 0, { 0 } };
    KT_ERR(kozo_syscall(KOZO_SYS_DEBUG_PANIC, SYS_SLOT_DEBUG_CONSOLE, &m),
           KOZO_TEST_BUILD ? KOZO_ERR_INVALID_ARGUMENT : KOZO_ERR_UNKNOWN_SYSCALL);
}

KTEST(syscall_debug_panic_needs_cap, "DEBUG_PANIC without the debug console cap is refused without panicking")
{
    struct kozo_msg m = { kozo_msginfo_make(0, 0, 0, KOZO_DEBUG_PANIC_CAP_VIOLATION), 0, { 0 } };
    KT_ERR(kozo_syscall(KOZO_SYS_DEBUG_PANIC, KOZO_SLOT_NULL, &m),
           KOZO_TEST_BUILD ? KOZO_ERR_INVALID_HANDLE : KOZO_ERR_UNKNOWN_SYSCALL);
}

KTEST(syscall_yield_any_registers, "Yield succeeds whatever the other registers hold")
{
    struct kozo_msg m = { ~0ULL, 0, { ~0ULL, ~0ULL, ~0ULL, ~0ULL } };
    KT_OK(kozo_syscall(KOZO_SYS_YIELD, ~0ULL, &m));
}

KTEST(handle_empty_slot, "Invoking an empty slot is INVALID_HANDLE, resolved to the end (0 bits left)")
{
    struct kozo_msg m = { kozo_msginfo_make(0, 0, 0, KOZO_INV_TCB_RESUME), 0, { 0 } };
    KT_ERR(kozo_call(kt_slot(), &m), KOZO_ERR_INVALID_HANDLE);
    KT_EQ(m.mr[KOZO_LOOKUP_FAULT_LEVEL_WORD], 0);
    KT_EQ(m.mr[KOZO_LOOKUP_FAULT_BITS_WORD], 0);
    KT_ERR(kozo_tcb_resume(KOZO_SLOT_NULL), KOZO_ERR_INVALID_HANDLE);
}

KTEST(handle_outside_cspace, "Handles beyond the CNode miss its guard: INVALID_HANDLE")
{
    static const uint64_t hs[] = { 1ULL << SYS_CNODE_BITS, 1ULL << 40, 1ULL << 63, ~0ULL };
    for (unsigned i = 0; i < sizeof(hs) / sizeof(hs[0]); i++)
        KT_ERR(kozo_tcb_resume(hs[i]), KOZO_ERR_INVALID_HANDLE);
}

KTEST(untyped_unknown_label, "Unknown labels on an Untyped are ILLEGAL_OPERATION")
{
    KT_ERR(kt_label(env->untyped, 0), KOZO_ERR_ILLEGAL_OPERATION);
    KT_ERR(kt_label(env->untyped, KOZO_INV_CNODE_COPY), KOZO_ERR_ILLEGAL_OPERATION);
    KT_ERR(kt_label(env->untyped, 1ULL << 40), KOZO_ERR_ILLEGAL_OPERATION);
}

// --- One argument too few, for every method that takes arguments -----------------------------

enum target {
    T_UNTYPED,
    T_CNODE,
    T_TCB,
    T_FRAME,
    T_TABLE,
    T_IRQ_CONTROL,
    T_IRQ_HANDLER,
    T_IOPORT_CONTROL,
    T_IOPORT
};

static uint64_t
target(const struct ktest_env *env, enum target t, kozo_handle_t *h)
{
    switch (t) {
    case T_UNTYPED: *h = env->untyped; return KOZO_ERR_OK;
    case T_CNODE: *h = SYS_SLOT_CNODE; return KOZO_ERR_OK;
    case T_TCB: return kt_alloc(KOZO_OBJ_TCB, 0, h);
    case T_FRAME: return kt_alloc(KOZO_OBJ_FRAME, 0, h);
    case T_TABLE: return kt_alloc(KOZO_OBJ_PAGE_TABLE, 0, h);
    case T_IRQ_CONTROL: *h = SYS_SLOT_IRQ_CONTROL; return KOZO_ERR_OK;
    case T_IRQ_HANDLER:
        *h = kt_slot();
        return kozo_irq_control_get(SYS_SLOT_IRQ_CONTROL, 13, SYS_SLOT_CNODE, *h, KT_DEPTH);
    case T_IOPORT_CONTROL: *h = SYS_SLOT_IOPORT_CONTROL; return KOZO_ERR_OK;
    default:
        *h = kt_slot();
        return kozo_ioport_control_issue(SYS_SLOT_IOPORT_CONTROL, 0x80, 0x80, SYS_SLOT_CNODE, *h, KT_DEPTH);
    }
}

static void
short_args(const struct ktest_env *env, enum target t, uint64_t label, unsigned nargs)
{
    kozo_handle_t h;
    // CNode methods resolve (args 0, 1) first: make that an empty slot of ktest's CNode.
    uint64_t args[KOZO_MSG_MAX_WORDS] = { kt_slot(), KT_DEPTH, 0x80, 0 };
    KT_OK(target(env, t, &h));
    KT_ERR(kozo_invoke(h, label, nargs - 1, args, 0, NULL), KOZO_ERR_INVALID_ARGUMENT);
}

#define KTEST_SHORT(name_, METHOD, t)                                                     \
    KTEST(short_args_##name_, "One argument too few for " #METHOD " is INVALID_ARGUMENT") \
    {                                                                                     \
        short_args(env, t, KOZO_INV_##METHOD, KOZO_INV_##METHOD##_NARGS);                 \
    }

KTEST_SHORT(untyped_retype, UNTYPED_RETYPE, T_UNTYPED)
KTEST_SHORT(cnode_copy, CNODE_COPY, T_CNODE)
KTEST_SHORT(cnode_mint, CNODE_MINT, T_CNODE)
KTEST_SHORT(cnode_move, CNODE_MOVE, T_CNODE)
KTEST_SHORT(cnode_delete, CNODE_DELETE, T_CNODE)
KTEST_SHORT(cnode_revoke, CNODE_REVOKE, T_CNODE)
KTEST_SHORT(cnode_describe, CNODE_DESCRIBE, T_CNODE)
KTEST_SHORT(tcb_configure, TCB_CONFIGURE, T_TCB)
KTEST_SHORT(tcb_set_registers, TCB_SET_REGISTERS, T_TCB)
KTEST_SHORT(tcb_set_priority, TCB_SET_PRIORITY, T_TCB)
KTEST_SHORT(tcb_set_syscall_mode, TCB_SET_SYSCALL_MODE, T_TCB)
KTEST_SHORT(tcb_set_tls_base, TCB_SET_TLS_BASE, T_TCB)
KTEST_SHORT(frame_map, FRAME_MAP, T_FRAME)
KTEST_SHORT(page_table_map, PAGE_TABLE_MAP, T_TABLE)
KTEST_SHORT(irq_control_get, IRQ_CONTROL_GET, T_IRQ_CONTROL)
KTEST_SHORT(irq_handler_set_notification, IRQ_HANDLER_SET_NOTIFICATION, T_IRQ_HANDLER)
KTEST_SHORT(ioport_control_issue, IOPORT_CONTROL_ISSUE, T_IOPORT_CONTROL)
KTEST_SHORT(ioport_in8, IOPORT_IN8, T_IOPORT)
KTEST_SHORT(ioport_out8, IOPORT_OUT8, T_IOPORT)
KTEST_SHORT(ioport_in32, IOPORT_IN32, T_IOPORT)
KTEST_SHORT(ioport_out32, IOPORT_OUT32, T_IOPORT)
