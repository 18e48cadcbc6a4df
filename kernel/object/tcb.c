// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Threads: lifecycle (init, suspend) and the TCB invocations.
#include <kern/arch_api.h>
#include <kern/cspace.h>
#include <kern/endpoint.h>
#include <kern/fault.h>
#include <kern/invocation.h>
#include <kern/notification.h>
#include <kern/object.h>
#include <kern/printk.h>
#include <kern/sched.h>

void
tcb_init(struct tcb *t)
{
    t->state = TS_INACTIVE;
    t->priority = 0;
    t->time_left = SCHED_TIME_SLICE;
    t->syscall_limit = KOZO_SYS_COUNT;
    arch_ctx_init(&t->ctx);
    arch_fpu_init(t);
}

void
tcb_finalise(struct tcb *t)
{
    tcb_suspend(t);
    arch_fpu_release(t);
}

// A thread suspended while blocked in a system call that has not taken effect (a send not
// yet delivered, a receive or wait) makes that call again when resumed, as in seL4. A Call
// already delivered is not sent twice: waiting for its reply ends with ABORTED. A fault in
// delivery is forgotten and raised again by the faulting instruction.
void
tcb_suspend(struct tcb *t)
{
    bool restart = false;
    switch (t->state) {
    case TS_BLOCKED_SEND:
    case TS_BLOCKED_RECV:
        ep_cancel_ipc(t);
        restart = true;
        break;
    case TS_BLOCKED_NTFN:
        ntfn_cancel_wait(t);
        restart = true;
        break;
    case TS_BLOCKED_REPLY:
        if (t->replier)
            t->replier->reply_to = NULL;
        t->replier = NULL;
        if (!t->fault_type)
            arch_set_error(&t->ctx, KOZO_ERR_ABORTED);
        break;
    case TS_RUNNABLE: sched_dequeue(t); break;
    default: break;
    }
    // A server going away must not leave its caller blocked forever.
    struct tcb *client = t->reply_to;
    if (client) {
        t->reply_to = NULL;
        client->replier = NULL;
        ep_abort(client);
    }
    if (t->fault_type)
        fault_forget(t);
    else if (restart)
        arch_restart_syscall(&t->ctx);
    t->state = TS_INACTIVE;
    if (t == current)
        sched_request();
}

struct kozo_ipc_buffer *
tcb_ipc_buffer(const struct tcb *t)
{
    cap_t f = t->slots[TCB_SLOT_IPC_BUFFER].cap;
    if (cap_type(f) != KOZO_OBJ_FRAME)
        return NULL;
    return (struct kozo_ipc_buffer *)((char *)cap_ptr(f) + (t->ipc_buffer_vaddr & MASK(KOZO_PAGE_BITS)));
}

// --- Invocations -------------------------------------------------------------------------

// A thread blocked in a system call (Send, Recv, Wait, a Call waiting for its reply, a fault
// waiting for its handler) is in the middle of it: its registers hold the call's arguments
// and will receive its results, the message lives in its IPC buffer and names caps in its
// CSpace, and Suspend makes the call again from those same registers. Replacing any of
// them under the call would let the call overwrite what was set, or restart from registers
// that never made it. So they are only read or replaced while the thread is in no system
// call: stopped (Suspend it first, as seL4's debuggers do) or runnable.
static bool
in_syscall(const struct tcb *t)
{
    return t->state != TS_INACTIVE && t->state != TS_RUNNABLE;
}

// Look up an optional handle (0 = none) that must name a cap of `type`.
static word_t
lookup_typed(struct tcb *caller, word_t handle, word_t type, bool optional, cte_t **slot)
{
    *slot = NULL;
    if (handle == 0 && optional)
        return KOZO_ERR_OK;
    word_t err = cspace_lookup_cap(caller, handle, slot);
    if (err)
        return err;
    if (cap_type((*slot)->cap) != type)
        return user_reject(KOZO_ERR_WRONG_TYPE, "handle %#lx names a cap of type %lu, not %lu",
                           (unsigned long)handle, (unsigned long)cap_type((*slot)->cap), (unsigned long)type);
    return KOZO_ERR_OK;
}

// --- The changes of state: each cannot fail --------------------------------------------

// The thread holds copies of the caps it is configured with (made by cap_derive()).
static void
invoke_tcb_configure(struct tcb *t, cte_t *const src[TCB_SLOT_COUNT], const cap_t copy[TCB_SLOT_COUNT],
                     word_t ipc_buffer_vaddr)
{
    for (int k = 0; k < TCB_SLOT_COUNT; k++) {
        cte_delete(&t->slots[k]);
        if (src[k])
            mdb_insert(src[k], &t->slots[k], copy[k], 0);
    }
    t->ipc_buffer_vaddr = ipc_buffer_vaddr;
    t->retype_made = 0; // a restarted Retype would look up its caps in another CSpace
    if (t == current)
        sched_request(); // the address space may have changed
}

