// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The IPC fast path: Call and ReplyRecv in their common case, switching thread and address
// space inside the system call, without the scheduler and without the general path's
// decoding. Each function is a chain of guards; the first that fails returns false, and
// the general path (syscall_dispatch) handles the call as if the fast path did not exist.
// Whatever the fast path does, the general path would have done too, with the same result
// (same registers, queues, states and thread to run): it only does less work. Build with
// FASTPATH=0 to compile it out; the test suites pass both ways.
//
// Covered: messages of at most KOZO_MSG_REG_WORDS words (registers only), no capability
// transfer, the endpoint named by a handle that one CNode level resolves, a server already
// waiting (Call) or no sender already waiting (ReplyRecv), a caller that is not a faulted
// thread. Everything else (long messages, caps, fault replies, multi-level CSpaces, queued
// senders) takes the general path.
#include <kern/arch_api.h>
#include <kern/cspace.h>
#include <kern/endpoint.h>
#include <kern/fastpath.h>
#include <kern/sched.h>

#if KOZO_FASTPATH

// Both functions leave the ready queues alone: the thread that made the call is running,
// so it is in none (sched.c), and the thread it switches to was blocked, so neither is it.

// The cap named by `handle`, if one CNode level resolves it (a guard plus a radix that
// cover all 64 bits: how init lays out every service's CSpace). NULL otherwise.
static inline const cte_t *
lookup_one_level(const struct tcb *t, word_t handle)
{
    cap_t root = t->slots[TCB_SLOT_CSPACE].cap;
    unsigned radix = cnode_radix(root);
    if (unlikely(cap_type(root) != KOZO_OBJ_CNODE || radix + cnode_guard_bits(root) != KOZO_HANDLE_BITS ||
                 (handle >> radix) != cnode_guard(root)))
        return NULL;
    return (const cte_t *)cap_ptr(root) + (handle & MASK(radix));
}

// Message words in registers, and the info word the receiver sees (no caps, no unwraps).
static inline word_t
copy_registers(const struct tcb *from, struct tcb *to, word_t info)
{
    word_t len = kozo_msginfo_get_length(info);
    arch_copy_mrs(&to->ctx, &from->ctx, len); // only the words sent
    return kozo_msginfo_make(len, 0, 0, kozo_msginfo_get_label(info));
}

// Length at most 4 and no caps: the two fields are the low 9 bits of the info word.
static inline bool
fits_registers(word_t info)
{
    _Static_assert(KOZO_MSGINFO_LENGTH_SHIFT == 0 &&
                       KOZO_MSGINFO_EXTRA_CAPS_SHIFT == KOZO_MSGINFO_LENGTH_WIDTH,
                   "length, then extra caps, from bit 0");
    return (info & MASK(KOZO_MSGINFO_LENGTH_WIDTH + KOZO_MSGINFO_EXTRA_CAPS_WIDTH)) <= KOZO_MSG_REG_WORDS;
}

bool
fastpath_call(struct tcb *client)
{
    word_t info = arch_get_info(&client->ctx);
    if (unlikely(!fits_registers(info)))
        return false;
    const cte_t *slot = lookup_one_level(client, arch_get_cap(&client->ctx));
    if (unlikely(!slot || cap_type(slot->cap) != KOZO_OBJ_ENDPOINT ||
                 !cap_has(slot->cap, KOZO_RIGHT_WRITE | KOZO_RIGHT_GRANT_REPLY)))
        return false;
    struct endpoint *ep = cap_ptr(slot->cap);
    struct tcb *server = ep->head;
    // A server waiting, not still owing another caller its reply (the general path drops
    // that caller with ABORTED).
    if (unlikely(!server || server->state != TS_BLOCKED_RECV || server->reply_to))
        return false;

    // Committed: from here on this is ep_send() for a Call, minus its decisions.
    ep_queue_remove(ep, server);
    arch_set_info(&server->ctx, copy_registers(client, server, info));
    arch_set_badge(&server->ctx, cap_badge(slot->cap));
    arch_set_error(&server->ctx, KOZO_ERR_OK);
    client->state = TS_BLOCKED_REPLY;
    client->replier = server;
    server->reply_to = client;
    server->reply_can_grant = server->ipc_can_grant; // its Recv cap's GRANT (link_reply)
    server->state = TS_RUNNABLE;
    current = server;
    return true;
}

bool
fastpath_reply_recv(struct tcb *server)
{
    word_t info = arch_get_info(&server->ctx);
    struct tcb *client = server->reply_to;
    if (unlikely(!fits_registers(info) || !client || client->fault_type))
        return false;
    // The general path puts the client at the tail of its ready queue and, if it outranks
    // the server, lets the scheduler choose: only the plain case is taken here.
    if (unlikely(client->priority > server->priority))
        return false;
    const cte_t *slot = lookup_one_level(server, arch_get_cap(&server->ctx));
    if (unlikely(!slot || cap_type(slot->cap) != KOZO_OBJ_ENDPOINT || !cap_has(slot->cap, KOZO_RIGHT_READ)))
        return false;
    struct endpoint *ep = cap_ptr(slot->cap);
    if (unlikely(ep->head && ep->head->state == TS_BLOCKED_SEND))
        return false; // a message is waiting: the Recv half would not block

    // Committed: ep_reply(), then ep_recv() blocking, then the switch back to the client.
    server->reply_to = NULL;
    client->replier = NULL;
    arch_set_info(&client->ctx, copy_registers(server, client, info));
    arch_set_badge(&client->ctx, 0);
    arch_set_error(&client->ctx, KOZO_ERR_OK);
    client->state = TS_RUNNABLE;
    server->state = TS_BLOCKED_RECV;
    server->ipc_can_grant = cap_has(slot->cap, KOZO_RIGHT_GRANT);
    ep_queue_append(ep, server);
    current = client;
    return true;
}

#endif
