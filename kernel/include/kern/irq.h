// SPDX-License-Identifier: MIT OR Apache-2.0
// Interrupts as notifications (object/irq.c).
#ifndef KERN_IRQ_H
#define KERN_IRQ_H

#include <kern/notification.h>

// An interrupt arrived on `line`: mask it and signal its notification (if bound).
void irq_handle(unsigned line);
void irq_handler_clear(unsigned line);
void irq_unbind_notification(struct notification *n);

#endif
