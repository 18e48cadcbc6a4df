// SPDX-License-Identifier: MIT OR Apache-2.0
//
// console: the console driver. It owns COM1 (its ports and its interrupt, granted by the
// system description) and serves the console protocol (abi/proto/console.proto): text out,
// and edited lines in (line.c). The kernel keeps only its own debug output.
//
// One thread: a Read waits for the line to be finished, and Writes wait behind it. That is
// right for the one client the console has today, the Init> prompt, which never writes
// while it reads; several clients need a receive thread of their own (issue 12, item 6).
#include <kozo/kozo.h>
#include <proto/console.h>
#include <system.h>
#include "line.h"
#include "uart.h"

int main(void);

static struct line_editor editor;

static uint64_t
do_write(void *ctx, uint64_t badge, const struct console_write_args *a)
{
    char buf[CONSOLE_CHUNK];
    (void)ctx, (void)badge;
    if (a->len > CONSOLE_CHUNK)
        return CONSOLE_TOO_LONG;
    svc_unpack_bytes(&a->w0, a->len, buf);
    uart_write(buf, a->len);
    return CONSOLE_OK;
}

static uint64_t
do_read(void *ctx, uint64_t badge, struct console_read_res *r)
{
    char echo[3 * LINE_MAX + 4], line[LINE_MAX];
    (void)ctx, (void)badge;
    for (;;) {
        while (uart_rx_ready()) {
            size_t n;
            enum line_event ev = line_feed(&editor, uart_rx(), echo, &n);
            uart_write(echo, n);
            if (ev == LINE_INTERRUPTED)
                return CONSOLE_INTERRUPTED;
            if (ev == LINE_DONE) {
                r->len = line_take(&editor, line);
                svc_pack_bytes(line, r->len, &r->w0);
                return CONSOLE_OK;
            }
        }
        uart_wait();
    }
}

int
main(void)
{
    static struct console_server server = { .write = do_write, .read = do_read };
    _Static_assert(CONSOLE_CHUNK == LINE_MAX, "a line is one Read");
    if (!uart_init())
        return 1;
    uint64_t err = svc_serve(SYS_SLOT_EP, console_dispatch, &server);
    kozo_printf("console: receive failed: %s\n", kozo_error_name(err));
    return 1;
}
