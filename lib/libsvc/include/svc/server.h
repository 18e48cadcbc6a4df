// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The server loop every service runs: receive on its endpoint, hand the message to the
// service's handler, reply with what the handler left in the message, and receive again
// (ReplyRecv: one system call per request). The handler sees the sender's badge, the
// label and the words, and writes the reply into the same message; the reply label is
// the status (docs/SERVICES.md).
#ifndef SVC_SERVER_H
#define SVC_SERVER_H

#include <kozo/kozo.h>

// Every request is answered: the kernel keeps one pending reply per server thread, and
// the next receive would abort a caller left waiting.
typedef void (*svc_handler)(void *ctx, struct kozo_msg *m);

// Serve `ep` forever; returns only if receiving fails, with that error.
uint64_t svc_serve(kozo_handle_t ep, svc_handler handler, void *ctx);

// A reply: status in the label, `n` words.
static inline void
svc_reply_set(struct kozo_msg *m, uint64_t status, unsigned n)
{
    m->info = kozo_msginfo_make(n, 0, 0, status);
}

#endif
