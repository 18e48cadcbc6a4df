// SPDX-License-Identifier: MIT OR Apache-2.0
//
// fsd, the file-system daemon. For now it answers liveness checks on its endpoint; the
// RAMFS comes next. Started by init with its endpoint in slot SERVICE_ARG_EP_SLOT and its
// IPC buffer already in its TLS block; it serves the fsd protocol (abi/proto/fsd.proto,
// docs/proto/fsd.md) through the generated dispatch.
#include <kozo/kozo.h>
#include <proto/fsd.h>

int main(uint64_t ep, uint64_t ipc_buffer, uint64_t unused);

static uint64_t
ping(void *ctx, uint64_t badge, struct fsd_ping_res *res)
{
    (void)ctx, (void)badge;
    res->magic = FSD_PING_MAGIC;
    return FSD_OK;
}

int
main(uint64_t ep, uint64_t ipc_buffer, uint64_t unused)
{
    static struct fsd_server server = { .ping = ping };
    (void)ipc_buffer;
    (void)unused;
    kozo_printf("fsd: serving on endpoint slot %lu\n", (unsigned long)ep);
    uint64_t err = svc_serve(ep, fsd_dispatch, &server);
    kozo_printf("fsd: receive failed: %s\n", kozo_error_name(err));
    return 1;
}
