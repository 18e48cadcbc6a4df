// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Interrupt controllers and the timer: the local APIC (timer, EOI) and the IOAPIC (legacy
// device lines 0..23, delivered as vectors 32..55). The 8259 PICs are masked for good.
// The local APIC timer is calibrated once against the PIT and then runs periodically.
#include <kern/arch_api.h>
#include <kern/printk.h>
#include "cpu.h"

#define LAPIC_PHYS       0xfee00000ULL
#define IOAPIC_PHYS      0xfec00000ULL
#define LAPIC_ID         0x020
#define LAPIC_TPR        0x080
#define LAPIC_EOI        0x0b0
#define LAPIC_ISR        0x100 // in-service register: 8 words of 32 vectors, 16 bytes apart
#define LAPIC_SVR        0x0f0
#define LAPIC_LVT_TIMER  0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR  0x390
#define LAPIC_TIMER_DIV  0x3e0
#define LVT_MASKED       BIT(16)
#define LVT_PERIODIC     BIT(17)
#define ARCH_TICK_MS     10
#define PIT_HZ           1193182

static volatile uint32_t *lapic;
static volatile uint32_t *ioapic;
static uint32_t lapic_id;

static uint32_t
lapic_read(unsigned reg)
{
    return lapic[reg / 4];
}
static void
lapic_write(unsigned reg, uint32_t v)
{
    lapic[reg / 4] = v;
}

static void
ioapic_write(unsigned reg, uint32_t v)
{
    ioapic[0] = reg;
    ioapic[4] = v;
}

static void
ioapic_route(unsigned line, bool masked)
{
    ioapic_write(0x10 + 2 * line + 1, lapic_id << 24);
    ioapic_write(0x10 + 2 * line, (VEC_IRQ_BASE + line) | (masked ? LVT_MASKED : 0));
}

void
arch_irq_mask(unsigned line)
{
    if (line < KOZO_IRQ_LINES)
        ioapic_route(line, true);
}
void
arch_irq_unmask(unsigned line)
{
    if (line < KOZO_IRQ_LINES)
        ioapic_route(line, false);
}
void
apic_eoi(void)
{
    lapic_write(LAPIC_EOI, 0);
}

// Is `vector` in service: delivered by the local APIC and not yet acknowledged?
bool
apic_in_service(unsigned vector)
{
    return vector < 256 && (lapic_read(LAPIC_ISR + 0x10 * (vector / 32)) & BIT(vector % 32));
}

// Any vector from 32 up requested in the local APIC's IRR (interrupts are off in the kernel).
bool
arch_irq_pending(void)
{
    for (unsigned i = 1; i < 8; i++)
        if (lapic_read(0x200 + 0x10 * i))
            return true;
    return false;
}

static inline uint64_t
rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static uint64_t tsc_10ms; // TSC ticks in 10 ms, measured with the APIC timer's

word_t
arch_cycle_khz(void)
{
    return tsc_10ms / 10;
}

// Count local APIC timer ticks (divide by 16) during 10 ms of PIT channel 2; the TSC's
// ticks in the same time go to *tsc (the kernel does not use the TSC; benchmarks do).
static uint32_t
calibrate(uint64_t *tsc)
{
    const uint16_t count = PIT_HZ / 100;
    outb(0x61, (uint8_t)((inb(0x61) & ~0x02) | 0x01)); // gate on, speaker off
    outb(0x43, 0xb0);                                  // channel 2, lo/hi byte, mode 0
    outb(0x42, count & 0xff);
    outb(0x42, count >> 8);
    lapic_write(LAPIC_TIMER_DIV, 0x3);
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
    outb(0x61, inb(0x61) & ~0x01); // restart the count: gate low, then high
    outb(0x61, inb(0x61) | 0x01);
    lapic_write(LAPIC_TIMER_INIT, 0xffffffff);
    uint64_t tsc0 = rdtsc();
    while (!(inb(0x61) & 0x20))
        ;
    *tsc = rdtsc() - tsc0;
    uint32_t ticks = 0xffffffff - lapic_read(LAPIC_TIMER_CUR);
    lapic_write(LAPIC_TIMER_INIT, 0);
    return ticks ? ticks : 100000;
}

void
apic_init(void)
{
    outb(0x21, 0xff); // mask both 8259s: the IOAPIC delivers device interrupts
    outb(0xa1, 0xff);
    lapic = arch_kva(LAPIC_PHYS);
    ioapic = arch_kva(IOAPIC_PHYS);
    wrmsr(0x1b, rdmsr(0x1b) | BIT(11)); // IA32_APIC_BASE: global enable
    lapic_id = lapic_read(LAPIC_ID) >> 24;
    lapic_write(LAPIC_TPR, 0);
    lapic_write(LAPIC_SVR, 0x100 | VEC_SPURIOUS);
    for (unsigned line = 0; line < KOZO_IRQ_LINES; line++)
        ioapic_route(line, true);

    uint32_t per_10ms = calibrate(&tsc_10ms);
    lapic_write(LAPIC_TIMER_DIV, 0x3);
    lapic_write(LAPIC_LVT_TIMER, VEC_TIMER | LVT_PERIODIC);
    lapic_write(LAPIC_TIMER_INIT, per_10ms / 10 * ARCH_TICK_MS);
    printk("[kernel] timer: local APIC, %u ticks per 10 ms, %d ms time slice; TSC %lu kHz\n", per_10ms,
           ARCH_TICK_MS * 5, (unsigned long)(tsc_10ms / 10));
}
