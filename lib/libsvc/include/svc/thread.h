// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Threads of the caller's own process: a TCB sharing its CSpace and VSpace, a stack, an
// IPC buffer and a TLS block of its own (so that it can send long messages through
// libkozo like the main thread), all in a region of the address space the caller names.
// A thread runs fn(arg) and suspends itself when fn returns.
#ifndef SVC_THREAD_H
#define SVC_THREAD_H

#include <svc/alloc.h>

// The region at `base`: the IPC buffer page, an unmapped guard page, then the stack, whose
// top page also holds the TLS block.
#define SVC_THREAD_SPAN(stack_pages) (((uint64_t)(stack_pages) + 2) << KOZO_PAGE_BITS)

struct svc_thread_config {
    uint64_t base;        // page-aligned, SVC_THREAD_SPAN(stack_pages) bytes, unused
    unsigned stack_pages; // 0: 4
    uint8_t priority;
    kozo_handle_t cspace, vspace; // the caller's own root CNode and VSpace caps
    kozo_handle_t fault_ep;       // 0: none
    bool no_ipc_buffer;           // its messages stop at four words
};

struct svc_thread {
    kozo_handle_t tcb, ipc_frame;
    struct kozo_ipc_buffer *ipc; // NULL with no_ipc_buffer
    struct kozo_tls *tls;
    uint64_t stack_top; // where its stack pointer starts (as if `call` had pushed a return)
    void (*fn)(void *arg);
    void *arg;
    struct svc_thread_config config;
};

// Create it, configured and stopped, set to run fn(arg); svc_thread_start lets it run.
// (Between the two the caller may still change its registers, to start it elsewhere.)
uint64_t svc_thread_new(struct svc_alloc *a, const struct svc_thread_config *c, void (*fn)(void *arg),
                        void *arg, struct svc_thread *t);
uint64_t svc_thread_start(struct svc_thread *t);
// Stop it wherever it is (blocked too) and run fn(arg) again on an empty stack.
uint64_t svc_thread_restart(struct svc_thread *t);
// Change its fault endpoint.
uint64_t svc_thread_set_fault_ep(struct svc_thread *t, kozo_handle_t ep);

// A thread of another address space, running code the caller put there: a TCB with
// `cspace` and `vspace`, the IPC buffer frame `ipc_frame` (already mapped there at
// `ipc_vaddr`; 0: none), `fault_ep` and `priority`; stopped. No TLS block: the code there
// is the caller's, and so are its registers (svc_thread_start_at).
uint64_t svc_thread_foreign(struct svc_alloc *a, kozo_handle_t cspace, kozo_handle_t vspace,
                            kozo_handle_t ipc_frame, uint64_t ipc_vaddr, kozo_handle_t fault_ep,
                            uint8_t priority, kozo_handle_t *tcb);
// Start a stopped thread at `ip` with stack pointer `sp` and three arguments.
uint64_t svc_thread_start_at(kozo_handle_t tcb, uint64_t ip, uint64_t sp, uint64_t a0, uint64_t a1,
                             uint64_t a2);

// Give the calling thread (whose TCB is `self`) the TLS block `tls`, holding `ipc`: what
// the root task does first, since the kernel starts it without one.
uint64_t svc_thread_adopt(kozo_handle_t self, struct kozo_tls *tls, struct kozo_ipc_buffer *ipc);
// Fill in a TLS block that lives at `at` in its thread's address space.
void svc_tls_fill(struct kozo_tls *tls, uint64_t at, uint64_t ipc_vaddr);

#endif
