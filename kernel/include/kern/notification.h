// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Notifications (asynchronous signals, object/notification.c): a word of pending badge bits
// and a queue of waiters. Signalling never blocks; a wait takes everything signalled since
// the last one. Interrupts arrive this way (object/irq.c).
#ifndef KERN_NOTIFICATION_H
#define KERN_NOTIFICATION_H

#include <kern/tcb.h>

struct notification {
    word_t word;             // OR of the badges signalled since the last wait
    struct tcb *head, *tail; // threads waiting for a signal
    word_t pending;          // a signal arrived since the last wait: badge 0 still counts
};
_Static_assert(sizeof(struct notification) <= (1u << KOZO_OBJ_NOTIFICATION_BITS), "ntfn size");

void ntfn_signal(struct notification *n, word_t badge);
void ntfn_wait(struct tcb *t, struct notification *n, bool blocking);
void ntfn_cancel_wait(struct tcb *t);
void ntfn_cancel_all(struct notification *n);

#endif
