// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Invocations (CALL on a kernel-object capability) and the names of ABI numbers.
#define KOZO_ABI_WANT_NAMES
#include <kozo/kozo.h>

uint64_t
kozo_invoke(uint64_t cap, uint64_t label, unsigned nargs, const uint64_t *args, unsigned nres, uint64_t *res)
{
    struct kozo_msg m = { kozo_msginfo_make(nargs, 0, 0, label), 0, { 0 } };
    // Only a long message needs the IPC buffer (and the TLS block that finds it).
    struct kozo_ipc_buffer *ipc_buffer = nargs > KOZO_MSG_REG_WORDS ? kozo_ipc_buffer() : NULL;

    if (nargs > KOZO_MSG_REG_WORDS && !ipc_buffer)
        return KOZO_ERR_INVALID_ARGUMENT; // the words would be lost: say so before the call
    for (unsigned i = 0; i < nargs; i++) {
        if (i < KOZO_MSG_REG_WORDS)
            m.mr[i] = args[i];
        else
            ipc_buffer->msg[i] = args[i];
    }
    uint64_t err = kozo_call(cap, &m);
    // The stubs pass res = NULL when the caller wants no results.
    for (unsigned i = 0; res && i < nres && i < KOZO_MSG_REG_WORDS; i++)
        res[i] = err ? 0 : m.mr[i];
    return err;
}

const char *
kozo_error_name(uint64_t err)
{
    return err < KOZO_ERR_COUNT && kozo_error_names[err] ? kozo_error_names[err] : "UNKNOWN_ERROR";
}

const char *
kozo_object_name(uint64_t type)
{
    return type < KOZO_OBJ_COUNT && kozo_object_names[type] ? kozo_object_names[type] : "?";
}
