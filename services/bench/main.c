// SPDX-License-Identifier: MIT OR Apache-2.0
//
// bench's entry: measure the timer overhead, run every benchmark, print one line each
//
//   BENCH START
//   BENCH <name> <ticks per operation> <operations>
//   BENCH FAIL <name>: <what> (<error>)
//   BENCH DONE <n> measured, <m> failed
//
// and Send the counts to init. scripts/bench.sh reads the lines (make bench).
#include "bench.h"

int main(void);

uint64_t bench_timer_overhead;
uint8_t bench_priority;
static unsigned nmeasured, nfailed;

void
bench_report(const char *name, uint64_t ticks, uint64_t n)
{
    // Rounded to the nearest tick; under icount every iteration costs the same anyway.
    kozo_printf("BENCH %s %lu %lu\n", name, (unsigned long)((ticks + n / 2) / n), (unsigned long)n);
    nmeasured++;
}

void
bench_fail(const char *name, const char *what, uint64_t err)
{
    if (err)
        kozo_printf("BENCH FAIL %s: %s (%s)\n", name, what, kozo_error_name(err));
    else
        kozo_printf("BENCH FAIL %s: %s\n", name, what);
    nfailed++;
}

int
main(void)
{
    struct kozo_res_tcb_info info;

    kozo_printf("BENCH START\n");
    if (kozo_tcb_info(SYS_SLOT_TCB, &info) || b_init()) {
        kozo_printf("BENCH FAIL setup: no Untyped memory or no TCB\nBENCH DONE 0 measured, 1 failed\n");
        return 1;
    }
    bench_priority = (uint8_t)info.priority;
    // The cheapest of several: the first reads may still miss caches on real hardware.
    bench_timer_overhead = ~0ULL;
    for (int i = 0; i < 100; i++) {
        uint64_t o = bench_overhead();
        if (o < bench_timer_overhead)
            bench_timer_overhead = o;
    }
    kozo_printf("BENCH timer_overhead %lu 100\n", (unsigned long)bench_timer_overhead);

    bench_syscall();
    bench_ipc();
    bench_notification();
    bench_faults();
    bench_objects();
    bench_vmm();

    kozo_printf("BENCH DONE %u measured, %u failed\n", nmeasured, nfailed);
    struct kozo_msg m = { kozo_msginfo_make(3, 0, 0, 0), 0, { nmeasured, nfailed, 0, 0 } };
    kozo_send(SYS_SLOT_EP, &m);
    kozo_tcb_suspend(SYS_SLOT_TCB);
    return 0;
}
