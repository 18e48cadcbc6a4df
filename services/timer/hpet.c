// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The HPET: one page of registers at SYS_HPET_PADDR. Its frame is retyped from the device
// Untyped the description grants (frames come at the watermark, so the pages before the
// registers are skipped with Untyped children), mapped uncached with page tables from the
// driver's own memory. The main counter gives the time (it goes on counting while the driver
// restarts, so the time does not start over); timer 0, routed to the IRQ line of
// SYS_HPET_IRQ_LINE and edge-triggered, ends sleeps.
#include <kozo/kozo.h>
#include <svc/pool.h>
#include <svc/vspace.h>
#include <system.h>
#include "hpet.h"

#define CAP       0x000 // capabilities; bits 63:32 the period in femtoseconds
#define CONFIG    0x010 // bit 0: counting
#define COUNTER   0x0f0
#define T0_CONFIG 0x100 // bit 2: interrupt enable; 13:9 the I/O APIC input; 63:32 which inputs it may use
#define T0_CMP    0x108
#define T_INT_ENB (1u << 2)
#define PAGE      (1ULL << KOZO_PAGE_BITS)
#define REGS_VA   0x50000000ULL // where the driver maps them

static volatile uint64_t *regs;
static uint64_t fs_per_tick;
static struct svc_pool pool; // its FREE slots and its MEMORY

static uint64_t
reg(unsigned r)
{
    return regs[r / 8];
}

static void
set(unsigned r, uint64_t v)
{
    regs[r / 8] = v;
}

// The frame at SYS_HPET_PADDR, from the device Untyped.
static uint64_t
registers_frame(kozo_handle_t *frame)
{
    struct kozo_res_frame_get_address a = { 0 };
    uint64_t err;
    for (;;) {
        kozo_handle_t f;
        if ((err = svc_object_new_from(&pool.alloc, SYS_SLOT_HPET, KOZO_OBJ_FRAME, 0, &f)) ||
            (err = kozo_frame_get_address(f, &a)))
            return err;
        if (a.paddr == SYS_HPET_PADDR) {
            *frame = f;
            return KOZO_ERR_OK;
        }
        if (a.paddr > SYS_HPET_PADDR)
            return KOZO_ERR_RANGE;
        // Skip to it: the largest aligned Untyped that ends at or before the registers.
        uint64_t at = a.paddr + PAGE;
        unsigned bits = (unsigned)__builtin_ctzll(at);
        while (at + (1ULL << bits) > SYS_HPET_PADDR)
            bits--;
        kozo_handle_t skip;
        if (bits > KOZO_PAGE_BITS &&
            (err = svc_object_new_from(&pool.alloc, SYS_SLOT_HPET, KOZO_OBJ_UNTYPED, bits, &skip)))
            return err;
    }
}

uint64_t
hpet_open(void)
{
    kozo_handle_t frame;
    uint64_t err;

    svc_pool_init(&pool, SYS_SLOT_CNODE, KOZO_HANDLE_BITS, SYS_SLOTS_FREE_FIRST, SYS_SLOTS_FREE_END, 0);
    svc_pool_add(&pool, SYS_SLOT_MEMORY, 0, SYS_MEMORY_MAX_BITS, false, 0);
    if ((err = registers_frame(&frame)) ||
        (err = svc_map(&pool.alloc, SYS_SLOT_VSPACE, frame, REGS_VA, KOZO_RIGHT_READ | KOZO_RIGHT_WRITE,
                       KOZO_FRAME_ATTR_UNCACHED))) {
        kozo_printf("timer: no HPET registers at %#lx: %s\n", (unsigned long)SYS_HPET_PADDR,
                    kozo_error_name(err));
        return err;
    }
    regs = (volatile uint64_t *)REGS_VA;
    fs_per_tick = reg(CAP) >> 32;
    if (!fs_per_tick || fs_per_tick > 100000000) { // a period over 100 ns: no HPET there
        kozo_printf("timer: the HPET does not answer (period %lu fs)\n", (unsigned long)fs_per_tick);
        return KOZO_ERR_ILLEGAL_OPERATION;
    }
    uint64_t route_cap = reg(T0_CONFIG) >> 32;
    if (!(route_cap & (1ULL << SYS_HPET_IRQ_LINE))) {
        kozo_printf("timer: HPET timer 0 cannot interrupt on line %u (it can on %#lx)\n", SYS_HPET_IRQ_LINE,
                    (unsigned long)route_cap);
        return KOZO_ERR_RANGE;
    }
    if ((err = kozo_irq_handler_set_notification(SYS_SLOT_HPET_IRQ, SYS_SLOT_HPET_NTFN)))
        return err;
    set(T0_CONFIG, (uint64_t)SYS_HPET_IRQ_LINE << 9); // edge-triggered, not enabled yet
    set(CONFIG, reg(CONFIG) | 1); // counting since the first incarnation: the time survives restarts
    return KOZO_ERR_OK;
}

uint64_t
hpet_now_ns(void)
{
    uint64_t ticks = reg(COUNTER); // in two parts, so that ticks * fs_per_tick cannot overflow
    return ticks / 1000000 * fs_per_tick + ticks % 1000000 * fs_per_tick / 1000000;
}

void
hpet_sleep_ms(uint64_t ms)
{
    uint64_t until = reg(COUNTER) + ms * 1000000000000ULL / fs_per_tick;
    while (reg(COUNTER) < until) {
        set(T0_CMP, until);
        set(T0_CONFIG, reg(T0_CONFIG) | T_INT_ENB);
        if (reg(COUNTER) >= until) // it passed while being armed: an edge may never come
            break;
        kozo_irq_handler_ack(SYS_SLOT_HPET_IRQ);
        kozo_wait(SYS_SLOT_HPET_NTFN, NULL);
    }
    set(T0_CONFIG, reg(T0_CONFIG) & ~(uint64_t)T_INT_ENB);
}
