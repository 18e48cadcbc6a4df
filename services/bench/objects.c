// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Kernel-object operations, each timed around the libkozo call a program makes (argument
// marshalling included): Untyped.Retype of an endpoint and of a TCB, mapping and unmapping
// a 4 KiB frame, and a thread's whole life (retype, configure, start, run, destroy).
#include "bench.h"

#define ROUNDS        9   // the first is the warm-up
#define BATCH         256 // objects per round; Revoke between rounds makes the Untyped whole again
#define MAP_WARMUP    100
#define MAP_ITERS     5000
#define THREAD_WARMUP 20
#define THREAD_ITERS  1000

static void
retype_case(const char *name, uint64_t type, unsigned ut_bits)
{
    kozo_handle_t ut, first = 0;
    uint64_t err, ticks = 0;
    if ((err = b_alloc(KOZO_OBJ_UNTYPED, ut_bits, &ut)))
        return bench_fail(name, "setup", err);
    for (unsigned i = 0; i < BATCH; i++) {
        kozo_handle_t s = b_slot();
        if (!s)
            return bench_fail(name, "out of slots", 0);
        if (i == 0)
            first = s;
    }
    for (unsigned r = 0; r < ROUNDS; r++) {
        for (unsigned i = 0; i < BATCH; i++) {
            uint64_t t0 = bench_tsc();
            err = kozo_untyped_retype(ut, type, 0, SYS_SLOT_CNODE, 0, 0, first + i, 1);
            uint64_t t1 = bench_tsc();
            if (err)
                return bench_fail(name, "Retype", err);
            if (r > 0)
                ticks += t1 - t0 - bench_timer_overhead;
        }
        if ((err = kozo_cnode_revoke(SYS_SLOT_CNODE, ut, B_DEPTH)))
            return bench_fail(name, "Revoke", err);
    }
    bench_report(name, ticks, (ROUNDS - 1) * BATCH);
}

static void
map_case(void)
{
    kozo_handle_t f;
    uint64_t err, va = 0x7e000000, tmap = 0, tunmap = 0;
    if ((err = b_alloc(KOZO_OBJ_FRAME, 0, &f)) || (err = b_map_in(SYS_SLOT_VSPACE, f, va, B_RW, 0)) ||
        (err = kozo_frame_unmap(f)))
        return bench_fail("frame_map", "setup", err); // the page tables are there from now on
    for (unsigned i = 0; i < MAP_WARMUP + MAP_ITERS; i++) {
        uint64_t t0 = bench_tsc();
        uint64_t e1 = kozo_frame_map(f, SYS_SLOT_VSPACE, va, B_RW, 0);
        uint64_t t1 = bench_tsc();
        uint64_t e2 = kozo_frame_unmap(f);
        uint64_t t2 = bench_tsc();
        if (e1 || e2)
            return bench_fail("frame_map", "Map/Unmap", e1 ? e1 : e2);
        if (i >= MAP_WARMUP) {
            tmap += t1 - t0 - bench_timer_overhead;
            tunmap += t2 - t1 - bench_timer_overhead;
        }
    }
    bench_report("frame_map", tmap, MAP_ITERS);
    bench_report("frame_unmap", tunmap, MAP_ITERS);
}

// Retype a TCB, configure it, start it; it runs (bench yields to it) and suspends itself;
// then its only cap is deleted, which destroys it, and its Untyped is whole again.
static void
thread_case(void)
{
    const char *name = "thread_create_start_destroy";
    struct space self;
    kozo_handle_t ut, s = b_slot();
    uint64_t err, ticks = 0;
    uint64_t suspend = kozo_msginfo_make(0, 0, 0, KOZO_INV_TCB_SUSPEND);
    struct kozo_res_tcb_info info;

    b_space_self(&self);
    if ((err = b_alloc(KOZO_OBJ_UNTYPED, KOZO_OBJ_TCB_BITS, &ut)))
        return bench_fail(name, "setup", err);
    for (unsigned i = 0; i < THREAD_WARMUP + THREAD_ITERS; i++) {
        uint64_t t0 = bench_tsc();
        if ((err = kozo_untyped_retype(ut, KOZO_OBJ_TCB, 0, SYS_SLOT_CNODE, 0, 0, s, 1)) ||
            (err = kozo_tcb_configure(s, SYS_SLOT_CNODE, SYS_SLOT_VSPACE, 0, 0, 0)) ||
            (err = kozo_tcb_set_priority(s, bench_priority)) ||
            (err = kozo_tcb_set_registers(s, b_entry(&self, bench_exit), 0, 0, s, suspend, 0)) ||
            (err = kozo_tcb_resume(s)) || (err = kozo_yield()))
            return bench_fail(name, "creating and starting", err);
        if (i == 0 && (kozo_tcb_info(s, &info) || info.state != KOZO_THREAD_INACTIVE))
            return bench_fail(name, "the thread did not run and stop", 0);
        if ((err = kozo_cnode_delete(SYS_SLOT_CNODE, s, B_DEPTH)))
            return bench_fail(name, "destroying", err);
        uint64_t t1 = bench_tsc();
        if (i >= THREAD_WARMUP)
            ticks += t1 - t0 - bench_timer_overhead;
    }
    bench_report(name, ticks, THREAD_ITERS);
}

void
bench_objects(void)
{
    retype_case("retype_endpoint", KOZO_OBJ_ENDPOINT, KOZO_OBJ_ENDPOINT_BITS + 8);
    retype_case("retype_tcb", KOZO_OBJ_TCB, KOZO_OBJ_TCB_BITS + 8);
    map_case();
    thread_case();
}
