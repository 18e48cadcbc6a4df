// SPDX-License-Identifier: MIT OR Apache-2.0
// System-call entry from the arch layer (entry.S calls syscall_handler).
#ifndef KERN_SYSCALL_H
#define KERN_SYSCALL_H

#include <kern/tcb.h>

// Run the syscall the thread's saved registers describe (host tests call this directly).
void syscall_dispatch(struct tcb *t);
NORETURN void syscall_handler(void);

#endif
