// SPDX-License-Identifier: MIT OR Apache-2.0
//
// x86_64 fault messages: which registers a fault handler sees, and which its reply sets.
// The labels are portable (abi/kernel.abi, FAULT_*); the words are this arch's, laid out by
// abi/arch/x86_64.abi's struct fault_*_words, so the handler and the kernel name each word
// the same way. The Linux shim is built on FAULT_UNKNOWN_SYSCALL: it sees a Linux program's
// syscall registers and answers with the result registers.
#include <kern/arch_api.h>
#include <kern/tcb.h>
#include <string.h>

_Static_assert(sizeof(struct kozo_fault_vm_words) == 8 * KOZO_FAULT_VM_WORDS, "FAULT_VM_WORDS");
_Static_assert(sizeof(struct kozo_fault_syscall_words) == 8 * KOZO_FAULT_SYSCALL_WORDS,
               "FAULT_SYSCALL_WORDS");
_Static_assert(sizeof(struct kozo_fault_exception_words) == 8 * KOZO_FAULT_EXCEPTION_WORDS,
               "FAULT_EXCEPTION_WORDS");

#define PUT_WORDS(w, m) (memcpy((w), &(m), sizeof(m)), (unsigned)(sizeof(m) / sizeof(word_t)))

unsigned
arch_fault_words(const struct tcb *t, word_t *w)
{
    const struct arch_context *c = &t->ctx;
    switch (t->fault_type) {
    case KOZO_FAULT_VM: {
        struct kozo_fault_vm_words m = {
            .ip = c->rip,
            .address = t->fault_addr,
            .error_code = t->fault_code,
            .sp = c->rsp,
        };
        return PUT_WORDS(w, m);
    }
    case KOZO_FAULT_UNKNOWN_SYSCALL: {
        struct kozo_fault_syscall_words m = {
            .rax = c->rax,
            .rdi = c->rdi,
            .rsi = c->rsi,
            .rdx = c->rdx,
            .r10 = c->r10,
            .r8 = c->r8,
            .r9 = c->r9,
            .ip = c->rip,
            .sp = c->rsp,
            .flags = c->rflags,
        };
        return PUT_WORDS(w, m);
    }
    default: {
        struct kozo_fault_exception_words m = {
            .ip = c->rip,
            .sp = c->rsp,
            .flags = c->rflags,
            .vector = t->fault_addr,
            .error_code = t->fault_code,
        };
        return PUT_WORDS(w, m);
    }
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
        if (n >= 3 && arch_ctx_user_ok(w[0], w[1], w[2]))
            arch_ctx_set_user(c, w[0], w[1], w[2], c->rdi, c->rsi, c->rdx);
        break;
    default: break; // FAULT_VM: retry the instruction
    }
    c->full = 1;
}
