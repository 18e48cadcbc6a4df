// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Objects, address spaces and threads for the benchmarks. bench runs once and keeps what
// it makes: everything is retyped from the pool Untyped init handed over and never given
// back (the timed retype and thread benchmarks use their own small Untyped).
#include <string.h>
#include <svc/pool.h>
#include <svc/thread.h>
#include <svc/vspace.h>
#include "bench.h"

#define WINDOW_BASE  0x7f400000ULL // b_page() and C threads: bench's own fresh pages
#define WINDOW_PAGES 1024
#define STACK_PAGES  4

static struct svc_pool pool; // the SCRATCH slots and the pool Untyped init handed over
static uint64_t next_page;

uint64_t
b_init(void)
{
    struct kozo_res_cnode_describe d;
    uint64_t err = kozo_cnode_describe(SYS_SLOT_CNODE, SYS_SLOT_UNTYPED, B_DEPTH, &d);
    if (err || d.type != KOZO_OBJ_UNTYPED)
        return err ? err : KOZO_ERR_WRONG_TYPE;
    svc_pool_init(&pool, SYS_SLOT_CNODE, B_DEPTH, SYS_SLOTS_SCRATCH_FIRST, SYS_SLOTS_SCRATCH_END,
                  SYS_SLOT_ASID_POOL);
    return svc_pool_add(&pool, SYS_SLOT_UNTYPED, 0, (unsigned)d.data, false, 0);
}

kozo_handle_t
b_slot(void)
{
    kozo_handle_t s;
    return pool.alloc.slot(&pool.alloc, &s) ? 0 : s;
}

uint64_t
b_alloc(uint64_t type, uint64_t size_bits, kozo_handle_t *out)
{
    return svc_object_new(&pool.alloc, type, size_bits, out);
}

uint64_t
b_copy(kozo_handle_t src, uint64_t rights, kozo_handle_t *out)
{
    return svc_cap_copy(&pool.alloc, src, rights, out);
}

uint64_t
b_map_in(kozo_handle_t vspace, kozo_handle_t frame, uint64_t vaddr, uint64_t rights, uint64_t attrs)
{
    return svc_map(&pool.alloc, vspace, frame, vaddr, rights, attrs);
}

// n consecutive pages of bench's window, unmapped; 0 when the window is used up.
static uint64_t
window(unsigned n)
{
    if (next_page + n > WINDOW_PAGES)
        return 0;
    next_page += n;
    return WINDOW_BASE + B_PAGE * (next_page - n);
}

uint64_t
b_page(kozo_handle_t *frame, void **ptr)
{
    uint64_t err, va = window(1);
    if (!va)
        return KOZO_ERR_RANGE;
    if ((err = b_alloc(KOZO_OBJ_FRAME, 0, frame)) || (err = b_map_in(SYS_SLOT_VSPACE, *frame, va, B_RW, 0)))
        return err;
    *ptr = (void *)va;
    return KOZO_ERR_OK;
}

uint64_t
b_space_self(struct space *s)
{
    s->vspace = SYS_SLOT_VSPACE;
    s->code_base = (uint64_t)bench_blobs;
    return KOZO_ERR_OK;
}

uint64_t
b_space_new(struct space *s)
{
    kozo_handle_t code, code_x;
    void *p;
    uint64_t err, len = (uint64_t)(bench_blobs_end - bench_blobs);
    if (len > B_PAGE)
        return KOZO_ERR_RANGE;
    if ((err = b_alloc(KOZO_OBJ_VSPACE, 0, &s->vspace)) || (err = b_page(&code, &p)))
        return err;
    memcpy(p, bench_blobs, len);
    if ((err = b_copy(code, KOZO_RIGHT_READ, &code_x)) ||
        (err = b_map_in(s->vspace, code_x, REMOTE_CODE_VA, KOZO_RIGHT_READ, KOZO_FRAME_ATTR_EXEC)))
        return err;
    s->code_base = REMOTE_CODE_VA;
    return KOZO_ERR_OK;
}

uint64_t
b_thread(struct bthread *t, const struct space *s, uint8_t priority, kozo_handle_t fault_ep)
{
    kozo_handle_t ipc, sh, ipc2, sh2;
    uint64_t err, ipc_va;
    bool self = s->vspace == SYS_SLOT_VSPACE;

    if ((err = b_page(&ipc, (void **)&t->ipc)) || (err = b_page(&sh, (void **)&t->sh)))
        return err;
    ipc_va = (uint64_t)t->ipc;
    t->sh_va = (uint64_t)t->sh;
    if (!self) {
        if ((err = b_copy(ipc, B_RW, &ipc2)) || (err = b_map_in(s->vspace, ipc2, REMOTE_IPC_VA, B_RW, 0)) ||
            (err = b_copy(sh, B_RW, &sh2)) || (err = b_map_in(s->vspace, sh2, REMOTE_SHARED_VA, B_RW, 0)))
            return err;
        ipc_va = REMOTE_IPC_VA;
        t->sh_va = REMOTE_SHARED_VA;
    }
    return svc_thread_foreign(&pool.alloc, SYS_SLOT_CNODE, s->vspace, ipc, ipc_va, fault_ep, priority,
                              &t->tcb);
}

uint64_t
b_thread_start(struct bthread *t, uint64_t entry, uint64_t a0, uint64_t a1)
{
    return svc_thread_start_at(t->tcb, entry, 0, a0, a1, 0);
}

// C threads: lib/libsvc threads in bench's own space; fn(arg), then `done` is signalled.
struct cthread_start {
    void (*fn)(uint64_t);
    uint64_t arg;
    kozo_handle_t done;
};

static void
cthread_body(void *p)
{
    const struct cthread_start *s = p;
    s->fn(s->arg);
    kozo_signal(s->done);
}

uint64_t
b_cthread(uint8_t priority, void (*fn)(uint64_t), uint64_t arg, kozo_handle_t done, kozo_handle_t *tcb)
{
    static struct svc_thread threads[4];
    static struct cthread_start starts[4];
    static unsigned n;
    uint64_t base = window((unsigned)(SVC_THREAD_SPAN(STACK_PAGES) / B_PAGE)), err;
    if (n == 4 || !base)
        return KOZO_ERR_RANGE;
    const struct svc_thread_config c = {
        .base = base,
        .stack_pages = STACK_PAGES,
        .priority = priority,
        .cspace = SYS_SLOT_CNODE,
        .vspace = SYS_SLOT_VSPACE,
    };
    starts[n] = (struct cthread_start){ fn, arg, done };
    if ((err = svc_thread_new(&pool.alloc, &c, cthread_body, &starts[n], &threads[n])))
        return err;
    *tcb = threads[n].tcb;
    return svc_thread_start(&threads[n++]);
}
