// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Endpoint IPC between ktest and helper threads: Call/Reply/ReplyRecv, Send/Recv and the
// non-blocking variants, badges, labels, message lengths in registers and through the IPC
// buffer (and cut to four words when a side has none), rights, queue order, what happens
// to callers and waiters when a server or endpoint goes away, and capability transfer.
#include "ktest.h"

// Echo server on arg[0]: each message comes back with the same length, label + 1 and every
// word + 1 (registers and IPC buffer). res: [0] messages, [1] last badge, [2] last info.
static void
echo_server(struct kt_thread *t)
{
    struct kozo_msg m = { 0, 0, { 0 } };
    uint64_t err = kozo_recv(t->arg[0], &m);
    while (!err) {
        uint64_t len = kozo_msginfo_get_length(m.info);
        t->res[0]++, t->res[1] = m.badge, t->res[2] = m.info;
        for (unsigned i = 0; i < KOZO_MSG_REG_WORDS; i++)
            m.mr[i]++;
        for (unsigned i = KOZO_MSG_REG_WORDS; t->ipc && i < len; i++)
            t->ipc->msg[i]++;
        m.info = kozo_msginfo_make(len, 0, 0, kozo_msginfo_get_label(m.info) + 1);
        err = kozo_reply_recv(t->arg[0], &m);
    }
    t->res[3] = err;
}

// Receive once, then signal arg[1] so a waiting case knows the result is stored.
static void
recv_then_signal(struct kt_thread *t)
{
    kt_recv_once(t);
    kozo_signal(t->arg[1]);
}

static uint64_t
server(const struct ktest_env *env, unsigned flags, kozo_handle_t *ep, struct kt_thread **t)
{
    uint64_t err;
    if ((err = kt_alloc(KOZO_OBJ_ENDPOINT, 0, ep)) ||
        (err = kt_thread_new(echo_server, env->priority, flags, t)))
        return err;
    (*t)->arg[0] = *ep;
    return kt_thread_start(*t);
}

KTEST(ipc_call_reply_waiting_server, "Call to a waiting server: words and label come back changed")
{
    kozo_handle_t ep;
    struct kt_thread *s;
    KT_OK(server(env, 0, &ep, &s));
    kt_settle(); // the server blocks in Recv
    struct kozo_msg m = { kozo_msginfo_make(4, 0, 0, 7), 0, { 10, 20, 30, 40 } };
    KT_OK(kozo_call(ep, &m));
    KT_EQ(kozo_msginfo_get_label(m.info), 8);
    KT_EQ(kozo_msginfo_get_length(m.info), 4);
    KT_EQ(m.mr[0], 11);
    KT_EQ(m.mr[3], 41);
    KT_EQ(s->res[0], 1);
}

KTEST(ipc_call_before_server_waits, "Call with no server waiting blocks until the server receives")
{
    kozo_handle_t ep;
    struct kt_thread *s;
    KT_OK(server(env, 0, &ep, &s)); // not run yet: our Call queues first
    struct kozo_msg m = { kozo_msginfo_make(1, 0, 0, 1), 0, { 99, 0, 0, 0 } };
    KT_OK(kozo_call(ep, &m));
    KT_EQ(m.mr[0], 100);
}

KTEST(ipc_reply_recv_loop, "A ReplyRecv server answers several calls in turn")
{
    kozo_handle_t ep;
    struct kt_thread *s;
    KT_OK(server(env, 0, &ep, &s));
    for (uint64_t i = 0; i < 5; i++) {
        struct kozo_msg m = { kozo_msginfo_make(1, 0, 0, 0), 0, { i * 100, 0, 0, 0 } };
        KT_OK(kozo_call(ep, &m));
        KT_EQ(m.mr[0], i * 100 + 1);
    }
    KT_EQ(s->res[0], 5);
}

KTEST(ipc_badge_seen_by_receiver, "The receiver sees the badge of the cap the sender used; 0 if unbadged")
{
    kozo_handle_t ep, b;
    struct kt_thread *s;
    KT_OK(server(env, 0, &ep, &s));
    KT_OK(kt_mint(ep, KOZO_RIGHTS_ALL, 0xbeef, &b));
    struct kozo_msg m = { 0, 0, { 0 } };
    KT_OK(kozo_call(b, &m));
    KT_EQ(s->res[1], 0xbeef);
    KT_OK(kozo_call(ep, &m));
    KT_EQ(s->res[1], 0);
}

