// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The watchdog: a thread at priority 1, below every thread a case makes (helpers have at
// least 2). The scheduler only picks it when every other thread of ktest is blocked or
// stopped, and then nothing can ever wake the case up again (a lost wakeup, a deadlock,
// ktest's main thread stopped by a fault). It restarts the main thread at rescue(), on a
// fresh stack, which fails the case and goes on with the next: each case still gets its
// one line, and one broken case does not hide the rest.
//
// It is a lib/libsvc thread whose objects come from the runner's own Untyped, in runner
// slots SLOT_WATCHDOG.., so no case's Revoke reaches it. It shares ktest's CSpace and
// VSpace.
#include <svc/pool.h>
#include <svc/thread.h>
#include "runner.h"

static struct svc_pool runner_pool;
static struct svc_thread wd;
static uint64_t main_stack_top; // where rescue() starts: just below the main TLS block

static void
watchdog(void *unused)
{
    (void)unused;
    for (;;) {
        // Running at all means every other thread is blocked: rescue the main thread.
        struct kozo_res_tcb_info info = { 0, 0 };
        struct kozo_res_tcb_read_registers regs = { 0, 0, 0, 0 };
        kozo_tcb_info(SYS_SLOT_TCB, &info);
        // Registers of a blocked thread cannot be read (the kernel refuses: they belong to
        // its system call); suspended, its ip is that of the call it is stuck in.
        kozo_tcb_suspend(SYS_SLOT_TCB);
        kozo_tcb_read_registers(SYS_SLOT_TCB, &regs);
        uint64_t why = info.state == KOZO_THREAD_INACTIVE ? RESCUE_FAULT : RESCUE_STUCK;
        kozo_tcb_set_registers(SYS_SLOT_TCB, (uint64_t)rescue, main_stack_top, 0, why, regs.ip, info.state);
        kozo_tcb_resume(SYS_SLOT_TCB); // it outranks us: it runs now
    }
}

uint64_t
watchdog_start(void)
{
    const struct svc_thread_config c = {
        .base = WATCHDOG_BASE,
        .stack_pages = 2,
        .priority = 1,
        .cspace = SYS_SLOT_CNODE,
        .vspace = SYS_SLOT_VSPACE,
    };
    uint64_t err;

    // The main thread's TLS block is at the top of its stack; rescue() starts below it, as
    // if `call` had pushed a return address.
    main_stack_top = ((uint64_t)kozo_tls_self() & ~15ULL) - 8;
    svc_pool_init(&runner_pool, SYS_SLOT_CNODE, KT_DEPTH, SLOT_WATCHDOG, SLOT_WATCHDOG_END, 0);
    if ((err = svc_pool_add(&runner_pool, SLOT_RUNNER_UT, 0, RUNNER_BITS, false, 0)) ||
        (err = svc_thread_new(&runner_pool.alloc, &c, watchdog, NULL, &wd)))
        return err;
    return svc_thread_start(&wd);
}

void
watchdog_stop(void)
{
    kozo_tcb_suspend(wd.tcb);
}
