/* SPDX-License-Identifier: MIT OR Apache-2.0
 *
 * Kernel entry and exit (x86_64).
 *
 * KOZO runs on one kernel stack per CPU: every entry saves the user registers straight into
 * the current thread's struct arch_context (reached through %gs:CPU_CURRENT), then calls C on
 * a fresh kernel stack. Nothing survives on the stack between entries, so switching thread is
 * only a matter of changing `current` before the exit path reloads registers from it.
 *
 * Exit uses SYSRETQ when the thread entered with SYSCALL (RCX and R11 are clobbered, as the
 * syscall ABI allows), and IRETQ when all registers must come back (after an interrupt or a
 * fault, or when another thread set them).
 */
#include "asm.h"

    .text

/* SYSCALL: RCX = user RIP, R11 = user RFLAGS, interrupts masked by FMASK. */
    .globl syscall_entry
syscall_entry:
    swapgs
    movq %rsp, %gs:CPU_USER_RSP
    movq %gs:CPU_CURRENT, %rsp
    movq %rax, CTX_RAX(%rsp)
    movq %rbx, CTX_RBX(%rsp)
    movq %rdx, CTX_RDX(%rsp)
    movq %rsi, CTX_RSI(%rsp)
    movq %rdi, CTX_RDI(%rsp)
    movq %rbp, CTX_RBP(%rsp)
    movq %r8,  CTX_R8(%rsp)
    movq %r9,  CTX_R9(%rsp)
    movq %r10, CTX_R10(%rsp)
    movq %r12, CTX_R12(%rsp)
    movq %r13, CTX_R13(%rsp)
    movq %r14, CTX_R14(%rsp)
    movq %r15, CTX_R15(%rsp)
    movq %rcx, CTX_RIP(%rsp)
    movq %r11, CTX_RFLAGS(%rsp)
    movq %gs:CPU_USER_RSP, %rcx
    movq %rcx, CTX_RSP(%rsp)
    movq $0, CTX_FULL(%rsp)
    movq %gs:CPU_KSTACK_TOP, %rsp
    xorl %ebp, %ebp
    call syscall_handler            /* does not return: ends in kernel_exit() */
    ud2

/*
 * arch_return_to_user(struct arch_context *ctx): load ctx and leave the kernel. Noreturn.
 */
    .globl arch_return_to_user
arch_return_to_user:
    cmpq $0, CTX_FULL(%rdi)
    jne .Lfull_restore
    movq %rdi, %rsp
    movq CTX_RAX(%rsp), %rax
    movq CTX_RBX(%rsp), %rbx
    movq CTX_RDX(%rsp), %rdx
    movq CTX_RSI(%rsp), %rsi
    movq CTX_RDI(%rsp), %rdi
    movq CTX_RBP(%rsp), %rbp
    movq CTX_R8(%rsp),  %r8
    movq CTX_R9(%rsp),  %r9
    movq CTX_R10(%rsp), %r10
    movq CTX_R12(%rsp), %r12
    movq CTX_R13(%rsp), %r13
    movq CTX_R14(%rsp), %r14
    movq CTX_R15(%rsp), %r15
    movq CTX_RIP(%rsp), %rcx
    movq CTX_RFLAGS(%rsp), %r11
    movq CTX_RSP(%rsp), %rsp
    swapgs
    sysretq

.Lfull_restore:
    movq %gs:CPU_KSTACK_TOP, %rsp
    pushq $GDT_USER_DS
    pushq CTX_RSP(%rdi)
    pushq CTX_RFLAGS(%rdi)
    pushq $GDT_USER_CS
    pushq CTX_RIP(%rdi)
    movq CTX_RAX(%rdi), %rax
    movq CTX_RBX(%rdi), %rbx
    movq CTX_RCX(%rdi), %rcx
    movq CTX_RDX(%rdi), %rdx
    movq CTX_RSI(%rdi), %rsi
    movq CTX_RBP(%rdi), %rbp
    movq CTX_R8(%rdi),  %r8
    movq CTX_R9(%rdi),  %r9
    movq CTX_R10(%rdi), %r10
    movq CTX_R11(%rdi), %r11
    movq CTX_R12(%rdi), %r12
    movq CTX_R13(%rdi), %r13
    movq CTX_R14(%rdi), %r14
    movq CTX_R15(%rdi), %r15
    movq CTX_RDI(%rdi), %rdi
    swapgs
    iretq

