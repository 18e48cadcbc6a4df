// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Threads of the caller's own process (svc/thread.h). The creator prepares everything the
// thread needs before it runs: its TLS block (at the top of its stack, holding the IPC
// buffer's address), so the thread's first instruction can already use libkozo.
#include <svc/thread.h>
#include <svc/vspace.h>

#define PAGE (1ULL << KOZO_PAGE_BITS)

void
svc_tls_fill(struct kozo_tls *tls, uint64_t at, uint64_t ipc_vaddr)
{
    *tls = (struct kozo_tls){ 0 };
    tls->self = (struct kozo_tls *)at;
    tls->ipc_buffer = (struct kozo_ipc_buffer *)ipc_vaddr;
}

uint64_t
svc_thread_adopt(kozo_handle_t self, struct kozo_tls *tls, struct kozo_ipc_buffer *ipc)
{
    svc_tls_fill(tls, (uint64_t)tls, (uint64_t)ipc);
    return kozo_tcb_set_tls_base(self, (uint64_t)tls);
}

// Every thread starts here: fn(arg), then it stops itself for good.
static __attribute__((noreturn)) void
thread_entry(struct svc_thread *t)
{
    t->fn(t->arg);
    kozo_tcb_suspend(t->tcb);
    for (;;)
        kozo_yield(); // not reached: a suspended thread runs again only if restarted
}

static uint64_t
configure(struct svc_thread *t)
{
    const struct svc_thread_config *c = &t->config;
    return kozo_tcb_configure(t->tcb, c->cspace, c->vspace, c->no_ipc_buffer ? 0 : t->ipc_frame,
                              c->no_ipc_buffer ? 0 : (uint64_t)t->ipc, c->fault_ep);
}

static uint64_t
set_start(struct svc_thread *t)
{
    return kozo_tcb_set_registers(t->tcb, (uint64_t)thread_entry, t->stack_top, 0, (uint64_t)t, 0, 0);
}

uint64_t
svc_thread_new(struct svc_alloc *a, const struct svc_thread_config *c, void (*fn)(void *arg), void *arg,
               struct svc_thread *t)
{
    unsigned pages = c->stack_pages ? c->stack_pages : 4;
    uint64_t err, ipc_va = c->base, stack = c->base + 2 * PAGE, top = stack + pages * PAGE;
    kozo_handle_t frame;

    *t = (struct svc_thread){ .fn = fn, .arg = arg, .config = *c };
    t->config.stack_pages = pages;
    if ((err = svc_object_new(a, KOZO_OBJ_TCB, 0, &t->tcb)))
        return err;
    for (unsigned i = 0; i < pages; i++)
        if ((err = svc_map_new(a, c->vspace, stack + i * PAGE, &frame)))
            return err;
    if (!c->no_ipc_buffer) {
        if ((err = svc_map_new(a, c->vspace, ipc_va, &t->ipc_frame)))
            return err;
        t->ipc = (struct kozo_ipc_buffer *)ipc_va;
    }
    // The TLS block at the very top; the stack below it starts 8 bytes below a 16-byte
    // boundary, as if `call` had pushed a return address.
    t->tls = (struct kozo_tls *)(top - sizeof(struct kozo_tls));
    svc_tls_fill(t->tls, (uint64_t)t->tls, (uint64_t)t->ipc);
    t->stack_top = ((uint64_t)t->tls & ~15ULL) - 8;
    if ((err = configure(t)) || (err = kozo_tcb_set_priority(t->tcb, c->priority)) ||
        (err = kozo_tcb_set_tls_base(t->tcb, (uint64_t)t->tls)))
        return err;
    return set_start(t);
}

uint64_t
svc_thread_start(struct svc_thread *t)
{
    return kozo_tcb_resume(t->tcb);
}

uint64_t
svc_thread_restart(struct svc_thread *t)
{
    uint64_t err;
    if ((err = kozo_tcb_suspend(t->tcb)) || (err = set_start(t)))
        return err;
    return kozo_tcb_resume(t->tcb);
}

uint64_t
svc_thread_set_fault_ep(struct svc_thread *t, kozo_handle_t ep)
{
    t->config.fault_ep = ep;
    return configure(t);
}

uint64_t
svc_thread_foreign(struct svc_alloc *a, kozo_handle_t cspace, kozo_handle_t vspace, kozo_handle_t ipc_frame,
                   uint64_t ipc_vaddr, kozo_handle_t fault_ep, uint8_t priority, kozo_handle_t *tcb)
{
    uint64_t err;
    if ((err = svc_object_new(a, KOZO_OBJ_TCB, 0, tcb)) ||
        (err = kozo_tcb_configure(*tcb, cspace, vspace, ipc_frame, ipc_frame ? ipc_vaddr : 0, fault_ep)))
        return err;
    return kozo_tcb_set_priority(*tcb, priority);
}

uint64_t
svc_thread_start_at(kozo_handle_t tcb, uint64_t ip, uint64_t sp, uint64_t a0, uint64_t a1, uint64_t a2)
{
    uint64_t err = kozo_tcb_set_registers(tcb, ip, sp, 0, a0, a1, a2);
    return err ? err : kozo_tcb_resume(tcb);
}
