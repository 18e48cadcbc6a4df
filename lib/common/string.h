// SPDX-License-Identifier: MIT OR Apache-2.0
//
// string.h - the memory and string primitives of lib/common.
//
// The kernel and the services have no libc, but the compiler still emits calls
// to memcpy, memmove, memset and memcmp on its own (struct copies, zeroing), so
// these must exist under their standard names with standard semantics. This
// header deliberately has the name of the libc header: a freestanding build with
// -Ilib/common gets these declarations from `#include <string.h>`.
//
// Building string.c
//   string.c refuses to compile unless __STDC_HOSTED__ is 0, i.e. with
//   -ffreestanding. Without it, GCC (-O2) and clang (-O1) recognise the byte
//   loops as "a memset/memcpy idiom" and replace them with calls to memset/
//   memcpy, which inside memset itself is infinite recursion.
//
// Hosted unit tests (the libc-name clash)
//   A host test links against libc, which already defines memcpy & co. To test
//   *these* implementations there, define KOZO_STRING_PREFIXED (to 1) when
//   compiling string.c and before including this header in the test: every
//   function below is then renamed kz_memcpy, kz_strlen, ... by the macros in
//   this header, so the symbols never collide with libc and libc's own copies
//   keep serving the sanitizer runtime and the rest of the test. The source of
//   string.c is the same in both builds; only the emitted symbol names differ.
//
//     cc -ffreestanding -DKOZO_STRING_PREFIXED=1 -fsanitize=... -c string.c
//
//   Hosted tests should add lib/common with -iquote (not -I), so that a libc
//   `#include <string.h>` is not shadowed by this file.

#ifndef KOZO_LIB_COMMON_STRING_H
#define KOZO_LIB_COMMON_STRING_H

#include <stddef.h>

#if defined(KOZO_STRING_PREFIXED) && KOZO_STRING_PREFIXED
#define memcpy  kz_memcpy
#define memmove kz_memmove
#define memset  kz_memset
#define memcmp  kz_memcmp
#define strlen  kz_strlen
#define strnlen kz_strnlen
#define strcmp  kz_strcmp
#define strncmp kz_strncmp
#define strchr  kz_strchr
#define memchr  kz_memchr
#endif

// Copy n bytes; the ranges must not overlap (use memmove if they may).
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
// Copy n bytes; the ranges may overlap.
void *memmove(void *dst, const void *src, size_t n);
// Fill n bytes with (unsigned char)c.
void *memset(void *dst, int c, size_t n);
// Compare n bytes as unsigned char: <0, 0 or >0.
int memcmp(const void *a, const void *b, size_t n);
// Length of a NUL-terminated string.
size_t strlen(const char *s);
// Length of s, but look at no more than maxlen bytes.
size_t strnlen(const char *s, size_t maxlen);
// Compare NUL-terminated strings as unsigned char.
int strcmp(const char *a, const char *b);
// Compare at most n characters.
int strncmp(const char *a, const char *b, size_t n);
// First occurrence of (char)c in s; c == 0 finds the terminator. NULL if absent.
char *strchr(const char *s, int c);
// First occurrence of (unsigned char)c in the n bytes at s; NULL if absent.
void *memchr(const void *s, int c, size_t n);

#endif // KOZO_LIB_COMMON_STRING_H
