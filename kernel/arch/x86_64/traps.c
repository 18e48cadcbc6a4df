// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Interrupts and exceptions after entry.S has saved the registers.
//
// From user mode: a device interrupt becomes a notification signal, the timer drives the
// scheduler, and a CPU exception becomes a fault message to the thread's fault handler.
// From kernel mode: an interrupt can only arrive in the idle loop; anything else is a
// kernel bug, reported with registers and a backtrace.
//
// Some events belong to the machine, not to whichever thread was running (a device can
// write any vector to the MSI window, docs/ARCHITECTURE.md):
//  - an NMI (its own stub and stack, entry.S) is counted and reported, never a thread's
//    exception, and never a panic, whatever mode it interrupts;
//  - an interrupt message on an exception vector or on one the kernel does not use is
//    acknowledged and counted. An exception vector with an error code arrives from the
//    stub marked TRAP_NO_ERROR_CODE; one without is told from the exception by the local
//    APIC's in-service bit, set only for a delivered interrupt;
//  - a machine check is an uncorrectable hardware error: the kernel stops with a report.
#include <fmt.h>
#include <kern/arch_api.h>
#include <kern/fault.h>
#include <kern/irq.h>
#include <kern/printk.h>
#include <kern/sched.h>
#include <stdarg.h>
#include "cpu.h"

// Registers pushed by entry.S for a trap taken in kernel mode (lowest address first).
struct trap_frame {
    word_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
    word_t vector, error, rip, cs, rflags, rsp, ss;
};

#define VEC_NM 7
#define VEC_GP 13
#define VEC_PF 14
#define VEC_MC 18
// The exceptions whose CPU frame has an error code (the stubs of entry.S check it is there).
#define ERROR_CODE_VECTORS \
    (BIT(8) | BIT(10) | BIT(11) | BIT(12) | BIT(13) | BIT(14) | BIT(17) | BIT(21) | BIT(29) | BIT(30))

static const char *const exception_names[32] = {
    "divide error",
    "debug",
    "NMI",
    "breakpoint",
    "overflow",
    "bound range",
    "invalid opcode",
    "device not available",
    "double fault",
    "coprocessor overrun",
    "invalid TSS",
    "segment not present",
    "stack fault",
    "general protection",
    "page fault",
    "reserved",
    "x87 FP error",
    "alignment check",
    "machine check",
    "SIMD FP error",
    "virtualization",
    "control protection",
};

static const char *
exception_name(word_t v)
{
    return v < 32 && exception_names[v] ? exception_names[v] : "reserved exception";
}

// --- The machine's events: counted where they arrive, reported from the timer -------------
//
// An NMI may interrupt printk itself, so nothing is printed where events arrive: the next
// timer interrupt reports them, at the 1st, 2nd, 4th, 8th... of each kind, so that a storm
// cannot flood the console.
struct machine_events {
    const char *what;
    volatile word_t count, last;
    word_t next_report;
};

static struct machine_events nmis = { "NMI", 0, 0, 1 };
static struct machine_events strays = { "interrupt message on a vector nothing uses", 0, 0, 1 };

static void
report(struct machine_events *e, const char *last_name)
{
    word_t n = e->count;
    if (n < e->next_report)
        return;
    e->next_report = n * 2;
    printk("[kernel] %s (%lu so far; last %s %#lx): the machine's, not a thread's; ignored\n", e->what,
           (unsigned long)n, last_name, (unsigned long)e->last);
}

void nmi_handler(void);

// entry.S's nmi_entry, on the NMI stack: count it, and keep the reason NMI status port B
// gives (bit 7: memory parity or PCI SERR#, bit 6: I/O channel check).
void
nmi_handler(void)
{
    nmis.count++;
    nmis.last = inb(0x61) & 0xc0;
}

// An interrupt message on an exception vector (0..31), or a vector above 31 that is not
// the timer's, an IRQ line's or the spurious vector: acknowledge it and go on.
static void
stray_interrupt(word_t vector)
{
    apic_eoi();
    strays.count++;
    strays.last = vector & 0xff;
}

// Is an exception vector's arrival an interrupt message? With an error code the stub said
// so; without, only a delivered interrupt sets the vector's in-service bit (the kernel
// acknowledges every interrupt before it runs a thread again, so none is set otherwise).
static bool
is_interrupt_message(word_t vector)
{
    if (vector & TRAP_NO_ERROR_CODE)
        return true;
    return !(ERROR_CODE_VECTORS & BIT(vector)) && apic_in_service((unsigned)vector);
}

// Returns true if the vector was an interrupt (and handled).
static bool
handle_interrupt(word_t vector)
{
    if (vector == VEC_TIMER) {
        apic_eoi();
        report(&nmis, "NMI status");
        report(&strays, "vector");
        sched_tick();
        return true;
    }
    if (vector >= VEC_IRQ_BASE && vector < VEC_IRQ_BASE + KOZO_IRQ_LINES) {
        irq_handle((unsigned)(vector - VEC_IRQ_BASE));
        apic_eoi();
        return true;
    }
    if (vector == VEC_SPURIOUS)
        return true; // the local APIC wants no EOI for it
    if (vector >= 32 || is_interrupt_message(vector)) {
        stray_interrupt(vector);
        return true;
    }
    return false;
}