static void
invoke_tcb_set_registers(struct tcb *t, const struct kozo_args_tcb_set_registers *r)
{
    arch_ctx_set_user(&t->ctx, r->ip, r->sp, r->flags, r->arg0, r->arg1, r->arg2);
    t->retype_made = 0; // a preempted Retype it would have restarted is not its call now
}

static void
invoke_tcb_read_registers(const struct tcb *t, struct inv_reply *reply)
{
    reply->res[0] = arch_ctx_ip(&t->ctx);
    reply->res[1] = arch_ctx_sp(&t->ctx);
    reply->res[2] = arch_ctx_flags(&t->ctx);
    reply->res[3] = arch_ctx_ret(&t->ctx);
    reply->nres = KOZO_INV_TCB_READ_REGISTERS_NRES;
}

static void
invoke_tcb_info(const struct tcb *t, struct inv_reply *reply)
{
    reply->res[0] = t->state;
    reply->res[1] = t->priority;
    reply->nres = KOZO_INV_TCB_INFO_NRES;
}

static void
invoke_tcb_resume(struct tcb *t)
{
    if (t->state == TS_INACTIVE)
        sched_wake(t);
}

static void
invoke_tcb_set_priority(struct tcb *t, uint8_t priority)
{
    if (t->state == TS_RUNNABLE) {
        sched_dequeue(t);
        t->priority = priority;
        sched_enqueue(t);
        sched_request();
    } else {
        t->priority = priority;
    }
}

static void
invoke_tcb_set_syscall_mode(struct tcb *t, word_t mode)
{
    t->syscall_limit = mode == KOZO_SYSCALL_MODE_FAULT ? 0 : KOZO_SYS_COUNT;
}

// --- The checks -----------------------------------------------------------------------

static word_t
decode_tcb_configure(const struct invocation *inv, struct tcb *t)
{
    static const word_t types[TCB_SLOT_COUNT] = {
        [TCB_SLOT_CSPACE] = KOZO_OBJ_CNODE,
        [TCB_SLOT_VSPACE] = KOZO_OBJ_VSPACE,
        [TCB_SLOT_IPC_BUFFER] = KOZO_OBJ_FRAME,
        [TCB_SLOT_FAULT_EP] = KOZO_OBJ_ENDPOINT,
    };
    const struct kozo_args_tcb_configure *c = &inv->a.tcb_configure;
    const word_t handles[TCB_SLOT_COUNT] = {
        c->cspace_root,
        c->vspace_root,
        c->ipc_buffer_frame,
        c->fault_ep,
    };
    cte_t *src[TCB_SLOT_COUNT];
    cap_t copy[TCB_SLOT_COUNT];
    word_t err;

    INV_NEED_ARGS(inv, KOZO_INV_TCB_CONFIGURE_NARGS);
    if (in_syscall(t))
        return user_reject(KOZO_ERR_ILLEGAL_OPERATION, "configure: the thread is blocked in a system call");
    for (int k = 0; k < TCB_SLOT_COUNT; k++) {
        bool optional = k == TCB_SLOT_IPC_BUFFER || k == TCB_SLOT_FAULT_EP;
        if ((err = lookup_typed(inv->caller, handles[k], types[k], optional, &src[k])))
            return err;
        // Replacing the last cap to an object would destroy it as a side effect (perhaps
        // the very CNode the new caps come from): the caller must delete it explicitly.
        if (!cte_empty(&t->slots[k]) && mdb_is_final(&t->slots[k]))
            return user_reject(KOZO_ERR_REVOKE_FIRST, "configure: slot %d holds the last cap to its object",
                               k);
        // The thread holds copies, made by the rules of any copy (a frame's starts
        // unmapped; a VSpace without an ASID has none).
        if (src[k] && (err = cap_derive(src[k], &copy[k])))
            return err;
    }
    if ((c->ipc_buffer_vaddr & 7) ||
        (c->ipc_buffer_vaddr & MASK(KOZO_PAGE_BITS)) + sizeof(struct kozo_ipc_buffer) > BIT(KOZO_PAGE_BITS))
        return user_reject(KOZO_ERR_ALIGNMENT, "configure: IPC buffer %#lx misaligned or across a page",
                           (unsigned long)c->ipc_buffer_vaddr);
    if (c->ipc_buffer_vaddr >= KOZO_USER_TOP)
        return user_reject(KOZO_ERR_RANGE, "configure: IPC buffer %#lx above user space",
                           (unsigned long)c->ipc_buffer_vaddr);
    // The kernel writes messages into the IPC buffer: it must be writable RAM.
    if (src[TCB_SLOT_IPC_BUFFER] && map_is_device(src[TCB_SLOT_IPC_BUFFER]->cap))
        return user_reject(KOZO_ERR_INVALID_ARGUMENT, "configure: the IPC buffer is device memory");
    if (src[TCB_SLOT_IPC_BUFFER] && !cap_has(src[TCB_SLOT_IPC_BUFFER]->cap, KOZO_RIGHT_WRITE))
        return user_reject(KOZO_ERR_INSUFFICIENT_RIGHTS, // the kernel writes received words into it
                           "configure: the IPC buffer frame is read-only");
    invoke_tcb_configure(t, src, copy, c->ipc_buffer_vaddr);
    return KOZO_ERR_OK;
}

