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

#endif
