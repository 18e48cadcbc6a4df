// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Protocol calls and their words (svc/proto.h). Words 0..3 travel in registers, the rest
// in the IPC buffer of the thread that sends them, and arrive in the receiver's.
#include <svc/proto.h>

static uint64_t
word_in(const struct kozo_msg *m, unsigned i)
{
    return i < KOZO_MSG_REG_WORDS ? m->mr[i] : kozo_ipc_buffer()->msg[i];
}

static void
word_out(struct kozo_msg *m, unsigned i, uint64_t w)
{
    if (i < KOZO_MSG_REG_WORDS)
        m->mr[i] = w;
    else
        kozo_ipc_buffer()->msg[i] = w;
}

uint64_t
svc_proto_call(kozo_handle_t ep, uint64_t label, unsigned nargs, const uint64_t *args, unsigned nres,
               uint64_t *res, uint64_t *status)
{
    struct kozo_msg m = { kozo_msginfo_make(nargs, 0, 0, label), 0, { 0 } };
    *status = SVC_PROTO_BAD_REPLY;
    if (nargs > KOZO_MSG_MAX_WORDS || nres > KOZO_MSG_MAX_WORDS)
        return KOZO_ERR_INVALID_ARGUMENT;
    if ((nargs > KOZO_MSG_REG_WORDS || nres > KOZO_MSG_REG_WORDS) && !kozo_ipc_buffer())
        return KOZO_ERR_INVALID_ARGUMENT; // the words would be lost: say so before the call
    for (unsigned i = 0; i < nargs; i++)
        word_out(&m, i, args[i]);
    uint64_t err = kozo_call(ep, &m);
    if (err)
        return err;
    *status = kozo_msginfo_get_label(m.info);
    if (*status == SVC_PROTO_OK && kozo_msginfo_get_length(m.info) < nres)
        *status = SVC_PROTO_BAD_REPLY; // a server that broke its protocol: no results
    for (unsigned i = 0; *status == SVC_PROTO_OK && i < nres; i++)
        res[i] = word_in(&m, i);
    return KOZO_ERR_OK;
}

void
svc_proto_args(const struct kozo_msg *m, unsigned n, uint64_t *words)
{
    for (unsigned i = 0; i < n; i++)
        words[i] = word_in(m, i);
}

unsigned
svc_proto_results(struct kozo_msg *m, unsigned n, const uint64_t *words)
{
    for (unsigned i = 0; i < n; i++)
        word_out(m, i, words[i]);
    return n;
}

void
svc_pack_bytes(const char *s, size_t n, uint64_t *words)
{
    for (size_t i = 0; i < n; i++)
        words[i / 8] |= (uint64_t)(uint8_t)s[i] << (8 * (i % 8));
}

void
svc_unpack_bytes(const uint64_t *words, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (char)(words[i / 8] >> (8 * (i % 8)));
}
