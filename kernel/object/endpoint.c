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
#include <kern/cspace.h>
#include <kern/endpoint.h>
#include <kern/fault.h>
#include <kern/object.h>
#include <kern/printk.h>
#include <kern/sched.h>
#include <string.h>

// Write `len` message words to `to`: the first ones in registers, the rest in its IPC
// buffer. Returns how many arrived (the rest is cut if `to` has no IPC buffer).
static word_t
put_words(struct tcb *to, const word_t *w, word_t len)
{
    for (unsigned i = 0; i < MIN(len, (word_t)KOZO_MSG_REG_WORDS); i++)
        arch_set_mr(&to->ctx, i, w[i]);
    if (len <= KOZO_MSG_REG_WORDS)
        return len;
    struct kozo_ipc_buffer *tb = tcb_ipc_buffer(to);
    if (!tb)
        return KOZO_MSG_REG_WORDS;
    memcpy(&tb->msg[KOZO_MSG_REG_WORDS], &w[KOZO_MSG_REG_WORDS], (len - KOZO_MSG_REG_WORDS) * sizeof(word_t));
    return len;
}

// Capabilities travelling with a message (sender's cap had GRANT). As in seL4, a cap to the
// endpoint the message arrives through is "unwrapped": the receiver gets its badge instead;
// otherwise a copy goes into the receiver's one receive slot. Stops at the first cap that
// cannot be sent. Returns the number of caps received; *unwrapped gets one bit per unwrap.
static word_t
transfer_caps(struct tcb *from, struct tcb *to, const struct endpoint *ep, word_t ncaps, word_t *unwrapped)
{
    struct kozo_ipc_buffer *fb = tcb_ipc_buffer(from), *tb = tcb_ipc_buffer(to);
    cte_t *dest = NULL;
    word_t got = 0;

    *unwrapped = 0;
    if (!fb || !tb)
        return 0;
    if (cspace_lookup_rel(to, tb->receive_cnode, tb->receive_index, tb->receive_depth, &dest) ||
        !cte_empty(dest))
        dest = NULL;
    for (; got < ncaps; got++) {
        cte_t *src;
        cap_t c;
        if (cspace_lookup_cap(from, fb->caps[got], &src))
            break;
        if (ep && cap_type(src->cap) == KOZO_OBJ_ENDPOINT && cap_ptr(src->cap) == ep) {
            tb->badges[got] = cap_badge(src->cap);
            *unwrapped |= BIT(got);
            continue;
        }
        if (!dest || cap_derive(src, &c))
            break;
        cte_insert_derived(src, dest, c);
        dest = NULL;
    }
    return got;
}

// Deliver the message of `from` to `to`: a fault message if `from` is faulting, else its
// message words (registers, then IPC buffer) and, with `can_grant`, its capabilities.
static void
transfer(struct tcb *from, struct tcb *to, const struct endpoint *ep, word_t badge, bool can_grant)
{
    word_t info = arch_get_info(&from->ctx), label, len, ncaps = 0, unwrapped = 0;

    if (from->fault_type) {
        word_t w[KOZO_FAULT_SYSCALL_WORDS];
        label = from->fault_type;
        len = put_words(to, w, arch_fault_words(from, w));
    } else {
        label = kozo_msginfo_get_label(info);
        len = MIN(kozo_msginfo_get_length(info), (word_t)KOZO_MSG_MAX_WORDS);
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
        ncaps = MIN(kozo_msginfo_get_extra_caps(info), (word_t)KOZO_MSG_MAX_CAPS);
        if (ncaps)
            ncaps = can_grant ? transfer_caps(from, to, ep, ncaps, &unwrapped) : 0;
    }
    arch_set_info(&to->ctx, kozo_msginfo_make(len, ncaps, unwrapped, label));
    arch_set_badge(&to->ctx, badge);
    arch_set_error(&to->ctx, KOZO_ERR_OK);
}

