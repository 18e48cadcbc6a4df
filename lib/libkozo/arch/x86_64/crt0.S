/* SPDX-License-Identifier: MIT OR Apache-2.0
 * Program entry for KOZO services: arguments arrive in RDI, RSI, RDX (set by whoever
 * started the thread: the kernel for init, init for everything else). */
    .text
    .globl _start
_start:
    xorl %ebp, %ebp
    andq $-16, %rsp
    call main
    movl %eax, %edi
    call kozo_exit
    ud2

    .section .note.GNU-stack, "", @progbits