// A machine check is the hardware's uncorrectable error (corrected ones are not signalled
// as #MC): the kernel's own state may be lost, so it stops, saying which bank reported it.
static NORETURN void
machine_check(const char *mode, word_t rip)
{
    uint32_t a, b, c, d;
    word_t mcg = 0, status = 0;
    unsigned bank = 0, banks = 0;
    cpuid(1, &a, &b, &c, &d);
    if (d & BIT(14)) { // MCA: IA32_MCG_CAP, IA32_MCG_STATUS and the banks' IA32_MCi_STATUS
        banks = (unsigned)(rdmsr(0x179) & 0xff);
        mcg = rdmsr(0x17a);
        for (bank = 0; bank < banks; bank++)
            if ((status = rdmsr(0x401 + 4 * bank)) >> 63) // VAL: this bank logged it
                break;
    }
    if (bank < banks)
        panic("machine check (hardware error) in %s mode at %#lx: MCG_STATUS %#lx, bank %u status %#lx", mode,
              (unsigned long)rip, (unsigned long)mcg, bank, (unsigned long)status);
    panic("machine check (hardware error) in %s mode at %#lx: MCG_STATUS %#lx, no bank logged it", mode,
          (unsigned long)rip, (unsigned long)mcg);
}

void trap_from_user(word_t vector, word_t error, word_t cr2);
void trap_from_kernel(struct trap_frame *f, word_t cr2);
NORETURN void return_refused(struct arch_context *ctx);

void
trap_from_user(word_t vector, word_t error, word_t cr2)
{
    if (vector == VEC_NM) { // the thread's first FPU instruction since it last ran
        fpu_trap();
        arch_return_to_user(&current->ctx);
    }
    if (!handle_interrupt(vector)) {
        if (vector == VEC_MC)
            machine_check("user", current->ctx.rip);
        if (vector == VEC_PF)
            fault_raise(current, KOZO_FAULT_VM, cr2, error);
        else
            fault_raise(current, KOZO_FAULT_EXCEPTION, vector, error);
    }
    kernel_exit();
}

// arch_return_to_user (entry.S) found a non-canonical RIP in the context it was to load,
// which IRETQ would fault on in ring 0: the thread takes the #GP(0) that fetching there
// in user mode raises. Its one source is a SYSCALL in the last two bytes of the user half
// (every other way into ctx->rip refuses non-user addresses); that exit would have been
// SYSRETQ, so RCX and R11 are left as SYSRETQ leaves them.
void
return_refused(struct arch_context *ctx)
{
    if (!ctx->full) {
        ctx->rcx = ctx->rip;
        ctx->r11 = ctx->rflags;
        ctx->full = 1;
    }
    fault_raise(current, KOZO_FAULT_EXCEPTION, VEC_GP, 0);
    kernel_exit();
}

// The trap frame of the kernel-mode fault being reported, for the crash record.
static const struct trap_frame *fault_frame;
static word_t fault_cr2;

void
trap_from_kernel(struct trap_frame *f, word_t cr2)
{
    if (current == &idle_thread && handle_interrupt(f->vector))
        kernel_exit();
    fault_frame = f;
    fault_cr2 = cr2;
    if (f->vector == VEC_MC)
        machine_check("kernel", f->rip);
    panic("%s in kernel mode at %#lx (error %#lx)", exception_name(f->vector & 0xff), (unsigned long)f->rip,
          (unsigned long)f->error);
}

static void
emit(void (*putc)(void *, char), void *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fmt_vformat(putc, ctx, fmt, ap);
    va_end(ap);
}

void
arch_crash_registers(void (*putc)(void *ctx, char c), void *ctx)
{
    const struct trap_frame *f = fault_frame;
    if (!f)
        return;
    emit(putc, ctx, "registers: vector %lu error %#lx cr2 %#lx\n", (unsigned long)f->vector,
         (unsigned long)f->error, (unsigned long)fault_cr2);
    emit(putc, ctx, "  rip %016lx rsp %016lx rflags %016lx\n", (unsigned long)f->rip, (unsigned long)f->rsp,
         (unsigned long)f->rflags);
    emit(putc, ctx, "  rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", (unsigned long)f->rax,
         (unsigned long)f->rbx, (unsigned long)f->rcx, (unsigned long)f->rdx);
    emit(putc, ctx, "  rsi %016lx rdi %016lx rbp %016lx r8  %016lx\n", (unsigned long)f->rsi,
         (unsigned long)f->rdi, (unsigned long)f->rbp, (unsigned long)f->r8);
    emit(putc, ctx, "  r9  %016lx r10 %016lx r11 %016lx r12 %016lx\n", (unsigned long)f->r9,
         (unsigned long)f->r10, (unsigned long)f->r11, (unsigned long)f->r12);
    emit(putc, ctx, "  r13 %016lx r14 %016lx r15 %016lx\n", (unsigned long)f->r13, (unsigned long)f->r14,
         (unsigned long)f->r15);
}

// Follow the frame-pointer chain (the kernel is built with -fno-omit-frame-pointer) while
// it stays on the kernel's stacks, in its data (only the image is mapped at KERNEL_VBASE:
// a wild frame pointer must not fault the panic that is reporting). After a trap, start
// from the interrupted frame.
unsigned
arch_backtrace(word_t *pcs, unsigned max)
{
    extern char _kernel_start[], _kernel_end[], _data_start[], _data_end[];
    const word_t *fp = __builtin_frame_address(0);
    unsigned n = 0;

    if (fault_frame && max) {
        pcs[n++] = fault_frame->rip;
        fp = (const word_t *)fault_frame->rbp;
    }
    while (n < max && (word_t)fp >= (word_t)_data_start && (word_t)(fp + 2) <= (word_t)_data_end &&
           !((word_t)fp & 7)) {
        word_t ret = fp[1];
        if (ret < (word_t)_kernel_start || ret >= (word_t)_kernel_end)
            break;
        pcs[n++] = ret;
        fp = (const word_t *)fp[0];
    }
    return n;
}
