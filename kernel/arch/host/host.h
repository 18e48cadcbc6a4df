// SPDX-License-Identifier: MIT OR Apache-2.0
//
// What the host arch (arch.c) records for tests to inspect. Host builds only: nothing in
// the kernel core includes this.
#ifndef KOZO_ARCH_HOST_H
#define KOZO_ARCH_HOST_H

#include <kern/cap.h>

#define HOST_OUT_SIZE 8192 // console bytes kept (later ones are counted, not stored)

struct tcb;

struct host_arch {
    // Console (arch_putchar; '\r' dropped) and crash channel (arch_crash_putchar), each
    // NUL-terminated; bytes that do not fit are counted in *_dropped.
    char out[HOST_OUT_SIZE];
    size_t out_len, out_dropped;
    char crash[HOST_OUT_SIZE];
    size_t crash_len, crash_dropped;
    bool echo; // also write console bytes to stdout

    // What arch_backtrace reports (tests set fake return addresses to check symbolisation).
    word_t backtrace[16];
    unsigned backtrace_len;

    // arch_halt (panic) calls this if set; it should longjmp out. Unset: abort().
    void (*halt_hook)(void);
    unsigned halts;

    struct tcb *switched_to; // last arch_switch_to argument
    unsigned switches;

    bool irq_masked[KOZO_IRQ_LINES]; // state after the last mask/unmask of each line
    unsigned irq_mask_calls, irq_unmask_calls;
    // arch_irq_pending answers true this many times (then false): preempts long operations.
    unsigned irq_pending;
    unsigned restarts; // arch_restart_syscall calls (registers are left as they were)

    // The MMU hooks of x86_64's page tables (which the host runs as they are): TLB flushes
    // of one address or a whole address space, and ASIDs released by dying VSpaces.
    unsigned flushes, whole_flushes, asids_released;
};

extern struct host_arch host_arch;

// Forget all recorded state (the ASID table too); keeps echo and halt_hook.
void host_arch_reset(void);
// Clear the console and crash-channel buffers only.
void host_out_clear(void);

#endif
