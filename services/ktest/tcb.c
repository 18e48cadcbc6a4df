// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Thread control blocks: Configure's checks, registers, Resume/Suspend, Info's states,
// SetPriority's limits, and what deleting or suspending a thread does to it.
#include "ktest.h"

static uint64_t
new_tcb(kozo_handle_t *t)
{
    return kt_alloc(KOZO_OBJ_TCB, 0, t);
}

KTEST(tcb_configure_wrong_types, "Each Configure argument must name its own type: WRONG_TYPE")
{
    kozo_handle_t t, e;
    KT_OK(new_tcb(&t));
    KT_OK(kt_alloc(KOZO_OBJ_NOTIFICATION, 0, &e));
    KT_ERR(kozo_tcb_configure(t, e, SYS_SLOT_VSPACE, 0, 0, 0), KOZO_ERR_WRONG_TYPE);
    KT_ERR(kozo_tcb_configure(t, SYS_SLOT_CNODE, e, 0, 0, 0), KOZO_ERR_WRONG_TYPE);
    KT_ERR(kozo_tcb_configure(t, SYS_SLOT_CNODE, SYS_SLOT_VSPACE, e, 0, 0), KOZO_ERR_WRONG_TYPE);
    KT_ERR(kozo_tcb_configure(t, SYS_SLOT_CNODE, SYS_SLOT_VSPACE, 0, 0, e), KOZO_ERR_WRONG_TYPE);
    KT_OK(kozo_tcb_configure(t, SYS_SLOT_CNODE, SYS_SLOT_VSPACE, 0, 0, 0));
}

KTEST(tcb_configure_invalid_handles, "Configure with handles naming empty slots is INVALID_HANDLE")
{
    kozo_handle_t t, empty = kt_slot();
    KT_OK(new_tcb(&t));
    KT_ERR(kozo_tcb_configure(t, empty, SYS_SLOT_VSPACE, 0, 0, 0), KOZO_ERR_INVALID_HANDLE);
    KT_ERR(kozo_tcb_configure(t, SYS_SLOT_CNODE, empty, 0, 0, 0), KOZO_ERR_INVALID_HANDLE);
    KT_ERR(kozo_tcb_configure(t, SYS_SLOT_CNODE, 0, 0, 0, 0), KOZO_ERR_INVALID_HANDLE); // VSpace is required
    KT_ERR(kozo_tcb_configure(t, SYS_SLOT_CNODE, SYS_SLOT_VSPACE, empty, 0, 0), KOZO_ERR_INVALID_HANDLE);
}

KTEST(tcb_configure_ipc_buffer_alignment, "The IPC buffer must be 8-byte aligned and within one page")
{
    kozo_handle_t t, f;
    KT_OK(new_tcb(&t));
    KT_OK(kt_alloc(KOZO_OBJ_FRAME, 0, &f));
    KT_ERR(kozo_tcb_configure(t, SYS_SLOT_CNODE, SYS_SLOT_VSPACE, f, 0x10000004, 0), KOZO_ERR_ALIGNMENT);
    KT_ERR(kozo_tcb_configure(t, SYS_SLOT_CNODE, SYS_SLOT_VSPACE, f, 0x10000000 + KT_PAGE - 8, 0),
           KOZO_ERR_ALIGNMENT);
    KT_OK(kozo_tcb_configure(t, SYS_SLOT_CNODE, SYS_SLOT_VSPACE, f,
                             0x10000000 + KT_PAGE - sizeof(struct kozo_ipc_buffer), 0));
}

KTEST(tcb_configure_ipc_buffer_range, "An IPC buffer address in the kernel half is RANGE")
{
    kozo_handle_t t, f;
    KT_OK(new_tcb(&t));
    KT_OK(kt_alloc(KOZO_OBJ_FRAME, 0, &f));
    KT_ERR(kozo_tcb_configure(t, SYS_SLOT_CNODE, SYS_SLOT_VSPACE, f, KOZO_USER_TOP, 0), KOZO_ERR_RANGE);
    KT_ERR(kozo_tcb_configure(t, SYS_SLOT_CNODE, SYS_SLOT_VSPACE, f, 0xffff800000000000ULL, 0),
           KOZO_ERR_RANGE);
}

