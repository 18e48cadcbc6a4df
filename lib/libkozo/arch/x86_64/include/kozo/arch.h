// SPDX-License-Identifier: MIT OR Apache-2.0
//
// libkozo's machine code for x86_64: the system-call instruction with the registers
// abi/arch/x86_64.abi assigns (RAX the number, RDI the capability and on return the
// badge, RSI the message info, RDX R10 R8 R9 the first four message words), and the
// thread pointer (the FS base, which TCB.SetTlsBase sets). kozo/kozo.h includes this file;
// nothing else should.
#ifndef KOZO_ARCH_H
#define KOZO_ARCH_H

// The raw system call: `cap` in, the badge back in m->badge.
static inline uint64_t
kozo_syscall(uint64_t nr, uint64_t cap, struct kozo_msg *m)
{
    register uint64_t rax __asm__("rax") = nr;
    register uint64_t rdi __asm__("rdi") = cap;
    register uint64_t rsi __asm__("rsi") = m->info;
    register uint64_t rdx __asm__("rdx") = m->mr[0];
    register uint64_t r10 __asm__("r10") = m->mr[1];
    register uint64_t r8 __asm__("r8") = m->mr[2];
    register uint64_t r9 __asm__("r9") = m->mr[3];
    __asm__ volatile("syscall"
                     : "+r"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
                     :
                     : "rcx", "r11", "memory");
    m->badge = rdi;
    m->info = rsi;
    m->mr[0] = rdx;
    m->mr[1] = r10;
    m->mr[2] = r8;
    m->mr[3] = r9;
    return rax;
}

// The CPU's cycle counter (the TSC), readable without a system call; its rate is the
// boot-info frame's cycle_khz.
static inline uint64_t
kozo_cycles(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

// The calling thread's thread block. The x86_64 TLS convention: the word at FS:0 is the
// thread pointer itself, so one load finds the block.
static inline struct kozo_tls *
kozo_tls_self(void)
{
    struct kozo_tls *t;
    __asm__("movq %%fs:0, %0" : "=r"(t));
    return t;
}

#endif
