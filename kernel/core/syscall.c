// SPDX-License-Identifier: MIT OR Apache-2.0
//
// System-call dispatch. The syscall number is a 4-bit field: the table has all 16 entries,
// unused ones filled with sys_unknown (NOVA's rule); RAX values above 15 are rejected once.
// Everything that is not IPC is an invocation: a CALL on a kernel-object capability.
#include <kern/arch_api.h>
#include <kern/cspace.h>
#include <kern/endpoint.h>
#include <kern/fastpath.h>
#include <kern/fault.h>
#include <kern/invocation.h>
#include <kern/notification.h>
#include <kern/printk.h>
#include <kern/sched.h>
#include <kern/syscall.h>

#ifndef KOZO_TEST_BUILD
#define KOZO_TEST_BUILD 0
#endif

// Report an error code; a failed lookup also says where it stopped (level, bits left).
static void
set_error(struct tcb *t, word_t err)
{
    arch_set_error(&t->ctx, err);
    if (err == KOZO_ERR_INVALID_HANDLE) {
        arch_set_mr(&t->ctx, KOZO_LOOKUP_FAULT_LEVEL_WORD, cspace_last_fault.level);
        arch_set_mr(&t->ctx, KOZO_LOOKUP_FAULT_BITS_WORD, cspace_last_fault.bits_left);
        arch_set_info(&t->ctx, kozo_msginfo_make(2, 0, 0, 0));
    }
}

// Look up the cap named in RDI; on failure report the error to the caller.
static bool
lookup_invoked(struct tcb *t, cte_t **slot)
{
    word_t err = cspace_lookup_cap(t, arch_get_cap(&t->ctx), slot);
    if (err)
        set_error(t, err);
    return err == KOZO_ERR_OK;
}

// DEBUG_ERRORS builds (the host tests and the syscall fuzzer among them) hold every decoder
// to the ABI: each method lists the errors it may return (abi/*.abi), and an answer outside
// the list is a kernel bug, not something a caller should have to expect.
static void
check_declared(word_t label, word_t err)
{
    if (KOZO_DEBUG_ERRORS && err != KOZO_ERR_OK && (err >= 64 || !(kozo_inv_errors(label) & (1ULL << err))))
        panic("invocation label %lu returned error %lu, which its method does not declare",
              (unsigned long)label, (unsigned long)err);
}

// Perform a kernel invocation: arguments from the message, results back in registers.
static void
invoke(struct tcb *t, cte_t *slot)
{
    struct invocation inv;
    struct inv_reply reply = { 0, { 0 } };
    word_t info = arch_get_info(&t->ctx);
    struct kozo_ipc_buffer *buf = tcb_ipc_buffer(t);

    inv.caller = t;
    inv.slot = slot;
    inv.cap = slot->cap;
    inv.label = kozo_msginfo_get_label(info);
    inv.nargs = (unsigned)MIN(kozo_msginfo_get_length(info), (word_t)KOZO_MSG_MAX_WORDS);
    if (!buf)
        inv.nargs = MIN(inv.nargs, (unsigned)KOZO_MSG_REG_WORDS);
    for (unsigned i = 0; i < inv.nargs; i++)
        inv.args[i] = i < KOZO_MSG_REG_WORDS ? arch_get_mr(&t->ctx, i) : buf->msg[i];
    for (unsigned i = inv.nargs; i < KOZO_INV_MAX_ARGS; i++)
        inv.args[i] = 0;

    word_t err = decode_invocation(&inv, &reply);
    if (err == ERR_RESTART) {
        arch_restart_syscall(&t->ctx); // registers untouched: the same call runs again
        return;
    }
    t->retype_made = 0; // finished: whatever comes next is another call
    check_declared(inv.label, err);
    for (unsigned i = 0; i < reply.nres; i++)
        arch_set_mr(&t->ctx, i, reply.res[i]);
    arch_set_info(&t->ctx, kozo_msginfo_make(reply.nres, 0, 0, 0));
    set_error(t, err);
}