KTEST(ipc_register_lengths, "Messages of 0..4 words arrive with their length and words")
{
    kozo_handle_t ep;
    struct kt_thread *s;
    KT_OK(server(env, 0, &ep, &s));
    for (uint64_t n = 0; n <= KOZO_MSG_REG_WORDS; n++) {
        struct kozo_msg m = { kozo_msginfo_make(n, 0, 0, 0), 0, { 10, 11, 12, 13 } };
        KT_OK(kozo_call(ep, &m));
        KT_EQ(kozo_msginfo_get_length(s->res[2]), n);
        KT_EQ(kozo_msginfo_get_length(m.info), n);
        for (unsigned i = 0; i < n; i++)
            KT_EQ(m.mr[i], 11 + i);
    }
}

KTEST(ipc_long_message, "A 64-word message goes through both IPC buffers and back")
{
    kozo_handle_t ep;
    struct kt_thread *s;
    struct kozo_ipc_buffer *buf = kozo_ipc_buffer();
    KT_OK(server(env, 0, &ep, &s));
    for (unsigned i = KOZO_MSG_REG_WORDS; i < KOZO_MSG_MAX_WORDS; i++)
        buf->msg[i] = 1000 + i;
    struct kozo_msg m = { kozo_msginfo_make(KOZO_MSG_MAX_WORDS, 0, 0, 0), 0, { 0, 1, 2, 3 } };
    KT_OK(kozo_call(ep, &m));
    KT_EQ(kozo_msginfo_get_length(m.info), KOZO_MSG_MAX_WORDS);
    KT_EQ(m.mr[3], 4);
    for (unsigned i = KOZO_MSG_REG_WORDS; i < KOZO_MSG_MAX_WORDS; i++)
        KT_EQ(buf->msg[i], 1001 + i);
}

KTEST(ipc_length_clamped, "A length above MSG_MAX_WORDS arrives as MSG_MAX_WORDS")
{
    kozo_handle_t ep;
    struct kt_thread *s;
    KT_OK(server(env, 0, &ep, &s));
    struct kozo_msg m = { kozo_msginfo_make(100, 0, 0, 0), 0, { 0 } };
    KT_OK(kozo_call(ep, &m));
    KT_EQ(kozo_msginfo_get_length(s->res[2]), KOZO_MSG_MAX_WORDS);
}

KTEST(ipc_cut_without_receiver_buffer, "A receiver without IPC buffer gets the first four words only")
{
    kozo_handle_t ep;
    struct kt_thread *s;
    KT_OK(server(env, KT_NO_IPC_BUFFER, &ep, &s));
    struct kozo_msg m = { kozo_msginfo_make(10, 0, 0, 0), 0, { 1, 2, 3, 4 } };
    KT_OK(kozo_call(ep, &m));
    KT_EQ(kozo_msginfo_get_length(s->res[2]), KOZO_MSG_REG_WORDS);
    KT_EQ(kozo_msginfo_get_length(m.info), KOZO_MSG_REG_WORDS);
    KT_EQ(m.mr[3], 5);
}

KTEST(ipc_cut_without_sender_buffer, "A sender without IPC buffer delivers four words only")
{
    kozo_handle_t ep;
    struct kt_thread *h;
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &ep));
    KT_OK(kt_thread_new(kt_send_once, env->priority, KT_NO_IPC_BUFFER, &h));
    h->arg[0] = ep, h->arg[1] = 55, h->arg[2] = 12;
    KT_OK(kt_thread_start(h));
    struct kozo_msg m = { 0, 0, { 0 } };
    KT_OK(kozo_recv(ep, &m));
    KT_EQ(kozo_msginfo_get_length(m.info), KOZO_MSG_REG_WORDS);
    KT_EQ(m.mr[0], 55);
}

KTEST(ipc_label_bits, "All 52 label bits arrive")
{
    kozo_handle_t ep;
    struct kt_thread *s;
    uint64_t label = (1ULL << 51) | 0x123456789ULL;
    KT_OK(server(env, 0, &ep, &s));
    struct kozo_msg m = { kozo_msginfo_make(0, 0, 0, label), 0, { 0 } };
    KT_OK(kozo_call(ep, &m));
    KT_EQ(kozo_msginfo_get_label(s->res[2]), label);
}

KTEST(ipc_nb_send_no_receiver, "NB_Send with nobody waiting is WOULD_BLOCK")
{
    kozo_handle_t ep;
    struct kozo_msg m = { 0, 0, { 0 } };
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &ep));
    KT_ERR(kozo_nb_send(ep, &m), KOZO_ERR_WOULD_BLOCK);
}

