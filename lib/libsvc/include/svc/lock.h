// SPDX-License-Identifier: MIT OR Apache-2.0
//
// A lock between the threads of one process, made of a notification used as a binary
// semaphore: its word is set while the lock is free, Wait takes it (or sleeps until an
// Unlock sets it again), Signal gives it back. Waiters are woken one at a time, in order.
// Two system calls per critical section: for the slow paths of a service (the console's
// screen, say), never for a fast path.
#ifndef SVC_LOCK_H
#define SVC_LOCK_H

#include <kozo/kozo.h>

struct svc_lock {
    kozo_handle_t ntfn;
};

// A lock on the notification `ntfn` (the caller's, used for nothing else), free.
static inline uint64_t
svc_lock_init(struct svc_lock *l, kozo_handle_t ntfn)
{
    l->ntfn = ntfn;
    return kozo_signal(ntfn);
}

static inline void
svc_lock(struct svc_lock *l)
{
    kozo_wait(l->ntfn, NULL);
}

static inline void
svc_unlock(struct svc_lock *l)
{
    kozo_signal(l->ntfn);
}

#endif
