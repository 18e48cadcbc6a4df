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

bool fastpath(struct tcb *t);

// Could the fast path take this system call? One compare: the ABI numbers Call and
// ReplyRecv first.
#define FASTPATH_SYSNO_END (MAX(KOZO_SYS_CALL, KOZO_SYS_REPLY_RECV) + 1)
_Static_assert(FASTPATH_SYSNO_END == 2, "Call and ReplyRecv are system calls 0 and 1");
static inline bool
fastpath_candidate(word_t sysno)
{
    return sysno < FASTPATH_SYSNO_END;
}

#endif