KTEST(ipc_nb_recv_no_sender, "NB_Recv with nobody sending is WOULD_BLOCK")
{
    kozo_handle_t ep;
    struct kozo_msg m = { 0, 0, { 0 } };
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &ep));
    KT_ERR(kozo_nb_recv(ep, &m), KOZO_ERR_WOULD_BLOCK);
}

KTEST(ipc_nb_send_to_waiting_receiver, "NB_Send delivers to a receiver that waits")
{
    kozo_handle_t ep;
    struct kt_thread *r;
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &ep));
    KT_OK(kt_thread_run(kt_recv_once, env->priority, ep, &r));
    kt_settle();
    struct kozo_msg m = { kozo_msginfo_make(1, 0, 0, 0), 0, { 42, 0, 0, 0 } };
    KT_OK(kozo_nb_send(ep, &m));
    kt_settle();
    KT_OK(r->res[0]);
    KT_EQ(r->res[1], 42);
}

KTEST(ipc_nb_recv_from_waiting_sender, "NB_Recv takes the message of a blocked sender, which goes on")
{
    kozo_handle_t ep;
    struct kt_thread *h;
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &ep));
    KT_OK(kt_thread_new(kt_send_once, env->priority, 0, &h));
    h->arg[0] = ep, h->arg[1] = 77, h->arg[2] = 1;
    h->res[0] = ~0ULL;
    KT_OK(kt_thread_start(h));
    kt_settle();
    KT_EQ(kt_thread_state(h->tcb), KOZO_THREAD_BLOCKED_SEND);
    struct kozo_msg m = { 0, 0, { 0 } };
    KT_OK(kozo_nb_recv(ep, &m));
    KT_EQ(m.mr[0], 77);
    kt_settle();
    KT_OK(h->res[0]);
}

KTEST(ipc_send_blocks_until_received, "Send to a busy receiver blocks, then the receiver gets the words")
{
    kozo_handle_t ep;
    struct kt_thread *r;
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &ep));
    KT_OK(kt_thread_new(recv_then_signal, 100, 0, &r)); // runs only once we block
    r->arg[0] = ep, r->arg[1] = env->ntfn;
    KT_OK(kt_thread_start(r));
    struct kozo_msg m = { kozo_msginfo_make(2, 0, 0, 3), 0, { 123, 456, 0, 0 } };
    KT_OK(kozo_send(ep, &m));
    kt_wait();
    KT_OK(r->res[0]);
    KT_EQ(r->res[1], 123);
    KT_EQ(kozo_msginfo_get_label(r->res[2]), 3);
}

KTEST(ipc_rights_enforced, "Send needs WRITE, Recv READ, Call WRITE and GRANT_REPLY")
{
    kozo_handle_t ep, r, w, wg;
    struct kozo_msg m = { 0, 0, { 0 } };
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &ep));
    KT_OK(kt_copy(ep, KOZO_RIGHT_READ, &r));
    KT_OK(kt_copy(ep, KOZO_RIGHT_WRITE, &w));
    KT_OK(kt_copy(ep, KOZO_RIGHT_WRITE | KOZO_RIGHT_GRANT_REPLY, &wg));
    KT_ERR(kozo_nb_send(r, &m), KOZO_ERR_INSUFFICIENT_RIGHTS);
    KT_ERR(kozo_send(r, &m), KOZO_ERR_INSUFFICIENT_RIGHTS);
    KT_ERR(kozo_nb_recv(w, &m), KOZO_ERR_INSUFFICIENT_RIGHTS);
    KT_ERR(kozo_recv(w, &m), KOZO_ERR_INSUFFICIENT_RIGHTS);
    KT_ERR(kozo_call(w, &m), KOZO_ERR_INSUFFICIENT_RIGHTS);
    KT_ERR(kozo_nb_send(wg, &m), KOZO_ERR_WOULD_BLOCK);
    KT_ERR(kozo_nb_recv(r, &m), KOZO_ERR_WOULD_BLOCK);
}

KTEST(ipc_call_with_grant_reply, "A Call through a WRITE|GRANT_REPLY cap is answered")
{
    kozo_handle_t ep, wg;
    struct kt_thread *s;
    KT_OK(server(env, 0, &ep, &s));
    KT_OK(kt_copy(ep, KOZO_RIGHT_WRITE | KOZO_RIGHT_GRANT_REPLY, &wg));
    struct kozo_msg m = { kozo_msginfo_make(1, 0, 0, 0), 0, { 5, 0, 0, 0 } };
    KT_OK(kozo_call(wg, &m));
    KT_EQ(m.mr[0], 6);
}

