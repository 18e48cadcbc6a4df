// SPDX-License-Identifier: MIT OR Apache-2.0
//
// What a case can ask the runner for: scratch slots, objects retyped from its Untyped,
// mappings in ktest's address space (with whatever page tables they need), and helper
// threads. Everything a case gets comes from its own Untyped or lives in its scratch
// slots, so the runner's Revoke and slot sweep (runner.c) take all of it back.
#include <string.h>
#include "runner.h"

struct ktest_env env_current;
static kozo_handle_t next_slot = SCRATCH_FIRST;
static unsigned next_window;
static unsigned pool_bits;
static struct kt_thread threads[KT_MAX_THREADS];
static unsigned nthreads;

#define BAD_SLOT ((kozo_handle_t)-1) // no such slot: any use of it is INVALID_HANDLE

uint64_t
env_init(void)
{
    struct kozo_res_cnode_describe d;
    uint64_t err = kozo_cnode_describe(KT_SLOT_CNODE, KT_SLOT_UNTYPED, KT_DEPTH, &d);
    if (err || d.type != KOZO_OBJ_UNTYPED)
        return err ? err : KOZO_ERR_WRONG_TYPE;
    pool_bits = (unsigned)d.data;
    if (pool_bits < CASE_BITS + 1)
        return KOZO_ERR_NOT_ENOUGH_MEMORY;
    // The pool must be whole (all free) at the start: the end is compared with it.
    if ((err = kozo_untyped_retype(KT_SLOT_UNTYPED, KOZO_OBJ_UNTYPED, pool_bits, KT_SLOT_CNODE, 0, 0,
                                   SLOT_TMP, 1)))
        return err;
    kozo_cnode_delete(KT_SLOT_CNODE, SLOT_TMP, KT_DEPTH);
    if ((err = kozo_untyped_retype(KT_SLOT_UNTYPED, KOZO_OBJ_UNTYPED, RUNNER_BITS, KT_SLOT_CNODE, 0, 0,
                                   SLOT_RUNNER_UT, 1)))
        return err;
    return kozo_untyped_retype(KT_SLOT_UNTYPED, KOZO_OBJ_UNTYPED, CASE_BITS, KT_SLOT_CNODE, 0, 0,
                               SLOT_CASE_PARENT, 1);
}

unsigned
env_pool_bits(void)
{
    return pool_bits;
}

void
env_reset(void)
{
    for (kozo_handle_t s = SCRATCH_FIRST; s < next_slot; s++)
        kozo_cnode_delete(KT_SLOT_CNODE, s, KT_DEPTH);
    next_slot = SCRATCH_FIRST;
    next_window = 0;
    nthreads = 0;
    memset(threads, 0, sizeof(threads));
}

kozo_handle_t
kt_slot(void)
{
    return next_slot < SCRATCH_END ? next_slot++ : BAD_SLOT;
}

kozo_handle_t
kt_slots(unsigned n)
{
    if (next_slot + n > SCRATCH_END)
        return BAD_SLOT;
    next_slot += n;
    return next_slot - n;
}

void
kt_settle(void)
{
    for (int i = 0; i < 8; i++)
        kozo_yield();
}

uint64_t
kt_alloc_from(kozo_handle_t ut, uint64_t type, uint64_t size_bits, kozo_handle_t *out)
{
    *out = kt_slot();
    uint64_t err = kozo_untyped_retype(ut, type, size_bits, KT_SLOT_CNODE, 0, 0, *out, 1);
    if (!err && type == KOZO_OBJ_VSPACE)
        err = kozo_asid_pool_assign(KT_SLOT_ASID_POOL, *out, NULL); // ready to use, as init's
    return err;
}

uint64_t
kt_alloc(uint64_t type, uint64_t size_bits, kozo_handle_t *out)
{
    return kt_alloc_from(env_current.untyped, type, size_bits, out);
}

uint64_t
env_map_pt_from(kozo_handle_t ut, kozo_handle_t slot, uint64_t vaddr)
{
    uint64_t err = kozo_untyped_retype(ut, KOZO_OBJ_PAGE_TABLE, 0, KT_SLOT_CNODE, 0, 0, slot, 1);
    return err ? err : kozo_page_table_map(slot, KT_SLOT_VSPACE, vaddr, 0);
}

