// SPDX-License-Identifier: MIT OR Apache-2.0
//
// fmt.h - a small printf engine for the kernel console and the services.
//
// No floating point (kernel code is built with -mgeneral-regs-only), no
// locale, no allocation. Output goes one character at a time to a callback, so
// the same engine drives a serial port, a ring buffer or fmt_snprintf().
//
// Supported: conversions d i u o x X p s c %; flags - 0 + space #; width and
// precision as numbers or '*'; length modifiers hh h l ll z j t.
//   %p   prints "0x" and exactly 16 hex digits (NULL: 0x0000000000000000).
//   %s   NULL prints "(null)"; a precision limits how many bytes are read.
// An unknown conversion is printed literally (e.g. "%q"), so a bad format
// string shows up in the output instead of desynchronising the arguments
// silently. Formats are also checked at compile time via KZ_PRINTF_FORMAT.

#ifndef KOZO_LIB_COMMON_FMT_H
#define KOZO_LIB_COMMON_FMT_H

#include <stdarg.h>
#include <stddef.h>

#if defined(__GNUC__) || defined(__clang__)
#define KZ_PRINTF_FORMAT(fmt_idx, args_idx) __attribute__((format(printf, fmt_idx, args_idx)))
#else
#define KZ_PRINTF_FORMAT(fmt_idx, args_idx)
#endif

// Receives each output character; ctx is passed through untouched.
typedef void (*fmt_putc_fn)(void *ctx, char c);

// Format fmt with ap, sending every character to putc_fn. Returns the number
// of characters sent, or -1 if putc_fn or fmt is NULL or the count would not
// fit in an int. ap is consumed as by vprintf.
int fmt_vformat(fmt_putc_fn putc_fn, void *ctx, const char *fmt, va_list ap) KZ_PRINTF_FORMAT(3, 0);

// Like C99 vsnprintf/snprintf: write at most n bytes to buf, always
// NUL-terminated when n > 0 (output is truncated, never overrun), and return
// the length the full output would have had, excluding the NUL. buf may be
// NULL when n is 0 (to measure). Returns -1 on a NULL fmt, or if buf is NULL
// while n > 0.
int fmt_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap) KZ_PRINTF_FORMAT(3, 0);
int fmt_snprintf(char *buf, size_t n, const char *fmt, ...) KZ_PRINTF_FORMAT(3, 4);

#endif // KOZO_LIB_COMMON_FMT_H