KTEST(ipc_wrong_types, "IPC on a cap that is neither endpoint nor notification is WRONG_TYPE")
{
    kozo_handle_t f, t;
    struct kozo_msg m = { 0, 0, { 0 } };
    KT_OK(kt_alloc(KOZO_OBJ_FRAME, 0, &f));
    KT_OK(kt_alloc(KOZO_OBJ_TCB, 0, &t));
    KT_ERR(kozo_send(f, &m), KOZO_ERR_WRONG_TYPE);
    KT_ERR(kozo_nb_send(t, &m), KOZO_ERR_WRONG_TYPE);
    KT_ERR(kozo_recv(f, &m), KOZO_ERR_WRONG_TYPE);
    KT_ERR(kozo_nb_recv(SYS_SLOT_CNODE, &m), KOZO_ERR_WRONG_TYPE);
    KT_ERR(kozo_reply_recv(env->untyped, &m), KOZO_ERR_WRONG_TYPE);
}

KTEST(ipc_invalid_handles, "IPC through an empty slot is INVALID_HANDLE")
{
    kozo_handle_t e = kt_slot();
    struct kozo_msg m = { 0, 0, { 0 } };
    KT_ERR(kozo_send(e, &m), KOZO_ERR_INVALID_HANDLE);
    KT_ERR(kozo_nb_send(e, &m), KOZO_ERR_INVALID_HANDLE);
    KT_ERR(kozo_recv(e, &m), KOZO_ERR_INVALID_HANDLE);
    KT_ERR(kozo_nb_recv(e, &m), KOZO_ERR_INVALID_HANDLE);
    KT_ERR(kozo_call(e, &m), KOZO_ERR_INVALID_HANDLE);
    KT_ERR(kozo_reply_recv(e, &m), KOZO_ERR_INVALID_HANDLE);
}

KTEST(ipc_reply_without_caller, "Reply with nobody waiting for one does nothing and succeeds")
{
    struct kozo_msg m = { kozo_msginfo_make(1, 0, 0, 0), 0, { 1, 0, 0, 0 } };
    KT_OK(kozo_reply(&m));
}

KTEST(ipc_senders_fifo, "Blocked senders are received in the order they blocked")
{
    kozo_handle_t ep;
    struct kt_thread *a, *b;
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &ep));
    KT_OK(kt_thread_new(kt_send_once, env->priority, 0, &a));
    a->arg[0] = ep, a->arg[1] = 1, a->arg[2] = 1;
    KT_OK(kt_thread_new(kt_send_once, env->priority, 0, &b));
    b->arg[0] = ep, b->arg[1] = 2, b->arg[2] = 1;
    KT_OK(kt_thread_start(a));
    kt_settle();
    KT_OK(kt_thread_start(b));
    kt_settle();
    struct kozo_msg m = { 0, 0, { 0 } };
    KT_OK(kozo_recv(ep, &m));
    KT_EQ(m.mr[0], 1);
    KT_OK(kozo_recv(ep, &m));
    KT_EQ(m.mr[0], 2);
}

KTEST(ipc_call_on_notification_signals, "Call on a notification cap signals it")
{
    kozo_handle_t n;
    struct kozo_msg m = { kozo_msginfo_make(0, 0, 0, 12345), 0, { 0 } };
    KT_OK(kt_alloc(KOZO_OBJ_NOTIFICATION, 0, &n));
    KT_OK(kozo_call(n, &m));
    KT_OK(kozo_nb_recv(n, &m));
}

// Answer one Call with ReplyRecv on a handle that names nothing.
static void
reply_recv_nowhere(struct kt_thread *t)
{
    struct kozo_msg m = { 0, 0, { 0 } };
    if (kozo_recv(t->arg[0], &m))
        return;
    m.info = kozo_msginfo_make(1, 0, 0, 0);
    m.mr[0] = 0x77;
    t->res[0] = kozo_reply_recv(t->arg[1], &m);
}

KTEST(ipc_reply_recv_bad_endpoint, "ReplyRecv on a bad handle still delivers the reply, then fails")
{
    kozo_handle_t ep;
    struct kt_thread *s;
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &ep));
    KT_OK(kt_thread_new(reply_recv_nowhere, env->priority, 0, &s));
    s->arg[0] = ep, s->arg[1] = kt_slot();
    KT_OK(kt_thread_start(s));
    struct kozo_msg m = { 0, 0, { 0 } };
    KT_OK(kozo_call(ep, &m));
    KT_EQ(m.mr[0], 0x77);
    kt_settle();
    KT_ERR(s->res[0], KOZO_ERR_INVALID_HANDLE);
}
