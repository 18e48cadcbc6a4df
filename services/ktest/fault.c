// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Faults as messages: a helper with a fault-handler endpoint faults (page fault, unknown
// syscall, CPU exception); ktest receives the fault message, checks its words, and replies
// to resume the helper (label 0, with the registers the fault type lets it set) or to
// leave it stopped. Without a usable handler a faulting thread just stops.
#include "ktest.h"

// Each function's first instruction is the one that faults, so its address is the ip.
__asm__(".pushsection .text\n"
        ".globl kt_read_at\n"
        "kt_read_at:\n"
        "    movq (%rdi), %rax\n"
        "    ret\n"
        ".globl kt_write_at\n"
        "kt_write_at:\n"
        "    movq %rsi, (%rdi)\n"
        "    ret\n"
        ".globl kt_ud2\n"
        "kt_ud2:\n"
        "    ud2\n"
        "    movl $0x600d, %eax\n"
        "    ret\n"
        ".globl kt_read_keep_rax\n" // returns 0x5555 unless RAX was changed behind its back
        "kt_read_keep_rax:\n"
        "    movl $0x5555, %eax\n"
        "    movq (%rdi), %rcx\n"
        "    ret\n"
        ".globl kt_syscall_nr\n"
        "kt_syscall_nr:\n"
        "    movq %rdi, %rax\n"
        "    movq %rsi, %rdi\n"
        "    syscall\n"
        "    ret\n"
        ".popsection\n");

uint64_t kt_read_keep_rax(uint64_t addr);

#define FAULT_BADGE 0x77

static void
reader(struct kt_thread *t)
{
    t->res[0] = kt_read_at(t->arg[0]);
    t->res[1] = 1;
}

static void
bad_syscall(struct kt_thread *t)
{
    t->res[0] = kt_syscall_nr(t->arg[0], 0x11);
    t->res[1] = 1;
}

static void
exception(struct kt_thread *t)
{
    t->res[0] = kt_ud2();
    t->res[1] = 1;
}

// A helper running fn at our priority with fault endpoint *ep (badged FAULT_BADGE).
static uint64_t
faulter(const struct ktest_env *env, void (*fn)(struct kt_thread *), kozo_handle_t *ep, struct kt_thread **t)
{
    kozo_handle_t badged;
    uint64_t err;
    if ((err = kt_alloc(KOZO_OBJ_ENDPOINT, 0, ep)) ||
        (err = kt_mint(*ep, KOZO_RIGHTS_ALL, FAULT_BADGE, &badged)) ||
        (err = kt_thread_new(fn, env->priority, 0, t)))
        return err;
    return kt_thread_fault_ep(*t, badged);
}

KTEST(fault_vm_message_and_retry, "A page fault arrives as FAULT_VM; after mapping the page, reply 0 retries")
{
    kozo_handle_t ep, f;
    struct kt_thread *h;
    uint64_t va = kt_window_vaddr();
    KT_OK(faulter(env, reader, &ep, &h));
    h->arg[0] = va + 0x18;
    KT_OK(kt_thread_start(h));
    struct kozo_msg m = { 0, 0, { 0 } };
    KT_OK(kozo_recv(ep, &m)); // the helper runs, faults, and its fault is our message
    KT_EQ(kozo_msginfo_get_label(m.info), KOZO_FAULT_VM);
    KT_EQ(kozo_msginfo_get_length(m.info), KOZO_FAULT_VM_WORDS);
    KT_EQ(m.badge, FAULT_BADGE);
    KT_EQ(m.mr[0], (uint64_t)kt_read_at);
    KT_EQ(m.mr[1], va + 0x18);
    KT_EQ(m.mr[2] & 7, 4); // user-mode read of a page that is not present
    KT_EQ(kt_thread_state(h->tcb), KOZO_THREAD_BLOCKED_REPLY);
    KT_OK(kt_alloc(KOZO_OBJ_FRAME, 0, &f));
    KT_OK(kt_map(f, va, KT_RW, 0));
    ((volatile uint64_t *)va)[3] = 0x1234;
    m.info = kozo_msginfo_make(0, 0, 0, 0);
    KT_OK(kozo_reply(&m));
    kt_settle();
    KT_EQ(h->res[1], 1);
    KT_EQ(h->res[0], 0x1234);
}

