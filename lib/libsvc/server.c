// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The server loop (svc/server.h).
#include <svc/server.h>

uint64_t
svc_serve(kozo_handle_t ep, svc_handler handler, void *ctx)
{
    struct kozo_msg m = { 0, 0, { 0 } };
    uint64_t err = kozo_recv(ep, &m);
    while (err == KOZO_ERR_OK) {
        handler(ctx, &m);
        err = kozo_reply_recv(ep, &m);
    }
    return err;
}
