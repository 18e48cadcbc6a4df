// SPDX-License-Identifier: MIT OR Apache-2.0
//
// panic(): the kernel found its own state impossible, or boot cannot go on. Say why on
// the console, show where, and stop the machine (no reboot loop).
#include <kern/arch_api.h>
#include <kern/printk.h>

void
panic(const char *fmt, ...)
{
    static bool in_panic;
    va_list ap;

    if (in_panic)
        arch_halt(); // a fault while panicking: stop quietly rather than loop
    in_panic = true;
    printk("\n*** KOZO KERNEL PANIC: ");
    va_start(ap, fmt);
    vprintk(fmt, ap);
    va_end(ap);
    printk("\n");
    arch_print_backtrace();
    printk("*** system halted\n");
    arch_halt();
}
