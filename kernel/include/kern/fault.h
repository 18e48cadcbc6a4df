// SPDX-License-Identifier: MIT OR Apache-2.0
// Faults as messages (core/fault.c).
#ifndef KERN_FAULT_H
#define KERN_FAULT_H

#include <kern/tcb.h>

// Does t have a fault-handler endpoint it may send to?
bool fault_has_handler(const struct tcb *t);
// The current thread t faulted: send the fault as a Call to its fault handler, or stop it
// if it has none. `addr` and `code` are per type (labels FAULT_* in abi/kernel.abi, words
// in the arch part's struct fault_*_words).
void fault_raise(struct tcb *t, unsigned type, word_t addr, word_t code);
// The fault of `t` can no longer be delivered or answered (its handler or endpoint went,
// or the thread was suspended): forget it, leaving the thread set to execute the faulting
// instruction again, so the fault is raised afresh when it next runs.
void fault_forget(struct tcb *t);

#endif
