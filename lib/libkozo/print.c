// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Console output for services: each thread's own (its TLS block's `output`: the console
// service, for a client of it), or else the kernel's debug console, a byte per system
// call, through the DEBUG_CONSOLE cap.
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

static void
debug_putc(char c)
{
    if (c == '\n')
        kozo_debug_putchar(console, '\r');
    kozo_debug_putchar(console, c);
}

// The calling thread's output (its TLS block's), in pieces of up to a buffer.
struct out {
    void (*sink)(const char *s, size_t n);
    size_t n;
    char buf[120];
};

static void
flush(struct out *o)
{
    if (o->n)
        o->sink(o->buf, o->n);
    o->n = 0;
}

static void
put(void *ctx, char c)
{
    struct out *o = ctx;
    if (!o->sink) {
        debug_putc(c);
        return;
    }
    o->buf[o->n++] = c;
    if (o->n == sizeof(o->buf))
        flush(o);
}

void
kozo_putc(char c)
{
    struct out o = { kozo_tls_self()->output, 0, { 0 } };
    put(&o, c);
    if (o.sink)
        flush(&o);
}

void
kozo_puts(const char *s)
{
    struct out o = { kozo_tls_self()->output, 0, { 0 } };
    while (*s)
        put(&o, *s++);
    if (o.sink)
        flush(&o);
}

int
kozo_vprintf(const char *fmt, va_list ap)
{
    struct out o = { kozo_tls_self()->output, 0, { 0 } };
    int n = fmt_vformat(put, &o, fmt, ap);
    if (o.sink)
        flush(&o);
    return n;
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