uint64_t
kt_map_in(kozo_handle_t vspace, kozo_handle_t frame, uint64_t vaddr, uint64_t rights, uint64_t attrs)
{
    static const uint64_t levels[3] = { KOZO_OBJ_PDPT, KOZO_OBJ_PAGE_DIRECTORY, KOZO_OBJ_PAGE_TABLE };
    uint64_t err = kozo_frame_map(frame, vspace, vaddr, rights, attrs);
    if (err != KOZO_ERR_MISSING_LEVEL)
        return err;
    for (int k = 0; k < 3; k++) {
        kozo_handle_t table;
        if ((err = kt_alloc(levels[k], 0, &table)))
            return err;
        err = kozo_page_table_map(table, vspace, vaddr, 0);
        if (err == KOZO_ERR_ALREADY_MAPPED)
            kozo_cnode_delete(KT_SLOT_CNODE, table, KT_DEPTH);
        else if (err)
            return err;
    }
    return kozo_frame_map(frame, vspace, vaddr, rights, attrs);
}

uint64_t
kt_map(kozo_handle_t frame, uint64_t vaddr, uint64_t rights, uint64_t attrs)
{
    return kt_map_in(KT_SLOT_VSPACE, frame, vaddr, rights, attrs);
}

uint64_t
kt_window_vaddr(void)
{
    return next_window < WINDOW_PAGES ? WINDOW_BASE + KT_PAGE * next_window++ : KOZO_USER_TOP;
}

uint64_t
kt_frame_mapped(kozo_handle_t *frame, volatile uint64_t **ptr)
{
    uint64_t va = kt_window_vaddr(), err;
    if ((err = kt_alloc(KOZO_OBJ_FRAME, 0, frame)) || (err = kt_map(*frame, va, KT_RW, 0)))
        return err;
    *ptr = (volatile uint64_t *)va;
    return KOZO_ERR_OK;
}

uint64_t
kt_copy(kozo_handle_t src, uint64_t rights, kozo_handle_t *out)
{
    *out = kt_slot();
    return kozo_cnode_copy(KT_SLOT_CNODE, *out, KT_DEPTH, KT_SLOT_CNODE, src, KT_DEPTH, rights);
}

uint64_t
kt_mint(kozo_handle_t src, uint64_t rights, uint64_t badge, kozo_handle_t *out)
{
    *out = kt_slot();
    return kozo_cnode_mint(KT_SLOT_CNODE, *out, KT_DEPTH, KT_SLOT_CNODE, src, KT_DEPTH, rights, badge);
}

uint64_t
kt_type(kozo_handle_t slot)
{
    struct kozo_res_cnode_describe d;
    return kozo_cnode_describe(KT_SLOT_CNODE, slot, KT_DEPTH, &d) ? ~0ULL : d.type;
}

uint64_t
kt_wait(void)
{
    uint64_t bits = 0;
    kozo_wait(env_current.ntfn, &bits);
    return bits;
}

uint64_t
kt_invoke(struct kozo_ipc_buffer *buf, kozo_handle_t cap, uint64_t label, unsigned nargs,
          const uint64_t *args, unsigned nres, uint64_t *res)
{
    struct kozo_msg m = { kozo_msginfo_make(nargs, 0, 0, label), 0, { 0 } };
    for (unsigned i = 0; i < nargs; i++) {
        if (i < KOZO_MSG_REG_WORDS)
            m.mr[i] = args[i];
        else
            buf->msg[i] = args[i];
    }
    uint64_t err = kozo_call(cap, &m);
    for (unsigned i = 0; res && i < nres && i < KOZO_MSG_REG_WORDS; i++)
        res[i] = err ? 0 : m.mr[i];
    return err;
}

// --- Helper threads ----------------------------------------------------------------------------

static __attribute__((noreturn)) void
thread_entry(struct kt_thread *t)
{
    t->fn(t);
    t->done = 1;
    kozo_tcb_suspend(t->tcb);
    for (;;)
        kozo_yield(); // not reached: nobody resumes a finished helper
}