KTEST(tcb_configure_ipc_buffer_read_only, "A read-only frame cannot be an IPC buffer: INSUFFICIENT_RIGHTS")
{
    kozo_handle_t t, f, ro;
    KT_OK(new_tcb(&t));
    KT_OK(kt_alloc(KOZO_OBJ_FRAME, 0, &f));
    KT_OK(kt_copy(f, KOZO_RIGHT_READ, &ro));
    KT_ERR(kozo_tcb_configure(t, SYS_SLOT_CNODE, SYS_SLOT_VSPACE, ro, 0x10000000, 0),
           KOZO_ERR_INSUFFICIENT_RIGHTS);
}

KTEST(tcb_configure_last_cap_revoke_first, "Replacing a thread's last cap to its CSpace is REVOKE_FIRST")
{
    kozo_handle_t t, c;
    KT_OK(new_tcb(&t));
    KT_OK(kt_alloc(KOZO_OBJ_CNODE, 2, &c));
    KT_OK(kozo_tcb_configure(t, c, SYS_SLOT_VSPACE, 0, 0, 0));
    KT_OK(kozo_cnode_delete(SYS_SLOT_CNODE, c, KT_DEPTH)); // the TCB's copy is the last one now
    KT_ERR(kozo_tcb_configure(t, SYS_SLOT_CNODE, SYS_SLOT_VSPACE, 0, 0, 0), KOZO_ERR_REVOKE_FIRST);
}

KTEST(tcb_set_registers_range, "SetRegisters refuses kernel-half instruction and stack pointers: RANGE")
{
    kozo_handle_t t;
    KT_OK(new_tcb(&t));
    KT_ERR(kozo_tcb_set_registers(t, KOZO_USER_TOP, 0x1000, 0, 0, 0, 0), KOZO_ERR_RANGE);
    KT_ERR(kozo_tcb_set_registers(t, 0x400000, KOZO_USER_TOP + 8, 0, 0, 0, 0), KOZO_ERR_RANGE);
    KT_ERR(kozo_tcb_set_registers(t, ~0ULL, 0x1000, 0, 0, 0, 0), KOZO_ERR_RANGE);
    KT_OK(kozo_tcb_set_registers(t, KOZO_USER_TOP - 1, KOZO_USER_TOP, 0, 0, 0, 0));
}

KTEST(tcb_registers_roundtrip, "ReadRegisters returns what SetRegisters set; RFLAGS keeps only user flags")
{
    kozo_handle_t t;
    struct kozo_res_tcb_read_registers r;
    KT_OK(new_tcb(&t));
    KT_OK(kozo_tcb_set_registers(t, 0x401234, 0x7f000ff8, ~0ULL, 1, 2, 3));
    KT_OK(kozo_tcb_read_registers(t, &r));
    KT_EQ(r.ip, 0x401234);
    KT_EQ(r.sp, 0x7f000ff8);
    KT_EQ(r.flags & 0x200, 0x200);             // interrupts stay on
    KT_EQ(r.flags & ~0xdd7ULL & ~0x200ULL, 0); // IOPL, NT, VM, AC... never reach user mode (TF may)
}

KTEST(tcb_registers_of_self_refused, "A thread cannot set or read its own registers: ILLEGAL_OPERATION")
{
    struct kozo_res_tcb_read_registers r;
    KT_ERR(kozo_tcb_set_registers(SYS_SLOT_TCB, 0x400000, 0x7f000000, 0, 0, 0, 0),
           KOZO_ERR_ILLEGAL_OPERATION);
    KT_ERR(kozo_tcb_read_registers(SYS_SLOT_TCB, &r), KOZO_ERR_ILLEGAL_OPERATION);
}

