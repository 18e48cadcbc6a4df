// SPDX-License-Identifier: MIT OR Apache-2.0
//
// test_ipc.c: IPC through syscall_dispatch: calls, long messages, queues, cap transfer, faults, notifications
// (host unit tests of the kernel core; tests/host/test_kernel.c runs them).
#include "kernel_tests.h"

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

const struct ktest kt_ipc_tests[] = {
    T(test_ipc_call_reply_direct_switch),
    T(test_ipc_long_message),
    T(test_ipc_send_before_recv),
    T(test_ipc_nonblocking),
    T(test_ipc_server_gone_aborts_caller),
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
    { NULL, NULL },
};
