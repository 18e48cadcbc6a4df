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
 *
 * Neither exit may fault: a fault there is taken in ring 0, and SYSRETQ's (Intel) on the
 * user's stack. SYSRETQ #GPs on a non-canonical RCX, IRETQ on a non-canonical RIP, and a
 * SYSCALL in the last two bytes of the user half saves 2^47, non-canonical. So SYSRETQ is
 * taken only for a user address (below 2^47), anything else goes the IRETQ way, and that
 * one hands a non-canonical RIP to C (return_refused, traps.c), which makes it the
 * thread's #GP, as the fetch would have been in user mode. Any RSP will do for both (they
 * load it without a check; its first use faults in user mode). IRETQ loads only the
 * RFLAGS user code could have set itself (RFLAGS_RETURN_OK); SYSRETQ gets R11 as SYSCALL
 * saved it, since only SYSCALL leaves CTX_FULL clear and every other writer of the
 * registers sets it (arch.h, fault.c, tcb.c).
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
    movq CTX_RIP(%rdi), %rcx
    movq %rcx, %rax
    shrq $USER_ADDR_BITS, %rax      /* not a user address: never for SYSRETQ */
    orq CTX_FULL(%rdi), %rax
    jnz .Lfull_restore
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
    movq CTX_RFLAGS(%rsp), %r11
    movq CTX_RSP(%rsp), %rsp
    swapgs
    sysretq

.Lfull_restore:
    movq CTX_RIP(%rdi), %rax
    sarq $USER_ADDR_BITS, %rax      /* canonical: 0 or -1 */
    incq %rax
    cmpq $1, %rax
    ja .Lrefuse
    movq %gs:CPU_KSTACK_TOP, %rsp
    pushq $GDT_USER_DS
    pushq CTX_RSP(%rdi)
    movl CTX_RFLAGS(%rdi), %eax     /* the upper half is reserved: zero */
    andl $RFLAGS_RETURN_OK, %eax
    orl $RFLAGS_RETURN_SET, %eax
    pushq %rax
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

.Lrefuse:                           /* a non-canonical RIP: the thread's #GP (traps.c) */
    movq %gs:CPU_KSTACK_TOP, %rsp
    xorl %ebp, %ebp
    call return_refused             /* does not return: ends in kernel_exit() */
    ud2

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

/*
 * One stub for each of the 256 vectors, and their addresses in trap_stubs[] for the IDT
 * (cpu.c). A stub makes every frame alike: vector, error code, then the CPU's frame.
 *
 * The CPU pushes an error code for the exceptions 8, 10-14, 17, 21, 29 and 30, but an
 * interrupt message on one of those vectors (a device can write any vector to the MSI
 * window) arrives without one. In 64-bit mode the CPU aligns RSP to 16 bytes before it
 * pushes a frame (SDM vol. 3, 6.14.2), so the stub can tell: five words leave RSP 8 mod
 * 16, six leave it 0 mod 16. Without its error code the vector goes to C as
 * vector | TRAP_NO_ERROR_CODE, an interrupt, never the exception.
 * NMIs go to nmi_entry, on their own stack (IST), and return where they arrived.
 */
    .pushsection .rodata
    .balign 8
    .globl trap_stubs
trap_stubs:
    .popsection

    .set vec, 0
.rept 256
    .balign 8
1:
    .pushsection .rodata
    .quad 1b
    .popsection
.if vec == 2
    jmp nmi_entry
.elseif vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21 || vec == 29 || vec == 30
    testb $8, %spl
    jnz 2f
    pushq $vec
    jmp trap_common
2:  pushq $0
    pushq $(vec | TRAP_NO_ERROR_CODE)
    jmp trap_common
.else
    pushq $0
    pushq $vec
    jmp trap_common
.endif
    .set vec, vec + 1
.endr

/*
 * NMI: on its own stack (IST_NMI), from anywhere (user mode, any instruction of the kernel,
 * between SWAPGS and SYSRETQ included), so it touches neither GS nor the interrupted
 * state: nmi_handler (traps.c) only counts it. The C calling convention keeps the other
 * registers; 9 pushes after the CPU's 5 words keep the call 16-byte aligned.
 */
nmi_entry:
    pushq %rax
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    cld
    call nmi_handler
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rax
    iretq                           /* also ends the CPU's NMI blocking */

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
