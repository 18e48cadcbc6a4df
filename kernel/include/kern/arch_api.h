// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The functions every arch implements out of line (the inline half is in <arch.h>).
// Keep this list short: it is the whole of what portable code may ask of the machine.
#ifndef KERN_ARCH_API_H
#define KERN_ARCH_API_H

#include <arch.h>
#include <kern/cap.h>
#include <kern/types.h>

struct tcb;
struct cte;

// CPU and console
void arch_putchar(char c);
void arch_crash_putchar(char c); // the crash channel (COM2 on x86_64)
NORETURN void arch_halt(void);
NORETURN void arch_return_to_user(struct arch_context *ctx);
NORETURN void arch_idle(void);
// Return addresses of the current call chain (at most max), innermost first.
unsigned arch_backtrace(word_t *pcs, unsigned max);
// Print the registers of the trap that led to a panic, if one did.
void arch_crash_registers(void (*putc)(void *ctx, char c), void *ctx);

// Make `t` the thread the next kernel exit returns to (per-CPU pointer, address space).
void arch_switch_to(struct tcb *t);
// Make `base` t's thread-local storage base (loaded at once if t is running). The caller
// checked it with arch_tls_base_ok() (arch.h).
void arch_set_tls_base(struct tcb *t, word_t base);
// FPU state: a new thread starts from the reset state; a dying one leaves nothing behind.
void arch_fpu_init(struct tcb *t);
void arch_fpu_release(struct tcb *t);

// Interrupt controller: lines are KOZO IRQ numbers (0..KOZO_IRQ_LINES-1).
// Is an interrupt waiting? Long operations check this at their preemption points.
bool arch_irq_pending(void);
// Make the current system call run again from the start when the thread next runs.
void arch_restart_syscall(struct arch_context *ctx);
void arch_irq_mask(unsigned irq);
void arch_irq_unmask(unsigned irq);

// Address spaces. Objects are zeroed before these run.
void arch_vspace_init(void *root);      // a new VSpace: the kernel half, no ASID yet
void arch_vspace_destroy(cap_t vspace); // last cap gone: drop its ASID and flush
// Which VSpace holds each ASID (1..ARCH_ASID_COUNT-1; object/asid.c decides who gets one).
bool arch_asid_bound(unsigned asid);
void arch_asid_bind(unsigned asid, void *vspace_root);
// Take an ASID from its VSpace, which can then never be loaded again (its pool is gone).
void arch_asid_unbind(unsigned asid);
void arch_frame_unmap(cap_t frame); // remove the mapping a frame cap records, if live
void arch_table_unmap(cap_t table); // remove a page-table level from its parent, if live

// Fault messages (core/fault.c): the words that describe the fault t->fault_type of t, and
// applying the handler's reply words to t's registers. The register layout is the arch's.
unsigned arch_fault_words(const struct tcb *t, word_t *words);
void arch_fault_reply(struct tcb *t, const word_t *words, unsigned n);

// Invocations on arch-specific objects (frames, page tables, I/O ports).
struct invocation;
struct inv_reply;
word_t arch_decode_invocation(const struct invocation *inv, struct inv_reply *reply);

// The per-type rules the portable core leaves to the architecture's own object types
// (x86_64: the paging levels below the root and the I/O ports). Each is asked for every cap
// the core has no rule of its own for, and answers for the types it knows.
void arch_cap_delete(cap_t c);               // a cap goes (the last or not): drop its mapping
word_t arch_cap_derive(cap_t *c);            // may it be copied, and how the copy looks
word_t arch_cap_describe(cap_t c);           // CNode.Describe's data word
bool arch_same_object(cap_t a, cap_t b);     // of one type, same pointer: the same object?
bool arch_issued_by(cap_t control, cap_t c); // did this arch control cap issue c?

// --- Boot (called once from kernel_main, in this order) ------------------------------------
struct boot_mem;
void arch_early_init(void);                                            // console, CPU tables, kernel window
void arch_boot_memory(word_t magic, word_t info, struct boot_mem *bm); // memory map, modules
void arch_late_init(void);                                             // interrupt controller, timer
// The rate of the CPU's cycle counter (what user space reads without a system call), in
// kHz, as arch_late_init() measured it; 0 if there is none.
word_t arch_cycle_khz(void);
// The root task's control caps of the architecture's own objects, into their boot slots
// of its root CNode (abi/arch/<arch>.abi).
void arch_boot_caps(struct cte *cnode);
// Map one 4 KiB page for the root task, taking page tables from `alloc_table`.
void arch_boot_map_page(void *vspace_root, word_t vaddr, paddr_t pa, bool writable, bool exec,
                        paddr_t (*alloc_table)(void));
#endif
