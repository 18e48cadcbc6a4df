// SPDX-License-Identifier: MIT OR Apache-2.0
//
// IPC partners that go away: a server taking a second call without answering the first,
// a server deleted (or deleting itself) while it owes a reply, and endpoints deleted under
// their waiting senders and receivers. Every blocked party wakes with ABORTED.
#include "ktest.h"

// Receive a call, then delete our own TCB while the caller waits for the reply.
static void
recv_and_die(struct kt_thread *t)
{
    struct kozo_msg m = { 0, 0, { 0 } };
    kozo_recv(t->arg[0], &m);
    kozo_cnode_delete(SYS_SLOT_CNODE, t->tcb, KT_DEPTH);
}

KTEST(ipc_unanswered_call_aborted, "A server taking a second call without replying aborts the first caller")
{
    kozo_handle_t ep;
    struct kt_thread *c1, *c2;
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &ep));
    KT_OK(kt_thread_run(kt_call_once, env->priority, ep, &c1));
    kt_settle();
    KT_OK(kt_thread_run(kt_call_once, env->priority, ep, &c2));
    kt_settle();
    struct kozo_msg m = { 0, 0, { 0 } };
    KT_OK(kozo_recv(ep, &m)); // c1's call
    KT_OK(kozo_recv(ep, &m)); // c2's: c1 loses its reply
    KT_OK(kozo_reply(&m));
    kt_settle();
    KT_ERR(c1->res[0], KOZO_ERR_ABORTED);
    KT_OK(c2->res[0]);
}

KTEST(ipc_server_deleted_aborts_caller, "Deleting a server that owes a reply wakes the caller with ABORTED")
{
    kozo_handle_t ep, n;
    struct kt_thread *s, *c;
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &ep));
    KT_OK(kt_alloc(KOZO_OBJ_NOTIFICATION, 0, &n));
    KT_OK(kt_thread_new(kt_recv_and_hold, env->priority, 0, &s));
    s->arg[0] = ep, s->arg[1] = n;
    KT_OK(kt_thread_start(s));
    KT_OK(kt_thread_run(kt_call_once, env->priority, ep, &c));
    kt_settle();
    KT_EQ(kt_thread_state(c->tcb), KOZO_THREAD_BLOCKED_REPLY);
    KT_OK(kozo_cnode_delete(SYS_SLOT_CNODE, s->tcb, KT_DEPTH));
    kt_settle();
    KT_ERR(c->res[0], KOZO_ERR_ABORTED);
}

KTEST(ipc_server_deletes_itself, "A server deleting its own TCB mid-call aborts our Call")
{
    kozo_handle_t ep;
    struct kt_thread *s;
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &ep));
    KT_OK(kt_thread_run(recv_and_die, env->priority, ep, &s));
    struct kozo_msg m = { 0, 0, { 0 } };
    KT_ERR(kozo_call(ep, &m), KOZO_ERR_ABORTED);
}

KTEST(ipc_endpoint_deleted_aborts_waiters, "Deleting an endpoint wakes its receiver and sender with ABORTED")
{
    kozo_handle_t e1, e2;
    struct kt_thread *r, *s;
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &e1));
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &e2));
    KT_OK(kt_thread_run(kt_recv_once, env->priority, e1, &r));
    KT_OK(kt_thread_new(kt_send_once, env->priority, 0, &s));
    s->arg[0] = e2;
    KT_OK(kt_thread_start(s));
    kt_settle();
    KT_OK(kozo_cnode_delete(SYS_SLOT_CNODE, e1, KT_DEPTH));
    KT_OK(kozo_cnode_delete(SYS_SLOT_CNODE, e2, KT_DEPTH));
    kt_settle();
    KT_ERR(r->res[0], KOZO_ERR_ABORTED);
    KT_ERR(s->res[0], KOZO_ERR_ABORTED);
}
