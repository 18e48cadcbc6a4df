// SPDX-License-Identifier: MIT OR Apache-2.0
//
// What the generated protocol headers (build/include/proto/<name>.h, from abi/proto/) stand
// on: a Call whose status comes back in the reply's label, and the request's and reply's
// words, the first four in registers and the rest in the calling thread's IPC buffer.
#ifndef SVC_PROTO_H
#define SVC_PROTO_H

#include <kozo/kozo.h>
#include <svc/server.h>

// The statuses of every protocol (each generated header names them <PROTO>_*).
#define SVC_PROTO_OK          0
#define SVC_PROTO_BAD_REQUEST 1
#define SVC_PROTO_BAD_REPLY   2 // the stub's own: the reply had fewer words than the results

// Call `ep` with `label` and `nargs` words. Returns the kernel's answer to the IPC; the
// server's status is in *status, and on OK the `nres` result words are in res.
uint64_t svc_proto_call(kozo_handle_t ep, uint64_t label, unsigned nargs, const uint64_t *args, unsigned nres,
                        uint64_t *res, uint64_t *status);
// The server side: a request's first n words (the dispatch has checked that it has them),
// and n result words put into the reply; returns n.
void svc_proto_args(const struct kozo_msg *m, unsigned n, uint64_t *words);
unsigned svc_proto_results(struct kozo_msg *m, unsigned n, const uint64_t *words);

// Bytes in message words, eight to a word, the first in the low byte (console, ...): the
// words must start zeroed for svc_pack_bytes.
void svc_pack_bytes(const char *s, size_t n, uint64_t *words);
void svc_unpack_bytes(const uint64_t *words, size_t n, char *out);

#endif
