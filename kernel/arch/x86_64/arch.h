// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The x86_64 side of the arch contract: register file, syscall register ABI, physical window.
// Every arch directory has an arch.h defining exactly these names (arch/host has the fake
// one used for unit tests and fuzzing); the functions every arch implements out of line are
// declared in kern/arch_api.h. Portable code never includes anything else from arch/.
#ifndef KOZO_ARCH_H
#define KOZO_ARCH_H

#include <kern/types.h>
#include <kozo_abi.h>
#include "asm.h"

#define ARCH_NAME "x86_64"

// The user register file, saved on every kernel entry. Layout fixed by asm.h (CTX_*).
struct arch_context {
    word_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
    word_t r8, r9, r10, r11, r12, r13, r14, r15;
    word_t rip, rsp, rflags;
    word_t full; // nonzero: every register must be restored (IRETQ path)
};
_Static_assert(__builtin_offsetof(struct arch_context, rip) == CTX_RIP, "CTX_RIP");
_Static_assert(__builtin_offsetof(struct arch_context, full) == CTX_FULL, "CTX_FULL");
_Static_assert(sizeof(struct arch_context) == CTX_SIZE, "CTX_SIZE");

// The thread's x87/SSE state as FXSAVE stores it, saved and restored lazily (fpu.c).
struct arch_fpu {
    uint8_t fxsave[512];
} ALIGNED(16);

#define RFLAGS_IF BIT(9)
// What SetRegisters and an exception reply may set: CF PF AF ZF SF TF DF OF. TF lets a
// debugger single-step a thread; it is safe because SYSCALL masks it (IA32_FMASK) and
// #DB has its own stack (kernel/arch/x86_64/cpu.c), so only user code is ever stepped.
#define RFLAGS_USER_OK 0xdd5ULL
#define RFLAGS_FIXED   (BIT(1) | RFLAGS_IF)

// --- Syscall register ABI (abi/arch/x86_64.abi: RAX number, RDI cap/badge, RSI info, MR0-3) ------
static inline word_t
arch_sysno(const struct arch_context *c)
{
    return c->rax;
}
static inline word_t
arch_get_cap(const struct arch_context *c)
{
    return c->rdi;
}
static inline word_t
arch_get_info(const struct arch_context *c)
{
    return c->rsi;
}
static inline void
arch_set_error(struct arch_context *c, word_t e)
{
    c->rax = e;
}
static inline void
arch_set_badge(struct arch_context *c, word_t b)
{
    c->rdi = b;
}
static inline void
arch_set_info(struct arch_context *c, word_t i)
{
    c->rsi = i;
}

static inline word_t
arch_get_mr(const struct arch_context *c, unsigned i)
{
    switch (i) {
    case 0: return c->rdx;
    case 1: return c->r10;
    case 2: return c->r8;
    default: return c->r9;
    }
}

static inline void
arch_set_mr(struct arch_context *c, unsigned i, word_t v)
{
    switch (i) {
    case 0: c->rdx = v; break;
    case 1: c->r10 = v; break;
    case 2: c->r8 = v; break;
    default: c->r9 = v; break;
    }
}

// Registers settable through TCB.SetRegisters: a user-mode state (the flags are masked to
// what user mode may set), checked by arch_ctx_user_ok() first.
static inline bool
arch_ctx_user_ok(word_t ip, word_t sp, word_t flags)
{
    (void)flags;
    return ip < KOZO_USER_TOP && sp <= KOZO_USER_TOP;
}
static inline void
arch_ctx_set_user(struct arch_context *c, word_t ip, word_t sp, word_t flags, word_t a0, word_t a1, word_t a2)
{
    c->rip = ip;
    c->rsp = sp;
    c->rflags = (flags & RFLAGS_USER_OK) | RFLAGS_FIXED;
    c->rdi = a0;
    c->rsi = a1;
    c->rdx = a2;
    c->full = 1;
}

// The FS base must be canonical: a user address (or 0).
static inline bool
arch_tls_base_ok(word_t base)
{
    return base < KOZO_USER_TOP;
}

static inline word_t
arch_ctx_ip(const struct arch_context *c)
{
    return c->rip;
}
static inline word_t
arch_ctx_sp(const struct arch_context *c)
{
    return c->rsp;
}
static inline word_t
arch_ctx_flags(const struct arch_context *c)
{
    return c->rflags;
}
static inline word_t
arch_ctx_ret(const struct arch_context *c)
{
    return c->rax;
}

// A new thread's register file: nothing set but the flags every user thread runs with, and
// restored in full on its first return to user mode.
static inline void
arch_ctx_init(struct arch_context *c)
{
    c->rflags = RFLAGS_FIXED;
    c->full = 1;
}

// The IPC fast path's copy of the first `len` message words (any len; beyond
// MSG_REG_WORDS they are in the IPC buffer). Only the words sent: the others are the
// sender's own registers, not the receiver's to see. Tested in order of length, so that
// the shortest messages cost the least.
static inline void
arch_copy_mrs(struct arch_context *to, const struct arch_context *from, word_t len)
{
    if (len > 0) {
        to->rdx = from->rdx;
        if (len > 1) {
            to->r10 = from->r10;
            if (len > 2) {
                to->r8 = from->r8;
                if (len > 3)
                    to->r9 = from->r9;
            }
        }
    }
}

#define ARCH_ASID_COUNT     4096 // ASIDs: 12 bits, the width of a PCID; ASID 0 is the kernel's
#define ARCH_ASID_POOL_SIZE KOZO_ARCH_ASID_POOL_SIZE // issued in KOZO_ARCH_ASID_POOLS pools (object/asid.c)

// --- Physical memory: the kernel reaches RAM through a fixed window ----------------------
#define ARCH_PHYSMAP_BYTES ((paddr_t)PHYSMAP_GIB << 30)

static inline void *
arch_kva(paddr_t pa)
{
    return (void *)(uintptr_t)(PHYSMAP_BASE + pa);
}
static inline paddr_t
arch_pa(const void *kva)
{
    return (paddr_t)((uintptr_t)kva - PHYSMAP_BASE);
}

#endif
