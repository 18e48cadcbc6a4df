// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The watchdog: a thread at priority 1, below every thread a case makes (helpers have at
// least 2). The scheduler only picks it when every other thread of ktest is blocked or
// stopped, and then nothing can ever wake the case up again (a lost wakeup, a deadlock,
// ktest's main thread stopped by a fault). It restarts the main thread at rescue(), on a
// fresh stack, which fails the case and goes on with the next: each case still gets its
// one line, and one broken case does not hide the rest.
//
// Its objects come from the runner's own Untyped, in runner slots SLOT_WATCHDOG.., so no
// case's Revoke reaches it. It shares ktest's CSpace and VSpace.
#include "runner.h"

#define WD_TCB   (SLOT_WATCHDOG + 0)
#define WD_STACK (SLOT_WATCHDOG + 1) // two pages
#define WD_IPC   (SLOT_WATCHDOG + 3)
#define WD_PT    (SLOT_WATCHDOG + 4)
#define WD_IPC_VADDR (WATCHDOG_BASE + 3 * KT_PAGE)

static __attribute__((noreturn)) void
watchdog(void)
{
    struct kozo_ipc_buffer *ipc = (struct kozo_ipc_buffer *)WD_IPC_VADDR;
    for (;;) {
        // Running at all means every other thread is blocked: rescue the main thread.
        struct kozo_res_tcb_info info = { 0, 0 };
        struct kozo_res_tcb_read_registers regs = { 0, 0, 0, 0 };
        kozo_tcb_info(KT_SLOT_TCB, &info);
        // Registers of a blocked thread cannot be read (the kernel refuses: they belong to
        // its system call); suspended, its ip is that of the call it is stuck in.
        kozo_tcb_suspend(KT_SLOT_TCB);
        kozo_tcb_read_registers(KT_SLOT_TCB, &regs);
        uint64_t why = info.state == KOZO_THREAD_INACTIVE ? RESCUE_FAULT : RESCUE_STUCK;
        // rip, rsp, rflags, then rescue()'s arguments (RDI, RSI, RDX)
        const uint64_t args[6] = { (uint64_t)rescue, KOZO_SERVICE_STACK_TOP - 8, 0,
                                   why,              regs.ip,                   info.state };
        kt_invoke(ipc, KT_SLOT_TCB, KOZO_INV_TCB_SET_REGISTERS, 6, args, 0, NULL);
        kozo_tcb_resume(KT_SLOT_TCB); // it outranks us: it runs now
    }
}

static uint64_t
retype(uint64_t type, kozo_handle_t slot)
{
    return kozo_untyped_retype(SLOT_RUNNER_UT, type, 0, KT_SLOT_CNODE, 0, 0, slot, 1);
}

uint64_t
watchdog_start(void)
{
    uint64_t err;
    if ((err = env_map_pt_from(SLOT_RUNNER_UT, WD_PT, WATCHDOG_BASE)) || (err = retype(KOZO_OBJ_TCB, WD_TCB)))
        return err;
    for (unsigned i = 0; i < 3; i++) {
        kozo_handle_t frame = i < 2 ? WD_STACK + i : WD_IPC;
        uint64_t va = i < 2 ? WATCHDOG_BASE + i * KT_PAGE : WD_IPC_VADDR;
        if ((err = retype(KOZO_OBJ_FRAME, frame)) ||
            (err = kozo_frame_map(frame, KT_SLOT_VSPACE, va, KT_RW, 0)))
            return err;
    }
    if ((err = kozo_tcb_configure(WD_TCB, KT_SLOT_CNODE, KT_SLOT_VSPACE, WD_IPC, WD_IPC_VADDR, 0)) ||
        (err = kozo_tcb_set_priority(WD_TCB, 1)) ||
        (err =
             kozo_tcb_set_registers(WD_TCB, (uint64_t)watchdog, WATCHDOG_BASE + 2 * KT_PAGE - 8, 0, 0, 0, 0)))
        return err;
    return kozo_tcb_resume(WD_TCB);
}

void
watchdog_stop(void)
{
    kozo_tcb_suspend(WD_TCB);
}
