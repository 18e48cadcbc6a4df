// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The host arch: out-of-line stubs of kern/arch_api.h for unit tests (see arch.h). Every
// call the core makes into the machine is recorded in `host_arch` (host.h) so tests can
// check it happened. Paths tests never take (entering user mode, idling, booting) abort
// with a message, so reaching one by mistake is loud.
#include <kern/arch_api.h>
#include <kern/object.h>
#include <kern/tcb.h>
#include <stdio.h>
#include <stdlib.h>

#include "host.h"
#include "../x86_64/mmu.h"

struct host_arch host_arch;

void
host_out_clear(void)
{
    host_arch.out_len = host_arch.out_dropped = 0;
    host_arch.crash_len = host_arch.crash_dropped = 0;
    host_arch.out[0] = host_arch.crash[0] = '\0';
}

void
host_arch_reset(void)
{
    bool echo = host_arch.echo;
    void (*hook)(void) = host_arch.halt_hook;
    host_arch = (struct host_arch){ .echo = echo, .halt_hook = hook };
}

static NORETURN void
unreachable_on_host(const char *what)
{
    fprintf(stderr, "host arch: %s called; host tests never get there\n", what);
    abort();
}

// --- CPU and console -----------------------------------------------------------------------

static void
buf_put(char *buf, size_t *len, size_t *dropped, char c)
{
    if (*len + 1 < HOST_OUT_SIZE) {
        buf[(*len)++] = c;
        buf[*len] = '\0';
    } else {
        (*dropped)++;
    }
}

void
arch_putchar(char c)
{
    if (host_arch.echo)
        fputc(c, stdout);
    if (c != '\r') // printk sends "\r\n"; keep the buffer easy to compare
        buf_put(host_arch.out, &host_arch.out_len, &host_arch.out_dropped, c);
}

void
arch_crash_putchar(char c)
{
    buf_put(host_arch.crash, &host_arch.crash_len, &host_arch.crash_dropped, c);
}

// panic() ends here: hand control back to the test, or stop the process.
void
arch_halt(void)
{
    host_arch.halts++;
    if (host_arch.halt_hook)
        host_arch.halt_hook(); // longjmps; must not return
    fflush(stdout);
    fprintf(stderr, "host arch: kernel halted (panic?); console:\n%s\n", host_arch.out);
    abort();
}

void
arch_return_to_user(struct arch_context *ctx)
{
    (void)ctx;
    unreachable_on_host("arch_return_to_user");
}
void
arch_idle(void)
{
    unreachable_on_host("arch_idle");
}
unsigned
arch_backtrace(word_t *pcs, unsigned max)
{
    unsigned n = 0;
    for (; n < max && n < host_arch.backtrace_len && n < ARRAY_SIZE(host_arch.backtrace); n++)
        pcs[n] = host_arch.backtrace[n];
    return n;
}

// No trap frames on the host: a panic record has no register section.
void
arch_crash_registers(void (*putc)(void *ctx, char c), void *ctx)
{
    (void)putc, (void)ctx;
}

void
arch_switch_to(struct tcb *t)
{
    host_arch.switched_to = t;
    host_arch.switches++;
}

void
arch_set_tls_base(struct tcb *t, word_t base)
{
    t->tls_base = base;
}

// No FPU state on the host: threads here run no code of their own.
void
arch_fpu_init(struct tcb *t)
{
    (void)t;
}

void
arch_fpu_release(struct tcb *t)
{
    (void)t;
}

// --- Interrupt controller ------------------------------------------------------------------

bool
arch_irq_pending(void)
{
    if (!host_arch.irq_pending)
        return false;
    host_arch.irq_pending--;
    return true;
}

// x86_64 steps RIP back over SYSCALL; here the test simply calls syscall_dispatch again.
void
arch_restart_syscall(struct arch_context *ctx)
{
    (void)ctx;
    host_arch.restarts++;
}

void
arch_irq_mask(unsigned irq)
{
    host_arch.irq_mask_calls++;
    if (irq < KOZO_IRQ_LINES)
        host_arch.irq_masked[irq] = true;
}

void
arch_irq_unmask(unsigned irq)
{
    host_arch.irq_unmask_calls++;
    if (irq < KOZO_IRQ_LINES)
        host_arch.irq_masked[irq] = false;
}

