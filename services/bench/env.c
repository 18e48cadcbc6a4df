// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Objects, address spaces and threads for the benchmarks. bench runs once and keeps what
// it makes: everything is retyped from the pool Untyped init handed over and never given
// back (the timed retype and thread benchmarks use their own small Untyped).
#include <string.h>
#include "bench.h"

#define FIRST_SLOT   256
#define WINDOW_BASE  0x7f400000ULL // b_page(): bench's own fresh pages
#define WINDOW_PAGES 1024
#define STACK_PAGES  4

static kozo_handle_t next_slot = FIRST_SLOT;
static uint64_t next_page;

kozo_handle_t
b_slot(void)
{
    return next_slot < (1u << KT_CNODE_BITS) ? next_slot++ : 0;
}

uint64_t
b_alloc(uint64_t type, uint64_t size_bits, kozo_handle_t *out)
{
    if (!(*out = b_slot()))
        return KOZO_ERR_RANGE;
    uint64_t err = kozo_untyped_retype(KT_SLOT_UNTYPED, type, size_bits, KT_SLOT_CNODE, 0, 0, *out, 1);
    if (!err && type == KOZO_OBJ_VSPACE)
        err = kozo_asid_pool_assign(KT_SLOT_ASID_POOL, *out, NULL);
    return err;
}

uint64_t
b_copy(kozo_handle_t src, uint64_t rights, kozo_handle_t *out)
{
    if (!(*out = b_slot()))
        return KOZO_ERR_RANGE;
    return kozo_cnode_copy(KT_SLOT_CNODE, *out, B_DEPTH, KT_SLOT_CNODE, src, B_DEPTH, rights);
}

// Map, adding the page-table levels that are missing.
uint64_t
b_map_in(kozo_handle_t vspace, kozo_handle_t frame, uint64_t vaddr, uint64_t rights, uint64_t attrs)
{
    static const uint64_t levels[3] = { KOZO_OBJ_PDPT, KOZO_OBJ_PAGE_DIRECTORY, KOZO_OBJ_PAGE_TABLE };
    uint64_t err = kozo_frame_map(frame, vspace, vaddr, rights, attrs);
    for (int k = 0; k < 3 && err == KOZO_ERR_MISSING_LEVEL; k++) {
        kozo_handle_t table;
        if ((err = b_alloc(levels[k], 0, &table)))
            return err;
        err = kozo_page_table_map(table, vspace, vaddr, 0);
        if (err && err != KOZO_ERR_ALREADY_MAPPED)
            return err;
        err = kozo_frame_map(frame, vspace, vaddr, rights, attrs);
    }
    return err;
}

uint64_t
b_page(kozo_handle_t *frame, void **ptr)
{
    uint64_t err;
    if (next_page == WINDOW_PAGES)
        return KOZO_ERR_RANGE;
    uint64_t va = WINDOW_BASE + B_PAGE * next_page++;
    if ((err = b_alloc(KOZO_OBJ_FRAME, 0, frame)) || (err = b_map_in(KT_SLOT_VSPACE, *frame, va, B_RW, 0)))
        return err;
    *ptr = (void *)va;
    return KOZO_ERR_OK;
}

uint64_t
b_space_self(struct space *s)
{
    s->vspace = KT_SLOT_VSPACE;
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
    bool self = s->vspace == KT_SLOT_VSPACE;

    if ((err = b_alloc(KOZO_OBJ_TCB, 0, &t->tcb)) || (err = b_page(&ipc, (void **)&t->ipc)) ||
        (err = b_page(&sh, (void **)&t->sh)))
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
    if ((err = kozo_tcb_configure(t->tcb, KT_SLOT_CNODE, s->vspace, ipc, ipc_va, fault_ep)) ||
        (err = kozo_tcb_set_priority(t->tcb, priority)))
        return err;
    return KOZO_ERR_OK;
}

uint64_t
b_thread_start(struct bthread *t, uint64_t entry, uint64_t rdi, uint64_t rsi)
{
    uint64_t err = kozo_tcb_set_registers(t->tcb, entry, 0, 0, rdi, rsi, 0);
    return err ? err : kozo_tcb_resume(t->tcb);
}

// C threads: fn(arg) on a stack of their own, then signal `done` and stop.
static __attribute__((noreturn)) void
c_thread_entry(void (*fn)(uint64_t), uint64_t arg, uint64_t done)
{
    fn(arg);
    kozo_signal(done);
    for (;;)
        kozo_wait(done, NULL); // never signalled again: stopped for good
}

uint64_t
b_thread_run(struct bthread *t, void (*fn)(uint64_t), uint64_t arg, kozo_handle_t done)
{
    kozo_handle_t f;
    void *p = NULL;
    uint64_t err;
    for (int i = 0; i < STACK_PAGES; i++)
        if ((err = b_page(&f, &p)))
            return err;
    // The top of the last page, less 8: as if `call` had pushed a return address.
    uint64_t sp = (uint64_t)p + B_PAGE - 8;
    if ((err = kozo_tcb_set_registers(t->tcb, (uint64_t)c_thread_entry, sp, 0, (uint64_t)fn, arg, done)))
        return err;
    return kozo_tcb_resume(t->tcb);
}
