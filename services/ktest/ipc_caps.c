// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Capability transfer: caps sent with a message (sender's cap has GRANT) are copied into
// the receiver's receive slot; a cap to the receiving endpoint arrives as its badge
// ("unwrapped"); without GRANT, or with the receive slot taken, no cap moves.
#include "ktest.h"

// Receive with a receive slot for one capability (arg[1]).
static void
recv_cap(struct kt_thread *t)
{
    struct kozo_msg m = { 0, 0, { 0 } };
    t->ipc->receive_cnode = KT_SLOT_CNODE;
    t->ipc->receive_index = t->arg[1];
    t->ipc->receive_depth = KT_DEPTH;
    t->res[0] = kozo_recv(t->arg[0], &m);
    t->res[1] = m.badge, t->res[2] = m.info, t->res[3] = t->ipc->badges[0];
}

KTEST(ipc_cap_transfer_with_grant, "A cap sent through a GRANT cap lands in the receiver's receive slot")
{
    kozo_handle_t ep, n, dest = kt_slot();
    struct kt_thread *r;
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &ep));
    KT_OK(kt_alloc(KOZO_OBJ_NOTIFICATION, 0, &n));
    KT_OK(kt_thread_new(recv_cap, env->priority, 0, &r));
    r->arg[0] = ep, r->arg[1] = dest;
    KT_OK(kt_thread_start(r));
    kt_settle();
    kozo_ipc_buffer()->caps[0] = n;
    struct kozo_msg m = { kozo_msginfo_make(0, 1, 0, 0), 0, { 0 } };
    KT_OK(kozo_send(ep, &m));
    kt_settle();
    KT_OK(r->res[0]);
    KT_EQ(kozo_msginfo_get_extra_caps(r->res[2]), 1);
    KT_EQ(kt_type(dest), KOZO_OBJ_NOTIFICATION);
    KT_EQ(kt_type(n), KOZO_OBJ_NOTIFICATION); // copied, not moved
}

KTEST(ipc_cap_transfer_needs_grant, "Without GRANT on the sender's cap no cap travels")
{
    kozo_handle_t ep, w, n, dest = kt_slot();
    struct kt_thread *r;
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &ep));
    KT_OK(kt_copy(ep, KOZO_RIGHT_WRITE, &w));
    KT_OK(kt_alloc(KOZO_OBJ_NOTIFICATION, 0, &n));
    KT_OK(kt_thread_new(recv_cap, env->priority, 0, &r));
    r->arg[0] = ep, r->arg[1] = dest;
    KT_OK(kt_thread_start(r));
    kt_settle();
    kozo_ipc_buffer()->caps[0] = n;
    struct kozo_msg m = { kozo_msginfo_make(0, 1, 0, 0), 0, { 0 } };
    KT_OK(kozo_send(w, &m));
    kt_settle();
    KT_EQ(kozo_msginfo_get_extra_caps(r->res[2]), 0);
    KT_EQ(kt_type(dest), KOZO_OBJ_NULL);
}

KTEST(ipc_cap_transfer_unwraps_own_endpoint, "A cap to the receiving endpoint arrives as its badge")
{
    kozo_handle_t ep, b, dest = kt_slot();
    struct kt_thread *r;
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &ep));
    KT_OK(kt_mint(ep, KOZO_RIGHTS_ALL, 0x55, &b));
    KT_OK(kt_thread_new(recv_cap, env->priority, 0, &r));
    r->arg[0] = ep, r->arg[1] = dest;
    KT_OK(kt_thread_start(r));
    kt_settle();
    kozo_ipc_buffer()->caps[0] = b;
    struct kozo_msg m = { kozo_msginfo_make(0, 1, 0, 0), 0, { 0 } };
    KT_OK(kozo_send(ep, &m));
    kt_settle();
    KT_EQ(kozo_msginfo_get_extra_caps(r->res[2]), 1);
    KT_EQ(kozo_msginfo_get_unwrapped(r->res[2]), 1);
    KT_EQ(r->res[3], 0x55);
    KT_EQ(kt_type(dest), KOZO_OBJ_NULL);
}