static void
sys_call(struct tcb *t)
{
    cte_t *slot;
    if (!lookup_invoked(t, &slot))
        return;
    cap_t c = slot->cap;
    switch (cap_type(c)) {
    case KOZO_OBJ_ENDPOINT:
        if (!cap_has(c, KOZO_RIGHT_WRITE | KOZO_RIGHT_GRANT_REPLY))
            return set_error(t, KOZO_ERR_INSUFFICIENT_RIGHTS);
        return ep_send(t, c, true, true);
    case KOZO_OBJ_NOTIFICATION:
        if (!cap_has(c, KOZO_RIGHT_WRITE))
            return set_error(t, KOZO_ERR_INSUFFICIENT_RIGHTS);
        ntfn_signal(cap_ptr(c), cap_badge(c));
        return set_error(t, KOZO_ERR_OK);
    default: return invoke(t, slot);
    }
}

static void
do_send(struct tcb *t, bool blocking)
{
    cte_t *slot;
    if (!lookup_invoked(t, &slot))
        return;
    cap_t c = slot->cap;
    if (cap_type(c) != KOZO_OBJ_ENDPOINT && cap_type(c) != KOZO_OBJ_NOTIFICATION)
        return set_error(t, KOZO_ERR_WRONG_TYPE);
    if (!cap_has(c, KOZO_RIGHT_WRITE))
        return set_error(t, KOZO_ERR_INSUFFICIENT_RIGHTS);
    if (cap_type(c) == KOZO_OBJ_NOTIFICATION) {
        ntfn_signal(cap_ptr(c), cap_badge(c));
        return set_error(t, KOZO_ERR_OK);
    }
    ep_send(t, c, blocking, false);
}

static void
do_recv(struct tcb *t, bool blocking)
{
    cte_t *slot;
    if (!lookup_invoked(t, &slot))
        return;
    cap_t c = slot->cap;
    if (cap_type(c) != KOZO_OBJ_ENDPOINT && cap_type(c) != KOZO_OBJ_NOTIFICATION)
        return set_error(t, KOZO_ERR_WRONG_TYPE);
    if (!cap_has(c, KOZO_RIGHT_READ))
        return set_error(t, KOZO_ERR_INSUFFICIENT_RIGHTS);
    if (cap_type(c) == KOZO_OBJ_NOTIFICATION)
        return ntfn_wait(t, cap_ptr(c), blocking);
    ep_recv(t, c, blocking);
}

static void
sys_send(struct tcb *t)
{
    do_send(t, true);
}
static void
sys_nb_send(struct tcb *t)
{
    do_send(t, false);
}
static void
sys_recv(struct tcb *t)
{
    do_recv(t, true);
}
static void
sys_nb_recv(struct tcb *t)
{
    do_recv(t, false);
}

static void
sys_reply(struct tcb *t)
{
    ep_reply(t);
    set_error(t, KOZO_ERR_OK);
}

// Reply, then wait. When the wait blocks, the CPU goes straight back to the caller we just
// answered: the reply half of the direct switch.
static void
sys_reply_recv(struct tcb *t)
{
    struct tcb *client = t->reply_to;
    ep_reply(t);
    do_recv(t, true);
    if (client && t->state != TS_RUNNABLE && client->state == TS_RUNNABLE)
        sched_switch_to(client);
}

static void
sys_yield(struct tcb *t)
{
    set_error(t, KOZO_ERR_OK);
    sched_yield_thread(t);
}

// The debug-console calls name a DEBUG_CONSOLE cap in RDI, as every other call names its
// object: no cap, no console. An empty slot is INVALID_HANDLE, any other cap WRONG_TYPE.
static bool
lookup_debug_console(struct tcb *t)
{
    cte_t *slot;
    if (!lookup_invoked(t, &slot))
        return false;
    if (cap_type(slot->cap) != KOZO_OBJ_DEBUG_CONSOLE) {
        set_error(t, KOZO_ERR_WRONG_TYPE);
        return false;
    }
    return true;
}