uint64_t
kt_thread_new(void (*fn)(struct kt_thread *), uint8_t priority, unsigned flags, struct kt_thread **out)
{
    uint64_t err, ipc_vaddr = 0;
    kozo_handle_t frame;

    // Priority 1 is the watchdog's; a helper there could be mistaken for a deadlock.
    if (nthreads == KT_MAX_THREADS || priority < 2)
        return KOZO_ERR_RANGE;
    struct kt_thread *t = &threads[nthreads];
    uint64_t base = HELPER_BASE + HELPER_SPAN * nthreads++;
    t->fn = fn;
    if ((err = kt_alloc(KOZO_OBJ_TCB, 0, &t->tcb)))
        return err;
    for (unsigned i = 0; i < HELPER_STACK_PAGES; i++)
        if ((err = kt_alloc(KOZO_OBJ_FRAME, 0, &frame)) ||
            (err = kt_map(frame, base + i * KT_PAGE, KT_RW, 0)))
            return err;
    if (!(flags & KT_NO_IPC_BUFFER)) {
        ipc_vaddr = base + HELPER_SPAN / 2;
        if ((err = kt_alloc(KOZO_OBJ_FRAME, 0, &t->ipc_frame)) ||
            (err = kt_map(t->ipc_frame, ipc_vaddr, KT_RW, 0)))
            return err;
        t->ipc = (struct kozo_ipc_buffer *)ipc_vaddr;
    }
    // The stack starts 8 bytes below a 16-byte boundary, as if `call` had pushed a return.
    t->stack_top = base + HELPER_STACK_PAGES * KT_PAGE - 8;
    if ((err = kozo_tcb_configure(t->tcb, KT_SLOT_CNODE, KT_SLOT_VSPACE, t->ipc_frame, ipc_vaddr, 0)) ||
        (err = kozo_tcb_set_priority(t->tcb, priority)) ||
        (err = kozo_tcb_set_registers(t->tcb, (uint64_t)thread_entry, t->stack_top, 0, (uint64_t)t, 0, 0)))
        return err;
    *out = t;
    return KOZO_ERR_OK;
}

uint64_t
kt_thread_fault_ep(struct kt_thread *t, kozo_handle_t ep)
{
    return kozo_tcb_configure(t->tcb, KT_SLOT_CNODE, KT_SLOT_VSPACE, t->ipc_frame, (uint64_t)t->ipc, ep);
}

uint64_t
kt_thread_restart(struct kt_thread *t)
{
    uint64_t err;
    if ((err = kozo_tcb_suspend(t->tcb)) ||
        (err = kozo_tcb_set_registers(t->tcb, (uint64_t)thread_entry, t->stack_top, 0, (uint64_t)t, 0, 0)))
        return err;
    return kozo_tcb_resume(t->tcb);
}

uint64_t
kt_thread_start(struct kt_thread *t)
{
    return kozo_tcb_resume(t->tcb);
}

uint64_t
kt_thread_run(void (*fn)(struct kt_thread *), uint8_t priority, uint64_t arg0, struct kt_thread **out)
{
    uint64_t err = kt_thread_new(fn, priority, 0, out);
    if (err)
        return err;
    (*out)->arg[0] = arg0;
    return kt_thread_start(*out);
}

uint64_t
kt_thread_state(kozo_handle_t tcb)
{
    struct kozo_res_tcb_info i;
    return kozo_tcb_info(tcb, &i) ? ~0ULL : i.state;
}

// --- Random numbers (xorshift64*): reproducible from the seed ----------------------------------

static uint64_t rand_state = 0x2545f4914f6cdd1dULL;

void
kt_rand_seed(uint64_t seed)
{
    rand_state = seed ? seed : 1;
}

uint64_t
kt_rand(void)
{
    rand_state ^= rand_state >> 12;
    rand_state ^= rand_state << 25;
    rand_state ^= rand_state >> 27;
    return rand_state * 0x2545f4914f6cdd1dULL;
}
