// SPDX-License-Identifier: MIT OR Apache-2.0
//
// fsd, the file-system daemon. For now it answers liveness checks on its endpoint; the
// RAMFS comes next. Its capabilities are what system/default.sys grants it (system.h says
// where); it serves the fsd protocol (abi/proto/fsd.proto, docs/proto/fsd.md) through
// the generated dispatch.
#include <kozo/kozo.h>
#include <proto/fsd.h>
#include <system.h>

int main(void);

static uint64_t
ping(void *ctx, uint64_t badge, struct fsd_ping_res *res)
{
    (void)ctx, (void)badge;
    res->magic = FSD_PING_MAGIC;
    return FSD_OK;
}

int
main(void)
{
    static struct fsd_server server = { .ping = ping };
    kozo_printf("fsd: serving on endpoint slot %u\n", SYS_SLOT_EP);
    uint64_t err = svc_serve(SYS_SLOT_EP, fsd_dispatch, &server);
    kozo_printf("fsd: receive failed: %s\n", kozo_error_name(err));
    return 1;
}
