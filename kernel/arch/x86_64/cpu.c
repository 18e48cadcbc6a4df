// SPDX-License-Identifier: MIT OR Apache-2.0
//
// x86_64 CPU tables: GDT (with the TSS), IDT, the SYSCALL MSRs and the per-CPU block.
// One CPU for now; every table is static.
#include <kern/arch_api.h>
#include <kern/boot.h>
#include <kern/printk.h>
#include <kern/sched.h>
#include "cpu.h"

struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} PACKED;

struct idt_entry {
    uint16_t off_lo, sel;
    uint8_t ist, type;
    uint16_t off_mid;
    uint32_t off_hi, zero;
} PACKED;

struct cpu cpu0;
static uint8_t kernel_stack[16384] ALIGNED(16);
// Known-good stacks for the vectors that may arrive where the stack cannot be trusted
// (TSS.IST, asm.h): #DF, NMI, #MC, #DB. Each its own, so that one can arrive while another
// is being taken (an NMI during a #DB stub).
static uint8_t ist_stacks[IST_STACKS][4096] ALIGNED(16);
static struct tss tss;
static struct idt_entry idt[256];
static uint64_t gdt[7] = {
    0,
    0x00af9a000000ffff, // 0x08 kernel code
    0x00cf92000000ffff, // 0x10 kernel data
    0x00cff2000000ffff, // 0x18 user data (SYSRET loads SS from here)
    0x00affa000000ffff, // 0x20 user code, 64-bit
    0,
    0, // 0x28 TSS (16 bytes)
};

struct table_ptr {
    uint16_t limit;
    uint64_t base;
} PACKED;

extern char syscall_entry[];
extern void *const trap_stubs[256]; // entry.S: one stub per vector

// The stack each vector is taken on: 0 for the kernel stack (TSS.RSP0 from user mode).
static unsigned
gate_stack(unsigned vec)
{
    switch (vec) {
    case 1: return IST_DEBUG;
    case 2: return IST_NMI;
    case 8: return IST_DOUBLE_FAULT;
    case 18: return IST_MACHINE_CHECK;
    default: return 0;
    }
}

static void
set_gate(unsigned vec, void *handler, unsigned ist)
{
    uint64_t a = (uint64_t)handler;
    idt[vec] = (struct idt_entry){
        .off_lo = (uint16_t)a,
        .sel = GDT_KERNEL_CS,
        .ist = (uint8_t)ist,
        .type = 0x8e, // present, DPL 0, 64-bit interrupt gate (IF cleared on entry)
        .off_mid = (uint16_t)(a >> 16),
        .off_hi = (uint32_t)(a >> 32),
    };
}

// Defence in depth, where the CPU has it: with SMEP the kernel never executes a user page,
// with SMAP it never reads or writes one (it reaches user memory only through its own
// window onto RAM), with UMIP user code cannot read the descriptor-table registers.
static uint32_t cr4_protect;

static void
protect_init(void)
{
    uint32_t max, b, c, d;
    cpuid(0, &max, &b, &c, &d);
    if (max < 7)
        return;
    uint32_t a;
    cpuid(7, &a, &b, &c, &d);
    cr4_protect = (b & BIT(7) ? CR4_SMEP : 0) | (b & BIT(20) ? CR4_SMAP : 0) | (c & BIT(2) ? CR4_UMIP : 0);
    write_cr4(read_cr4() | cr4_protect);
}

// With CR4.MCE clear a machine check shuts the CPU down; with it set, it is #MC, which the
// kernel reports as the hardware error it is (traps.c).
static void
machine_check_init(void)
{
    uint32_t a, b, c, d;
    cpuid(1, &a, &b, &c, &d);
    if (d & BIT(7))
        write_cr4(read_cr4() | CR4_MCE);
}

