// SPDX-License-Identifier: MIT OR Apache-2.0
//
// ktest internals shared by the runner (runner.c), the environment (env.c) and the
// watchdog (watchdog.c): the runner's own slots and address ranges. Cases use ktest.h.
#ifndef KTEST_RUNNER_H
#define KTEST_RUNNER_H

#include "ktest.h"

// Slots of ktest's CNode below SCRATCH_FIRST hold what init gave it (system/ktest.sys) and
// the runner's own objects, in its RUNNER range; they must look the same after every case.
// The cases' scratch slots follow.
#define SLOT_RUNNER_UT    (SYS_SLOTS_RUNNER_FIRST + 0) // the runner's own Untyped (the watchdog)
#define SLOT_CASE_PARENT  (SYS_SLOTS_RUNNER_FIRST + 1) // every case's Untyped is retyped from this one
#define SLOT_CASE_UT      (SYS_SLOTS_RUNNER_FIRST + 2) // the running case's Untyped
#define SLOT_TMP          (SYS_SLOTS_RUNNER_FIRST + 3) // checks (whole Untyped, free IRQ lines)
#define SLOT_WATCHDOG     (SYS_SLOTS_RUNNER_FIRST + 8) // .. +15: the watchdog's TCB, stack, IPC buffer, tables
#define SLOT_WATCHDOG_END (SYS_SLOTS_RUNNER_FIRST + 16)
#define RUNNER_SLOTS      SYS_SLOTS_SCRATCH_FIRST
#define SCRATCH_FIRST     SYS_SLOTS_SCRATCH_FIRST
#define SCRATCH_END       SYS_SLOTS_SCRATCH_END
_Static_assert(SLOT_WATCHDOG_END <= SYS_SLOTS_RUNNER_END, "the runner's slots fit its range");

#define RUNNER_BITS 20 // 1 MiB for the runner
#define CASE_BITS   23 // 8 MiB for each case

// ktest's address space above its stack (SERVICE_STACK_TOP): each range has its own page
// table, retyped from the case's Untyped (or the runner's for the watchdog).
#define HELPER_BASE        0x7f200000ULL // helper threads: 64 KiB each (stack, IPC buffer)
#define HELPER_SPAN        0x10000ULL
#define HELPER_STACK_PAGES 4
#define WINDOW_BASE        0x7f400000ULL // the case's window: kt_window_vaddr()
#define WINDOW_PAGES       512
#define WATCHDOG_BASE      0x7f600000ULL

// env.c
extern struct ktest_env env_current; // what the running case was given
uint64_t env_init(void);             // checks the pool, carves the runner's and the case parent
unsigned env_pool_bits(void);
void env_reset(void); // empties the scratch slots a case used; forgets its threads

// watchdog.c
#define RESCUE_STUCK 1
#define RESCUE_FAULT 2
uint64_t watchdog_start(void);
void watchdog_stop(void);
__attribute__((noreturn)) void rescue(uint64_t why, uint64_t rip, uint64_t state); // runner.c

#endif
