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
    t->ipc->receive_cnode = SYS_SLOT_CNODE;
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

KTEST(ipc_cap_transfer_one_receive_slot,
      "Two caps, one receive slot: the first arrives, transfer stops there")
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
    buf->receive_cnode = SYS_SLOT_CNODE, buf->receive_index = dest, buf->receive_depth = KT_DEPTH;
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

// --- The reply's right to carry caps (issue 10, defect 3) ------------------------------------
// It is decided once, when the server receives the Call: the GRANT right of the cap the
// server receives through. Whatever the server does before it answers (a blocking Send,
// Recv or Call through other caps, a fault) must neither give its reply that right nor
// take it away. The Call finds the server waiting (the fast path's Call) or is queued
// before the server waits (the general path's); the answer is a Reply or a ReplyRecv
// (with a cap attached both take the general path, whatever the build).

// What the server does between receiving the Call and answering it, and how (arg[2]).
#define DETOUR_NONE  0
#define DETOUR_SEND  1 // a blocking Send through the side cap
#define DETOUR_RECV  2 // a blocking Recv through it (ktest sends it a plain message)
#define DETOUR_CALL  3 // a Call through it (ktest answers)
#define DETOUR_FAULT 4 // a fault to the side endpoint, its fault handler (ktest resumes it)
#define DETOUR_MASK  0xff
#define ANSWER_RR    0x100 // answer with ReplyRecv through the same cap, not Reply
#define CALL_QUEUED  0x200 // the Call is made before the server waits, and queued

// Call arg[0] with a receive slot (arg[1]); res: error, info, 1.
static void
call_with_slot(struct kt_thread *t)
{
    struct kozo_msg m = { 0, 0, { 0 } };
    t->ipc->receive_cnode = SYS_SLOT_CNODE;
    t->ipc->receive_index = t->arg[1];
    t->ipc->receive_depth = KT_DEPTH;
    t->res[0] = kozo_call(t->arg[0], &m);
    t->res[1] = m.info, t->res[2] = 1;
}

// Receive a Call through arg[0], make the detour arg[2] through arg[1], then answer with
// the cap arg[3] attached. res: Recv's error, the detour's, the Reply's, 1 when answering.
static void
serve_after_detour(struct kt_thread *t)
{
    struct kozo_msg m = { 0, 0, { 0 } };
    if ((t->res[0] = kozo_recv(t->arg[0], &m)))
        return;
    m.info = 0;
    switch (t->arg[2] & DETOUR_MASK) {
    case DETOUR_SEND: t->res[1] = kozo_send(t->arg[1], &m); break;
    case DETOUR_RECV: t->res[1] = kozo_recv(t->arg[1], &m); break;
    case DETOUR_CALL: t->res[1] = kozo_call(t->arg[1], &m); break;
    case DETOUR_FAULT: t->res[1] = kt_syscall_nr(13, 0); break; // the handler sets RAX to 0
    default: break;
    }
    t->ipc->caps[0] = t->arg[3];
    m.info = kozo_msginfo_make(0, 1, 0, 0);
    t->res[3] = 1;
    if (t->arg[2] & ANSWER_RR)
        kozo_reply_recv(t->arg[0], &m); // and waits again, for good
    else
        t->res[2] = kozo_reply(&m);
}

// ktest's side of the detour: let the blocked server go on.
static uint64_t
finish_detour(unsigned detour, kozo_handle_t side)
{
    struct kozo_msg m = { 0, 0, { 0 } };
    uint64_t err;
    switch (detour) {
    case DETOUR_SEND: return kozo_recv(side, &m);
    case DETOUR_RECV: return kozo_send(side, &m);
    case DETOUR_CALL:
    case DETOUR_FAULT:
        if ((err = kozo_recv(side, &m)))
            return err;
        m.info = kozo_msginfo_make(1, 0, 0, 0), m.mr[0] = 0; // a fault: resume with RAX = 0
        return kozo_reply(&m);
    default: return KOZO_ERR_OK;
    }
}