KTEST(fault_reply_nonzero_label_stops, "Replying to a fault with a nonzero label leaves the thread stopped")
{
    kozo_handle_t ep;
    struct kt_thread *h;
    KT_OK(faulter(env, reader, &ep, &h));
    h->arg[0] = kt_window_vaddr();
    KT_OK(kt_thread_start(h));
    struct kozo_msg m = { 0, 0, { 0 } };
    KT_OK(kozo_recv(ep, &m));
    m.info = kozo_msginfo_make(0, 0, 0, 1);
    KT_OK(kozo_reply(&m));
    kt_settle();
    KT_EQ(kt_thread_state(h->tcb), KOZO_THREAD_INACTIVE);
    KT_EQ(h->res[1], 0);
}

KTEST(fault_unknown_syscall_message,
      "An unknown syscall is a FAULT_UNKNOWN_SYSCALL message; the reply sets RAX")
{
    kozo_handle_t ep;
    struct kt_thread *h;
    KT_OK(faulter(env, bad_syscall, &ep, &h));
    h->arg[0] = 13;
    KT_OK(kt_thread_start(h));
    struct kozo_msg m = { 0, 0, { 0 } };
    KT_OK(kozo_recv(ep, &m));
    KT_EQ(kozo_msginfo_get_label(m.info), KOZO_FAULT_UNKNOWN_SYSCALL);
    KT_EQ(kozo_msginfo_get_length(m.info), KOZO_FAULT_SYSCALL_WORDS);
    KT_EQ(m.mr[0], 13);                                            // rax
    KT_EQ(m.mr[1], 0x11);                                          // rdi
    KT_EQ(kozo_ipc_buffer()->msg[7], (uint64_t)kt_syscall_nr + 8); // ip: after the syscall
    m.info = kozo_msginfo_make(1, 0, 0, 0);
    m.mr[0] = 0xabc;
    KT_OK(kozo_reply(&m));
    kt_settle();
    KT_EQ(h->res[1], 1);
    KT_EQ(h->res[0], 0xabc);
}

// An unknown syscall arg[0], with a receive slot (arg[1]) ready for a cap in the reply.
static void
bad_syscall_with_slot(struct kt_thread *t)
{
    t->ipc->receive_cnode = SYS_SLOT_CNODE;
    t->ipc->receive_index = t->arg[1];
    t->ipc->receive_depth = KT_DEPTH;
    t->res[0] = kt_syscall_nr(t->arg[0], 0);
    t->res[1] = 1;
}

// A fault reply is words for the thread's registers, never a message: a cap attached to it
// stays where it is, whatever rights the handler's endpoint cap has (docs/CAPABILITIES.md).
KTEST(fault_reply_carries_no_caps, "A fault handler's reply resumes the thread but carries no cap")
{
    kozo_handle_t ep, n, dest = kt_slot();
    struct kt_thread *h;
    KT_OK(kt_alloc(KOZO_OBJ_NOTIFICATION, 0, &n));
    KT_OK(faulter(env, bad_syscall_with_slot, &ep, &h));
    h->arg[0] = 13, h->arg[1] = dest;
    KT_OK(kt_thread_start(h));
    struct kozo_msg m = { 0, 0, { 0 } };
    KT_OK(kozo_recv(ep, &m)); // through the endpoint's original cap: all rights, GRANT too
    KT_EQ(kozo_msginfo_get_label(m.info), KOZO_FAULT_UNKNOWN_SYSCALL);
    kozo_ipc_buffer()->caps[0] = n;
    m.info = kozo_msginfo_make(1, 1, 0, 0);
    m.mr[0] = 0xabc;
    KT_OK(kozo_reply(&m));
    kt_settle();
    KT_EQ(h->res[1], 1);
    KT_EQ(h->res[0], 0xabc);
    KT_EQ(kt_type(dest), KOZO_OBJ_NULL);
    KT_EQ(kt_type(n), KOZO_OBJ_NOTIFICATION);
}

