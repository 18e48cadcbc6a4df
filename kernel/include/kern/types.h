// SPDX-License-Identifier: MIT OR Apache-2.0
// Basic types and compiler helpers for the portable kernel core.
#ifndef KERN_TYPES_H
#define KERN_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t word_t;
typedef uint64_t paddr_t;

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define NORETURN    __attribute__((noreturn))
#define NOINLINE    __attribute__((noinline))
#define UNUSED      __attribute__((unused))
#define PACKED      __attribute__((packed))
#define ALIGNED(n)  __attribute__((aligned(n)))

#define BIT(n)           (1ULL << (n))
#define MASK(n)          ((n) >= 64 ? ~0ULL : BIT(n) - 1)
#define ALIGN_UP(x, a)   (((x) + ((a)-1)) & ~((__typeof__(x))(a)-1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a)-1))
#define IS_ALIGNED(x, b) (((x)&MASK(b)) == 0)
#define ARRAY_SIZE(a)    (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b)        ((a) < (b) ? (a) : (b))
#define MAX(a, b)        ((a) > (b) ? (a) : (b))

#endif
