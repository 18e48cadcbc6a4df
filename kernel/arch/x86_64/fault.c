// SPDX-License-Identifier: MIT OR Apache-2.0
//
// x86_64 fault messages: which registers a fault handler sees, and which its reply sets
// (layouts in abi/kozo.abi, FAULT_*). The Linux shim is built on FAULT_UNKNOWN_SYSCALL:
// it sees a Linux program's syscall registers and answers with the result registers.
#include <kern/arch_api.h>
#include <kern/tcb.h>

unsigned
arch_fault_words(const struct tcb *t, word_t *w)
{
    const struct arch_context *c = &t->ctx;
    switch (t->fault_type) {
    case KOZO_FAULT_VM:
        w[0] = c->rip, w[1] = t->fault_addr, w[2] = t->fault_code, w[3] = c->rsp;
        return KOZO_FAULT_VM_WORDS;
    case KOZO_FAULT_UNKNOWN_SYSCALL:
        w[0] = c->rax, w[1] = c->rdi, w[2] = c->rsi, w[3] = c->rdx, w[4] = c->r10;
        w[5] = c->r8, w[6] = c->r9, w[7] = c->rip, w[8] = c->rsp, w[9] = c->rflags;
        return KOZO_FAULT_SYSCALL_WORDS;
    default:
        w[0] = c->rip, w[1] = c->rsp, w[2] = c->rflags, w[3] = t->fault_addr, w[4] = t->fault_code;
        return KOZO_FAULT_EXCEPTION_WORDS;
    }
}

void
arch_fault_reply(struct tcb *t, const word_t *w, unsigned n)
{
    struct arch_context *c = &t->ctx;
    switch (t->fault_type) {
    case KOZO_FAULT_UNKNOWN_SYSCALL: {
        word_t *regs[] = { &c->rax, &c->rdi, &c->rsi, &c->rdx, &c->r10, &c->r8, &c->r9 };
        for (unsigned i = 0; i < n && i < 7; i++)
            *regs[i] = w[i];
        // As after a real SYSCALL: RCX holds the return address, R11 the flags.
        c->rcx = c->rip;
        c->r11 = c->rflags;
        break;
    }
    case KOZO_FAULT_EXCEPTION:
        if (n >= 3)
            arch_ctx_set_user(c, w[0], w[1], w[2], c->rdi, c->rsi, c->rdx);
        break;
    default:
        break; // FAULT_VM: retry the instruction
    }
    c->full = 1;
}
