// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Faults as messages. A page fault, an unknown system call or a CPU exception in a user
// thread becomes a Call on the thread's fault-handler endpoint: the thread blocks exactly
// as if it had called, the handler receives the fault's words (endpoint.c composes them
// with arch_fault_words), and its reply either resumes the thread (label 0, with the
// register changes the fault type allows) or leaves it stopped. Policy (map a page,
// emulate a syscall, kill the task) is entirely the handler's.
#include <kern/arch_api.h>
#include <kern/endpoint.h>
#include <kern/fault.h>
#include <kern/printk.h>

static const char *const fault_names[] = {
    [KOZO_FAULT_VM] = "page fault",
    [KOZO_FAULT_UNKNOWN_SYSCALL] = "unknown syscall",
    [KOZO_FAULT_EXCEPTION] = "CPU exception",
};

bool
fault_has_handler(const struct tcb *t)
{
    cap_t ep = t->slots[TCB_SLOT_FAULT_EP].cap;
    return cap_type(ep) == KOZO_OBJ_ENDPOINT && cap_has(ep, KOZO_RIGHT_WRITE);
}

void
fault_forget(struct tcb *t)
{
    if (t->fault_type == KOZO_FAULT_UNKNOWN_SYSCALL)
        arch_restart_syscall(&t->ctx); // the other faults saved the faulting instruction's ip
    t->fault_type = 0;
}

void
fault_raise(struct tcb *t, unsigned type, word_t addr, word_t code)
{
    t->fault_type = (uint8_t)type;
    t->fault_addr = addr;
    t->fault_code = code;
    if (!fault_has_handler(t)) {
        printk("[kernel] %s (%#lx, code %#lx) at ip %#lx in a thread with no fault handler; "
               "thread stopped\n",
               fault_names[type], (unsigned long)addr, (unsigned long)code,
               (unsigned long)arch_ctx_ip(&t->ctx));
        t->fault_type = 0;
        tcb_suspend(t);
        return;
    }
    ep_send(t, t->slots[TCB_SLOT_FAULT_EP].cap, true, true);
}
