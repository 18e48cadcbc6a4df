// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The host side of the arch contract: a fake machine for unit-testing the portable core
// as an ordinary (sanitized) user program. It defines exactly the names of
// kernel/arch/x86_64/arch.h, with a register file of its own (below), so a
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

// The host's own register file: a machine that is not x86, with one register per role of
// the system-call ABI and no two roles sharing one (on x86_64 the capability register is
// also a new thread's first argument). Portable code that names an x86 register, or
// assumes which register carries what, fails to build or fails its tests here first.
enum host_reg {
    HREG_NR,   // the system call number in, its error out
    HREG_CAP,  // the capability handle in, the badge out
    HREG_INFO, // the message info
    HREG_MR0,
    HREG_MR1,
    HREG_MR2,
    HREG_MR3, // message words 0..3
    HREG_ARG0,
    HREG_ARG1,
    HREG_ARG2, // a thread's arguments (TCB.SetRegisters)
    HREG_IP,
    HREG_SP,
    HREG_FLAGS,
    HREG_RET_IP,
    HREG_RET_FLAGS, // after a system call: where it was made from, and the flags
    HREG_COUNT
};

struct arch_context {
    word_t r[HREG_COUNT];
    word_t full; // nonzero: every register must be restored
};

// The host machine has no FPU state to keep for a thread; the field only has to exist.
struct arch_fpu {
    uint8_t unused;
};

#define RFLAGS_IF BIT(9)
// What SetRegisters and an exception reply may set: the same bits as x86_64 allows (the
// tests of the flags' rules run here too).
#define RFLAGS_USER_OK 0xdd5ULL
#define RFLAGS_FIXED   (BIT(1) | RFLAGS_IF)

// --- Syscall register ABI: one register per role (enum host_reg) ---------------------------
static inline word_t
arch_sysno(const struct arch_context *c)
{
    return c->r[HREG_NR];
}
static inline word_t
arch_get_cap(const struct arch_context *c)
{
    return c->r[HREG_CAP];
}
static inline word_t
arch_get_info(const struct arch_context *c)
{
    return c->r[HREG_INFO];
}
static inline void
arch_set_error(struct arch_context *c, word_t e)
{
    c->r[HREG_NR] = e;
}
static inline void
arch_set_badge(struct arch_context *c, word_t b)
{
    c->r[HREG_CAP] = b;
}
static inline void
arch_set_info(struct arch_context *c, word_t i)
{
    c->r[HREG_INFO] = i;
}

static inline word_t
arch_get_mr(const struct arch_context *c, unsigned i)
{
    return c->r[HREG_MR0 + (i < 3 ? i : 3)];
}

static inline void
arch_set_mr(struct arch_context *c, unsigned i, word_t v)
{
    c->r[HREG_MR0 + (i < 3 ? i : 3)] = v;
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
    c->r[HREG_IP] = ip;
    c->r[HREG_SP] = sp;
    c->r[HREG_FLAGS] = (flags & RFLAGS_USER_OK) | RFLAGS_FIXED;
    c->r[HREG_ARG0] = a0;
    c->r[HREG_ARG1] = a1;
    c->r[HREG_ARG2] = a2;
    c->full = 1;
}

static inline bool
arch_tls_base_ok(word_t base)
{
    return base < KOZO_USER_TOP;
}

static inline word_t
arch_ctx_ip(const struct arch_context *c)
{
    return c->r[HREG_IP];
}
static inline word_t
arch_ctx_sp(const struct arch_context *c)
{
    return c->r[HREG_SP];
}
static inline word_t
arch_ctx_flags(const struct arch_context *c)
{
    return c->r[HREG_FLAGS];
}
static inline word_t
arch_ctx_ret(const struct arch_context *c)
{
    return c->r[HREG_NR];
}

// A new thread's register file: nothing set but the flags every user thread runs with, and
// restored in full on its first return to user mode.
static inline void
arch_ctx_init(struct arch_context *c)
{
    c->r[HREG_FLAGS] = RFLAGS_FIXED;
    c->full = 1;
}

// The IPC fast path's copy of the first `len` message words (any len; beyond
// MSG_REG_WORDS they are in the IPC buffer). Only the words sent: the others are the
// sender's own registers, not the receiver's to see. Tested in order of length, so that
// the shortest messages cost the least.
static inline void
arch_copy_mrs(struct arch_context *to, const struct arch_context *from, word_t len)
{
    for (word_t i = 0; i < len && i < KOZO_MSG_REG_WORDS; i++)
        to->r[HREG_MR0 + i] = from->r[HREG_MR0 + i];
}

#define ARCH_ASID_COUNT     16 // a small ASID table, so exhaustion is testable
#define ARCH_ASID_POOL_SIZE 8  // 2 pools of 8 (object/asid.c)

// --- Physical memory: the identity on host pointers ----------------------------------------
#define ARCH_PHYSMAP_BYTES ((paddr_t)1 << 47)

static inline void *
arch_kva(paddr_t pa)
{
    return (void *)(uintptr_t)pa;
}
static inline paddr_t
arch_pa(const void *kva)
{
    return (paddr_t)(uintptr_t)kva;
}

#endif
