// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Kernel console output: formatted text to the arch debug console (COM1 on x86_64), through
// console.c, which keeps the kernel's lines apart from what user threads write there.
#include <fmt.h>
#include <kern/arch_api.h>
#include <kern/printk.h>
#include <stdarg.h>

static void
console_putc(void *ctx, char c)
{
    (void)ctx;
    if (c == '\n')
        console_putc_kernel('\r');
    console_putc_kernel(c);
}

void
vprintk(const char *fmt, va_list ap)
{
    fmt_vformat(console_putc, NULL, fmt, ap);
}

void
printk(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintk(fmt, ap);
    va_end(ap);
}
