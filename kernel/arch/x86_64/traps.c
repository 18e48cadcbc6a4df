// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Interrupts and exceptions after entry.S has saved the registers.
//
// From user mode: a device interrupt becomes a notification signal, the timer drives the
// scheduler, and a CPU exception stops the faulting thread (faults will become messages
// to the thread's fault handler). From kernel mode: an interrupt can only arrive in the
// idle loop; anything else is a kernel bug, reported with registers and a backtrace.
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

static const char *const exception_names[32] = {
    "divide error", "debug", "NMI", "breakpoint", "overflow", "bound range", "invalid opcode",
    "device not available", "double fault", "coprocessor overrun", "invalid TSS",
    "segment not present", "stack fault", "general protection", "page fault", "reserved",
    "x87 FP error", "alignment check", "machine check", "SIMD FP error", "virtualization",
    "control protection",
};

static const char *
exception_name(word_t v)
{
    return v < 32 && exception_names[v] ? exception_names[v] : "reserved exception";
}

// Returns true if the vector was an interrupt (and handled).
static bool
handle_interrupt(word_t vector)
{
    if (vector == VEC_TIMER) {
        apic_eoi();
        sched_tick();
        return true;
    }
    if (vector >= VEC_IRQ_BASE && vector < VEC_IRQ_BASE + KOZO_IRQ_LINES) {
        irq_handle((unsigned)(vector - VEC_IRQ_BASE));
        apic_eoi();
        return true;
    }
    return vector == VEC_SPURIOUS;
}

void trap_from_user(word_t vector, word_t error, word_t cr2);
void trap_from_kernel(struct trap_frame *f, word_t cr2);

void
trap_from_user(word_t vector, word_t error, word_t cr2)
{
    if (vector == 7) { // #NM: the thread's first FPU instruction since it last ran
        fpu_trap();
        arch_return_to_user(&current->ctx);
    }
    if (!handle_interrupt(vector)) {
        if (vector == 14)
            fault_raise(current, KOZO_FAULT_VM, cr2, error);
        else
            fault_raise(current, KOZO_FAULT_EXCEPTION, vector, error);
    }
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
    panic("%s in kernel mode at %#lx (error %#lx)", exception_name(f->vector), (unsigned long)f->rip,
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
    emit(putc, ctx, "  rip %016lx rsp %016lx rflags %016lx\n", (unsigned long)f->rip,
         (unsigned long)f->rsp, (unsigned long)f->rflags);
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
