// SPDX-License-Identifier: MIT OR Apache-2.0
//
// fsd, the file-system daemon. For now it answers liveness checks on its endpoint; the
// RAMFS comes next. Started by init with its endpoint in slot SERVICE_ARG_EP_SLOT.
#include <kozo/kozo.h>

int main(uint64_t ep, uint64_t ipc_buffer, uint64_t unused);

int
main(uint64_t ep, uint64_t ipc_buffer, uint64_t unused)
{
    struct kozo_msg m = { 0, 0, { 0 } };
    (void)unused;

    kozo_set_ipc_buffer((struct kozo_ipc_buffer *)ipc_buffer);
    kozo_printf("fsd: serving on endpoint slot %lu\n", (unsigned long)ep);
    uint64_t err = kozo_recv(ep, &m);
    for (;;) {
        if (err) {
            kozo_printf("fsd: receive failed: %s\n", kozo_error_name(err));
            kozo_exit(1);
        }
        switch (kozo_msginfo_get_label(m.info)) {
        case KOZO_FSD_OP_PING:
            m.info = kozo_msginfo_make(1, 0, 0, KOZO_ERR_OK);
            m.mr[0] = KOZO_FSD_PING_REPLY;
            break;
        default:
            m.info = kozo_msginfo_make(0, 0, 0, KOZO_ERR_ILLEGAL_OPERATION);
            break;
        }
        err = kozo_reply_recv(ep, &m);
    }
}