KTEST(tcb_resume_unconfigured, "Resuming a thread without CSpace and VSpace is ILLEGAL_OPERATION")
{
    kozo_handle_t t;
    KT_OK(new_tcb(&t));
    KT_ERR(kozo_tcb_resume(t), KOZO_ERR_ILLEGAL_OPERATION);
    KT_EQ(kt_thread_state(t), KOZO_THREAD_INACTIVE);
}

KTEST(tcb_info_states, "Info reports inactive, runnable and each blocked state")
{
    kozo_handle_t ep, srv_ep, n;
    struct kt_thread *r, *s, *c, *h, *w;
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &ep));
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &srv_ep));
    KT_OK(kt_alloc(KOZO_OBJ_NOTIFICATION, 0, &n));
    KT_OK(kt_thread_new(kt_recv_once, env->priority, 0, &r));
    KT_EQ(kt_thread_state(r->tcb), KOZO_THREAD_INACTIVE);
    r->arg[0] = ep;
    KT_OK(kt_thread_start(r));
    KT_EQ(kt_thread_state(r->tcb), KOZO_THREAD_RUNNABLE); // not run yet
    KT_OK(kt_thread_run(kt_wait_once, env->priority, n, &w));
    KT_OK(kt_thread_new(kt_recv_and_hold, env->priority, 0, &h));
    h->arg[0] = srv_ep, h->arg[1] = n;
    KT_OK(kt_thread_start(h));
    KT_OK(kt_thread_new(kt_call_once, env->priority, 0, &c));
    c->arg[0] = srv_ep;
    KT_OK(kt_thread_start(c));
    kt_settle();
    KT_EQ(kt_thread_state(r->tcb), KOZO_THREAD_BLOCKED_RECV);
    KT_EQ(kt_thread_state(w->tcb), KOZO_THREAD_BLOCKED_NTFN);
    KT_EQ(kt_thread_state(c->tcb), KOZO_THREAD_BLOCKED_REPLY);
    KT_EQ(kt_thread_state(h->tcb), KOZO_THREAD_BLOCKED_NTFN);
    KT_OK(kt_thread_new(kt_send_once, env->priority, 0, &s));
    s->arg[0] = srv_ep, s->arg[2] = 1;
    KT_OK(kt_thread_start(s));
    kt_settle();
    KT_EQ(kt_thread_state(s->tcb), KOZO_THREAD_BLOCKED_SEND);
}

KTEST(tcb_suspend_stops_and_resume_continues, "A suspended thread does not run; resumed, it goes on")
{
    kozo_handle_t n2;
    struct kt_thread *h, *w;
    KT_OK(kt_alloc(KOZO_OBJ_NOTIFICATION, 0, &n2));
    KT_OK(kt_thread_new(kt_count_and_signal, 100, 0, &h));
    h->arg[0] = env->ntfn;
    KT_OK(kt_thread_new(kt_signal_once, 100, 0, &w));
    w->arg[0] = n2;
    KT_OK(kt_thread_start(h));
    kt_wait(); // h counted once and signalled; we outrank it, so it stopped right there
    KT_EQ(h->res[0], 1);
    KT_OK(kozo_tcb_suspend(h->tcb));
    KT_EQ(kt_thread_state(h->tcb), KOZO_THREAD_INACTIVE);
    KT_OK(kt_thread_start(w)); // same priority as h: h would run first if it could
    KT_OK(kozo_wait(n2, NULL));
    KT_EQ(h->res[0], 1);
    KT_OK(kozo_tcb_resume(h->tcb));
    kt_wait();
    KT_EQ(h->res[0], 2);
}

KTEST(tcb_resume_twice_is_harmless, "Resuming a running thread changes nothing")
{
    struct kt_thread *h;
    KT_OK(kt_thread_new(kt_count_and_signal, 100, 0, &h));
    h->arg[0] = env->ntfn;
    KT_OK(kt_thread_start(h));
    KT_OK(kt_thread_start(h));
    kt_wait();
    KT_EQ(h->res[0], 1);
    KT_EQ(kt_thread_state(h->tcb), KOZO_THREAD_RUNNABLE);
}