/*
 * arch_idle(): run the idle loop on a fresh kernel stack with interrupts on. An interrupt
 * taken here enters trap_from_kernel, whose handler ends in kernel_exit(); nothing returns.
 */
    .globl arch_idle
arch_idle:
    movq %gs:CPU_KSTACK_TOP, %rsp
1:  sti
    hlt
    cli
    jmp 1b

/* Exception and interrupt stubs: push a zero error code where the CPU pushes none. */
.macro TRAP_NOERR vec
    .globl trap_\vec
trap_\vec:
    pushq $0
    pushq $\vec
    jmp trap_common
.endm
.macro TRAP_ERR vec
    .globl trap_\vec
trap_\vec:
    pushq $\vec
    jmp trap_common
.endm

TRAP_NOERR 0
TRAP_NOERR 1
TRAP_NOERR 2
TRAP_NOERR 3
TRAP_NOERR 4
TRAP_NOERR 5
TRAP_NOERR 6
TRAP_NOERR 7
TRAP_ERR   8
TRAP_NOERR 9
TRAP_ERR   10
TRAP_ERR   11
TRAP_ERR   12
TRAP_ERR   13
TRAP_ERR   14
TRAP_NOERR 15
TRAP_NOERR 16
TRAP_ERR   17
TRAP_NOERR 18
TRAP_NOERR 19
TRAP_NOERR 20
TRAP_ERR   21
TRAP_NOERR 22
TRAP_NOERR 23
TRAP_NOERR 24
TRAP_NOERR 25
TRAP_NOERR 26
TRAP_NOERR 27
TRAP_NOERR 28
TRAP_ERR   29
TRAP_ERR   30
TRAP_NOERR 31
/* IOAPIC lines 0..23 -> vectors 32..55; LAPIC timer 0xf0; spurious 0xff. */
.irp vec, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,240,255
TRAP_NOERR \vec
.endr

/* Stack on arrival: vector, error, RIP, CS, RFLAGS, RSP, SS. */
trap_common:
    testb $3, 24(%rsp)
    jz .Lfrom_kernel
    swapgs
    /* A gate clears IF and TF but keeps the user's DF and AC: C code needs DF clear, and
     * AC set would switch SMAP off. Start from known flags (SYSCALL gets them from FMASK). */
    pushq $RFLAGS_KERNEL
    popfq
    pushq %rax
    movq %gs:CPU_CURRENT, %rax
    movq %rbx, CTX_RBX(%rax)
    movq %rcx, CTX_RCX(%rax)
    movq %rdx, CTX_RDX(%rax)
    movq %rsi, CTX_RSI(%rax)
    movq %rdi, CTX_RDI(%rax)
    movq %rbp, CTX_RBP(%rax)
    movq %r8,  CTX_R8(%rax)
    movq %r9,  CTX_R9(%rax)
    movq %r10, CTX_R10(%rax)
    movq %r11, CTX_R11(%rax)
    movq %r12, CTX_R12(%rax)
    movq %r13, CTX_R13(%rax)
    movq %r14, CTX_R14(%rax)
    movq %r15, CTX_R15(%rax)
    popq %rbx
    movq %rbx, CTX_RAX(%rax)
    movq 16(%rsp), %rbx
    movq %rbx, CTX_RIP(%rax)
    movq 32(%rsp), %rbx
    movq %rbx, CTX_RFLAGS(%rax)
    movq 40(%rsp), %rbx
    movq %rbx, CTX_RSP(%rax)
    movq $1, CTX_FULL(%rax)
    movq 0(%rsp), %rdi              /* vector */
    movq 8(%rsp), %rsi              /* error code */
    movq %cr2, %rdx
    movq %gs:CPU_KSTACK_TOP, %rsp
    xorl %ebp, %ebp
    call trap_from_user             /* does not return */
    ud2

.Lfrom_kernel:
    /* Build a struct trap_frame (see traps.c) below the hardware frame. */
    pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, %rdi
    movq %cr2, %rsi
    call trap_from_kernel           /* does not return */
    ud2

    .section .note.GNU-stack, "", @progbits
