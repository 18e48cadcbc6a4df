// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The timed code, in assembly so the figures do not move with the compiler. A timestamp
// is `lfence; rdtsc` folded into RAX (TS below); the syscall convention is the ABI's: RAX
// the number, RDI the cap, RSI the msginfo, RDX R10 R8 R9 the message registers; RCX and
// R11 are clobbered, every other register survives. The thread bodies between bench_blobs
// and bench_blobs_end use no stack, no data and no absolute address, so they also run from
// a copy in another address space (env.c: b_space_new).
#include "bench.h"

#define STR_(x) #x
#define STR(x)  STR_(x)

// TS: RAX = the TSC (RDX clobbered)
#define TS "lfence; rdtsc; shlq $32, %rdx; orq %rdx, %rax\n"

_Static_assert(__builtin_offsetof(struct shared, sum_arrive) == 0, "blob offsets");
_Static_assert(__builtin_offsetof(struct shared, sum_leave) == 8, "blob offsets");
_Static_assert(__builtin_offsetof(struct shared, count) == 16, "blob offsets");
_Static_assert(__builtin_offsetof(struct shared, reply_info) == 24, "blob offsets");
_Static_assert(__builtin_offsetof(struct shared, del_slot) == 32, "blob offsets");
_Static_assert(__builtin_offsetof(struct shared, del_info) == 40, "blob offsets");

// The timed code is assembly, laid out as such: the formatter leaves it alone.
// clang-format off
__asm__(".text\n"
        // void bench_client(sysno, cap, info, n, sums[2])
        ".globl bench_client\n"
        "bench_client:\n"
        "    pushq %rbx; pushq %r12; pushq %r13; pushq %r14; pushq %r15\n"
        "    movq %rdi, %rbx\n"
        "    movq %rsi, %r12\n"
        "    movq %rdx, %r13\n"
        "    movq %rcx, %r14\n"
        "    movq %r8, %r15\n"
        "1:  " TS
        "    addq %rax, 0(%r15)\n"
        "    movq %r12, %rdi\n"
        "    movq %r13, %rsi\n"
        "    movq %rbx, %rax\n"
        "    syscall\n"
        "    " TS
        "    addq %rax, 8(%r15)\n"
        "    decq %r14\n"
        "    jnz 1b\n"
        "    popq %r15; popq %r14; popq %r13; popq %r12; popq %rbx\n"
        "    ret\n"

        // uint64_t bench_overhead(void): the ticks between two timestamps taken as above
        ".globl bench_overhead\n"
        "bench_overhead:\n"
        "    pushq %rbx\n"
        "    subq $8, %rsp\n"
        "    " TS
        "    addq %rax, 0(%rsp)\n" // the same store the client makes after its first stamp
        "    movq %rax, %rbx\n"
        "    " TS
        "    subq %rbx, %rax\n"
        "    addq $8, %rsp\n"
        "    popq %rbx\n"
        "    ret\n"

        ".globl bench_blobs, bench_blobs_end\n"
        ".globl bench_server, bench_waiter, bench_fault_ud2, bench_fault_syscall, bench_exit\n"
        ".balign 16\n"
        "bench_blobs:\n"

        // bench_server(rdi = endpoint, rsi = struct shared *)
        "bench_server:\n"
        "    movq %rdi, %r12\n"
        "    movq %rsi, %r13\n"
        "    movl $" STR(KOZO_SYS_RECV) ", %eax\n"
        "    syscall\n"
        "1:  " TS
        "    addq %rax, 0(%r13)\n"
        "    movq 32(%r13), %rdx\n" // a received cap to delete?
        "    testq %rdx, %rdx\n"
        "    jz 2f\n"
        "    movq $" STR(SYS_SLOT_CNODE) ", %rdi\n"
        "    movq 40(%r13), %rsi\n"
        "    movq $" STR(B_DEPTH) ", %r10\n"
        "    movl $" STR(KOZO_SYS_CALL) ", %eax\n"
        "    syscall\n"
        "2:  incq 16(%r13)\n"
        "    movq %r12, %rdi\n"
        "    movq 24(%r13), %rsi\n"
        "    " TS
        "    addq %rax, 8(%r13)\n"
        "    movl $" STR(KOZO_SYS_REPLY_RECV) ", %eax\n"
        "    syscall\n"
        "    jmp 1b\n"

        // bench_waiter(rdi = notification, rsi = struct shared *)
        "bench_waiter:\n"
        "    movq %rdi, %r12\n"
        "    movq %rsi, %r13\n"
        "1:  movq %r12, %rdi\n"
        "    movl $" STR(KOZO_SYS_RECV) ", %eax\n"
        "    syscall\n"
        "    " TS
        "    addq %rax, 0(%r13)\n"
        "    incq 16(%r13)\n"
        "    jmp 1b\n"

        // bench_fault_ud2(rdi = struct shared *): sum_arrive += t1 - t0 around the fault
        "bench_fault_ud2:\n"
        "    movq %rdi, %r13\n"
        "1:  " TS
        "    movq %rax, %r14\n"
        "    ud2\n"
        "    " TS
        "    subq %r14, %rax\n"
        "    addq %rax, 0(%r13)\n"
        "    incq 16(%r13)\n"
        "    jmp 1b\n"

        // bench_fault_syscall(rdi = struct shared *): the same with a syscall number the
        // ABI does not have (what the Linux shim receives)
        "bench_fault_syscall:\n"
        "    movq %rdi, %r13\n"
        "1:  " TS
        "    movq %rax, %r14\n"
        "    movl $110, %eax\n" // Linux's getppid
        "    syscall\n"
        "    " TS
        "    subq %r14, %rax\n"
        "    addq %rax, 0(%r13)\n"
        "    incq 16(%r13)\n"
        "    jmp 1b\n"

        // bench_exit(rdi = own TCB, rsi = msginfo of TCB.Suspend)
        "bench_exit:\n"
        "    movl $" STR(KOZO_SYS_CALL) ", %eax\n"
        "    syscall\n"
        "    ud2\n"
        "bench_blobs_end:\n");
// clang-format on