KTEST(tcb_suspend_self, "A helper that suspends itself is inactive afterwards")
{
    struct kt_thread *h;
    KT_OK(kt_thread_run(kt_signal_once, env->priority, env->ntfn, &h));
    kt_wait();
    kt_settle();
    KT_EQ(h->done, 1);
    KT_EQ(kt_thread_state(h->tcb), KOZO_THREAD_INACTIVE);
}

KTEST(tcb_delete_stops_thread, "Deleting a running thread's last cap stops it for good")
{
    kozo_handle_t n2;
    struct kt_thread *h, *w;
    KT_OK(kt_alloc(KOZO_OBJ_NOTIFICATION, 0, &n2));
    KT_OK(kt_thread_new(kt_count_and_signal, 100, 0, &h));
    h->arg[0] = env->ntfn;
    KT_OK(kt_thread_new(kt_signal_once, 100, 0, &w));
    w->arg[0] = n2;
    KT_OK(kt_thread_start(h));
    kt_wait();
    KT_OK(kozo_cnode_delete(SYS_SLOT_CNODE, h->tcb, KT_DEPTH));
    KT_OK(kt_thread_start(w));
    KT_OK(kozo_wait(n2, NULL));
    KT_EQ(h->res[0], 1);
}

KTEST(tcb_suspend_blocked_receiver_leaves_queue, "Suspending a blocked receiver takes it off the endpoint")
{
    kozo_handle_t ep;
    struct kt_thread *r;
    struct kozo_msg m = { 0, 0, { 0 } };
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &ep));
    KT_OK(kt_thread_new(kt_recv_once, env->priority, 0, &r));
    r->arg[0] = ep;
    KT_OK(kt_thread_start(r));
    kt_settle();
    KT_EQ(kt_thread_state(r->tcb), KOZO_THREAD_BLOCKED_RECV);
    KT_OK(kozo_tcb_suspend(r->tcb));
    KT_ERR(kozo_nb_send(ep, &m), KOZO_ERR_WOULD_BLOCK);
}

KTEST(tcb_resume_after_suspend_in_recv, "A receiver suspended and resumed receives again or sees an error")
{
    kozo_handle_t ep;
    struct kt_thread *r;
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &ep));
    KT_OK(kt_thread_new(kt_recv_once, env->priority, 0, &r));
    r->arg[0] = ep;
    r->res[0] = ~0ULL;
    KT_OK(kt_thread_start(r));
    kt_settle();
    KT_OK(kozo_tcb_suspend(r->tcb));
    KT_OK(kozo_tcb_resume(r->tcb));
    kt_settle();
    // Either the Recv is restarted (seL4) or it fails with a real error; never a bogus code.
    if (kt_thread_state(r->tcb) != KOZO_THREAD_BLOCKED_RECV)
        KT_ERR(r->res[0], KOZO_ERR_ABORTED);
}

KTEST(tcb_set_priority_limits, "SetPriority: at most the caller's (INSUFFICIENT_RIGHTS), at most 255 (RANGE)")
{
    kozo_handle_t t;
    struct kozo_res_tcb_info i;
    KT_OK(new_tcb(&t));
    KT_ERR(kozo_tcb_set_priority(t, env->priority + 1), KOZO_ERR_INSUFFICIENT_RIGHTS);
    KT_ERR(kozo_tcb_set_priority(t, 256), KOZO_ERR_RANGE);
    KT_ERR(kozo_tcb_set_priority(t, ~0ULL), KOZO_ERR_RANGE);
    KT_OK(kozo_tcb_set_priority(t, env->priority));
    KT_OK(kozo_tcb_info(t, &i));
    KT_EQ(i.priority, env->priority);
    KT_OK(kozo_tcb_set_priority(t, 0));
    KT_OK(kozo_tcb_info(t, &i));
    KT_EQ(i.priority, 0);
}

