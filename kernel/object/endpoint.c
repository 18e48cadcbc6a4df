// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Endpoints: synchronous message passing, with direct switch.
//
// A message is never buffered in the kernel: it stays in the sender's registers and IPC
// buffer until a receiver is there, then is copied once, sender to receiver. A Call that
// finds its server waiting hands the CPU straight to the server (sched_switch_to) without
// consulting the scheduler, and the reply comes back the same way: that is what makes a
// round trip between address spaces cost about as much as a function call into a kernel.
#include <kern/arch_api.h>
#include <kern/endpoint.h>
#include <kern/printk.h>
#include <kern/sched.h>
#include <string.h>

static void
queue_append(struct endpoint *ep, struct tcb *t)
{
    t->q_next = NULL;
    t->q_prev = ep->tail;
    if (ep->tail)
        ep->tail->q_next = t;
    else
        ep->head = t;
    ep->tail = t;
    t->blocked_on = ep;
}

static void
queue_remove(struct endpoint *ep, struct tcb *t)
{
    if (t->q_prev)
        t->q_prev->q_next = t->q_next;
    else
        ep->head = t->q_next;
    if (t->q_next)
        t->q_next->q_prev = t->q_prev;
    else
        ep->tail = t->q_prev;
    t->q_next = t->q_prev = NULL;
    t->blocked_on = NULL;
}

// Copy the message of `from` (registers, then IPC buffer words) to `to`. A message longer
// than the registers is cut to them if either side has no IPC buffer.
static void
transfer(struct tcb *from, struct tcb *to, word_t badge)
{
    word_t info = arch_get_info(&from->ctx);
    word_t len = MIN(kozo_msginfo_get_length(info), (word_t)KOZO_MSG_MAX_WORDS);

    for (unsigned i = 0; i < MIN(len, (word_t)KOZO_MSG_REG_WORDS); i++)
        arch_set_mr(&to->ctx, i, arch_get_mr(&from->ctx, i));
    if (len > KOZO_MSG_REG_WORDS) {
        struct kozo_ipc_buffer *fb = tcb_ipc_buffer(from), *tb = tcb_ipc_buffer(to);
        if (fb && tb)
            memcpy(&tb->msg[KOZO_MSG_REG_WORDS], &fb->msg[KOZO_MSG_REG_WORDS],
                   (len - KOZO_MSG_REG_WORDS) * sizeof(word_t));
        else
            len = KOZO_MSG_REG_WORDS;
    }
    arch_set_info(&to->ctx, kozo_msginfo_make(len, 0, 0, kozo_msginfo_get_label(info)));
    arch_set_badge(&to->ctx, badge);
    arch_set_error(&to->ctx, KOZO_ERR_OK);
}

// The receiver of a Call now owes the caller a reply.
static void
link_reply(struct tcb *caller, struct tcb *server)
{
    if (server->reply_to) {
        // A server that takes a new call without replying drops the old one (seL4
        // overwrites the reply cap the same way); the old caller learns it was aborted.
        struct tcb *old = server->reply_to;
        old->replier = NULL;
        arch_set_error(&old->ctx, KOZO_ERR_ABORTED);
        sched_wake(old);
    }
    caller->state = TS_BLOCKED_REPLY;
    caller->replier = server;
    server->reply_to = caller;
}

void
ep_send(struct tcb *sender, cap_t cap, bool blocking, bool is_call)
{
    struct endpoint *ep = cap_ptr(cap);
    struct tcb *recv = ep->head;

    if (recv && recv->state == TS_BLOCKED_RECV) {
        queue_remove(ep, recv);
        transfer(sender, recv, cap_badge(cap));
        if (is_call) {
            sched_dequeue(sender);
            link_reply(sender, recv);
            recv->state = TS_RUNNABLE;
            sched_enqueue_front(recv);
            sched_switch_to(recv); // direct switch: the server runs now
        } else {
            arch_set_error(&sender->ctx, KOZO_ERR_OK);
            sched_wake(recv);
        }
        return;
    }
    if (!blocking) {
        arch_set_error(&sender->ctx, KOZO_ERR_WOULD_BLOCK);
        return;
    }
    sched_dequeue(sender);
    sender->state = TS_BLOCKED_SEND;
    sender->ipc_badge = cap_badge(cap);
    sender->ipc_is_call = is_call;
    queue_append(ep, sender);
}

void
ep_recv(struct tcb *receiver, cap_t cap, bool blocking)
{
    struct endpoint *ep = cap_ptr(cap);
    struct tcb *send = ep->head;

    if (send && send->state == TS_BLOCKED_SEND) {
        queue_remove(ep, send);
        transfer(send, receiver, send->ipc_badge);
        if (send->ipc_is_call) {
            link_reply(send, receiver);
        } else {
            arch_set_error(&send->ctx, KOZO_ERR_OK);
            sched_wake(send);
        }
        return;
    }
    if (!blocking) {
        arch_set_error(&receiver->ctx, KOZO_ERR_WOULD_BLOCK);
        return;
    }
    sched_dequeue(receiver);
    receiver->state = TS_BLOCKED_RECV;
    queue_append(ep, receiver);
}

bool
ep_reply(struct tcb *server)
{
    struct tcb *client = server->reply_to;
    if (!client)
        return false;
    assert(client->state == TS_BLOCKED_REPLY && client->replier == server);
    transfer(server, client, 0);
    server->reply_to = NULL;
    client->replier = NULL;
    sched_wake(client);
    return true;
}

void
ep_cancel_ipc(struct tcb *t)
{
    queue_remove(t->blocked_on, t);
}

void
ep_cancel_all(struct endpoint *ep)
{
    struct tcb *t;
    while ((t = ep->head) != NULL) {
        queue_remove(ep, t);
        arch_set_error(&t->ctx, KOZO_ERR_ABORTED);
        sched_wake(t);
    }
}
