// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Scheduler: fixed-priority preemptive round robin. Runnable threads sit in one FIFO per
// priority; a two-level bitmap finds the highest non-empty queue with two bit scans.
#ifndef KERN_SCHED_H
#define KERN_SCHED_H

#include <kern/tcb.h>

#define SCHED_PRIORITIES 256
#define SCHED_TIME_SLICE 5 // timer ticks (the tick is ARCH_TICK_MS)

extern struct tcb *current; // the thread the next kernel exit returns to
extern struct tcb idle_thread;

void sched_init(void);
void sched_enqueue(struct tcb *t);       // append to its priority's queue
void sched_enqueue_front(struct tcb *t); // ... at the head (it keeps its turn)
void sched_dequeue(struct tcb *t);
// Make t runnable; if it should run before the current thread, ask for a reschedule.
void sched_wake(struct tcb *t);
// Leave the current thread and run `t` directly (IPC direct switch; no queue search).
void sched_switch_to(struct tcb *t);              // run t next, without choosing
bool sched_contender(unsigned priority);          // is a thread of this priority or above queued?
void sched_yield_thread(struct tcb *t);           // t (running) to the tail of its queue if others wait
void sched_request(void);                         // pick again at the next kernel exit
void sched_tick(void);                            // timer interrupt
NORETURN void kernel_exit(void);                  // pick the thread to run, leave the kernel
NORETURN void kernel_exit_syscall(struct tcb *t); // the same after a system call of t

#endif
