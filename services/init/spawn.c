// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Starting a service from an ELF image: a new address space, CNode and thread, all
// retyped from init's Untyped memory. Every service gets its endpoint in slot
// SERVICE_ARG_EP_SLOT of its own CNode; struct spawn_args can ask for a copy of init's
// debug-console cap (in SERVICE_DEBUG_CONSOLE_SLOT: a service that prints needs it), a
// bigger CNode and more capabilities (copies of init's, caps moved out of init, or the
// service's own CNode, VSpace and TCB), as the test configuration does for ktest.
#include <elf.h>
#include <string.h>
#include "init.h"

struct proc procs[MAX_PROCS];
unsigned nprocs;

#define PAGE (1ULL << KOZO_PAGE_BITS)

static uint64_t
load_segment(struct proc *p, const struct elf_segment *s)
{
    uint64_t first = s->vaddr & ~(PAGE - 1), last = (s->vaddr + s->memsz + PAGE - 1) & ~(PAGE - 1);
    uint64_t rights = KOZO_RIGHT_READ | ((s->flags & ELF_SEG_W) ? KOZO_RIGHT_WRITE : 0);
    uint64_t attrs = (s->flags & ELF_SEG_X) ? KOZO_FRAME_ATTR_EXEC : 0;

    for (uint64_t va = first; va < last; va += PAGE) {
        kozo_handle_t frame;
        uint64_t err = obj_alloc(KOZO_OBJ_FRAME, 0, &frame);
        if (err)
            return err;
        // The part of the file that lands in this page (the rest stays zero).
        uint64_t lo = va > s->vaddr ? va : s->vaddr;
        uint64_t hi = s->vaddr + s->filesz < va + PAGE ? s->vaddr + s->filesz : va + PAGE;
        if (lo < hi && (err = fill_frame(frame, lo - va, (const char *)s->data + (lo - s->vaddr), hi - lo)))
            return err;
        if ((err = map_frame(p->vspace, frame, va, rights, attrs)))
            return err;
    }
    return KOZO_ERR_OK;
}

static uint64_t
map_fresh(struct proc *p, uint64_t vaddr, kozo_handle_t *frame_out)
{
    kozo_handle_t frame;
    uint64_t err = obj_alloc(KOZO_OBJ_FRAME, 0, &frame);
    if (!err)
        err = map_frame(p->vspace, frame, vaddr, KOZO_RIGHT_READ | KOZO_RIGHT_WRITE, 0);
    if (frame_out)
        *frame_out = frame;
    return err;
}

#define TRY(expr)                      \
    do {                               \
        if ((err = (expr)) != 0)       \
            goto fail;                 \
    } while (0)

// Put the extra capabilities into the service's CNode (p->cnode: unguarded, `bits` deep).
static uint64_t
give_caps(const struct spawn_args *a, struct proc *p, kozo_handle_t guarded, unsigned bits)
{
    for (unsigned i = 0; i < a->ncaps; i++) {
        const struct spawn_cap *c = &a->caps[i];
        kozo_handle_t src = c->src == SPAWN_SELF_CNODE    ? guarded
                            : c->src == SPAWN_SELF_VSPACE ? p->vspace
                            : c->src == SPAWN_SELF_TCB    ? p->tcb
                                                          : c->src;
        uint64_t err = c->move ? kozo_cnode_move(p->cnode, c->dest, bits, ROOT_CNODE, src, ROOT_DEPTH)
                               : kozo_cnode_copy(p->cnode, c->dest, bits, ROOT_CNODE, src, ROOT_DEPTH,
                                                 KOZO_RIGHTS_ALL);
        if (err)
            return err;
    }
    return KOZO_ERR_OK;
}

uint64_t
spawn(const struct spawn_args *a, struct proc **out)
{
    struct elf_info info;
    struct proc *p;
    kozo_handle_t ipc_frame, guarded;
    unsigned bits = a->cnode_bits ? a->cnode_bits : KOZO_SERVICE_CNODE_BITS;
    uint64_t err;
    int e;

    if ((e = elf_check(a->image, a->size, KOZO_USER_TOP, &info)) != 0) {
        kozo_printf("init: %s is not a valid ELF executable: %s\n", a->name, elf_strerror(e));
        return KOZO_ERR_INVALID_ARGUMENT;
    }
    if (nprocs == MAX_PROCS)
        return KOZO_ERR_RANGE;
    p = &procs[nprocs];
    memset(p, 0, sizeof(*p));
    for (unsigned i = 0; a->name[i] && i < sizeof(p->name) - 1; i++)
        p->name[i] = a->name[i];
    p->priority = a->priority;

    TRY(obj_alloc(KOZO_OBJ_VSPACE, 0, &p->vspace));
    TRY(kozo_asid_pool_assign(KOZO_SLOT_INIT_ASID_POOL, p->vspace, NULL));
    TRY(obj_alloc(KOZO_OBJ_CNODE, bits, &p->cnode));
    TRY(obj_alloc(KOZO_OBJ_TCB, 0, &p->tcb));
    TRY(obj_alloc(KOZO_OBJ_ENDPOINT, 0, &p->ep));
    for (unsigned i = 0; i < info.nload; i++) {
        struct elf_segment seg;
        elf_load_segment(a->image, a->size, i, &seg);
        TRY(load_segment(p, &seg));
    }
    for (uint64_t i = 1; i <= KOZO_SERVICE_STACK_PAGES; i++)
        TRY(map_fresh(p, KOZO_SERVICE_STACK_TOP - i * PAGE, NULL));
    TRY(map_fresh(p, KOZO_SERVICE_IPC_BUFFER_VADDR, &ipc_frame));

    // Its CSpace: the endpoint, and a CNode cap whose guard makes handles plain slot numbers.
    TRY(kozo_cnode_copy(p->cnode, KOZO_SERVICE_ARG_EP_SLOT, bits, ROOT_CNODE, p->ep, ROOT_DEPTH,
                        KOZO_RIGHTS_ALL));
    if (a->console)
        TRY(kozo_cnode_copy(p->cnode, KOZO_SERVICE_DEBUG_CONSOLE_SLOT, bits, ROOT_CNODE, KOZO_SLOT_DEBUG_CONSOLE,
                            ROOT_DEPTH, KOZO_RIGHTS_ALL));
    guarded = slot_alloc();
    TRY(kozo_cnode_mint(ROOT_CNODE, guarded, ROOT_DEPTH, ROOT_CNODE, p->cnode, ROOT_DEPTH, KOZO_RIGHTS_ALL,
                        kozo_cnode_guard_make(KOZO_HANDLE_BITS - bits, 0)));
    TRY(give_caps(a, p, guarded, bits));

    TRY(kozo_tcb_configure(p->tcb, guarded, p->vspace, ipc_frame, KOZO_SERVICE_IPC_BUFFER_VADDR, 0));
    TRY(kozo_tcb_set_priority(p->tcb, a->priority));
    TRY(kozo_tcb_set_registers(p->tcb, info.entry, KOZO_SERVICE_STACK_TOP, 0, a->arg0,
                               KOZO_SERVICE_IPC_BUFFER_VADDR, a->arg2));
    TRY(kozo_tcb_resume(p->tcb));
    nprocs++;
    *out = p;
    return KOZO_ERR_OK;
fail:
    kozo_printf("init: starting %s failed: %s\n", a->name, kozo_error_name(err));
    return err;
}