// A helper calls a server that receives through a cap with server_rights, makes the
// detour in `how` through a cap with side_rights, then answers with a cap attached.
static void
reply_after_detour(const struct ktest_env *env, uint64_t server_rights, uint64_t side_rights, unsigned how,
                   uint64_t want_caps)
{
    kozo_handle_t ep, srv, side_ep, side, n, dest = kt_slot();
    unsigned detour = how & DETOUR_MASK;
    struct kt_thread *s, *cl;
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &ep));
    KT_OK(kt_copy(ep, server_rights, &srv));
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &side_ep));
    KT_OK(kt_copy(side_ep, side_rights, &side));
    KT_OK(kt_alloc(KOZO_OBJ_NOTIFICATION, 0, &n));
    KT_OK(kt_thread_new(serve_after_detour, env->priority, 0, &s));
    s->arg[0] = srv, s->arg[1] = side, s->arg[2] = how, s->arg[3] = n;
    if (detour == DETOUR_FAULT)
        KT_OK(kt_thread_fault_ep(s, side));
    KT_OK(kt_thread_new(call_with_slot, env->priority, 0, &cl));
    cl->arg[0] = ep, cl->arg[1] = dest;
    KT_OK(kt_thread_start(how & CALL_QUEUED ? cl : s));
    kt_settle();
    KT_OK(kt_thread_start(how & CALL_QUEUED ? s : cl));
    kt_settle();
    // The Call is delivered; the server is blocked in its detour, owing the reply.
    KT_OK(s->res[0]);
    if (detour != DETOUR_NONE) {
        KT_EQ(kt_thread_state(cl->tcb), KOZO_THREAD_BLOCKED_REPLY);
        KT_EQ(kt_thread_state(s->tcb),
              detour == DETOUR_RECV ? KOZO_THREAD_BLOCKED_RECV : KOZO_THREAD_BLOCKED_SEND);
    }
    KT_OK(finish_detour(detour, side_ep));
    kt_settle();
    KT_EQ(s->res[3], 1);
    KT_OK(s->res[1]);
    KT_OK(s->res[2]);
    KT_EQ(cl->res[2], 1);
    KT_OK(cl->res[0]);
    KT_EQ(kozo_msginfo_get_extra_caps(cl->res[1]), want_caps);
    KT_EQ(kt_type(dest), want_caps ? KOZO_OBJ_NOTIFICATION : KOZO_OBJ_NULL);
}

#define R_RO KOZO_RIGHT_READ
#define R_WG (KOZO_RIGHT_WRITE | KOZO_RIGHT_GRANT)
#define R_RG (KOZO_RIGHT_READ | KOZO_RIGHT_GRANT)

KTEST(ipc_reply_grant_not_from_send, "A blocking Send through a GRANT cap does not let the reply carry caps")
{
    reply_after_detour(env, R_RO, R_WG, DETOUR_SEND, 0);
}

KTEST(ipc_reply_grant_not_from_send_rr, "... nor the ReplyRecv that answers after it")
{
    reply_after_detour(env, R_RO, R_WG, DETOUR_SEND | ANSWER_RR, 0);
}

KTEST(ipc_reply_grant_not_from_recv, "A blocking Recv through a GRANT cap does not let the reply carry caps")
{
    reply_after_detour(env, R_RO, R_RG, DETOUR_RECV, 0);
}

KTEST(ipc_reply_grant_not_from_recv_rr, "... nor the ReplyRecv that answers after it")
{
    reply_after_detour(env, R_RO, R_RG, DETOUR_RECV | ANSWER_RR, 0);
}

KTEST(ipc_reply_grant_not_from_call, "A Call through a GRANT cap does not let the pending reply carry caps")
{
    reply_after_detour(env, R_RO, KOZO_RIGHTS_ALL, DETOUR_CALL | ANSWER_RR, 0);
}

KTEST(ipc_reply_grant_not_from_fault, "A fault sent through a GRANT cap does not let the reply carry caps")
{
    reply_after_detour(env, R_RO, KOZO_RIGHTS_ALL, DETOUR_FAULT, 0);
}

