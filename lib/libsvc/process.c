// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Processes from ELF images (svc/process.h). Every object comes from the creator's
// allocator; the new process's frames are written through the creator's window before
// they are mapped into the new space, each page with the rights of its segment.
#include <elf.h>
#include <string.h>
#include <svc/process.h>
#include <svc/thread.h>

#define PAGE (1ULL << KOZO_PAGE_BITS)

static uint64_t
load_segment(struct svc_alloc *a, struct svc_window *w, const struct svc_process *p,
             const struct elf_segment *s)
{
    uint64_t first = s->vaddr & ~(PAGE - 1), last = (s->vaddr + s->memsz + PAGE - 1) & ~(PAGE - 1);
    uint64_t rights = KOZO_RIGHT_READ | ((s->flags & ELF_SEG_W) ? KOZO_RIGHT_WRITE : 0);
    uint64_t attrs = (s->flags & ELF_SEG_X) ? KOZO_FRAME_ATTR_EXEC : 0;

    for (uint64_t va = first; va < last; va += PAGE) {
        kozo_handle_t frame;
        uint64_t err = svc_object_new(a, KOZO_OBJ_FRAME, 0, &frame);
        if (err)
            return err;
        // The part of the file that lands in this page (the rest stays zero).
        uint64_t lo = va > s->vaddr ? va : s->vaddr;
        uint64_t hi = s->vaddr + s->filesz < va + PAGE ? s->vaddr + s->filesz : va + PAGE;
        if (lo < hi &&
            (err = svc_frame_fill(a, w, frame, lo - va, (const char *)s->data + (lo - s->vaddr), hi - lo)))
            return err;
        if ((err = svc_map(a, p->vspace, frame, va, rights, attrs)))
            return err;
    }
    return KOZO_ERR_OK;
}

// The stack, its top page holding the main thread's TLS block (svc/thread.h's layout).
static uint64_t
make_stack(struct svc_alloc *a, struct svc_window *w, struct svc_process *p,
           const struct svc_process_config *c)
{
    struct kozo_tls tls;
    uint64_t at = c->stack_top - sizeof(tls), err;
    for (unsigned i = 1; i <= c->stack_pages; i++) {
        kozo_handle_t frame;
        if ((err = svc_map_new(a, p->vspace, c->stack_top - i * PAGE, &frame)))
            return err;
        if (i == 1) {
            svc_tls_fill(&tls, at, c->ipc_vaddr);
            if ((err = svc_frame_fill(a, w, frame, PAGE - sizeof(tls), &tls, sizeof(tls))))
                return err;
        }
    }
    p->stack_top = at & ~15ULL; // crt0 aligns it again
    return kozo_tcb_set_tls_base(p->tcb, at);
}

#define TRY(expr)                \
    do {                         \
        if ((err = (expr)) != 0) \
            return err;          \
    } while (0)

uint64_t
svc_process_new(struct svc_alloc *a, struct svc_window *w, const struct svc_process_config *c,
                struct svc_process *p, int *elf_err)
{
    struct elf_info info;
    uint64_t err;

    *p = (struct svc_process){ .cnode_bits = c->cnode_bits, .ipc_vaddr = c->ipc_vaddr };
    if ((*elf_err = elf_check(c->image, c->size, KOZO_USER_TOP, &info)) != 0)
        return KOZO_ERR_INVALID_ARGUMENT;
    if (c->stack_pages == 0 || c->cnode_bits == 0 || c->cnode_bits > KOZO_HANDLE_BITS)
        return KOZO_ERR_INVALID_ARGUMENT;
    p->entry = info.entry;
    TRY(svc_object_new(a, KOZO_OBJ_VSPACE, 0, &p->vspace));
    TRY(svc_object_new(a, KOZO_OBJ_CNODE, c->cnode_bits, &p->cnode));
    TRY(svc_object_new(a, KOZO_OBJ_TCB, 0, &p->tcb));
    for (unsigned i = 0; i < info.nload; i++) {
        struct elf_segment seg;
        elf_load_segment(c->image, c->size, i, &seg);
        TRY(load_segment(a, w, p, &seg));
    }
    TRY(make_stack(a, w, p, c));
    TRY(svc_map_new(a, p->vspace, c->ipc_vaddr, &p->ipc_frame));
    // Its own view of its CNode: a guard of the unused high bits makes handles slot numbers.
    TRY(a->slot(a, &p->cnode_guarded));
    TRY(kozo_cnode_mint(a->cnode, p->cnode_guarded, a->depth, a->cnode, p->cnode, a->depth, KOZO_RIGHTS_ALL,
                        kozo_cnode_guard_make(KOZO_HANDLE_BITS - c->cnode_bits, 0)));
    return kozo_tcb_configure(p->tcb, p->cnode_guarded, p->vspace, p->ipc_frame, c->ipc_vaddr, c->fault_ep);
}

uint64_t
svc_process_give(struct svc_alloc *a, const struct svc_process *p, kozo_handle_t dest, kozo_handle_t src,
                 uint64_t rights, bool move)
{
    if (move)
        return kozo_cnode_move(p->cnode, dest, p->cnode_bits, a->cnode, src, a->depth);
    return kozo_cnode_copy(p->cnode, dest, p->cnode_bits, a->cnode, src, a->depth, rights);
}

uint64_t
svc_process_give_badged(struct svc_alloc *a, const struct svc_process *p, kozo_handle_t dest,
                        kozo_handle_t src, uint64_t rights, uint64_t badge)
{
    return kozo_cnode_mint(p->cnode, dest, p->cnode_bits, a->cnode, src, a->depth, rights, badge);
}

uint64_t
svc_process_start(const struct svc_process *p, uint8_t priority, uint64_t arg0, uint64_t arg1, uint64_t arg2)
{
    uint64_t err;
    TRY(kozo_tcb_set_priority(p->tcb, priority));
    TRY(kozo_tcb_set_registers(p->tcb, p->entry, p->stack_top, 0, arg0, arg1, arg2));
    return kozo_tcb_resume(p->tcb);
}
