// SPDX-License-Identifier: MIT OR Apache-2.0
//
// init's side of paging. A service whose description names a pager (the VMM) has its
// page faults served there: its thread's fault endpoint is the pager's endpoint, badged
// VMM_FAULT_BADGE | its client number (its place in procs, + 1). Before it starts, init
// puts three caps in the pager's slots for it: its VSpace, the memory carved from its
// quota that the pager backs it with, and a cap to the supervisor that reports its death
// (badged for it); then it attaches it. When the service goes, init detaches it first, so
// that the pager deletes what it had before the quota's revoke. A pager's death takes its
// clients' memory with it: they are reclaimed with it and started again after it.
#include <proto/vmm.h>
#include "init.h"

struct proc *
pager_of(const struct proc *p)
{
    return p->svc->pager >= 0 ? proc_of(boot_service((unsigned)p->svc->pager)) : NULL;
}

kozo_handle_t
pager_fault_cap(const struct proc *p)
{
    const struct proc *pager = pager_of(p);
    kozo_handle_t cap = slot_alloc();
    uint64_t err = pager ? kozo_cnode_mint(ROOT_CNODE, cap, ROOT_DEPTH, ROOT_CNODE, pager->ep, ROOT_DEPTH,
                                           KOZO_RIGHTS_ALL, VMM_FAULT_BADGE | proc_number(p))
                         : KOZO_ERR_INVALID_HANDLE;
    if (err)
        kozo_printf("init: no fault endpoint at the pager for %s: %s\n", p->svc->name, kozo_error_name(err));
    return err ? 0 : cap;
}

uint64_t
pager_attach(struct proc *p)
{
    struct proc *pager = pager_of(p);
    unsigned n = proc_number(p);
    if (!pager || pager->state != PROC_RUNNING)
        return KOZO_ERR_INVALID_HANDLE; // it is started again with its pager
    const struct svc_process there = { .cnode = pager->cnode, .cnode_bits = pager->svc->cnode_bits };
    struct svc_alloc *own = &p->pool.alloc, *init = &init_pool.alloc;
    kozo_handle_t memory;
    uint64_t err, status = VMM_OK;
    const uint64_t page = 1ULL << KOZO_PAGE_BITS;
    const uint64_t stack_base = SVC_PROCESS_IPC_VADDR + 2 * page; // above the IPC page and a guard
    const uint64_t stack_end = SVC_PROCESS_STACK_TOP - SVC_PROCESS_STACK_PAGES * page; // init maps the rest

    if ((err = svc_process_give(init, &there, VMM_CLIENT_SLOTS + 4 * n, p->vspace, KOZO_RIGHTS_ALL, false)) ||
        (err = svc_object_new(own, KOZO_OBJ_UNTYPED, p->svc->pager_bits, &memory)) ||
        (err = svc_process_give(init, &there, VMM_CLIENT_SLOTS + 4 * n + 1, memory, 0, true)) ||
        (err = svc_process_give_badged(init, &there, VMM_CLIENT_SLOTS + 4 * n + 2, supervisor_ep,
                                       KOZO_RIGHTS_ALL, supervisor_report_badge(p))) ||
        (err = vmm_attach(pager->ep, n, p->restarts, stack_base, stack_end - stack_base, &status)))
        return err;
    if (status != VMM_OK) {
        kozo_printf("init: %s refused %s: %s\n", pager->svc->name, p->svc->name, vmm_status_name(status));
        return KOZO_ERR_INVALID_ARGUMENT;
    }
    p->attached = true;
    return KOZO_ERR_OK;
}

void
pager_detach(struct proc *p)
{
    struct proc *pager = pager_of(p);
    uint64_t status = VMM_OK;
    if (!p->attached)
        return;
    p->attached = false;
    if (!pager || pager->state != PROC_RUNNING)
        return; // its caps there went with the pager's CNode
    uint64_t err = vmm_detach(pager->ep, proc_number(p), &status);
    if (err || status != VMM_OK)
        kozo_printf("init: %s would not detach %s: %s\n", pager->svc->name, p->svc->name,
                    err ? kozo_error_name(err) : vmm_status_name(status));
}

// The clients of a pager that died lost their memory: stop and reclaim them now (the
// pager is not running, so nothing is detached), to start them again after it.
void
pager_lost(struct proc *pager)
{
    for (unsigned i = 0; i < nprocs; i++) {
        struct proc *q = &procs[i];
        if (pager_of(q) != pager || (q->state != PROC_RUNNING && q->state != PROC_RESTARTING))
            continue;
        if (q->state == PROC_RUNNING) {
            kozo_printf("init: %s lost its memory with %s: it starts again after it\n", q->svc->name,
                        pager->svc->name);
            kozo_tcb_suspend(q->tcb);
            proc_reclaim(q);
            q->restarts++;
        }
        q->state = PROC_RESTARTING;
        q->restart_at = 0;
        q->waits_for_pager = true;
    }
}

// The pager is back (started: true) or will not be: its clients follow it.
void
pager_clients_resume(struct proc *pager, bool started)
{
    for (unsigned i = 0; i < nprocs; i++) {
        struct proc *q = &procs[i];
        if (pager_of(q) != pager || !q->waits_for_pager)
            continue;
        q->waits_for_pager = false;
        if (!started) {
            q->state = PROC_FAILED;
            q->why = "its pager failed";
            kozo_printf("init: %s failed: %s\n", q->svc->name, q->why);
        } else if (proc_start(q) == KOZO_ERR_OK) {
            kozo_printf("init: %s restarted (restart %u)\n", q->svc->name, q->restarts);
        }
    }
}
