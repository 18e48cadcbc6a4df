// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Notifications: a word of pending signal bits and a queue of waiters. Signalling never
// blocks; a waiter takes (and clears) everything signalled since the last wait. IRQs are
// delivered this way (object/irq.c).
#include <kern/arch_api.h>
#include <kern/notification.h>
#include <kern/sched.h>

static void
wake_waiter(struct notification *n, word_t badge)
{
    struct tcb *t = n->head;
    n->head = t->q_next;
    if (n->head)
        n->head->q_prev = NULL;
    else
        n->tail = NULL;
    t->q_next = t->q_prev = NULL;
    t->blocked_on = NULL;
    arch_set_error(&t->ctx, KOZO_ERR_OK);
    arch_set_badge(&t->ctx, badge);
    arch_set_info(&t->ctx, 0);
    sched_wake(t);
}

void
ntfn_signal(struct notification *n, word_t badge)
{
    if (n->head) {
        wake_waiter(n, badge);
        return;
    }
    n->word |= badge;
    n->pending = 1;
}

void
ntfn_wait(struct tcb *t, struct notification *n, bool blocking)
{
    if (n->pending) {
        arch_set_error(&t->ctx, KOZO_ERR_OK);
        arch_set_badge(&t->ctx, n->word);
        arch_set_info(&t->ctx, 0);
        n->word = 0;
        n->pending = 0;
        return;
    }
    if (!blocking) {
        arch_set_error(&t->ctx, KOZO_ERR_WOULD_BLOCK);
        return;
    }
    sched_dequeue(t);
    t->state = TS_BLOCKED_NTFN;
    t->blocked_on = n;
    t->q_next = NULL;
    t->q_prev = n->tail;
    if (n->tail)
        n->tail->q_next = t;
    else
        n->head = t;
    n->tail = t;
}

void
ntfn_cancel_wait(struct tcb *t)
{
    struct notification *n = t->blocked_on;
    if (t->q_prev)
        t->q_prev->q_next = t->q_next;
    else
        n->head = t->q_next;
    if (t->q_next)
        t->q_next->q_prev = t->q_prev;
    else
        n->tail = t->q_prev;
    t->q_next = t->q_prev = NULL;
    t->blocked_on = NULL;
}

void
ntfn_cancel_all(struct notification *n)
{
    while (n->head) {
        struct tcb *t = n->head;
        ntfn_cancel_wait(t);
        arch_set_error(&t->ctx, KOZO_ERR_ABORTED);
        sched_wake(t);
    }
}
