// SPDX-License-Identifier: MIT OR Apache-2.0
//
// init's log: once the console driver runs, what init's main thread says (the service
// manager's news: a death, a restart, a failure) goes into a ring, and a thread of its own
// (the logger) writes it to the console driver with a badge of its own. The supervisor
// thus never waits for the console, which may be the very service it is restarting (the
// lines come out once it is back), and the console puts the logger's lines above the
// prompt instead of into it. A full ring, or no console driver, sends the text to the
// kernel debug console instead: nothing is lost.
#include <svc/console.h>
#include <svc/thread.h>
#include "init.h"

#define LOG_RING     4096 // bytes
#define LOG_BADGE    1    // the logger's console cap (the prompt's has badge 0)
#define LOG_PRIORITY (SHELL_PRIORITY - 1)

static char ring[LOG_RING];
static uint32_t ring_head, ring_tail; // free-running; the supervisor adds, the logger takes
static kozo_handle_t log_wakeup, log_console;
static struct svc_thread logger_thread;

static void
debug_console(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        kozo_debug_putchar(KOZO_SERVICE_DEBUG_CONSOLE_SLOT, s[i]);
}

static void
log_put(const char *s, size_t n)
{
    uint32_t head = ring_head, tail = __atomic_load_n(&ring_tail, __ATOMIC_ACQUIRE);
    if (n > LOG_RING - (head - tail)) {
        debug_console(s, n);
        return;
    }
    for (size_t i = 0; i < n; i++)
        ring[(head + i) % LOG_RING] = s[i];
    __atomic_store_n(&ring_head, head + (uint32_t)n, __ATOMIC_RELEASE);
    kozo_signal(log_wakeup);
}

static void
logger(void *unused)
{
    (void)unused;
    for (;;) {
        kozo_wait(log_wakeup, NULL);
        uint32_t tail = ring_tail, head;
        while (tail != (head = __atomic_load_n(&ring_head, __ATOMIC_ACQUIRE))) {
            uint32_t at = tail % LOG_RING, n = head - tail;
            if (n > LOG_RING - at)
                n = LOG_RING - at; // up to the ring's end, then the rest
            svc_console_write(log_console, ring + at, n);
            tail += n;
            __atomic_store_n(&ring_tail, tail, __ATOMIC_RELEASE);
        }
    }
}

void
log_start(kozo_handle_t console_ep)
{
    const struct svc_thread_config c = {
        .base = LOG_VADDR,
        .priority = LOG_PRIORITY,
        .cspace = ROOT_CNODE,
        .vspace = KOZO_SLOT_INIT_VSPACE,
    };
    uint64_t err;
    if (!console_ep)
        return; // the test systems: the kernel debug console, as before
    log_console = slot_alloc();
    if ((err = kozo_cnode_mint(ROOT_CNODE, log_console, ROOT_DEPTH, ROOT_CNODE, console_ep, ROOT_DEPTH,
                               KOZO_RIGHTS_ALL, LOG_BADGE)) ||
        (err = obj_alloc(KOZO_OBJ_NOTIFICATION, 0, &log_wakeup)) ||
        (err = svc_thread_new(&init_pool.alloc, &c, logger, NULL, &logger_thread)) ||
        (err = svc_thread_start(&logger_thread))) {
        kozo_printf("init: no logger thread (%s): its news go to the kernel debug console\n",
                    kozo_error_name(err));
        return;
    }
    kozo_tls_self()->output = log_put;
}
