// SPDX-License-Identifier: MIT OR Apache-2.0
//
// console: the console driver. It owns COM1 (its ports and its interrupt, granted by the
// system description) and serves the console protocol (abi/proto/console.proto) to
// several clients: text out, a line at a time per client so that two never meet inside a
// line (screen.c), and edited lines in (line.c, input.c). The kernel keeps only its own
// debug output.
//
// Threads: an input thread owns the UART's receive side; WORKERS threads (this one among
// them) receive on the endpoint, so a Read that waits for a line does not hold up the
// Writes of other clients. One lock (a notification) keeps the screen, the editor and the
// UART to one thread at a time.
#include <proto/console.h>
#include <svc/pool.h>
#include <svc/thread.h>
#include <system.h>
#include "console.h"
#include "uart.h"

int main(void);

#define WORKERS      3             // a waiting Read and two Writes at once; more calls queue
#define WORKER_VADDR 0x44000000ULL // the other workers' stacks, IPC buffers and TLS blocks
#define WORKER_SPAN  0x10000ULL

struct svc_lock console_lock;
struct screen console_screen;
struct line_editor console_editor;

static struct svc_pool pool;
static struct svc_thread workers[WORKERS - 1];

static void
to_uart(void *ctx, const char *s, size_t n)
{
    (void)ctx;
    uart_write(s, n);
}

static uint64_t
do_write(void *ctx, uint64_t badge, const struct console_write_args *a)
{
    char buf[CONSOLE_CHUNK];
    (void)ctx;
    if (a->len > CONSOLE_CHUNK)
        return CONSOLE_TOO_LONG;
    svc_unpack_bytes(&a->w0, a->len, buf);
    svc_lock(&console_lock);
    screen_write(&console_screen, badge, buf, a->len);
    svc_unlock(&console_lock);
    return CONSOLE_OK;
}

static uint64_t
do_read(void *ctx, uint64_t badge, struct console_read_res *r)
{
    char line[LINE_MAX];
    unsigned len = 0;
    (void)ctx, (void)badge;
    uint64_t status = input_take_line(line, &len);
    r->len = len;
    svc_pack_bytes(line, len, &r->w0);
    return status;
}

static struct console_server server = { .write = do_write, .read = do_read };

static void
serve(void *unused)
{
    (void)unused;
    uint64_t err = svc_serve(SYS_SLOT_EP, console_dispatch, &server);
    kozo_printf("console: receive failed: %s\n", kozo_error_name(err));
}

static uint64_t
start_workers(void)
{
    for (unsigned i = 0; i < WORKERS - 1; i++) {
        const struct svc_thread_config c = {
            .base = WORKER_VADDR + i * WORKER_SPAN,
            .priority = SYS_PRIORITY,
            .cspace = SYS_SLOT_CNODE,
            .vspace = SYS_SLOT_VSPACE,
        };
        uint64_t err = svc_thread_new(&pool.alloc, &c, serve, NULL, &workers[i]);
        if (err || (err = svc_thread_start(&workers[i])))
            return err;
    }
    return KOZO_ERR_OK;
}

int
main(void)
{
    kozo_handle_t lock_ntfn;
    uint64_t err;
    _Static_assert(CONSOLE_CHUNK == LINE_MAX, "a line is one Read");

    if (!uart_init())
        return 1;
    svc_pool_init(&pool, SYS_SLOT_CNODE, KOZO_HANDLE_BITS, SYS_SLOTS_FREE_FIRST, SYS_SLOTS_FREE_END, 0);
    screen_init(&console_screen, &console_editor, to_uart, NULL);
    if ((err = svc_pool_add(&pool, SYS_SLOT_MEMORY, 0, SYS_MEMORY_MAX_BITS, false, 0)) ||
        (err = svc_object_new(&pool.alloc, KOZO_OBJ_NOTIFICATION, 0, &lock_ntfn)) ||
        (err = svc_lock_init(&console_lock, lock_ntfn)) || (err = input_start(&pool.alloc)) ||
        (err = start_workers())) {
        kozo_printf("console: cannot start its threads: %s\n", kozo_error_name(err));
        return 1;
    }
    serve(NULL);
    return 1;
}
