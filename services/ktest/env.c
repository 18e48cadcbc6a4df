// SPDX-License-Identifier: MIT OR Apache-2.0
//
// What a case can ask the runner for: scratch slots, objects retyped from its Untyped,
// mappings in ktest's address space (with whatever page tables they need), and helper
// threads, all through one lib/libsvc pool: the scratch slots and the case's Untyped.
// Everything a case gets comes from its own Untyped or lives in its scratch slots, so
// the runner's Revoke and slot sweep (runner.c) take all of it back.
#include <string.h>
#include <svc/pool.h>
#include <svc/thread.h>
#include <svc/vspace.h>
#include "runner.h"

struct ktest_env env_current;
static struct svc_pool pool; // the case's: scratch slots and SLOT_CASE_UT
static unsigned next_window;
static unsigned pool_bits;
static struct kt_thread threads[KT_MAX_THREADS];
static unsigned nthreads;

#define BAD_SLOT ((kozo_handle_t)-1) // no such slot: any use of it is INVALID_HANDLE

uint64_t
env_init(void)
{
    struct kozo_res_cnode_describe d;
    uint64_t err = kozo_cnode_describe(SYS_SLOT_CNODE, SYS_SLOT_UNTYPED, KT_DEPTH, &d);
    if (err || d.type != KOZO_OBJ_UNTYPED)
        return err ? err : KOZO_ERR_WRONG_TYPE;
    pool_bits = (unsigned)d.data;
    if (pool_bits < CASE_BITS + 1)
        return KOZO_ERR_NOT_ENOUGH_MEMORY;
    // The pool must be whole (all free) at the start: the end is compared with it.
    if ((err = kozo_untyped_retype(SYS_SLOT_UNTYPED, KOZO_OBJ_UNTYPED, pool_bits, SYS_SLOT_CNODE, 0, 0,
                                   SLOT_TMP, 1)))
        return err;
    kozo_cnode_delete(SYS_SLOT_CNODE, SLOT_TMP, KT_DEPTH);
    if ((err = kozo_untyped_retype(SYS_SLOT_UNTYPED, KOZO_OBJ_UNTYPED, RUNNER_BITS, SYS_SLOT_CNODE, 0, 0,
                                   SLOT_RUNNER_UT, 1)))
        return err;
    svc_pool_init(&pool, SYS_SLOT_CNODE, KT_DEPTH, SCRATCH_FIRST, SCRATCH_END, SYS_SLOT_ASID_POOL);
    if ((err = svc_pool_add(&pool, SLOT_CASE_UT, 0, CASE_BITS, false, 0)))
        return err;
    return kozo_untyped_retype(SYS_SLOT_UNTYPED, KOZO_OBJ_UNTYPED, CASE_BITS, SYS_SLOT_CNODE, 0, 0,
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
    for (kozo_handle_t s = SCRATCH_FIRST; s < pool.next_slot; s++)
        kozo_cnode_delete(SYS_SLOT_CNODE, s, KT_DEPTH);
    svc_pool_reset(&pool);
    next_window = 0;
    nthreads = 0;
    memset(threads, 0, sizeof(threads));
}

kozo_handle_t
kt_slot(void)
{
    kozo_handle_t s;
    return pool.alloc.slot(&pool.alloc, &s) ? BAD_SLOT : s;
}

kozo_handle_t
kt_slots(unsigned n)
{
    if (pool.next_slot + n > SCRATCH_END)
        return BAD_SLOT;
    pool.next_slot += n;
    return pool.next_slot - n;
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
    uint64_t err = kozo_untyped_retype(ut, type, size_bits, SYS_SLOT_CNODE, 0, 0, *out, 1);
    if (!err && type == KOZO_OBJ_VSPACE)
        err = kozo_asid_pool_assign(SYS_SLOT_ASID_POOL, *out, NULL); // ready to use, as init's
    return err;
}

uint64_t
kt_alloc(uint64_t type, uint64_t size_bits, kozo_handle_t *out)
{
    uint64_t err = svc_object_new(&pool.alloc, type, size_bits, out);
    if (err == KOZO_ERR_RANGE)
        *out = BAD_SLOT;
    return err;
}

uint64_t
kt_map_in(kozo_handle_t vspace, kozo_handle_t frame, uint64_t vaddr, uint64_t rights, uint64_t attrs)
{
    return svc_map(&pool.alloc, vspace, frame, vaddr, rights, attrs);
}

uint64_t
kt_map(kozo_handle_t frame, uint64_t vaddr, uint64_t rights, uint64_t attrs)
{
    return kt_map_in(SYS_SLOT_VSPACE, frame, vaddr, rights, attrs);
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
    return kozo_cnode_copy(SYS_SLOT_CNODE, *out, KT_DEPTH, SYS_SLOT_CNODE, src, KT_DEPTH, rights);
}

uint64_t
kt_mint(kozo_handle_t src, uint64_t rights, uint64_t badge, kozo_handle_t *out)
{
    *out = kt_slot();
    return kozo_cnode_mint(SYS_SLOT_CNODE, *out, KT_DEPTH, SYS_SLOT_CNODE, src, KT_DEPTH, rights, badge);
}

uint64_t
kt_type(kozo_handle_t slot)
{
    struct kozo_res_cnode_describe d;
    return kozo_cnode_describe(SYS_SLOT_CNODE, slot, KT_DEPTH, &d) ? ~0ULL : d.type;
}

uint64_t
kt_wait(void)
{
    uint64_t bits = 0;
    kozo_wait(env_current.ntfn, &bits);
    return bits;
}

// --- Helper threads: lib/libsvc threads with ktest's bookkeeping ------------------------------

static void
thread_body(void *arg)
{
    struct kt_thread *t = arg;
    t->fn(t);
    t->done = 1;
}

uint64_t
kt_thread_new(void (*fn)(struct kt_thread *), uint8_t priority, unsigned flags, struct kt_thread **out)
{
    // Priority 1 is the watchdog's; a helper there could be mistaken for a deadlock.
    if (nthreads == KT_MAX_THREADS || priority < 2)
        return KOZO_ERR_RANGE;
    struct kt_thread *t = &threads[nthreads];
    const struct svc_thread_config c = {
        .base = HELPER_BASE + HELPER_SPAN * nthreads++,
        .stack_pages = HELPER_STACK_PAGES,
        .priority = priority,
        .cspace = SYS_SLOT_CNODE,
        .vspace = SYS_SLOT_VSPACE,
        .no_ipc_buffer = flags & KT_NO_IPC_BUFFER,
    };
    _Static_assert(SVC_THREAD_SPAN(HELPER_STACK_PAGES) <= HELPER_SPAN, "a helper's region holds its thread");
    uint64_t err = svc_thread_new(&pool.alloc, &c, thread_body, t, &t->thread);
    t->fn = fn;
    t->tcb = t->thread.tcb;
    t->ipc_frame = t->thread.ipc_frame;
    t->ipc = t->thread.ipc;
    t->stack_top = t->thread.stack_top;
    *out = t;
    return err;
}

uint64_t
kt_thread_fault_ep(struct kt_thread *t, kozo_handle_t ep)
{
    return svc_thread_set_fault_ep(&t->thread, ep);
}

uint64_t
kt_thread_restart(struct kt_thread *t)
{
    return svc_thread_restart(&t->thread);
}

uint64_t
kt_thread_start(struct kt_thread *t)
{
    return svc_thread_start(&t->thread);
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
kt_thread_foreign(kozo_handle_t vspace, kozo_handle_t ipc_frame, uint64_t ipc_vaddr, kozo_handle_t fault_ep,
                  uint8_t priority, kozo_handle_t *tcb)
{
    return svc_thread_foreign(&pool.alloc, SYS_SLOT_CNODE, vspace, ipc_frame, ipc_vaddr, fault_ep, priority,
                              tcb);
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
