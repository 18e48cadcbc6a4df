// SPDX-License-Identifier: MIT OR Apache-2.0
// x86_64 privileged instructions and per-CPU state, for arch/x86_64 only.
#ifndef KOZO_X86_CPU_H
#define KOZO_X86_CPU_H

#include <kern/types.h>

struct tcb;

// Reached through GS in kernel mode; offsets fixed by asm.h (CPU_*).
struct cpu {
    word_t kstack_top;
    word_t user_rsp;
    struct tcb *current;
    unsigned loaded_asid;  // the address space in CR3 now (0: the kernel's tables)
    struct tcb *fpu_owner; // whose x87/SSE state the FPU registers hold; NULL: nobody's
    word_t switch_work;    // SWITCH_*: what a thread switch may have to undo (cpu.c)
};

// cpu0.switch_work: state of the CPU that a switch to another thread may have to change.
#define SWITCH_FS_BASE  BIT(0) // the FS base may be nonzero (cpu.c, load_tls_base)
#define SWITCH_FPU_OPEN BIT(1) // CR0.TS is clear: only while current is fpu_owner (fpu.c)

extern struct cpu cpu0;

static inline void
outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}
static inline uint8_t
inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline void
outl(uint16_t port, uint32_t v)
{
    __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port));
}
static inline uint32_t
inl(uint16_t port)
{
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline void
wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}
static inline uint64_t
rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}
static inline void
write_cr3(paddr_t v)
{
    __asm__ volatile("mov %0, %%cr3" ::"r"(v) : "memory");
}
static inline paddr_t
read_cr3(void)
{
    paddr_t v;
    __asm__ volatile("mov %%cr3, %0" : "=r"(v));
    return v;
}
static inline word_t
read_cr4(void)
{
    word_t v;
    __asm__ volatile("mov %%cr4, %0" : "=r"(v));
    return v;
}
static inline void
write_cr4(word_t v)
{
    __asm__ volatile("mov %0, %%cr4" ::"r"(v) : "memory");
}
static inline void
invlpg(word_t va)
{
    __asm__ volatile("invlpg (%0)" ::"r"(va) : "memory");
}
static inline void
cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
    __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

void cpu_init(void);    // GDT, TSS, IDT, SYSCALL MSRs, GS base (cpu.c)
void serial_init(void); // COM1 console, COM2 crash channel (serial.c)
void vspace_init(void); // kernel window, drop the boot identity map (vspace.c)
void kmap_init(void);   // the kernel image W^X in 4 KiB pages, its window alias too (kmap.c)
void apic_init(void);   // local APIC, IOAPIC, timer (apic.c)
void fpu_init(void);    // SSE on, CR0.TS set: the first FPU use traps (fpu.c)
void fpu_trap(void);    // #NM from user mode: give the current thread the FPU
void fpu_close(void);   // set CR0.TS: the next FPU instruction traps
void apic_eoi(void);
bool apic_in_service(unsigned vector); // delivered by the local APIC, not yet acknowledged
void multiboot_parse(word_t magic, word_t info, struct boot_mem *bm); // multiboot.c
paddr_t vspace_kernel_root(void);
void vspace_activate(cap_t vspace); // load this VSpace (or the kernel's tables) into CR3
bool vspace_pcid_on(void);          // are address spaces tagged with PCIDs?
struct invocation;
struct inv_reply;
word_t decode_ioport_invocation(const struct invocation *inv, struct inv_reply *reply); // ioport.c

#define VEC_IRQ_BASE 32
#define VEC_TIMER    0xf0
#define VEC_SPURIOUS 0xff

static inline paddr_t
arch_pa_of_kernel(const void *p)
{
    return (paddr_t)((uintptr_t)p - KERNEL_VBASE);
}
#endif
