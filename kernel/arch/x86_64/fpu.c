// SPDX-License-Identifier: MIT OR Apache-2.0
//
// x87/SSE state, switched lazily. The kernel and KOZO's own services are built without
// SSE, so most threads never touch the FPU; Linux binaries use it everywhere. So the FPU
// registers stay with the last thread that used them (fpu_owner) and CR0.TS is set for
// every other thread: its first FPU instruction traps (#NM), and only then does the kernel
// save the owner's registers into the owner's TCB and load the new thread's. A switch
// between threads that do not use the FPU costs one test.
//
// Invariant: CR0.TS is clear (SWITCH_FPU_OPEN in cpu0.switch_work) only while the current
// thread is cpu0.fpu_owner (per-CPU state: arch_switch_to tests it inline). A new
// thread's saved state is the reset state, so nothing of another thread's registers can
// reach it. AVX and later (XSAVE) state is not enabled: those instructions fault as
// undefined.
#include <kern/arch_api.h>
#include <kern/sched.h>
#include <string.h>
#include "cpu.h"

#define CR0_MP         BIT(1) // WAIT/FWAIT trap too when TS is set
#define CR0_EM         BIT(2) // emulate the FPU: must be clear for SSE
#define CR0_TS         BIT(3)
#define CR4_OSXMMEXCPT BIT(10) // unmasked SIMD floating-point errors raise #XM, not #UD

#define FXSAVE_FCW   0  // x87 control word
#define FXSAVE_MXCSR 24 // SSE control and status
#define FCW_RESET    0x037f
#define MXCSR_RESET  0x1f80

static inline word_t
read_cr0(void)
{
    word_t v;
    __asm__ volatile("mov %%cr0, %0" : "=r"(v));
    return v;
}
static inline void
write_cr0(word_t v)
{
    __asm__ volatile("mov %0, %%cr0" ::"r"(v) : "memory");
}
static inline void
clts(void)
{
    __asm__ volatile("clts" ::: "memory");
}
static inline void
stts(void)
{
    write_cr0(read_cr0() | CR0_TS);
}

void
fpu_init(void)
{
    write_cr0((read_cr0() & ~CR0_EM) | CR0_MP | CR0_TS);
    write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
    clts();
    __asm__ volatile("fninit"); // so no state from the firmware survives in the registers
    stts();
}

void
arch_fpu_init(struct tcb *t)
{
    // TCBs are retyped from zeroed memory: everything else of the FXSAVE image is the
    // reset value already (empty x87 stack, zero registers).
    uint16_t fcw = FCW_RESET;
    uint32_t mxcsr = MXCSR_RESET;
    memcpy(t->fpu.fxsave + FXSAVE_FCW, &fcw, sizeof(fcw));
    memcpy(t->fpu.fxsave + FXSAVE_MXCSR, &mxcsr, sizeof(mxcsr));
}

void
fpu_close(void)
{
    stts();
    cpu0.switch_work &= ~SWITCH_FPU_OPEN;
}

void
arch_fpu_release(struct tcb *t)
{
    if (cpu0.fpu_owner != t)
        return;
    cpu0.fpu_owner = NULL; // what the registers hold goes to nobody: the next user loads its own
    if (cpu0.switch_work & SWITCH_FPU_OPEN)
        fpu_close();
}

// #NM from user mode: the current thread wants the FPU.
void
fpu_trap(void)
{
    struct tcb *t = current, *owner = cpu0.fpu_owner;
    clts();
    cpu0.switch_work |= SWITCH_FPU_OPEN;
    if (owner == t)
        return;
    if (owner)
        __asm__ volatile("fxsave64 %0" : "=m"(owner->fpu));
    __asm__ volatile("fxrstor64 %0" ::"m"(t->fpu));
    cpu0.fpu_owner = t;
}