// The receiver of a Call now owes the caller a reply. Whether that reply may carry caps is
// decided here, once, from the GRANT right of the cap the server received through (as in
// seL4, where it is the reply cap's canGrant), and kept with the reply, apart from
// ipc_can_grant: the server may block again (Send, Recv, Call, a fault) before it answers,
// and those caps' rights must neither give its reply that right nor take it away.
static void
link_reply(struct tcb *caller, struct tcb *server, bool server_can_grant)
{
    if (server->reply_to) {
        // A server that takes a new call without replying drops the old one (seL4
        // overwrites the reply cap the same way); the old caller learns it was aborted.
        struct tcb *old = server->reply_to;
        old->replier = NULL;
        ep_abort(old);
    }
    caller->state = TS_BLOCKED_REPLY;
    caller->replier = server;
    server->reply_to = caller;
    server->reply_can_grant = server_can_grant;
}

void
ep_send(struct tcb *sender, cap_t cap, bool blocking, bool is_call)
{
    struct endpoint *ep = cap_ptr(cap);
    struct tcb *recv = ep->head;

    if (recv && recv->state == TS_BLOCKED_RECV) {
        ep_queue_remove(ep, recv);
        transfer(sender, recv, ep, cap_badge(cap), cap_has(cap, KOZO_RIGHT_GRANT));
        if (is_call) {
            sched_dequeue(sender);
            link_reply(sender, recv, recv->ipc_can_grant); // the GRANT of its Recv cap
            recv->state = TS_RUNNABLE;
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
    sender->ipc_can_grant = cap_has(cap, KOZO_RIGHT_GRANT);
    ep_queue_append(ep, sender);
}

void
ep_recv(struct tcb *receiver, cap_t cap, bool blocking)
{
    struct endpoint *ep = cap_ptr(cap);
    struct tcb *send = ep->head;

    if (send && send->state == TS_BLOCKED_SEND) {
        ep_queue_remove(ep, send);
        transfer(send, receiver, ep, send->ipc_badge, send->ipc_can_grant);
        if (send->ipc_is_call) {
            link_reply(send, receiver, cap_has(cap, KOZO_RIGHT_GRANT));
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
    receiver->ipc_can_grant = cap_has(cap, KOZO_RIGHT_GRANT);
    ep_queue_append(ep, receiver);
}

// The handler answered a fault: label 0 resumes the thread with the register changes the
// fault type allows; any other label leaves it stopped as Suspend would: the fault is
// forgotten (an unknown syscall's ip goes back to the syscall), so what ReadRegisters then
// shows is what Resume runs, and the faulting instruction faults afresh. The answer is only
// words for the registers: caps attached to it stay with the handler, whatever its caps'
// rights.
static void
reply_to_fault(struct tcb *server, struct tcb *client)
{
    word_t info = arch_get_info(&server->ctx), w[KOZO_FAULT_SYSCALL_WORDS];
    word_t n = MIN(kozo_msginfo_get_length(info), (word_t)KOZO_FAULT_SYSCALL_WORDS);
    struct kozo_ipc_buffer *sb = tcb_ipc_buffer(server);

    for (unsigned i = 0; i < n; i++)
        w[i] = i < KOZO_MSG_REG_WORDS ? arch_get_mr(&server->ctx, i) : sb ? sb->msg[i] : 0;
    if (kozo_msginfo_get_label(info) == 0) {
        arch_fault_reply(client, w, (unsigned)n);
        client->fault_type = 0;
        sched_wake(client);
    } else {
        fault_forget(client);
        client->state = TS_INACTIVE;
    }
}

bool
ep_reply(struct tcb *server)
{
    struct tcb *client = server->reply_to;
    if (!client)
        return false;
    assert(client->state == TS_BLOCKED_REPLY && client->replier == server);
    server->reply_to = NULL;
    client->replier = NULL;
    if (client->fault_type) {
        reply_to_fault(server, client);
        return true;
    }
    transfer(server, client, NULL, 0, server->reply_can_grant);
    sched_wake(client);
    return true;
}

void
ep_cancel_ipc(struct tcb *t)
{
    ep_queue_remove(t->blocked_on, t);
}

void
ep_cancel_all(struct endpoint *ep)
{
    struct tcb *t;
    while ((t = ep->head) != NULL) {
        ep_queue_remove(ep, t);
        ep_abort(t);
    }
}

void
ep_abort(struct tcb *t)
{
    if (t->fault_type)
        fault_forget(t);
    else
        arch_set_error(&t->ctx, KOZO_ERR_ABORTED);
    sched_wake(t);
}
