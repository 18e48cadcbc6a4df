/* SPDX-License-Identifier: MIT OR Apache-2.0
 *
 * Boot entry (x86_64): multiboot2 header, 32-bit protected mode -> long mode -> higher half.
 *
 * GRUB enters _start in 32-bit protected mode, paging off, EAX = multiboot2 magic,
 * EBX = physical address of the multiboot2 information. We build the smallest page tables
 * that let us reach C: the first 1 GiB mapped twice, at 0 (identity, so the instruction
 * after enabling paging still exists) and at KERNEL_VBASE (where the kernel is linked).
 * arch_init() later builds the real kernel window and drops the identity mapping.
 */
#include "asm.h"

#define MB2_MAGIC        0xe85250d6
#define MB2_ARCH_I386    0

    .section .multiboot2, "a"
    .balign 8
mb2_header:
    .long MB2_MAGIC
    .long MB2_ARCH_I386
    .long mb2_header_end - mb2_header
    .long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
    /* end tag */
    .word 0, 0
    .long 8
mb2_header_end:

    .section .boot.text, "ax"
    .code32
    .globl _start
_start:
    cli
    cld
    movl $(boot_stack_top - KERNEL_VBASE), %esp
    movl %eax, %edi                  /* multiboot magic -> first C argument */
    movl %ebx, %esi                  /* multiboot info  -> second C argument */

    /* Long mode is required: CPUID 0x80000001 EDX bit 29. */
    movl $0x80000000, %eax
    cpuid
    cmpl $0x80000001, %eax
    jb no_long_mode
    movl $0x80000001, %eax
    cpuid
    btl $29, %edx
    jnc no_long_mode

    /* Zero the boot page tables (3 pages), then fill them. */
    movl $(boot_pml4 - KERNEL_VBASE), %ebx
    pushl %edi
    movl %ebx, %edi
    xorl %eax, %eax
    movl $(3 * 4096 / 4), %ecx
    rep stosl
    popl %edi

    /* PML4[0] and PML4[511] -> PDPT; PDPT[0] and PDPT[510] -> PD; PD: 512 x 2 MiB. */
    movl $(boot_pdpt - KERNEL_VBASE + 0x3), %eax
    movl %eax, (%ebx)
    movl %eax, 511 * 8(%ebx)
    movl $(boot_pdpt - KERNEL_VBASE), %ecx
    movl $(boot_pd - KERNEL_VBASE + 0x3), %eax
    movl %eax, (%ecx)
    movl %eax, 510 * 8(%ecx)
    movl $(boot_pd - KERNEL_VBASE), %ecx
    movl $0x83, %eax                 /* present | writable | 2 MiB page */
    xorl %edx, %edx
1:  movl %eax, (%ecx, %edx, 8)
    addl $0x200000, %eax
    incl %edx
    cmpl $512, %edx
    jne 1b

    movl %cr4, %eax
    orl $(CR4_PAE | CR4_PGE), %eax
    movl %eax, %cr4
    movl %ebx, %cr3
    movl $MSR_EFER, %ecx
    rdmsr
    orl $(EFER_LME | EFER_SCE | EFER_NXE), %eax
    wrmsr
    movl %cr0, %eax
    orl $(CR0_PG | CR0_WP), %eax
    movl %eax, %cr0

    lgdt (boot_gdt_ptr - KERNEL_VBASE)
    ljmp $GDT_KERNEL_CS, $(long_mode_low - KERNEL_VBASE)

no_long_mode:
    /* Say why on COM1 (already usable at 0x3f8 after GRUB) and stop. */
    movl $(msg_no_lm - KERNEL_VBASE), %esi
2:  lodsb
    testb %al, %al
    jz 3f
    movw $0x3f8, %dx
    outb %al, %dx
    jmp 2b
3:  hlt
    jmp 3b

    .code64
long_mode_low:
    /* Still running at the identity address: jump to the higher half. */
    movabsq $long_mode_high, %rax
    jmp *%rax

    .text
long_mode_high:
    movw $GDT_KERNEL_DS, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    xorw %ax, %ax
    movw %ax, %fs
    movw %ax, %gs
    movabsq $boot_stack_top, %rsp
    xorl %ebp, %ebp
    /* edi = magic, esi = info (zero-extended by the 32-bit moves above) */
    call kernel_main
4:  cli
    hlt
    jmp 4b

    .section .rodata
msg_no_lm:
    .asciz "KOZO: this CPU has no long mode (x86_64); cannot boot.\r\n"

    .balign 8
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff        /* 0x08: kernel code, 64-bit */
    .quad 0x00cf92000000ffff        /* 0x10: kernel data */
boot_gdt_end:
boot_gdt_ptr:
    .word boot_gdt_end - boot_gdt - 1
    .long boot_gdt - KERNEL_VBASE

    .section .bss.pagetables, "aw", @nobits
    .balign 4096
    .globl boot_pml4
boot_pml4:  .skip 4096
boot_pdpt:  .skip 4096
boot_pd:    .skip 4096

    .section .bss
    .balign 16
    .globl boot_stack_top
boot_stack: .skip 16384
boot_stack_top:

    .section .note.GNU-stack, "", @progbits
