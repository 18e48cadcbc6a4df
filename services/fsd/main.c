// SPDX-License-Identifier: MIT OR Apache-2.0
//
// fsd, the file-system daemon. For now it answers liveness checks on its endpoint; the
// RAMFS comes next. Started by init with its endpoint in slot SERVICE_ARG_EP_SLOT and its
// IPC buffer already in its TLS block.
#include <kozo/kozo.h>
#include <svc/server.h>

int main(uint64_t ep, uint64_t ipc_buffer, uint64_t unused);

static void
handle(void *ctx, struct kozo_msg *m)
{
    (void)ctx;
    switch (kozo_msginfo_get_label(m->info)) {
    case KOZO_FSD_OP_PING:
        svc_reply_set(m, KOZO_ERR_OK, 1);
        m->mr[0] = KOZO_FSD_PING_REPLY;
        break;
    default:
        svc_reply_set(m, KOZO_ERR_ILLEGAL_OPERATION, 0);
        break;
    }
}

int
main(uint64_t ep, uint64_t ipc_buffer, uint64_t unused)
{
    (void)ipc_buffer;
    (void)unused;
    kozo_printf("fsd: serving on endpoint slot %lu\n", (unsigned long)ep);
    uint64_t err = svc_serve(ep, handle, NULL);
    kozo_printf("fsd: receive failed: %s\n", kozo_error_name(err));
    return 1;
}
