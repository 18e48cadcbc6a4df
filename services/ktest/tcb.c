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
    KT_ERR(kozo_tcb_configure(t, e, KT_SLOT_VSPACE, 0, 0, 0), KOZO_ERR_WRONG_TYPE);
    KT_ERR(kozo_tcb_configure(t, KT_SLOT_CNODE, e, 0, 0, 0), KOZO_ERR_WRONG_TYPE);
    KT_ERR(kozo_tcb_configure(t, KT_SLOT_CNODE, KT_SLOT_VSPACE, e, 0, 0), KOZO_ERR_WRONG_TYPE);
    KT_ERR(kozo_tcb_configure(t, KT_SLOT_CNODE, KT_SLOT_VSPACE, 0, 0, e), KOZO_ERR_WRONG_TYPE);
    KT_OK(kozo_tcb_configure(t, KT_SLOT_CNODE, KT_SLOT_VSPACE, 0, 0, 0));
}

KTEST(tcb_configure_invalid_handles, "Configure with handles naming empty slots is INVALID_HANDLE")
{
    kozo_handle_t t, empty = kt_slot();
    KT_OK(new_tcb(&t));
    KT_ERR(kozo_tcb_configure(t, empty, KT_SLOT_VSPACE, 0, 0, 0), KOZO_ERR_INVALID_HANDLE);
    KT_ERR(kozo_tcb_configure(t, KT_SLOT_CNODE, empty, 0, 0, 0), KOZO_ERR_INVALID_HANDLE);
    KT_ERR(kozo_tcb_configure(t, KT_SLOT_CNODE, 0, 0, 0, 0), KOZO_ERR_INVALID_HANDLE); // VSpace is required
    KT_ERR(kozo_tcb_configure(t, KT_SLOT_CNODE, KT_SLOT_VSPACE, empty, 0, 0), KOZO_ERR_INVALID_HANDLE);
}

KTEST(tcb_configure_ipc_buffer_alignment, "The IPC buffer must be 8-byte aligned and within one page")
{
    kozo_handle_t t, f;
    KT_OK(new_tcb(&t));
    KT_OK(kt_alloc(KOZO_OBJ_FRAME, 0, &f));
    KT_ERR(kozo_tcb_configure(t, KT_SLOT_CNODE, KT_SLOT_VSPACE, f, 0x10000004, 0), KOZO_ERR_ALIGNMENT);
    KT_ERR(kozo_tcb_configure(t, KT_SLOT_CNODE, KT_SLOT_VSPACE, f, 0x10000000 + KT_PAGE - 8, 0),
           KOZO_ERR_ALIGNMENT);
    KT_OK(kozo_tcb_configure(t, KT_SLOT_CNODE, KT_SLOT_VSPACE, f,
                             0x10000000 + KT_PAGE - sizeof(struct kozo_ipc_buffer), 0));
}

KTEST(tcb_configure_ipc_buffer_range, "An IPC buffer address in the kernel half is RANGE")
{
    kozo_handle_t t, f;
    KT_OK(new_tcb(&t));
    KT_OK(kt_alloc(KOZO_OBJ_FRAME, 0, &f));
    KT_ERR(kozo_tcb_configure(t, KT_SLOT_CNODE, KT_SLOT_VSPACE, f, KOZO_USER_TOP, 0), KOZO_ERR_RANGE);
    KT_ERR(kozo_tcb_configure(t, KT_SLOT_CNODE, KT_SLOT_VSPACE, f, 0xffff800000000000ULL, 0), KOZO_ERR_RANGE);
}

KTEST(tcb_configure_ipc_buffer_read_only, "A read-only frame cannot be an IPC buffer: INSUFFICIENT_RIGHTS")
{
    kozo_handle_t t, f, ro;
    KT_OK(new_tcb(&t));
    KT_OK(kt_alloc(KOZO_OBJ_FRAME, 0, &f));
    KT_OK(kt_copy(f, KOZO_RIGHT_READ, &ro));
    KT_ERR(kozo_tcb_configure(t, KT_SLOT_CNODE, KT_SLOT_VSPACE, ro, 0x10000000, 0),
           KOZO_ERR_INSUFFICIENT_RIGHTS);
}

KTEST(tcb_configure_last_cap_revoke_first, "Replacing a thread's last cap to its CSpace is REVOKE_FIRST")
{
    kozo_handle_t t, c;
    KT_OK(new_tcb(&t));
    KT_OK(kt_alloc(KOZO_OBJ_CNODE, 2, &c));
    KT_OK(kozo_tcb_configure(t, c, KT_SLOT_VSPACE, 0, 0, 0));
    KT_OK(kozo_cnode_delete(KT_SLOT_CNODE, c, KT_DEPTH)); // the TCB's copy is the last one now
    KT_ERR(kozo_tcb_configure(t, KT_SLOT_CNODE, KT_SLOT_VSPACE, 0, 0, 0), KOZO_ERR_REVOKE_FIRST);
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
    KT_EQ(r.rip, 0x401234);
    KT_EQ(r.rsp, 0x7f000ff8);
    KT_EQ(r.rflags & 0x200, 0x200); // interrupts stay on
    KT_EQ(r.rflags & ~0xdd7ULL & ~0x200ULL, 0); // IOPL, NT, VM, AC... never reach user mode (TF may)
}

KTEST(tcb_registers_of_self_refused, "A thread cannot set or read its own registers: ILLEGAL_OPERATION")
{
    struct kozo_res_tcb_read_registers r;
    KT_ERR(kozo_tcb_set_registers(KT_SLOT_TCB, 0x400000, 0x7f000000, 0, 0, 0, 0), KOZO_ERR_ILLEGAL_OPERATION);
    KT_ERR(kozo_tcb_read_registers(KT_SLOT_TCB, &r), KOZO_ERR_ILLEGAL_OPERATION);
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
    KT_OK(kozo_cnode_delete(KT_SLOT_CNODE, h->tcb, KT_DEPTH));
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
    KT_ERR(kozo_tcb_set_priority(KT_SLOT_TCB, env->priority + 1), KOZO_ERR_INSUFFICIENT_RIGHTS);
    KT_OK(kozo_tcb_info(KT_SLOT_TCB, &i));
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
