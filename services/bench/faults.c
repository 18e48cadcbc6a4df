// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Fault round trips: a thread faults, bench (its fault handler) receives the fault message
// and replies, and the thread resumes. Timed by the faulting thread, from just before the
// faulting instruction to just after it resumes, so the handler's own work is included.
// Two kinds: a CPU exception (ud2; the reply moves the instruction pointer past it) and a
// system call the ABI does not have (the reply sets the result registers), the path the
// Linux shim takes for every Linux system call.
#include "bench.h"

#define WARMUP 100
#define ITERS  5000

static void
fault_case(const char *name, const char *blob, bool exception)
{
    struct space self;
    struct bthread t;
    kozo_handle_t ep;
    struct kozo_msg m = { 0, 0, { 0 } };
    uint64_t err;

    b_space_self(&self);
    if ((err = b_alloc(KOZO_OBJ_ENDPOINT, 0, &ep)) || (err = b_thread(&t, &self, bench_priority, ep)) ||
        (err = b_thread_start(&t, b_entry(&self, blob), t.sh_va, 0)) || (err = kozo_recv(ep, &m)))
        return bench_fail(name, "setup", err);
    for (unsigned i = 0; i < WARMUP + ITERS; i++) {
        uint64_t want = exception ? KOZO_FAULT_EXCEPTION : KOZO_FAULT_UNKNOWN_SYSCALL;
        if (kozo_msginfo_get_label(m.info) != want)
            return bench_fail(name, "not the fault expected", 0);
        if (i == WARMUP)
            t.sh->sum_arrive = t.sh->count = 0; // it is stopped between its timestamps
        if (exception) {
            m.mr[0] += 2; // ip past the 2-byte ud2; sp and flags as they were
            m.info = kozo_msginfo_make(3, 0, 0, 0);
        } else {
            m.mr[0] = 0; // RAX: the "result"
            m.info = kozo_msginfo_make(1, 0, 0, 0);
        }
        if ((err = kozo_reply_recv(ep, &m)))
            return bench_fail(name, "ReplyRecv", err);
    }
    kozo_tcb_suspend(t.tcb);
    if (t.sh->count != ITERS)
        return bench_fail(name, "the thread did not resume after every fault", 0);
    bench_report(name, t.sh->sum_arrive - ITERS * bench_timer_overhead, ITERS);
}

void
bench_faults(void)
{
    fault_case("fault_roundtrip_exception", bench_fault_ud2, true);
    fault_case("fault_roundtrip_unknown_syscall", bench_fault_syscall, false);
}
