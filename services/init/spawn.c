// SPDX-License-Identifier: MIT OR Apache-2.0
//
// One service of the boot table, one incarnation at a time. Everything an incarnation has
// (its VSpace, CNode, thread, image, stack, the memory its description carves for it) is
// retyped from its quota, an Untyped of its own, into a range of init's slots of its own:
// revoking the quota reclaims all of it at once, and the next incarnation starts from the
// same empty Untyped. What outlives an incarnation is init's: the service's endpoint (so
// the caps its clients hold stay valid across a restart), the quota Untyped itself and the
// badged fault endpoint its thread reports to. The service holds exactly what its entry
// grants; its start arguments are empty (its own system.h says where everything is).
#include <elf.h>
#include <string.h>
#include "init.h"

struct proc procs[MAX_PROCS];
unsigned nprocs;

// Device memory lent to a service for its incarnation (init keeps the original cap and
// gives a copy), by the pool index of the device Untyped.
static const struct proc *device_user[SVC_POOL_MAX_UNTYPED];

// A device Untyped of init's pool no incarnation has: the smallest of at least 2^bits
// bytes, or the one holding `paddr` (bits 0). Returns its pool index, or -1.
static int
pick_device(unsigned bits, uint64_t paddr)
{
    int best = -1;
    for (unsigned i = 0; i < init_pool.nuntyped; i++) {
        const struct svc_pool_untyped *u = &init_pool.untyped[i];
        if (!u->device || device_user[i])
            continue;
        if (bits ? u->bits >= bits && (best < 0 || u->bits < init_pool.untyped[best].bits)
                 : paddr >= u->paddr && paddr - u->paddr < (1ULL << u->bits))
            best = (int)i;
    }
    return best;
}

struct proc *
proc_of(const struct boot_service *s)
{
    for (unsigned i = 0; i < nprocs; i++)
        if (procs[i].svc == s)
            return &procs[i];
    return NULL;
}

unsigned
proc_number(const struct proc *p)
{
    return (unsigned)(p - procs) + 1;
}

struct proc *
proc_find(const char *name)
{
    for (unsigned i = 0; i < nprocs; i++)
        if (!strcmp(procs[i].svc->name, name))
            return &procs[i];
    return NULL;
}