KTEST(tcb_own_priority_cannot_rise, "A thread may lower others but not raise itself above its priority")
{
    struct kozo_res_tcb_info i;
    KT_ERR(kozo_tcb_set_priority(SYS_SLOT_TCB, env->priority + 1), KOZO_ERR_INSUFFICIENT_RIGHTS);
    KT_OK(kozo_tcb_info(SYS_SLOT_TCB, &i));
    KT_EQ(i.priority, env->priority);
    KT_EQ(i.state, KOZO_THREAD_RUNNABLE);
}

KTEST(tcb_unknown_label, "An unknown label on a TCB is ILLEGAL_OPERATION")
{
    kozo_handle_t t;
    KT_OK(new_tcb(&t));
    KT_ERR(kt_label(t, KOZO_INV_TCB_SET_TLS_BASE + 1), KOZO_ERR_ILLEGAL_OPERATION); // past the last
    KT_ERR(kt_label(t, KOZO_INV_UNTYPED_RETYPE), KOZO_ERR_ILLEGAL_OPERATION);
}

// --- Registers of a thread in the middle of a system call (issue 10, defect 4) -------------

// Where SetRegisters points a helper: kt_landing enters landing(t, a, b) with the three
// argument registers as set. The two bytes before kt_landing are ud2, so a thread resumed
// two bytes early (a system-call restart applied to registers it never made a call with)
// takes a CPU exception there and stops instead of landing.
void kt_landing(void);
void kt_tcb_landing(struct kt_thread *t, uint64_t a, uint64_t b);
__asm__(".pushsection .text\n"
        "    .balign 16\n"
        "    ud2\n"
        ".globl kt_landing\n"
        "kt_landing:\n"
        "    jmp kt_tcb_landing\n"
        ".popsection\n");

void
kt_tcb_landing(struct kt_thread *t, uint64_t a, uint64_t b)
{
    t->res[4] = a;
    t->res[5] = b;
    t->res[6] = 1;
    kozo_tcb_suspend(t->tcb);
    for (;;)
        kozo_yield(); // not reached
}

#define LAND_A 0x1a4d
#define LAND_B 0x2b5e

static uint64_t
set_landing(const struct kt_thread *h)
{
    return kozo_tcb_set_registers(h->tcb, (uint64_t)kt_landing, h->stack_top, 0, (uint64_t)h, LAND_A, LAND_B);
}

// The registers, IPC buffer and CSpace of a thread blocked in a system call belong to that
// call: SetRegisters, ReadRegisters and Configure are refused and it stays blocked as it was.
static void
check_untouchable(struct kt_thread *h, uint64_t state)
{
    struct kozo_res_tcb_read_registers r;
    KT_EQ(kt_thread_state(h->tcb), state);
    KT_ERR(set_landing(h), KOZO_ERR_ILLEGAL_OPERATION);
    KT_ERR(kozo_tcb_read_registers(h->tcb, &r), KOZO_ERR_ILLEGAL_OPERATION);
    KT_ERR(kozo_tcb_configure(h->tcb, SYS_SLOT_CNODE, SYS_SLOT_VSPACE, h->ipc_frame, (uint64_t)h->ipc, 0),
           KOZO_ERR_ILLEGAL_OPERATION);
    KT_EQ(kt_thread_state(h->tcb), state);
    KT_EQ(h->res[6], 0);
}