// "Leaves it stopped" means stopped as a Suspend would leave it: the fault is forgotten and
// the faulting instruction, here the syscall itself, runs again on Resume (it was skipped).
KTEST(fault_reply_nonzero_label_restarts_syscall,
      "A syscall fault answered with a nonzero label stops the thread at the syscall; Resume makes it again")
{
    kozo_handle_t ep;
    struct kt_thread *h;
    struct kozo_res_tcb_read_registers r;
    KT_OK(faulter(env, bad_syscall, &ep, &h));
    h->arg[0] = 13;
    KT_OK(kt_thread_start(h));
    struct kozo_msg m = { 0, 0, { 0 } };
    KT_OK(kozo_recv(ep, &m));
    KT_EQ(kozo_ipc_buffer()->msg[7], (uint64_t)kt_syscall_nr + 8);
    m.info = kozo_msginfo_make(0, 0, 0, 1);
    KT_OK(kozo_reply(&m));
    KT_EQ(kt_thread_state(h->tcb), KOZO_THREAD_INACTIVE);
    KT_OK(kozo_tcb_read_registers(h->tcb, &r));
    KT_EQ(r.ip, (uint64_t)kt_syscall_nr + 6); // the syscall instruction (2 bytes) again
    KT_EQ(r.result, 13);
    KT_OK(kozo_tcb_resume(h->tcb));
    KT_OK(kozo_recv(ep, &m)); // the same fault, raised afresh
    KT_EQ(kozo_msginfo_get_label(m.info), KOZO_FAULT_UNKNOWN_SYSCALL);
    KT_EQ(m.mr[0], 13);
    KT_EQ(kozo_ipc_buffer()->msg[7], (uint64_t)kt_syscall_nr + 8);
    m.info = kozo_msginfo_make(1, 0, 0, 0);
    m.mr[0] = 0xabc;
    KT_OK(kozo_reply(&m));
    kt_settle();
    KT_EQ(h->res[1], 1);
    KT_EQ(h->res[0], 0xabc);
}

// A thread whose fault waits for its handler is in the middle of a Call: its registers are
// the fault's, and the handler's reply sets them. SetRegisters, ReadRegisters and Configure
// are refused meanwhile (the handler has the registers in the message, and answers with the
// ones to set); the reply then resumes it as usual.
KTEST(fault_registers_refused_while_handled,
      "While its fault waits for the handler, a thread's registers cannot be set or read")
{
    kozo_handle_t ep, f;
    struct kt_thread *h;
    struct kozo_res_tcb_read_registers r;
    uint64_t va = kt_window_vaddr();
    KT_OK(faulter(env, reader, &ep, &h));
    h->arg[0] = va;
    KT_OK(kt_thread_start(h));
    struct kozo_msg m = { 0, 0, { 0 } };
    KT_OK(kozo_recv(ep, &m));
    KT_EQ(kt_thread_state(h->tcb), KOZO_THREAD_BLOCKED_REPLY);
    KT_ERR(kozo_tcb_set_registers(h->tcb, (uint64_t)kt_ud2, h->stack_top, 0, 0, 0, 0),
           KOZO_ERR_ILLEGAL_OPERATION);
    KT_ERR(kozo_tcb_read_registers(h->tcb, &r), KOZO_ERR_ILLEGAL_OPERATION);
    KT_ERR(kozo_tcb_configure(h->tcb, SYS_SLOT_CNODE, SYS_SLOT_VSPACE, h->ipc_frame, (uint64_t)h->ipc, 0),
           KOZO_ERR_ILLEGAL_OPERATION);
    KT_OK(kt_alloc(KOZO_OBJ_FRAME, 0, &f));
    KT_OK(kt_map(f, va, KT_RW, 0));
    *(volatile uint64_t *)va = 0x4321;
    m.info = kozo_msginfo_make(0, 0, 0, 0);
    KT_OK(kozo_reply(&m));
    kt_settle();
    KT_EQ(h->res[1], 1);
    KT_EQ(h->res[0], 0x4321);
}