// --- Address spaces: x86_64's page tables (kernel/arch/x86_64/vspace.c) over host memory --
// The MMU hooks it needs: no TLB here, so a flush is only counted; the "kernel's PML4"
// has an empty upper half.

static const pte_t host_kernel_pml4[PTES];

void
mmu_flush(unsigned asid, word_t va, bool whole)
{
    (void)asid, (void)va;
    host_arch.flushes += !whole;
    host_arch.whole_flushes += whole;
}

void
mmu_asid_released(unsigned asid)
{
    (void)asid;
    host_arch.asids_released++;
}

const pte_t *
mmu_kernel_pml4(void)
{
    return host_kernel_pml4;
}

word_t
mmu_cr3_tag(unsigned asid)
{
    (void)asid;
    return 0;
}

// --- Fault messages: the host has x86_64's register file, so the same layouts -------------

unsigned
arch_fault_words(const struct tcb *t, word_t *w)
{
    const struct arch_context *c = &t->ctx;
    switch (t->fault_type) {
    case KOZO_FAULT_VM:
        w[0] = c->r[HREG_IP], w[1] = t->fault_addr, w[2] = t->fault_code, w[3] = c->r[HREG_SP];
        return KOZO_FAULT_VM_WORDS;
    case KOZO_FAULT_UNKNOWN_SYSCALL:
        // The words of x86_64's layout (the ABI the host builds with), role by role.
        for (unsigned i = 0; i < 7; i++)
            w[i] = c->r[HREG_NR + i]; // number, cap, info, MR0..MR3
        w[7] = c->r[HREG_IP], w[8] = c->r[HREG_SP], w[9] = c->r[HREG_FLAGS];
        return KOZO_FAULT_SYSCALL_WORDS;
    default:
        w[0] = c->r[HREG_IP], w[1] = c->r[HREG_SP], w[2] = c->r[HREG_FLAGS];
        w[3] = t->fault_addr, w[4] = t->fault_code;
        return KOZO_FAULT_EXCEPTION_WORDS;
    }
}

void
arch_fault_reply(struct tcb *t, const word_t *w, unsigned n)
{
    struct arch_context *c = &t->ctx;
    switch (t->fault_type) {
    case KOZO_FAULT_UNKNOWN_SYSCALL: {
        for (unsigned i = 0; i < n && i < 7; i++)
            c->r[HREG_NR + i] = w[i];      // number, cap, info, MR0..MR3
        c->r[HREG_RET_IP] = c->r[HREG_IP]; // as after a real system call
        c->r[HREG_RET_FLAGS] = c->r[HREG_FLAGS];
        break;
    }
    case KOZO_FAULT_EXCEPTION:
        if (n >= 3 && arch_ctx_user_ok(w[0], w[1], w[2]))
            arch_ctx_set_user(c, w[0], w[1], w[2], c->r[HREG_ARG0], c->r[HREG_ARG1], c->r[HREG_ARG2]);
        break;
    default: break; // FAULT_VM: retry
    }
    c->full = 1;
}

// Frames and page tables are x86_64's (vspace.c, with their per-type rules); there are no
// I/O ports on the host, only the control cap the harness gives its root task, alone.
word_t
arch_decode_invocation(const struct invocation *inv, struct inv_reply *reply)
{
    return decode_vspace_invocation(inv, reply);
}

word_t
arch_cap_describe(cap_t c)
{
    (void)c;
    return 0;
}

bool
arch_same_object(cap_t a, cap_t b)
{
    (void)a, (void)b;
    return true;
}

bool
arch_issued_by(cap_t control, cap_t c)
{
    (void)control, (void)c;
    return false;
}

// --- Boot: tests build their root task by hand (tests/host/kernel_harness.c) --------------

void
arch_early_init(void)
{
    unreachable_on_host("arch_early_init");
}
void
arch_late_init(void)
{
    unreachable_on_host("arch_late_init");
}

void
arch_boot_memory(word_t magic, word_t info, struct boot_mem *bm)
{
    (void)magic, (void)info, (void)bm;
    unreachable_on_host("arch_boot_memory");
}

word_t
arch_cycle_khz(void)
{
    return 0;
}

void
arch_boot_caps(cte_t *cnode)
{
    (void)cnode;
    unreachable_on_host("arch_boot_caps");
}