KTEST(ipc_cap_transfer_occupied_slot, "An occupied receive slot takes no cap; the words still arrive")
{
    kozo_handle_t ep, n, dest;
    struct kt_thread *r;
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &ep));
    KT_OK(kt_alloc(KOZO_OBJ_NOTIFICATION, 0, &n));
    KT_OK(kt_alloc(KOZO_OBJ_TCB, 0, &dest));
    KT_OK(kt_thread_new(recv_cap, env->priority, 0, &r));
    r->arg[0] = ep, r->arg[1] = dest;
    KT_OK(kt_thread_start(r));
    kt_settle();
    kozo_ipc_buffer()->caps[0] = n;
    struct kozo_msg m = { kozo_msginfo_make(1, 1, 0, 0), 0, { 31, 0, 0, 0 } };
    KT_OK(kozo_send(ep, &m));
    kt_settle();
    KT_OK(r->res[0]);
    KT_EQ(kozo_msginfo_get_extra_caps(r->res[2]), 0);
    KT_EQ(kozo_msginfo_get_length(r->res[2]), 1);
    KT_EQ(kt_type(dest), KOZO_OBJ_TCB);
}

KTEST(ipc_cap_transfer_one_receive_slot, "Two caps, one receive slot: the first arrives, transfer stops there")
{
    kozo_handle_t ep, n1, n2, dest = kt_slot();
    struct kt_thread *r;
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &ep));
    KT_OK(kt_alloc(KOZO_OBJ_NOTIFICATION, 0, &n1));
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &n2));
    KT_OK(kt_thread_new(recv_cap, env->priority, 0, &r));
    r->arg[0] = ep, r->arg[1] = dest;
    KT_OK(kt_thread_start(r));
    kt_settle();
    kozo_ipc_buffer()->caps[0] = n1;
    kozo_ipc_buffer()->caps[1] = n2;
    struct kozo_msg m = { kozo_msginfo_make(0, 2, 0, 0), 0, { 0 } };
    KT_OK(kozo_send(ep, &m));
    kt_settle();
    KT_EQ(kozo_msginfo_get_extra_caps(r->res[2]), 1);
    KT_EQ(kt_type(dest), KOZO_OBJ_NOTIFICATION);
}

// Receive a Call through arg[0] and reply with the cap arg[1] attached.
static void
reply_with_cap(struct kt_thread *t)
{
    struct kozo_msg m = { 0, 0, { 0 } };
    if ((t->res[0] = kozo_recv(t->arg[0], &m)))
        return;
    t->ipc->caps[0] = t->arg[1];
    m.info = kozo_msginfo_make(0, 1, 0, 0);
    t->res[1] = kozo_reply(&m);
}

// Call a server that attaches a cap to its reply; it received through `server_cap`.
static void
cap_in_reply(const struct ktest_env *env, uint64_t server_rights, uint64_t want_caps, uint64_t want_type)
{
    kozo_handle_t ep, srv, n, dest = kt_slot();
    struct kt_thread *s;
    struct kozo_ipc_buffer *buf = kozo_ipc_buffer();
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &ep));
    KT_OK(kt_copy(ep, server_rights, &srv));
    KT_OK(kt_alloc(KOZO_OBJ_NOTIFICATION, 0, &n));
    KT_OK(kt_thread_new(reply_with_cap, env->priority, 0, &s));
    s->arg[0] = srv, s->arg[1] = n;
    KT_OK(kt_thread_start(s));
    buf->receive_cnode = KT_SLOT_CNODE, buf->receive_index = dest, buf->receive_depth = KT_DEPTH;
    struct kozo_msg m = { 0, 0, { 0 } };
    KT_OK(kozo_call(ep, &m));
    buf->receive_cnode = 0;
    KT_EQ(kozo_msginfo_get_extra_caps(m.info), want_caps);
    KT_EQ(kt_type(dest), want_type);
}

KTEST(ipc_cap_in_reply, "A server that received through a GRANT cap can send a cap back in its reply")
{
    cap_in_reply(env, KOZO_RIGHTS_ALL, 1, KOZO_OBJ_NOTIFICATION);
}

KTEST(ipc_cap_in_reply_needs_grant, "Without GRANT on the server's receive cap the reply carries no cap")
{
    cap_in_reply(env, KOZO_RIGHT_READ, 0, KOZO_OBJ_NULL);
}