KTEST(fault_exception_message, "ud2 is a FAULT_EXCEPTION (vector 6); a 3-word reply moves the ip past it")
{
    kozo_handle_t ep;
    struct kt_thread *h;
    KT_OK(faulter(env, exception, &ep, &h));
    KT_OK(kt_thread_start(h));
    struct kozo_msg m = { 0, 0, { 0 } };
    KT_OK(kozo_recv(ep, &m));
    KT_EQ(kozo_msginfo_get_label(m.info), KOZO_FAULT_EXCEPTION);
    KT_EQ(kozo_msginfo_get_length(m.info), KOZO_FAULT_EXCEPTION_WORDS);
    KT_EQ(m.mr[0], (uint64_t)kt_ud2);
    KT_EQ(m.mr[3], 6); // #UD
    m.info = kozo_msginfo_make(3, 0, 0, 0);
    m.mr[0] += 2; // ud2 is two bytes; sp and flags stay
    KT_OK(kozo_reply(&m));
    kt_settle();
    KT_EQ(h->res[1], 1);
    KT_EQ(h->res[0], 0x600d);
}

KTEST(fault_without_handler_stops, "A thread without fault handler stops at the faulting instruction")
{
    struct kt_thread *h;
    struct kozo_res_tcb_read_registers r;
    KT_OK(kt_thread_run(reader, env->priority, kt_window_vaddr(), &h));
    kt_settle();
    KT_EQ(kt_thread_state(h->tcb), KOZO_THREAD_INACTIVE);
    KT_EQ(h->res[1], 0);
    KT_OK(kozo_tcb_read_registers(h->tcb, &r));
    KT_EQ(r.ip, (uint64_t)kt_read_at);
}

KTEST(fault_handler_needs_write_right, "A fault endpoint cap without WRITE counts as no handler")
{
    kozo_handle_t ep, ro;
    struct kt_thread *h;
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &ep));
    KT_OK(kt_copy(ep, KOZO_RIGHT_READ | KOZO_RIGHT_GRANT_REPLY, &ro));
    KT_OK(kt_thread_new(reader, env->priority, 0, &h));
    h->arg[0] = kt_window_vaddr();
    KT_OK(kt_thread_fault_ep(h, ro));
    KT_OK(kt_thread_start(h));
    kt_settle();
    KT_EQ(kt_thread_state(h->tcb), KOZO_THREAD_INACTIVE);
    struct kozo_msg m = { 0, 0, { 0 } };
    KT_ERR(kozo_nb_recv(ep, &m), KOZO_ERR_WOULD_BLOCK);
}

KTEST(fault_handler_deleted_while_faulting, "Deleting a faulted thread's handler endpoint leaves it stopped")
{
    kozo_handle_t ep;
    struct kt_thread *h;
    KT_OK(faulter(env, reader, &ep, &h));
    h->arg[0] = kt_window_vaddr();
    KT_OK(kt_thread_start(h));
    kt_settle(); // it faults and blocks sending its fault message: nobody receives
    KT_EQ(kt_thread_state(h->tcb), KOZO_THREAD_BLOCKED_SEND);
    KT_OK(kozo_cnode_revoke(SYS_SLOT_CNODE, ep, KT_DEPTH)); // the badged copy in its TCB too
    KT_OK(kozo_cnode_delete(SYS_SLOT_CNODE, ep, KT_DEPTH));
    kt_settle();
    KT_EQ(h->res[1], 0); // it never ran on past the fault
}

// Fault on arg[0] keeping a value in RAX, then Call arg[1] with label 5.
static void
fault_then_call(struct kt_thread *t)
{
    t->res[0] = kt_read_keep_rax(t->arg[0]);
    struct kozo_msg m = { kozo_msginfo_make(1, 0, 0, 5), 0, { 40, 0, 0, 0 } };
    t->res[1] = kozo_call(t->arg[1], &m);
    t->res[2] = m.info;
    t->res[3] = 1;
}