void
cpu_init(void)
{
    // TSS: RSP0 is where the CPU puts the interrupt frame when user code is interrupted.
    tss.rsp[0] = (uint64_t)(kernel_stack + sizeof(kernel_stack));
    for (unsigned i = 0; i < IST_STACKS; i++)
        tss.ist[i] = (uint64_t)(ist_stacks[i] + sizeof(ist_stacks[i])); // IST i + 1
    tss.iomap_base = sizeof(tss); // no I/O bitmap: user code gets no port access
    uint64_t t = (uint64_t)&tss;
    gdt[5] = (sizeof(tss) - 1) | ((t & 0xffffff) << 16) | (0x89ULL << 40) | (((t >> 24) & 0xff) << 56);
    gdt[6] = t >> 32;
    struct table_ptr gp = { sizeof(gdt) - 1, (uint64_t)gdt };
    __asm__ volatile("lgdt %0" ::"m"(gp));
    __asm__ volatile("ltr %w0" ::"r"(GDT_TSS));

    // Every vector has a gate: an interrupt message on one the kernel does not use is
    // acknowledged and ignored (traps.c), never a fault through a missing gate.
    for (unsigned v = 0; v < ARRAY_SIZE(idt); v++)
        set_gate(v, trap_stubs[v], gate_stack(v));
    struct table_ptr ip = { sizeof(idt) - 1, (uint64_t)idt };
    __asm__ volatile("lidt %0" ::"m"(ip));

    // SYSCALL: kernel CS/SS from STAR[47:32], SYSRET user SS/CS from STAR[63:48] (+8/+16).
    wrmsr(MSR_STAR, ((uint64_t)(GDT_USER_DS - 8 - 3) << 48) | ((uint64_t)GDT_KERNEL_CS << 32));
    wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
    // Clear IF, DF, TF, AC, NT, IOPL on entry. TF above all: a thread may single-step
    // (RFLAGS_USER_OK), and SYSCALL does not switch stacks, so a #DB on the kernel's first
    // instruction would run on the user's RSP. With TF masked the kernel runs unstepped and
    // SYSRETQ restores TF: the thread's #DB comes after the syscall, in user mode.
    wrmsr(MSR_FMASK, 0x47700);

    protect_init();
    machine_check_init();

    cpu0.kstack_top = tss.rsp[0];
    cpu0.current = &idle_thread;
    wrmsr(MSR_GS_BASE, (uint64_t)&cpu0);
    wrmsr(MSR_KERNEL_GS, 0);
    wrmsr(MSR_FS_BASE, 0); // what a clear SWITCH_FS_BASE promises
}

// The FS base of the thread about to run. A thread can only ever change its own base to 0
// (by loading a selector into FS: every user-loadable descriptor has base 0), so the CPU's
// base is known to be 0 while SWITCH_FS_BASE is clear: then a thread without a TLS base
// costs no MSR write, and no thread's reload of FS can leave another on a wrong base. A
// switch between two threads with TLS blocks (every service thread has one, lib/libsvc)
// writes the MSR each time, as seL4 does: a base cached by value could be stale.
static inline void
load_tls_base(const struct tcb *t)
{
    word_t base = t->tls_base;
    if ((base | (cpu0.switch_work & SWITCH_FS_BASE)) != 0) {
        wrmsr(MSR_FS_BASE, base);
        if (likely(base))
            cpu0.switch_work |= SWITCH_FS_BASE;
        else
            cpu0.switch_work &= ~SWITCH_FS_BASE;
    }
}

// A switch to t that closes an FPU holding another's state first: rare, so out of line,
// and arch_switch_to needs no stack frame (both its exits are jumps).
static NOINLINE void
switch_closing_fpu(const struct tcb *t)
{
    if (t != cpu0.fpu_owner)
        fpu_close();
    vspace_activate(t->slots[TCB_SLOT_VSPACE].cap);
}

void
arch_set_tls_base(struct tcb *t, word_t base)
{
    t->tls_base = base;
    if (t == cpu0.current)
        load_tls_base(t); // it runs on without a switch
}

void
arch_switch_to(struct tcb *t)
{
    cpu0.current = t;
    if (t == &idle_thread)
        return; // any address space will do: the kernel half is in all of them
    load_tls_base(t);
    if (unlikely(cpu0.switch_work & SWITCH_FPU_OPEN))
        return switch_closing_fpu(t);
    vspace_activate(t->slots[TCB_SLOT_VSPACE].cap);
}

// SYSCALL saved the address after the 2-byte instruction; point back at it. The argument
// registers are untouched, so the call runs again as it was made.
void
arch_restart_syscall(struct arch_context *ctx)
{
    ctx->rip -= 2;
}

void
arch_halt(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}

void
arch_early_init(void)
{
    serial_init();
    cpu_init();
    vspace_init();
    kmap_init();
    fpu_init();
}

void
arch_boot_memory(word_t magic, word_t info, struct boot_mem *bm)
{
    multiboot_parse(magic, info, bm);
}

void
arch_late_init(void)
{
    apic_init();
    static const struct {
        uint32_t bit;
        const char *name;
    } prot[] = { { CR4_SMEP, "SMEP" }, { CR4_SMAP, "SMAP" }, { CR4_UMIP, "UMIP" } };
    printk("[kernel] protection:");
    for (unsigned i = 0; i < ARRAY_SIZE(prot); i++)
        printk("%s %s %s", i ? "," : "", prot[i].name,
               cr4_protect & prot[i].bit ? "on" : "off (not on this CPU)");
    printk(", kernel image W^X\n");
    printk("[kernel] TLB: %s\n", vspace_pcid_on()
                                     ? "address spaces tagged with PCIDs"
                                     : "no PCIDs on this CPU: an address-space switch flushes it");
}
