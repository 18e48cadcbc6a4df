// SPDX-License-Identifier: MIT OR Apache-2.0
// Kernel console output (COM1 through arch_putchar) and panic.
#ifndef KERN_PRINTK_H
#define KERN_PRINTK_H

#include <kern/types.h>
#include <stdarg.h>

void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vprintk(const char *fmt, va_list ap);

// The debug console (console.c): one byte from the kernel, or from a user thread through
// DEBUG_PUTCHAR (filtered: it cannot write controls or pass for a kernel line).
void console_putc_kernel(char c);
void console_putc_user(char c);

// Stop the machine with a reason. The arch layer adds registers and a backtrace.
NORETURN void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define assert(cond)                                                          \
    do {                                                                      \
        if (unlikely(!(cond)))                                                \
            panic("assertion failed: %s (%s:%d)", #cond, __FILE__, __LINE__); \
    } while (0)

// Debug-build log of every rejected user request: costs nothing when KOZO_DEBUG_ERRORS is 0.
#ifndef KOZO_DEBUG_ERRORS
#define KOZO_DEBUG_ERRORS 0
#endif
#define user_error(...)                      \
    do {                                     \
        if (KOZO_DEBUG_ERRORS) {             \
            printk("[kernel] user error: "); \
            printk(__VA_ARGS__);             \
            printk("\n");                    \
        }                                    \
    } while (0)

// The same as an expression, for the usual shape of a rejection:
//     return user_reject(KOZO_ERR_RANGE, "irq %lu: no such line", (unsigned long)irq);
// A DEBUG_ERRORS build says why; otherwise it is just the error (nothing else is compiled).
#define user_reject(err, ...)    \
    ({                           \
        user_error(__VA_ARGS__); \
        (word_t)(err);           \
    })

#endif