const char *
proc_state_name(enum proc_state s)
{
    static const char *const names[] = { "running", "restarting", "stopped", "failed", "done" };
    return s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

// One capability of the entry into the service's CNode.
static uint64_t
grant(struct proc *p, const struct boot_cap *c, const struct svc_process *sp)
{
    struct svc_alloc *own = &p->pool.alloc, *init = &init_pool.alloc;
    kozo_handle_t src;
    uint64_t err;
    int d;

    switch (c->kind) {
    case BOOT_CAP_ENDPOINT: return svc_process_give(init, sp, c->slot, p->ep, KOZO_RIGHTS_ALL, false);
    case BOOT_CAP_COPY: return svc_process_give(init, sp, c->slot, c->arg, KOZO_RIGHTS_ALL, false);
    case BOOT_CAP_SELF:
        src = c->arg == BOOT_SELF_CNODE    ? sp->cnode_guarded
              : c->arg == BOOT_SELF_VSPACE ? sp->vspace
                                           : sp->tcb;
        return svc_process_give(init, sp, c->slot, src, KOZO_RIGHTS_ALL, false);
    case BOOT_CAP_UNTYPED: // carved from its quota, so that it goes back with it
        if ((err = svc_object_new(own, KOZO_OBJ_UNTYPED, c->arg, &src)))
            return err;
        kozo_printf("init: %s gets 2^%u bytes of Untyped memory\n", p->svc->name, (unsigned)c->arg);
        return svc_process_give(init, sp, c->slot, src, 0, true);
    case BOOT_CAP_DEVICE_MIN:
    case BOOT_CAP_DEVICE_AT:
        d = c->kind == BOOT_CAP_DEVICE_MIN ? pick_device((unsigned)c->arg, 0) : pick_device(0, c->arg);
        if (d < 0) { // not every machine has it: the service finds the slot empty
            kozo_printf("init: no device memory for %s's %s\n", p->svc->name, c->name);
            return KOZO_ERR_OK;
        }
        device_user[d] = p;
        return svc_process_give(init, sp, c->slot, init_pool.untyped[d].slot, KOZO_RIGHTS_ALL, false);
    case BOOT_CAP_ASID_POOL: // made into one of its slots, moved to it, gone with its CNode
        if ((err = own->slot(own, &src)) ||
            (err = kozo_asid_control_make_pool(KOZO_SLOT_ASID_CONTROL, ROOT_CNODE, src, ROOT_DEPTH, NULL)))
            return err;
        return svc_process_give(init, sp, c->slot, src, 0, true);
    case BOOT_CAP_IOPORT: // issued into one of its slots, moved to it, gone with its CNode
        if ((err = own->slot(own, &src)) ||
            (err = kozo_ioport_control_issue(KOZO_SLOT_IOPORT_CONTROL, c->arg & 0xffff, c->arg >> 16,
                                             ROOT_CNODE, src, ROOT_DEPTH)))
            return err;
        return svc_process_give(init, sp, c->slot, src, 0, true);
    case BOOT_CAP_IRQ: // the same: its line is free again once the handler cap is gone
        if ((err = own->slot(own, &src)) ||
            (err = kozo_irq_control_get(KOZO_SLOT_IRQ_CONTROL, c->arg, ROOT_CNODE, src, ROOT_DEPTH)))
            return err;
        return svc_process_give(init, sp, c->slot, src, 0, true);
    case BOOT_CAP_NOTIFICATION:
        if ((err = svc_object_new(own, KOZO_OBJ_NOTIFICATION, 0, &src)))
            return err;
        return svc_process_give(init, sp, c->slot, src, 0, true);
    case BOOT_CAP_PAGER: { // its pager's endpoint, badged with its client number
        const struct proc *pager = pager_of(p);
        if (!pager)
            return KOZO_ERR_INVALID_HANDLE;
        return svc_process_give_badged(init, sp, c->slot, pager->ep, KOZO_RIGHTS_ALL, proc_number(p));
    }
    case BOOT_CAP_CALL: {
        const struct proc *server = proc_of(boot_service((unsigned)c->arg));
        if (!server) // sysgen put it first; it did not start
            return KOZO_ERR_INVALID_HANDLE;
        return svc_process_give_badged(init, sp, c->slot, server->ep, KOZO_RIGHTS_ALL, c->badge);
    }
    }
    return KOZO_ERR_INVALID_ARGUMENT;
}

// The slots of init's that one incarnation of s takes at most: a frame per page of its
// image, and its thread, tables, stack and the rest (a bad image: it will not start).
static unsigned
proc_slots(const struct boot_service *s)
{
    size_t size;
    const void *image = boot_image(s->name, &size);
    struct elf_info info;
    struct elf_segment seg;
    unsigned pages = 0;
    if (!image || elf_check(image, size, KOZO_USER_TOP, &info) != ELF_OK)
        return PROC_SLOTS_BASE;
    for (unsigned i = 0; i < info.nload; i++)
        if (elf_load_segment(image, size, i, &seg) == ELF_OK)
            pages += (unsigned)(((seg.vaddr + seg.memsz + (1ULL << KOZO_PAGE_BITS) - 1) >> KOZO_PAGE_BITS) -
                                (seg.vaddr >> KOZO_PAGE_BITS));
    return PROC_SLOTS_BASE + pages;
}

struct proc *
proc_new(const struct boot_service *s)
{
    if (nprocs == MAX_PROCS) {
        kozo_printf("init: no room for %s (at most %u services)\n", s->name, MAX_PROCS);
        return NULL;
    }
    struct proc *p = &procs[nprocs];
    memset(p, 0, sizeof(*p));
    p->svc = s;
    p->state = PROC_STOPPED;
    if (obj_alloc(KOZO_OBJ_ENDPOINT, 0, &p->ep) || obj_alloc(KOZO_OBJ_UNTYPED, s->memory_bits, &p->quota)) {
        kozo_printf("init: no memory for %s's quota of %lu KiB\n", s->name,
                    (unsigned long)(1ULL << s->memory_bits >> 10));
        return NULL;
    }
    unsigned slots = proc_slots(s);
    kozo_handle_t first = slot_range(slots);
    svc_pool_init(&p->pool, ROOT_CNODE, ROOT_DEPTH, first, first + slots, KOZO_SLOT_INIT_ASID_POOL);
    svc_pool_add(&p->pool, p->quota, 0, s->memory_bits, false, 0);
    // A pager serves its faults; else init does, unless it is never restarted.
    p->fault_ep = s->pager >= 0                      ? pager_fault_cap(p)
                  : s->restart == BOOT_RESTART_NEVER ? 0
                                                     : supervisor_fault_cap(p);
    nprocs++;
    return p;
}

static uint64_t
build(struct proc *p, const void *image, size_t size)
{
    const struct boot_service *s = p->svc;
    const struct svc_process_config config = {
        .image = image,
        .size = size,
        .cnode_bits = s->cnode_bits,
        .stack_top = SVC_PROCESS_STACK_TOP,
        .stack_pages = SVC_PROCESS_STACK_PAGES,
        .ipc_vaddr = SVC_PROCESS_IPC_VADDR,
        .fault_ep = p->fault_ep,
    };
    struct svc_process sp;
    int elf_err = 0;
    uint64_t err = svc_process_new(&p->pool.alloc, &init_window, &config, &sp, &elf_err);

    if (elf_err) {
        kozo_printf("init: %s is not a valid ELF executable: %s\n", s->name, elf_strerror(elf_err));
        return err;
    }
    p->tcb = sp.tcb;
    p->cnode = sp.cnode;
    p->vspace = sp.vspace;
    for (unsigned i = 0; !err && i < s->ncaps; i++)
        if ((err = grant(p, &s->caps[i], &sp)))
            kozo_printf("init: %s's %s (slot %lu): %s\n", s->name, s->caps[i].name,
                        (unsigned long)s->caps[i].slot, kozo_error_name(err));
    if (!err && s->pager >= 0)
        err = pager_attach(p);
    return err ? err : svc_process_start(&sp, s->priority, 0, 0, 0);
}

uint64_t
proc_start(struct proc *p)
{
    size_t size;
    const void *image = boot_image(p->svc->name, &size);
    uint64_t err = image ? build(p, image, size) : KOZO_ERR_INVALID_ARGUMENT;
    if (err) {
        kozo_printf("init: starting %s failed: %s\n", p->svc->name, kozo_error_name(err));
        proc_reclaim(p);
        p->state = PROC_FAILED;
        p->why = "it did not start";
        return err;
    }
    p->state = PROC_RUNNING;
    p->started = kozo_cycles();
    p->busy = 0;
    return KOZO_ERR_OK;
}

// Revoking the quota deletes every object retyped from it, the thread first among them
// (its CNode, and so every cap the service held, goes too); the range's slots are emptied
// of whatever else was put there (the moved-away ASID pool's slot, the window's copies).
void
proc_reclaim(struct proc *p)
{
    pager_detach(p); // its pager deletes what it made for it first
    kozo_cnode_revoke(ROOT_CNODE, p->quota, ROOT_DEPTH);
    for (kozo_handle_t s = p->pool.first_slot; s < p->pool.next_slot; s++)
        kozo_cnode_delete(ROOT_CNODE, s, ROOT_DEPTH);
    svc_pool_reset(&p->pool);
    for (unsigned i = 0; i < SVC_POOL_MAX_UNTYPED; i++)
        if (device_user[i] == p)
            device_user[i] = NULL;
    p->tcb = p->cnode = p->vspace = 0;
}
