// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Starting a service from an ELF image (lib/libsvc's svc_process, from init's pool) as
// init lays services out: every service gets its endpoint in slot SERVICE_ARG_EP_SLOT of
// its own CNode; struct spawn_args can ask for a copy of init's debug-console cap (in
// SERVICE_DEBUG_CONSOLE_SLOT: a service that prints needs it), a bigger CNode and more
// capabilities (copies of init's, caps moved out of init, or the service's own CNode,
// VSpace and TCB), as the test configuration does for ktest.
#include <elf.h>
#include <string.h>
#include "init.h"

struct proc procs[MAX_PROCS];
unsigned nprocs;

// The extra capabilities; the service's own objects are named by SPAWN_SELF_*.
static uint64_t
give_caps(const struct spawn_args *a, const struct svc_process *sp)
{
    for (unsigned i = 0; i < a->ncaps; i++) {
        const struct spawn_cap *c = &a->caps[i];
        kozo_handle_t src = c->src == SPAWN_SELF_CNODE    ? sp->cnode_guarded
                            : c->src == SPAWN_SELF_VSPACE ? sp->vspace
                            : c->src == SPAWN_SELF_TCB    ? sp->tcb
                                                          : c->src;
        uint64_t err = svc_process_give(&init_pool.alloc, sp, c->dest, src, KOZO_RIGHTS_ALL, c->move);
        if (err)
            return err;
    }
    return KOZO_ERR_OK;
}

static uint64_t
build(const struct spawn_args *a, struct proc *p)
{
    const struct svc_process_config config = {
        .image = a->image,
        .size = a->size,
        .cnode_bits = a->cnode_bits ? a->cnode_bits : KOZO_SERVICE_CNODE_BITS,
        .stack_top = KOZO_SERVICE_STACK_TOP,
        .stack_pages = KOZO_SERVICE_STACK_PAGES,
        .ipc_vaddr = KOZO_SERVICE_IPC_BUFFER_VADDR,
    };
    struct svc_process sp;
    struct svc_alloc *alloc = &init_pool.alloc;
    int elf_err = 0;
    uint64_t err = svc_process_new(alloc, &init_window, &config, &sp, &elf_err);

    if (elf_err) {
        kozo_printf("init: %s is not a valid ELF executable: %s\n", a->name, elf_strerror(elf_err));
        return err;
    }
    p->tcb = sp.tcb;
    p->cnode = sp.cnode;
    p->vspace = sp.vspace;
    if (err || (err = svc_object_new(alloc, KOZO_OBJ_ENDPOINT, 0, &p->ep)) ||
        (err = svc_process_give(alloc, &sp, KOZO_SERVICE_ARG_EP_SLOT, p->ep, KOZO_RIGHTS_ALL, false)))
        return err;
    if (a->console && (err = svc_process_give(alloc, &sp, KOZO_SERVICE_DEBUG_CONSOLE_SLOT,
                                              KOZO_SLOT_DEBUG_CONSOLE, KOZO_RIGHTS_ALL, false)))
        return err;
    if ((err = give_caps(a, &sp)))
        return err;
    return svc_process_start(&sp, a->priority, a->arg0, KOZO_SERVICE_IPC_BUFFER_VADDR, a->arg2);
}

uint64_t
spawn(const struct spawn_args *a, struct proc **out)
{
    if (nprocs == MAX_PROCS)
        return KOZO_ERR_RANGE;
    struct proc *p = &procs[nprocs];
    memset(p, 0, sizeof(*p));
    for (unsigned i = 0; a->name[i] && i < sizeof(p->name) - 1; i++)
        p->name[i] = a->name[i];
    p->priority = a->priority;
    uint64_t err = build(a, p);
    if (err) {
        kozo_printf("init: starting %s failed: %s\n", a->name, kozo_error_name(err));
        return err;
    }
    nprocs++;
    *out = p;
    return KOZO_ERR_OK;
}
