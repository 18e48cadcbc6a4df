// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The VMM's figures (bench is one of its clients: system/bench.sys). vmm_first_touch: a
// region asked for once, each of its pages written once; each write is a page fault to
// the VMM, a frame retyped from bench's pager memory, mapped, and the thread resumed
// (Linux: anon_first_touch). vmm_first_touch_reused: the same over frames the VMM kept
// from an unmap, which it zeroes first. vmm_map_touch_unmap: a one-page MAP, a write and
// an UNMAP (Linux: mmap_touch_munmap).
#include <proto/vmm.h>
#include "bench.h"

#define TOUCH_PAGES 256
#define MAP_ITERS   200
#define RW          (VMM_PROT_READ | VMM_PROT_WRITE)

static uint64_t
region(uint64_t size, uint64_t *addr)
{
    uint64_t status;
    struct vmm_map_res r;
    uint64_t err = vmm_map(SYS_SLOT_VMM, 0, size, RW, 0, &status, &r);
    *addr = r.addr;
    return err ? err : status == VMM_OK ? 0 : KOZO_ERR_INVALID_ARGUMENT;
}

static uint64_t
unmap(uint64_t addr, uint64_t size)
{
    uint64_t status;
    return vmm_unmap(SYS_SLOT_VMM, addr, size, &status) || status != VMM_OK;
}

// Touch pages 1.. of the region (page 0 first, untimed: its page tables are made then).
static void
touch(const char *name, uint64_t at)
{
    *(volatile uint64_t *)at = 1;
    uint64_t t0 = bench_tsc();
    for (uint64_t i = 1; i < TOUCH_PAGES; i++)
        *(volatile uint64_t *)(at + i * VMM_PAGE_SIZE) = i;
    uint64_t t1 = bench_tsc();
    bench_report(name, t1 - t0 - bench_timer_overhead, TOUCH_PAGES - 1);
}

void
bench_vmm(void)
{
    uint64_t at, err, status;
    struct vmm_map_res r;
    if ((err = region(TOUCH_PAGES * VMM_PAGE_SIZE, &at))) {
        bench_fail("vmm_first_touch", "MAP", err);
        return;
    }
    touch("vmm_first_touch", at);
    if (unmap(at, TOUCH_PAGES * VMM_PAGE_SIZE) || region(TOUCH_PAGES * VMM_PAGE_SIZE, &at)) {
        bench_fail("vmm_first_touch_reused", "UNMAP and MAP again", 0);
        return;
    }
    touch("vmm_first_touch_reused", at);
    unmap(at, TOUCH_PAGES * VMM_PAGE_SIZE);

    uint64_t t0 = bench_tsc();
    for (unsigned i = 0; i < MAP_ITERS; i++) {
        if ((err = vmm_map(SYS_SLOT_VMM, 0, VMM_PAGE_SIZE, RW, 0, &status, &r)) || status != VMM_OK ||
            (*(volatile uint64_t *)r.addr = i, unmap(r.addr, VMM_PAGE_SIZE))) {
            bench_fail("vmm_map_touch_unmap", "MAP, touch, UNMAP", err);
            return;
        }
    }
    uint64_t t1 = bench_tsc();
    bench_report("vmm_map_touch_unmap", t1 - t0 - bench_timer_overhead, MAP_ITERS);
}