static void
sys_debug_putchar(struct tcb *t)
{
    if (!lookup_debug_console(t))
        return;
    console_putc_user((char)arch_get_mr(&t->ctx, 0));
    set_error(t, KOZO_ERR_OK);
}

// A syscall number the ABI does not define, or any number from a thread in
// SYSCALL_MODE_FAULT, is a fault when the thread has a handler (the Linux shim lives on
// this), and an error code when it has none.
static void
sys_unknown(struct tcb *t)
{
    user_error("unknown syscall %lu", (unsigned long)arch_sysno(&t->ctx));
    if (fault_has_handler(t))
        return fault_raise(t, KOZO_FAULT_UNKNOWN_SYSCALL, 0, 0);
    set_error(t, KOZO_ERR_UNKNOWN_SYSCALL);
}

// Test builds only: crash the kernel on purpose, so the crash channel, the crash-report
// collector and the kernel's page protections can be tested end to end. The label says
// which "bug"; the caller needs the debug console cap as for DEBUG_PUTCHAR.
static void
sys_debug_panic(struct tcb *t)
{
    word_t label = kozo_msginfo_get_label(arch_get_info(&t->ctx));
    volatile word_t *addr = (volatile word_t *)arch_get_mr(&t->ctx, 0);
    if (!KOZO_TEST_BUILD)
        return sys_unknown(t);
    if (!lookup_debug_console(t))
        return;
    if (label == KOZO_DEBUG_PANIC_KERNEL_FAULT)
        (void)*addr;
    if (label == KOZO_DEBUG_PANIC_KERNEL_WRITE)
        *addr = *addr; // its own value: a kernel that allows it goes on unharmed
    if (label == KOZO_DEBUG_PANIC_KERNEL_EXEC)
        ((void (*)(void))(uintptr_t)addr)();
    if (label != KOZO_DEBUG_PANIC_CAP_VIOLATION)
        return set_error(t, KOZO_ERR_INVALID_ARGUMENT);
    char user[3 * sizeof(word_t) + 1];
    for (unsigned i = 0; i < 3 * sizeof(word_t); i++) {
        char c = (char)(arch_get_mr(&t->ctx, 1 + i / 8) >> (8 * (i % 8)));
        user[i] = (c >= ' ' && c < 0x7f) ? c : 0;
    }
    user[sizeof(user) - 1] = 0;
    panic("Capability violation at %#lx by user '%s'", (unsigned long)arch_get_mr(&t->ctx, 0), user);
}

// Every entry defaults to sys_unknown, then the defined calls override theirs.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
static void (*const syscall_table[KOZO_SYS_COUNT])(struct tcb *) = {
    [0 ... KOZO_SYS_COUNT - 1] = sys_unknown,
    [KOZO_SYS_CALL] = sys_call,
    [KOZO_SYS_REPLY_RECV] = sys_reply_recv,
    [KOZO_SYS_SEND] = sys_send,
    [KOZO_SYS_NB_SEND] = sys_nb_send,
    [KOZO_SYS_RECV] = sys_recv,
    [KOZO_SYS_NB_RECV] = sys_nb_recv,
    [KOZO_SYS_REPLY] = sys_reply,
    [KOZO_SYS_YIELD] = sys_yield,
    [KOZO_SYS_DEBUG_PUTCHAR] = sys_debug_putchar,
    [KOZO_SYS_DEBUG_PANIC] = sys_debug_panic,
};
#pragma GCC diagnostic pop

void
syscall_dispatch(struct tcb *t)
{
    word_t n = arch_sysno(&t->ctx);
    if (likely(n < t->syscall_limit)) // KOZO_SYS_COUNT, or 0 for a foreign-ABI thread
        syscall_table[n](t);
    else
        sys_unknown(t);
}

void
syscall_handler(void)
{
    struct tcb *t = current;
#if KOZO_FASTPATH
    if (likely(fastpath(t))) {
        arch_switch_to(current);
        arch_return_to_user(&current->ctx);
    }
#endif
    syscall_dispatch(t);
    kernel_exit_syscall(t);
}