KTEST(tcb_blocked_recv_registers_refused,
      "Blocked in Recv: Set/ReadRegisters and Configure are refused; the message then arrives as made")
{
    kozo_handle_t ep;
    struct kt_thread *h;
    struct kozo_msg m = { kozo_msginfo_make(1, 0, 0, 0), 0, { 0x77 } };
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &ep));
    KT_OK(kt_thread_new(kt_recv_once, env->priority, 0, &h));
    h->arg[0] = ep;
    KT_OK(kt_thread_start(h));
    kt_settle();
    check_untouchable(h, KOZO_THREAD_BLOCKED_RECV);
    if (ktest_failed())
        return;
    KT_OK(kozo_nb_send(ep, &m));
    kt_settle();
    KT_OK(h->res[0]);
    KT_EQ(h->res[1], 0x77);
    KT_EQ(h->done, 1);
}

KTEST(tcb_blocked_send_registers_refused,
      "A thread blocked in Send: Set/ReadRegisters and Configure are refused; its message arrives intact")
{
    kozo_handle_t ep;
    struct kt_thread *h;
    struct kozo_msg m = { 0, 0, { 0 } };
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &ep));
    KT_OK(kt_thread_new(kt_send_once, env->priority, 0, &h));
    h->arg[0] = ep, h->arg[1] = 0x55, h->arg[2] = 1;
    KT_OK(kt_thread_start(h));
    kt_settle();
    check_untouchable(h, KOZO_THREAD_BLOCKED_SEND);
    if (ktest_failed())
        return;
    KT_OK(kozo_nb_recv(ep, &m));
    KT_EQ(kozo_msginfo_get_length(m.info), 1);
    KT_EQ(m.mr[0], 0x55);
    kt_settle();
    KT_OK(h->res[0]);
    KT_EQ(h->done, 1);
}

KTEST(tcb_blocked_reply_registers_refused,
      "A Call waiting for its reply: Set/ReadRegisters and Configure are refused; the reply then arrives")
{
    kozo_handle_t ep;
    struct kt_thread *h;
    struct kozo_msg m = { 0, 0, { 0 } };
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &ep));
    KT_OK(kt_thread_new(kt_call_once, env->priority, 0, &h));
    h->arg[0] = ep;
    h->res[0] = ~0ULL;
    KT_OK(kt_thread_start(h));
    kt_settle();
    KT_OK(kozo_recv(ep, &m)); // we are its server now
    check_untouchable(h, KOZO_THREAD_BLOCKED_REPLY);
    if (ktest_failed())
        return;
    m.info = kozo_msginfo_make(0, 0, 0, 0);
    KT_OK(kozo_reply(&m));
    kt_settle();
    KT_OK(h->res[0]);
    KT_EQ(h->done, 1);
}

KTEST(tcb_blocked_ntfn_registers_refused,
      "Waiting on a notification: Set/ReadRegisters and Configure are refused; a signal then wakes it")
{
    kozo_handle_t n, badged;
    struct kt_thread *h;
    KT_OK(kt_alloc(KOZO_OBJ_NOTIFICATION, 0, &n));
    KT_OK(kt_mint(n, KOZO_RIGHTS_ALL, 0x30, &badged));
    KT_OK(kt_thread_new(kt_wait_once, env->priority, 0, &h));
    h->arg[0] = n;
    KT_OK(kt_thread_start(h));
    kt_settle();
    check_untouchable(h, KOZO_THREAD_BLOCKED_NTFN);
    if (ktest_failed())
        return;
    KT_OK(kozo_signal(badged));
    kt_settle();
    KT_OK(h->res[0]);
    KT_EQ(h->res[1], 0x30);
    KT_EQ(h->done, 1);
}

// The sequence of the report: SetRegisters on a receiver, Suspend, Resume. The write is
// refused, so Suspend restarts the Recv the thread really made, and it receives.
KTEST(tcb_blocked_set_registers_then_suspend_resume,
      "SetRegisters on a blocked receiver is refused; Suspend and Resume then make its own Recv again")
{
    kozo_handle_t ep;
    struct kt_thread *h;
    struct kozo_msg m = { kozo_msginfo_make(1, 0, 0, 0), 0, { 0x99 } };
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &ep));
    KT_OK(kt_thread_new(kt_recv_once, env->priority, 0, &h));
    h->arg[0] = ep;
    KT_OK(kt_thread_start(h));
    kt_settle();
    KT_ERR(set_landing(h), KOZO_ERR_ILLEGAL_OPERATION);
    KT_OK(kozo_tcb_suspend(h->tcb));
    KT_OK(kozo_tcb_resume(h->tcb));
    kt_settle();
    KT_EQ(kt_thread_state(h->tcb), KOZO_THREAD_BLOCKED_RECV);
    KT_EQ(h->res[6], 0);
    KT_OK(kozo_nb_send(ep, &m));
    kt_settle();
    KT_OK(h->res[0]);
    KT_EQ(h->res[1], 0x99);
}

