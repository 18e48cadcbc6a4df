// SPDX-License-Identifier: MIT OR Apache-2.0
//
// string.c - memcpy, memmove, memset, memcmp, strlen, strnlen, strcmp,
// strncmp and strchr for the kernel and the services.
//
// Plain loops: correctness and auditability matter more here than speed. The
// one concession: memcpy and memset move whole words while both pointers are
// word-aligned (the kernel clears every object it retypes, 2 KiB for a TCB, 4 KiB
// for a frame, and copies IPC-buffer words), then finish byte by byte; no access
// ever reaches outside [dst, dst + n) or [src, src + n). See string.h for why this file must be compiled freestanding and how
// hosted tests rename the symbols.

#include <stddef.h>
#include <stdint.h>

#include "string.h"

// Hosted, the compiler may turn the loops below into calls to memset/memcpy,
// that is, into calls to themselves.
#if __STDC_HOSTED__
#error "string.c must be compiled with -ffreestanding"
#endif

// A word that may alias any object (the loops below store into objects of any type).
typedef uint64_t __attribute__((may_alias)) alias_word;

void *
memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    if ((((uintptr_t)d | (uintptr_t)s) & (sizeof(alias_word) - 1)) == 0)
        for (; n >= sizeof(alias_word);
             n -= sizeof(alias_word), d += sizeof(alias_word), s += sizeof(alias_word))
            *(alias_word *)(void *)d = *(const alias_word *)(const void *)s;
    for (size_t i = 0; i < n; i++)
        d[i] = s[i];
    return dst;
}

void *
memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    // Relational comparison of pointers into different objects is undefined
    // in C; comparing the addresses as integers is what we actually mean.
    if ((uintptr_t)d < (uintptr_t)s) {
        for (size_t i = 0; i < n; i++)
            d[i] = s[i];
    } else if ((uintptr_t)d > (uintptr_t)s) {
        // dst above src: copy from the end so an overlapping tail of src is
        // read before it is overwritten.
        for (size_t i = n; i > 0; i--)
            d[i - 1] = s[i - 1];
    }
    return dst;
}

void *
memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;

    if (((uintptr_t)d & (sizeof(alias_word) - 1)) == 0) {
        alias_word w = (unsigned char)c * 0x0101010101010101ULL;
        for (; n >= sizeof(alias_word); n -= sizeof(alias_word), d += sizeof(alias_word))
            *(alias_word *)(void *)d = w;
    }
    for (size_t i = 0; i < n; i++)
        d[i] = (unsigned char)c;
    return dst;
}

int
memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *p = a;
    const unsigned char *q = b;

    for (size_t i = 0; i < n; i++) {
        if (p[i] != q[i])
            return p[i] < q[i] ? -1 : 1;
    }
    return 0;
}

size_t
strlen(const char *s)
{
    size_t n = 0;

    while (s[n] != '\0')
        n++;
    return n;
}

size_t
strnlen(const char *s, size_t maxlen)
{
    size_t n = 0;

    while (n < maxlen && s[n] != '\0')
        n++;
    return n;
}

int
strcmp(const char *a, const char *b)
{
    // The C standard compares as unsigned char, so "\xff" sorts after "a".
    const unsigned char *p = (const unsigned char *)a;
    const unsigned char *q = (const unsigned char *)b;

    while (*p != '\0' && *p == *q) {
        p++;
        q++;
    }
    return *p == *q ? 0 : (*p < *q ? -1 : 1);
}

int
strncmp(const char *a, const char *b, size_t n)
{
    const unsigned char *p = (const unsigned char *)a;
    const unsigned char *q = (const unsigned char *)b;

    for (size_t i = 0; i < n; i++) {
        if (p[i] != q[i])
            return p[i] < q[i] ? -1 : 1;
        if (p[i] == '\0')
            return 0;
    }
    return 0;
}

char *
strchr(const char *s, int c)
{
    const char ch = (char)c;

    for (;; s++) {
        if (*s == ch)
            return (char *)s; // the standard signature drops const
        if (*s == '\0')
            return NULL;
    }
}

void *
memchr(const void *s, int c, size_t n)
{
    const unsigned char *p = s;

    for (size_t i = 0; i < n; i++) {
        if (p[i] == (unsigned char)c)
            return (void *)(p + i); // the standard signature drops const
    }
    return NULL;
}
