// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Starting a service from an ELF image: a new address space, CNode and thread, all
// retyped from init's Untyped memory. The service gets exactly one capability, its
// endpoint, in slot SERVICE_ARG_EP_SLOT of its own CNode.
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

uint64_t
spawn(const char *name, const void *image, uint64_t size, uint8_t priority, struct proc **out)
{
    struct elf_info info;
    struct proc *p;
    kozo_handle_t ipc_frame, guarded;
    uint64_t err;
    int e;

    if ((e = elf_check(image, size, KOZO_USER_TOP, &info)) != 0) {
        kozo_printf("init: %s is not a valid ELF executable: %s\n", name, elf_strerror(e));
        return KOZO_ERR_INVALID_ARGUMENT;
    }
    if (nprocs == MAX_PROCS)
        return KOZO_ERR_RANGE;
    p = &procs[nprocs];
    memset(p, 0, sizeof(*p));
    for (unsigned i = 0; name[i] && i < sizeof(p->name) - 1; i++)
        p->name[i] = name[i];
    p->priority = priority;

    TRY(obj_alloc(KOZO_OBJ_VSPACE, 0, &p->vspace));
    TRY(obj_alloc(KOZO_OBJ_CNODE, KOZO_SERVICE_CNODE_BITS, &p->cnode));
    TRY(obj_alloc(KOZO_OBJ_TCB, 0, &p->tcb));
    TRY(obj_alloc(KOZO_OBJ_ENDPOINT, 0, &p->ep));
    for (unsigned i = 0; i < info.nload; i++) {
        struct elf_segment seg;
        elf_load_segment(image, size, i, &seg);
        TRY(load_segment(p, &seg));
    }
    for (uint64_t i = 1; i <= KOZO_SERVICE_STACK_PAGES; i++)
        TRY(map_fresh(p, KOZO_SERVICE_STACK_TOP - i * PAGE, NULL));
    TRY(map_fresh(p, KOZO_SERVICE_IPC_BUFFER_VADDR, &ipc_frame));

    // Its CSpace: the endpoint, and a CNode cap whose guard makes handles plain slot numbers.
    TRY(kozo_cnode_copy(p->cnode, KOZO_SERVICE_ARG_EP_SLOT, KOZO_SERVICE_CNODE_BITS, ROOT_CNODE, p->ep,
                        ROOT_DEPTH, KOZO_RIGHTS_ALL));
    guarded = slot_alloc();
    TRY(kozo_cnode_mint(ROOT_CNODE, guarded, ROOT_DEPTH, ROOT_CNODE, p->cnode, ROOT_DEPTH, KOZO_RIGHTS_ALL,
                        kozo_cnode_guard_make(KOZO_HANDLE_BITS - KOZO_SERVICE_CNODE_BITS, 0)));

    TRY(kozo_tcb_configure(p->tcb, guarded, p->vspace, ipc_frame, KOZO_SERVICE_IPC_BUFFER_VADDR, 0));
    TRY(kozo_tcb_set_priority(p->tcb, priority));
    TRY(kozo_tcb_set_registers(p->tcb, info.entry, KOZO_SERVICE_STACK_TOP, 0, KOZO_SERVICE_ARG_EP_SLOT,
                               KOZO_SERVICE_IPC_BUFFER_VADDR, 0));
    TRY(kozo_tcb_resume(p->tcb));
    nprocs++;
    *out = p;
    return KOZO_ERR_OK;
fail:
    kozo_printf("init: starting %s failed: %s\n", name, kozo_error_name(err));
    return err;
}
