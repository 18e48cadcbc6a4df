// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The IPC fast path (core/fastpath.c): Call and ReplyRecv in their common case. Returns
// false, having changed nothing, for a system call it does not cover; true when it has
// done the call, `current` being the thread to return to (with no scheduling decision
// pending: the caller may leave the kernel straight away).
#ifndef KERN_FASTPATH_H
#define KERN_FASTPATH_H

#include <kern/tcb.h>

#ifndef KOZO_FASTPATH
#define KOZO_FASTPATH 1
#endif

bool fastpath_call(struct tcb *client);
bool fastpath_reply_recv(struct tcb *server);

// The fast path for t's system call, if it has one. Inline, so that the system-call entry
// tests the number and calls the right half directly; every other system call costs one
// compare (the ABI numbers Call and ReplyRecv first). A foreign-ABI thread's numbers are
// not KOZO's (syscall_limit 0): those go to the general path, which makes them faults.
static inline bool
fastpath(struct tcb *t)
{
    word_t n = arch_sysno(&t->ctx);
    if (n > MAX(KOZO_SYS_CALL, KOZO_SYS_REPLY_RECV) || n >= t->syscall_limit)
        return false;
    if (n == KOZO_SYS_CALL)
        return fastpath_call(t);
    return n == KOZO_SYS_REPLY_RECV && fastpath_reply_recv(t);
}

#endif
