// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Console output for services. Until a console server exists, text goes out through the
// kernel's debug console, a byte per system call, through the DEBUG_CONSOLE cap.
#include <fmt.h>
#include <kozo/kozo.h>

_Static_assert(KOZO_SERVICE_DEBUG_CONSOLE_SLOT == KOZO_SLOT_DEBUG_CONSOLE,
               "init and the services it starts find the console cap in the same slot");

static kozo_handle_t console = KOZO_SERVICE_DEBUG_CONSOLE_SLOT;

void
kozo_set_debug_console(kozo_handle_t cap)
{
    console = cap;
}

void
kozo_putc(char c)
{
    if (c == '\n')
        kozo_debug_putchar(console, '\r');
    kozo_debug_putchar(console, c);
}

void
kozo_puts(const char *s)
{
    while (*s)
        kozo_putc(*s++);
}

static void
put(void *ctx, char c)
{
    (void)ctx;
    kozo_putc(c);
}

int
kozo_vprintf(const char *fmt, va_list ap)
{
    return fmt_vformat(put, NULL, fmt, ap);
}

int
kozo_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kozo_vprintf(fmt, ap);
    va_end(ap);
    return n;
}

void
kozo_exit(int code)
{
    (void)code;
    for (;;)
        __asm__ volatile("ud2"); // an invalid instruction: the kernel stops the thread
}