// Each way of blocking: 0 Recv, 1 Send, 2 Call (then waiting for the reply), 3 Wait.
static void
block_helper(struct kt_thread **h, unsigned kind, kozo_handle_t ep, kozo_handle_t n, uint8_t priority)
{
    static void (*const fns[])(struct kt_thread *) = { kt_recv_once, kt_send_once, kt_call_once,
                                                       kt_wait_once };
    struct kozo_msg m = { 0, 0, { 0 } };
    KT_OK(kt_thread_new(fns[kind], priority, 0, h));
    (*h)->arg[0] = kind == 3 ? n : ep;
    (*h)->arg[1] = 0x55, (*h)->arg[2] = 1;
    KT_OK(kt_thread_start(*h));
    kt_settle();
    if (kind == 2)
        KT_OK(kozo_recv(ep, &m)); // take the Call: it waits for our reply
}

// What the other side of each kind of block does after the thread was suspended and given
// new registers: none of it may reach the thread.
static void
partner_acts(unsigned kind, kozo_handle_t ep, kozo_handle_t n)
{
    struct kozo_msg m = { kozo_msginfo_make(1, 0, 0, 0), 0, { 0xee } };
    switch (kind) {
    case 0: KT_ERR(kozo_nb_send(ep, &m), KOZO_ERR_WOULD_BLOCK); break;
    case 1: KT_ERR(kozo_nb_recv(ep, &m), KOZO_ERR_WOULD_BLOCK); break;
    case 2: KT_OK(kozo_reply(&m)); break; // there is nobody to reply to any more
    default: KT_OK(kozo_signal(n)); break;
    }
}

KTEST(tcb_suspend_set_registers_resume_exact,
      "Blocked, suspended, given registers: it resumes exactly there, and later IPC does not touch them")
{
    kozo_handle_t ep, n;
    struct kt_thread *h;
    struct kozo_res_tcb_read_registers r;
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &ep));
    KT_OK(kt_alloc(KOZO_OBJ_NOTIFICATION, 0, &n));
    for (unsigned kind = 0; kind < 4; kind++) {
        block_helper(&h, kind, ep, n, env->priority);
        if (ktest_failed())
            return;
        KT_NE(kt_thread_state(h->tcb), KOZO_THREAD_RUNNABLE);
        KT_OK(kozo_tcb_suspend(h->tcb));
        KT_OK(set_landing(h));
        partner_acts(kind, ep, n);
        if (ktest_failed())
            return;
        KT_OK(kozo_tcb_read_registers(h->tcb, &r));
        KT_EQ(r.ip, (uint64_t)kt_landing);
        KT_EQ(r.sp, h->stack_top);
        KT_OK(kozo_tcb_suspend(h->tcb)); // a second Suspend changes nothing either
        KT_OK(kozo_tcb_resume(h->tcb));
        kt_settle();
        KT_EQ(h->res[6], 1); // landed at kt_landing, not two bytes before it
        KT_EQ(h->res[4], LAND_A);
        KT_EQ(h->res[5], LAND_B);
        KT_EQ(kt_thread_state(h->tcb), KOZO_THREAD_INACTIVE);
        if (kind == 3)
            KT_OK(kozo_nb_recv(n, &(struct kozo_msg){ 0, 0, { 0 } })); // the signal stayed pending
    }
}