static word_t
decode_tcb_set_registers(const struct invocation *inv, struct tcb *t)
{
    const struct kozo_args_tcb_set_registers *r = &inv->a.tcb_set_registers;
    INV_NEED_ARGS(inv, KOZO_INV_TCB_SET_REGISTERS_NARGS);
    if (t == inv->caller || in_syscall(t))
        return user_reject(KOZO_ERR_ILLEGAL_OPERATION, "set registers: of the caller or a blocked thread");
    if (!arch_ctx_user_ok(r->ip, r->sp, r->flags))
        return user_reject(KOZO_ERR_RANGE, "set registers: not a user-mode register state");
    invoke_tcb_set_registers(t, r);
    return KOZO_ERR_OK;
}

static word_t
decode_tcb_set_priority(const struct invocation *inv, struct tcb *t)
{
    word_t priority = inv->a.tcb_set_priority.priority;
    INV_NEED_ARGS(inv, KOZO_INV_TCB_SET_PRIORITY_NARGS);
    if (priority >= SCHED_PRIORITIES)
        return user_reject(KOZO_ERR_RANGE, "set priority: %lu is not a priority", (unsigned long)priority);
    if (priority > inv->caller->priority)
        return user_reject(KOZO_ERR_INSUFFICIENT_RIGHTS, "set priority: %lu is above the caller's %u",
                           (unsigned long)priority, inv->caller->priority);
    invoke_tcb_set_priority(t, (uint8_t)priority);
    return KOZO_ERR_OK;
}

word_t
decode_tcb_invocation(const struct invocation *inv, struct inv_reply *reply)
{
    struct tcb *t = tcb_from_cap(inv->cap);
    const union kozo_inv_args *a = &inv->a;

    switch (inv->label) {
    case KOZO_INV_TCB_CONFIGURE: return decode_tcb_configure(inv, t);
    case KOZO_INV_TCB_SET_REGISTERS: return decode_tcb_set_registers(inv, t);
    case KOZO_INV_TCB_READ_REGISTERS:
        // A blocked thread's registers are not the ones it will resume with: that depends
        // on how the call ends (its result, or the restart if it is suspended).
        if (t == inv->caller || in_syscall(t))
            return user_reject(KOZO_ERR_ILLEGAL_OPERATION,
                               "read registers: of the caller or a blocked thread");
        invoke_tcb_read_registers(t, reply);
        return KOZO_ERR_OK;
    case KOZO_INV_TCB_INFO: invoke_tcb_info(t, reply); return KOZO_ERR_OK;
    case KOZO_INV_TCB_RESUME:
        if (cte_empty(&t->slots[TCB_SLOT_CSPACE]) || cte_empty(&t->slots[TCB_SLOT_VSPACE]))
            return user_reject(KOZO_ERR_ILLEGAL_OPERATION, "resume: thread has no CSpace or VSpace");
        invoke_tcb_resume(t);
        return KOZO_ERR_OK;
    case KOZO_INV_TCB_SUSPEND: tcb_suspend(t); return KOZO_ERR_OK;
    case KOZO_INV_TCB_SET_PRIORITY: return decode_tcb_set_priority(inv, t);
    case KOZO_INV_TCB_SET_TLS_BASE:
        INV_NEED_ARGS(inv, KOZO_INV_TCB_SET_TLS_BASE_NARGS);
        if (!arch_tls_base_ok(a->tcb_set_tls_base.base))
            return user_reject(KOZO_ERR_RANGE, "set TLS base: %#lx is not a user address",
                               (unsigned long)a->tcb_set_tls_base.base);
        arch_set_tls_base(t, a->tcb_set_tls_base.base);
        return KOZO_ERR_OK;
    case KOZO_INV_TCB_SET_SYSCALL_MODE:
        INV_NEED_ARGS(inv, KOZO_INV_TCB_SET_SYSCALL_MODE_NARGS);
        if (a->tcb_set_syscall_mode.mode != KOZO_SYSCALL_MODE_NATIVE &&
            a->tcb_set_syscall_mode.mode != KOZO_SYSCALL_MODE_FAULT)
            return user_reject(KOZO_ERR_INVALID_ARGUMENT, "set syscall mode: no mode %lu",
                               (unsigned long)a->tcb_set_syscall_mode.mode);
        invoke_tcb_set_syscall_mode(t, a->tcb_set_syscall_mode.mode);
        return KOZO_ERR_OK;
    default: return INV_NO_METHOD(inv, "TCB");
    }
}
