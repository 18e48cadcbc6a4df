// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The console's input thread: it waits for the UART's receive interrupt, feeds what was
// typed to the line editor, echoes it through the screen, and queues each finished line
// (or Ctrl-C) for the next Read, as a terminal in cooked mode keeps what was typed ahead.
// One Read waits at a time: the console's input goes to one reader (the foreground), and
// a second gets BUSY instead of a worker thread of the driver's.
#include <proto/console.h>
#include <svc/thread.h>
#include <system.h>
#include "console.h"
#include "uart.h"

#define TYPED_AHEAD 4             // finished lines kept for a Read (more are lost)
#define INPUT_VADDR 0x40000000ULL // the input thread's stack, IPC buffer and TLS

struct typed_line {
    bool interrupted;
    unsigned len;
    char buf[LINE_MAX];
};

// All under console_lock.
static struct typed_line typed[TYPED_AHEAD];
static unsigned typed_head, typed_tail; // free-running; head - tail lines are queued
static bool reader_waiting;

static kozo_handle_t line_ready; // signalled when a line is queued; only the reader waits
static struct svc_thread input_thread;

static void
feed(char c)
{
    char echo[3 * LINE_MAX + 4], lost[LINE_MAX];
    size_t n;
    enum line_event ev = line_feed(&console_editor, c, echo, &n);
    if (ev != LINE_NONE) {
        if (typed_head - typed_tail == TYPED_AHEAD) {
            line_take(&console_editor, lost); // nobody reads: a terminal bell, the line is gone
            echo[n++] = '\a';
        } else {
            struct typed_line *t = &typed[typed_head % TYPED_AHEAD];
            t->interrupted = ev == LINE_INTERRUPTED;
            t->len = t->interrupted ? 0 : line_take(&console_editor, t->buf);
            typed_head++;
            kozo_signal(line_ready);
        }
    }
    screen_echo(&console_screen, echo, n, ev != LINE_NONE);
}

static void
input_loop(void *unused)
{
    (void)unused;
    for (;;) {
        svc_lock(&console_lock);
        while (uart_rx_ready())
            feed(uart_rx());
        svc_unlock(&console_lock);
        uart_wait();
    }
}

uint64_t
input_take_line(char *line, unsigned *len)
{
    svc_lock(&console_lock);
    if (reader_waiting) {
        svc_unlock(&console_lock);
        return CONSOLE_BUSY;
    }
    reader_waiting = true;
    while (typed_head == typed_tail) { // a stale signal only makes this look again
        svc_unlock(&console_lock);
        kozo_wait(line_ready, NULL);
        svc_lock(&console_lock);
    }
    const struct typed_line *t = &typed[typed_tail++ % TYPED_AHEAD];
    bool interrupted = t->interrupted;
    *len = t->len;
    for (unsigned i = 0; i < t->len; i++)
        line[i] = t->buf[i];
    reader_waiting = false;
    svc_unlock(&console_lock);
    return interrupted ? CONSOLE_INTERRUPTED : CONSOLE_OK;
}

uint64_t
input_start(struct svc_alloc *a)
{
    const struct svc_thread_config c = {
        .base = INPUT_VADDR,
        .priority = SYS_PRIORITY,
        .cspace = SYS_SLOT_CNODE,
        .vspace = SYS_SLOT_VSPACE,
    };
    uint64_t err = svc_object_new(a, KOZO_OBJ_NOTIFICATION, 0, &line_ready);
    if (!err)
        err = svc_thread_new(a, &c, input_loop, NULL, &input_thread);
    return err ? err : svc_thread_start(&input_thread);
}
