// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The host side of the arch contract: a fake machine for unit-testing the portable core
// as an ordinary (sanitized) user program. It defines exactly the names of
// kernel/arch/x86_64/arch.h, with the same register file and syscall register ABI, so a
// test drives the kernel the way user space does: fill a thread's saved registers, call
// syscall_dispatch(), read the registers back. The out-of-line half is in arch.c; what a
// test can inspect (recorded calls, console output, the panic hook) is in host.h.
//
// "Physical memory" on the host is ordinary host memory: a physical address is the
// pointer value, so arch_kva and arch_pa are the identity. Host pointers of user programs
// lie below 2^47, which is what cap.h's 48-bit pointer field needs.
#ifndef KOZO_ARCH_H
#define KOZO_ARCH_H

#include <kern/types.h>
#include <kozo_abi.h>

#define ARCH_NAME "host"

// The user register file; the same fields as on x86_64 (the entry asm does not exist here,
// so there are no CTX_* offset checks).
struct arch_context {
    word_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
    word_t r8, r9, r10, r11, r12, r13, r14, r15;
    word_t rip, rsp, rflags;
    word_t full; // nonzero: every register must be restored (IRETQ path)
};

// The host machine has no FPU state to keep for a thread; the field only has to exist.
struct arch_fpu {
    uint8_t unused;
};

#define RFLAGS_IF      BIT(9)
// What SetRegisters and an exception reply may set: CF PF AF ZF SF TF DF OF. TF lets a
// debugger single-step a thread; it is safe because SYSCALL masks it (IA32_FMASK) and
// #DB has its own stack (kernel/arch/x86_64/cpu.c), so only user code is ever stepped.
#define RFLAGS_USER_OK  0xdd5ULL
#define RFLAGS_FIXED   (BIT(1) | RFLAGS_IF)

// --- Syscall register ABI (abi/arch/x86_64.abi: RAX number, RDI cap/badge, RSI info, MR0-3) ------
static inline word_t arch_sysno(const struct arch_context *c) { return c->rax; }
static inline word_t arch_get_cap(const struct arch_context *c) { return c->rdi; }
static inline word_t arch_get_info(const struct arch_context *c) { return c->rsi; }
static inline void arch_set_error(struct arch_context *c, word_t e) { c->rax = e; }
static inline void arch_set_badge(struct arch_context *c, word_t b) { c->rdi = b; }
static inline void arch_set_info(struct arch_context *c, word_t i) { c->rsi = i; }

static inline word_t arch_get_mr(const struct arch_context *c, unsigned i)
{
    switch (i) {
    case 0: return c->rdx;
    case 1: return c->r10;
    case 2: return c->r8;
    default: return c->r9;
    }
}

static inline void arch_set_mr(struct arch_context *c, unsigned i, word_t v)
{
    switch (i) {
    case 0: c->rdx = v; break;
    case 1: c->r10 = v; break;
    case 2: c->r8 = v; break;
    default: c->r9 = v; break;
    }
}

// Registers settable through TCB.SetRegisters. Returns false for a non-user address.
static inline bool arch_ctx_set_user(struct arch_context *c, word_t ip, word_t sp, word_t flags,
                                     word_t a0, word_t a1, word_t a2)
{
    if (ip >= KOZO_USER_TOP || sp > KOZO_USER_TOP)
        return false;
    c->rip = ip;
    c->rsp = sp;
    c->rflags = (flags & RFLAGS_USER_OK) | RFLAGS_FIXED;
    c->rdi = a0;
    c->rsi = a1;
    c->rdx = a2;
    c->full = 1;
    return true;
}

static inline bool arch_tls_base_ok(word_t base) { return base < KOZO_USER_TOP; }

static inline word_t arch_ctx_ip(const struct arch_context *c) { return c->rip; }
static inline word_t arch_ctx_sp(const struct arch_context *c) { return c->rsp; }
static inline word_t arch_ctx_flags(const struct arch_context *c) { return c->rflags; }
static inline word_t arch_ctx_ret(const struct arch_context *c) { return c->rax; }

// A new thread's register file: nothing set but the flags every user thread runs with, and
// restored in full on its first return to user mode.
static inline void arch_ctx_init(struct arch_context *c)
{
    c->rflags = RFLAGS_FIXED;
    c->full = 1;
}

// The IPC fast path's copy of the first `len` message words (any len; beyond
// MSG_REG_WORDS they are in the IPC buffer). Only the words sent: the others are the
// sender's own registers, not the receiver's to see. Tested in order of length, so that
// the shortest messages cost the least.
static inline void arch_copy_mrs(struct arch_context *to, const struct arch_context *from, word_t len)
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

#define ARCH_ASID_COUNT 16 // a small ASID table, so exhaustion is testable
#define ARCH_ASID_POOL_SIZE 8 // 2 pools of 8 (object/asid.c)

// --- Physical memory: the identity on host pointers ----------------------------------------
#define ARCH_PHYSMAP_BYTES ((paddr_t)1 << 47)

static inline void *arch_kva(paddr_t pa) { return (void *)(uintptr_t)pa; }
static inline paddr_t arch_pa(const void *kva) { return (paddr_t)(uintptr_t)kva; }

#endif