KTEST(ipc_reply_grant_not_from_send_queued, "A Send after taking a queued Call: the reply carries no caps")
{
    reply_after_detour(env, R_RO, R_WG, DETOUR_SEND | ANSWER_RR | CALL_QUEUED, 0);
}

KTEST(ipc_reply_grant_kept_after_send, "A reply that may carry caps still may after a Send without GRANT")
{
    reply_after_detour(env, KOZO_RIGHTS_ALL, KOZO_RIGHT_WRITE, DETOUR_SEND, 1);
}

KTEST(ipc_reply_grant_kept_after_recv, "... and after a Recv without GRANT (queued Call, ReplyRecv)")
{
    reply_after_detour(env, KOZO_RIGHTS_ALL, R_RO, DETOUR_RECV | ANSWER_RR | CALL_QUEUED, 1);
}

KTEST(ipc_reply_grant_reply_recv, "A Call received through a GRANT cap: the ReplyRecv may answer with caps")
{
    reply_after_detour(env, KOZO_RIGHTS_ALL, 0, DETOUR_NONE | ANSWER_RR, 1);
}

// Receive a Call through arg[0]; answer it with ReplyRecv (no caps) through arg[1], which
// takes the next Call; answer that with the cap arg[3] attached. res: Reply's error, 1.
static void
serve_two_calls(struct kt_thread *t)
{
    struct kozo_msg m = { 0, 0, { 0 } };
    if (kozo_recv(t->arg[0], &m))
        return;
    m.info = kozo_msginfo_make(1, 0, 0, 0), m.mr[0] = 1;
    if (kozo_reply_recv(t->arg[1], &m))
        return;
    t->ipc->caps[0] = t->arg[3];
    m.info = kozo_msginfo_make(0, 1, 0, 0);
    t->res[0] = kozo_reply(&m);
    t->res[1] = 1;
}

// The first Call (5 words: never the fast path) arrives through a cap with first_rights,
// the second (short: the fast path's, in a build that has one) through the ReplyRecv's
// cap, with second_rights. The answer to the second follows the second's cap alone.
static void
reply_grant_of_second_call(const struct ktest_env *env, uint64_t first_rights, uint64_t second_rights,
                           uint64_t want_caps)
{
    kozo_handle_t ep, first, second, n, dest = kt_slot();
    struct kt_thread *s;
    struct kozo_ipc_buffer *buf = kozo_ipc_buffer();
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &ep));
    KT_OK(kt_copy(ep, first_rights, &first));
    KT_OK(kt_copy(ep, second_rights, &second));
    KT_OK(kt_alloc(KOZO_OBJ_NOTIFICATION, 0, &n));
    KT_OK(kt_thread_new(serve_two_calls, env->priority, 0, &s));
    s->arg[0] = first, s->arg[1] = second, s->arg[3] = n;
    KT_OK(kt_thread_start(s));
    kt_settle();
    struct kozo_msg m = { kozo_msginfo_make(5, 0, 0, 0), 0, { 0 } };
    KT_OK(kozo_call(ep, &m));
    KT_EQ(m.mr[0], 1);
    buf->receive_cnode = SYS_SLOT_CNODE, buf->receive_index = dest, buf->receive_depth = KT_DEPTH;
    m.info = 0;
    KT_OK(kozo_call(ep, &m));
    buf->receive_cnode = 0;
    KT_EQ(s->res[1], 1);
    KT_OK(s->res[0]);
    KT_EQ(kozo_msginfo_get_extra_caps(m.info), want_caps);
    KT_EQ(kt_type(dest), want_caps ? KOZO_OBJ_NOTIFICATION : KOZO_OBJ_NULL);
}

KTEST(ipc_reply_grant_per_call_revoked, "A reply's right is its own Call's: an earlier GRANT gives none")
{
    reply_grant_of_second_call(env, KOZO_RIGHTS_ALL, R_RO, 0);
}

KTEST(ipc_reply_grant_per_call_given, "A reply's right is its own Call's: no GRANT earlier takes none")
{
    reply_grant_of_second_call(env, R_RO, KOZO_RIGHTS_ALL, 1);
}
