// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Endpoints (synchronous IPC, object/endpoint.c). Notifications are kern/notification.h.
#ifndef KERN_ENDPOINT_H
#define KERN_ENDPOINT_H

#include <kern/tcb.h>

// An endpoint is only a queue: all its threads wait either to send or to receive.
struct endpoint {
    struct tcb *head, *tail;
};
_Static_assert(sizeof(struct endpoint) <= (1u << KOZO_OBJ_ENDPOINT_BITS), "endpoint size");

// The IPC operations on the current thread. `blocking` false = the NB_ variants.
// The wait queue: threads blocked on the endpoint, senders or receivers (never both).
static inline void
ep_queue_append(struct endpoint *ep, struct tcb *t)
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

static inline void
ep_queue_remove(struct endpoint *ep, struct tcb *t)
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

void ep_send(struct tcb *sender, cap_t ep_cap, bool blocking, bool is_call);
void ep_recv(struct tcb *receiver, cap_t ep_cap, bool blocking);
// Reply to the thread that called `server`; false if there is no caller.
bool ep_reply(struct tcb *server);
// Remove a blocked thread from its endpoint queue (it is being suspended).
void ep_cancel_ipc(struct tcb *t);
// Wake every thread queued on the endpoint with KOZO_ERR_ABORTED (it is being destroyed).
void ep_cancel_all(struct endpoint *ep);
// The other side of the IPC `t` is blocked in went away: wake it with ABORTED, or, if it
// was delivering a fault, forget the fault (it is raised again when the thread runs).
void ep_abort(struct tcb *t);

#endif
