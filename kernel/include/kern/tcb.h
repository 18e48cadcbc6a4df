// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Thread control blocks. A TCB is a 2 KiB object made by retyping Untyped memory; the
// kernel has no other thread storage (the idle thread is the one static TCB).
#ifndef KERN_TCB_H
#define KERN_TCB_H

#include <arch.h>
#include <kern/cte.h>

// The numbers are in the ABI (TCB.Info reports them).
enum thread_state {
    TS_INACTIVE = KOZO_THREAD_INACTIVE,           // never started, suspended, or faulted
    TS_RUNNABLE = KOZO_THREAD_RUNNABLE,           // running, or in a ready queue
    TS_BLOCKED_SEND = KOZO_THREAD_BLOCKED_SEND,   // queued on an endpoint with a message
    TS_BLOCKED_RECV = KOZO_THREAD_BLOCKED_RECV,   // queued on an endpoint for a message
    TS_BLOCKED_REPLY = KOZO_THREAD_BLOCKED_REPLY, // made a Call; `replier` owes the answer
    TS_BLOCKED_NTFN = KOZO_THREAD_BLOCKED_NTFN,   // waiting on a notification
    TS_IDLE = KOZO_THREAD_IDLE,                   // the idle thread
};

// Capabilities a thread holds by being configured (TCB.Configure). They are real slots in
// the derivation tree, so revoking a CNode or VSpace also reaches threads that use it.
enum tcb_slot {
    TCB_SLOT_CSPACE = 0,
    TCB_SLOT_VSPACE,
    TCB_SLOT_IPC_BUFFER,
    TCB_SLOT_FAULT_EP,
    TCB_SLOT_COUNT
};

struct tcb {
    struct arch_context ctx; // first: the entry code saves user registers here

    uint8_t state;           // enum thread_state
    uint8_t priority;        // 0 (lowest) .. 255
    uint8_t ipc_is_call;     // blocked sender: it made a Call and wants a reply
    uint8_t ipc_can_grant;   // blocked in Send or Recv: the cap it blocked on has GRANT
    uint8_t fault_type;      // KOZO_FAULT_* being delivered or awaiting a reply, else 0
    uint8_t queued;          // in its priority's ready queue (sched.c)
    uint8_t syscall_limit;   // numbers below are KOZO system calls; the rest are faults:
                             // KOZO_SYS_COUNT, or 0 in SYSCALL_MODE_FAULT (a foreign ABI)
    uint8_t reply_can_grant; // with reply_to: our Reply may carry caps (see endpoint.c)
    uint32_t time_left;      // timer ticks left in this time slice
    word_t fault_addr;       // FAULT_VM: the address; FAULT_EXCEPTION: the vector
    word_t fault_code;       // the CPU's error code
    word_t ipc_badge;        // blocked sender: badge of the cap it sent through
    word_t ipc_buffer_vaddr; // user address of the IPC buffer (page offset matters)
    word_t tls_base;         // thread-local storage base (the arch's TLS register), 0 if none
    word_t retype_made;      // its Retype was preempted after making this many objects: the
                             // restarted call goes on from there (untyped.c); else 0

    struct tcb *sched_next, *sched_prev; // ready queue of its priority (runnable only)
    struct tcb *q_next, *q_prev;         // endpoint / notification wait queue
    void *blocked_on;                    // the endpoint or notification it waits on
    struct tcb *reply_to;                // server: the caller waiting for our Reply
    struct tcb *replier;                 // caller: the server that owes us a Reply

    cte_t slots[TCB_SLOT_COUNT];
    struct arch_fpu fpu; // FPU/SSE registers while another thread has the FPU
};
_Static_assert(sizeof(struct tcb) <= (1u << KOZO_OBJ_TCB_BITS), "TCB fits its object size");

static inline struct tcb *
tcb_from_cap(cap_t c)
{
    return (struct tcb *)cap_ptr(c);
}

void tcb_init(struct tcb *t);
// The last cap to the thread is going: stop it and drop what the CPU holds of it.
void tcb_finalise(struct tcb *t);
// Take a thread out of every queue and cancel what it was doing (it becomes INACTIVE).
void tcb_suspend(struct tcb *t);
// The thread's IPC buffer as a kernel pointer, or NULL if it has none mapped.
struct kozo_ipc_buffer *tcb_ipc_buffer(const struct tcb *t);

#endif