static void
echo_once(struct kt_thread *t)
{
    struct kozo_msg m = { 0, 0, { 0 } };
    if (kozo_recv(t->arg[0], &m))
        return;
    t->res[0] = m.info;
    m.info = kozo_msginfo_make(1, 0, 0, kozo_msginfo_get_label(m.info) + 1);
    m.mr[0]++;
    kozo_reply(&m);
}

// After its fault handler vanishes, a faulted thread must either stay stopped or go on as
// if nothing happened: its registers intact and its next Call an ordinary message.
static void
check_clean_after_lost_handler(struct kt_thread *h, struct kt_thread *srv)
{
    // Stopped for good, never having returned from the faulting function: fine.
    if (kt_thread_state(h->tcb) == KOZO_THREAD_INACTIVE && h->res[0] == 0 && h->res[3] == 0)
        return;
    KT_EQ(h->res[0], 0x5555);                      // RAX as the thread left it
    KT_EQ(kozo_msginfo_get_label(srv->res[0]), 5); // its Call, not a stale fault message
    KT_EQ(h->res[3], 1);
    KT_OK(h->res[1]);
    KT_EQ(kozo_msginfo_get_label(h->res[2]), 6);
}

static uint64_t
lost_handler_setup(const struct ktest_env *env, kozo_handle_t *ep, struct kt_thread **h,
                   struct kt_thread **srv)
{
    kozo_handle_t ep2, f;
    uint64_t err, va = kt_window_vaddr();
    if ((err = kt_alloc(KOZO_OBJ_ENDPOINT, 0, &ep2)) ||
        (err = kt_thread_run(echo_once, env->priority, ep2, srv)) ||
        (err = faulter(env, fault_then_call, ep, h)))
        return err;
    (*h)->arg[0] = va, (*h)->arg[1] = ep2;
    if ((err = kt_thread_start(*h)))
        return err;
    kt_settle();
    // The page is there now: a retry of the faulting load would succeed.
    if ((err = kt_alloc(KOZO_OBJ_FRAME, 0, &f)) || (err = kt_map(f, va, KT_RW, 0)))
        return err;
    return KOZO_ERR_OK;
}

KTEST(fault_handler_endpoint_deleted, "A thread sending its fault to an endpoint that goes is not corrupted")
{
    kozo_handle_t ep;
    struct kt_thread *h, *srv;
    KT_OK(lost_handler_setup(env, &ep, &h, &srv));
    KT_EQ(kt_thread_state(h->tcb), KOZO_THREAD_BLOCKED_SEND);
    KT_OK(kozo_cnode_revoke(SYS_SLOT_CNODE, ep, KT_DEPTH)); // the badged copies, the TCB's too
    KT_OK(kozo_cnode_delete(SYS_SLOT_CNODE, ep, KT_DEPTH)); // the last cap: the endpoint goes
    kt_settle();
    check_clean_after_lost_handler(h, srv);
}

KTEST(fault_handler_thread_deleted, "A thread whose fault handler dies before replying is not corrupted")
{
    kozo_handle_t ep;
    struct kt_thread *h, *srv, *handler;
    KT_OK(lost_handler_setup(env, &ep, &h, &srv));
    // A handler thread takes the fault message and dies without replying.
    KT_OK(kt_thread_new(kt_recv_and_hold, env->priority, 0, &handler));
    handler->arg[0] = ep, handler->arg[1] = env->ntfn;
    KT_OK(kt_thread_start(handler));
    kt_settle();
    KT_EQ(kt_thread_state(h->tcb), KOZO_THREAD_BLOCKED_REPLY);
    KT_OK(kozo_cnode_delete(SYS_SLOT_CNODE, handler->tcb, KT_DEPTH));
    kt_settle();
    check_clean_after_lost_handler(h, srv);
}
