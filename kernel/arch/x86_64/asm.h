/* SPDX-License-Identifier: MIT OR Apache-2.0
 * Constants shared by the x86_64 assembly files and C (CPU bits, selectors, layout).
 */
#ifndef KOZO_ARCH_X86_64_ASM_H
#define KOZO_ARCH_X86_64_ASM_H

#define KERNEL_VBASE 0xffffffff80000000
#define PHYSMAP_BASE 0xffff800000000000 /* all of RAM below PHYSMAP_SIZE, 2 MiB pages */
#define PHYSMAP_GIB  16

#define CR0_WP        (1 << 16)
#define CR0_PG        (1 << 31)
#define CR4_PAE       (1 << 5)
#define CR4_PGE       (1 << 7)
#define CR4_OSFXSR    (1 << 9)
#define CR4_UMIP      (1 << 11)
#define CR4_PCIDE     (1 << 17)
#define CR4_SMEP      (1 << 20)
#define CR4_SMAP      (1 << 21)
#define RFLAGS_KERNEL 0x2 /* only the always-one bit: IF, DF, AC, TF all clear */
/* What IRETQ may load into a user thread's RFLAGS: the flags user code can hold itself at
 * CPL 3 (CF PF AF ZF SF TF IF DF OF NT RF AC ID), never IOPL, VM, VIF, VIP or a reserved
 * bit; IF and bit 1 are always set (RFLAGS_RETURN_SET). */
#define RFLAGS_RETURN_OK  0x254fd5
#define RFLAGS_RETURN_SET 0x202
#define CR4_MCE           (1 << 6)
#define MSR_EFER          0xc0000080
#define MSR_STAR          0xc0000081
#define MSR_LSTAR         0xc0000082
#define MSR_FMASK         0xc0000084
#define MSR_FS_BASE       0xc0000100
#define MSR_GS_BASE       0xc0000101
#define MSR_KERNEL_GS     0xc0000102
#define EFER_SCE          (1 << 0)
#define EFER_LME          (1 << 8)
#define EFER_NXE          (1 << 11)

/* A user address has bits 63..47 clear; an address is canonical if they are all equal. */
#define USER_ADDR_BITS 47

/* The vector word entry.S hands to C for a vector whose CPU exception pushes an error code
 * but that arrived without one: an interrupt message on that vector (traps.c). */
#define TRAP_NO_ERROR_CODE 0x100

/* Interrupt stack table slots (TSS.IST1..4, cpu.c): vectors taken on a known-good stack. */
#define IST_DOUBLE_FAULT  1
#define IST_NMI           2
#define IST_MACHINE_CHECK 3
#define IST_DEBUG         4
#define IST_STACKS        4

/* GDT layout; the user selectors are ordered as SYSRET requires (data, then code). */
#define GDT_KERNEL_CS 0x08
#define GDT_KERNEL_DS 0x10
#define GDT_USER_DS   0x1b
#define GDT_USER_CS   0x23
#define GDT_TSS       0x28

/* struct arch_context offsets (see arch.h; _Static_asserts keep them in step). */
#define CTX_RAX    0x00
#define CTX_RBX    0x08
#define CTX_RCX    0x10
#define CTX_RDX    0x18
#define CTX_RSI    0x20
#define CTX_RDI    0x28
#define CTX_RBP    0x30
#define CTX_R8     0x38
#define CTX_R9     0x40
#define CTX_R10    0x48
#define CTX_R11    0x50
#define CTX_R12    0x58
#define CTX_R13    0x60
#define CTX_R14    0x68
#define CTX_R15    0x70
#define CTX_RIP    0x78
#define CTX_RSP    0x80
#define CTX_RFLAGS 0x88
#define CTX_FULL   0x90 /* nonzero: restore every register with IRETQ */
#define CTX_SIZE   0x98

/* Per-CPU block reached through GS in the kernel. */
#define CPU_KSTACK_TOP 0x00
#define CPU_USER_RSP   0x08
#define CPU_CURRENT    0x10 /* struct tcb *, its arch_context is at offset 0 */

#endif
