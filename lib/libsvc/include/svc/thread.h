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

// Give the calling thread (whose TCB is `self`) the TLS block `tls`, holding `ipc`: what
// the root task does first, since the kernel starts it without one.
uint64_t svc_thread_adopt(kozo_handle_t self, struct kozo_tls *tls, struct kozo_ipc_buffer *ipc);
// Fill in a TLS block that lives at `at` in its thread's address space.
void svc_tls_fill(struct kozo_tls *tls, uint64_t at, uint64_t ipc_vaddr);

#endif
