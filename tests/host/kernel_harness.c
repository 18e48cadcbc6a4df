// SPDX-License-Identifier: MIT OR Apache-2.0
//
// kernel_harness.c - see kernel_harness.h.
#include "kernel_harness.h"
#include <kern/fastpath.h>

#include <kern/arch_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BITS  21
#define CNODE_BYTES (KH_ROOT_SLOTS * sizeof(cte_t))
#define BOOT_END    ((size_t)1 << KH_UT_BITS)

struct kh kh;
jmp_buf kh_halt_jmp;
static unsigned char *arena; // allocated once, reused by every test

// A tiny sorted symbol table for core/ksyms.c (the kernel build generates the real one).
const word_t ksyms_count = KH_KSYMS_COUNT;
const word_t ksyms_addr[KH_KSYMS_COUNT] = { 0x1000, 0x2000, 0x2800 };
const uint32_t ksyms_name_off[KH_KSYMS_COUNT] = { 0, 6, 12 };
const char ksyms_names[] = "alpha\0bravo\0charlie";

void
kh_halt_to_jmp(void)
{
    longjmp(kh_halt_jmp, 1);
}

// Carve an aligned, zeroed block from the boot-object area.
static void *
boot_alloc(size_t size, size_t align)
{
    size_t at = (kh.boot_used + align - 1) & ~(align - 1);
    if (at + size > BOOT_END) {
        fprintf(stderr, "kernel_harness: boot area exhausted\n");
        abort();
    }
    kh.boot_used = at + size;
    return kh.arena + at;
}

void
kh_put(word_t slot, cap_t cap)
{
    mdb_insert(NULL, kh_slot(slot), cap, MDB_REVOCABLE);
}

// A thread as boot.c makes init's: TCB cap in tcb_slot, its CSpace a copy of the root
// CNode cap, its IPC buffer a copy of the frame cap in buf_slot.
static struct tcb *
make_thread(word_t tcb_slot, word_t buf_slot, uint8_t priority)
{
    struct tcb *t = boot_alloc(BIT(KOZO_OBJ_TCB_BITS), BIT(KOZO_OBJ_TCB_BITS));
    void *buf = boot_alloc(BIT(KOZO_PAGE_BITS), BIT(KOZO_PAGE_BITS));

    tcb_init(t);
    t->priority = priority;
    kh_put(tcb_slot, cap_make(KOZO_OBJ_TCB, KOZO_RIGHTS_ALL, t, 0));
    kh_put(buf_slot, cap_make(KOZO_OBJ_FRAME, KOZO_RIGHTS_ALL, buf, 0));
    mdb_insert(kh_slot(KH_SLOT_CNODE), &t->slots[TCB_SLOT_CSPACE], kh_slot(KH_SLOT_CNODE)->cap, 0);
    mdb_insert(kh_slot(buf_slot), &t->slots[TCB_SLOT_IPC_BUFFER], map_clear(kh_slot(buf_slot)->cap), 0);
    t->ipc_buffer_vaddr = KH_IPCBUF_VADDR;
    return t;
}

void
kh_setup(void)
{
    if (!arena) {
        arena = aligned_alloc((size_t)1 << ARENA_BITS, (size_t)1 << ARENA_BITS);
        if (!arena) {
            perror("kernel_harness: aligned_alloc");
            abort();
        }
    }
    host_arch_reset();
    sched_init();
    memset(arena, 0, BOOT_END);
    memset(arena + BOOT_END, 0xa5, BOOT_END); // Retype must zero what it hands out

    kh = (struct kh){
        .arena = arena, .cnode = (cte_t *)arena, .ut_base = arena + BOOT_END, .boot_used = CNODE_BYTES
    };
    kh_put(KH_SLOT_CNODE,
           cap_cnode(kh.cnode, KOZO_ROOT_CNODE_BITS, KOZO_HANDLE_BITS - KOZO_ROOT_CNODE_BITS, 0));
    kh.root = make_thread(KH_SLOT_TCB, KH_SLOT_IPCBUF, SCHED_PRIORITIES - 1);
    kh_put(KH_SLOT_IRQCTL, cap_make(KOZO_OBJ_IRQ_CONTROL, KOZO_RIGHTS_ALL, NULL, 0));
    kh_put(KH_SLOT_IOCTL, cap_make(KOZO_OBJ_IOPORT_CONTROL, KOZO_RIGHTS_ALL, NULL, 0));
    kh_put(KH_SLOT_CONSOLE, cap_make(KOZO_OBJ_DEBUG_CONSOLE, KOZO_RIGHTS_ALL, NULL, 0));
    kh_put(KH_SLOT_UT, cap_untyped(kh.ut_base, KH_UT_BITS, false));
    kh_put(KH_SLOT_ASIDCTL, cap_make(KOZO_OBJ_ASID_CONTROL, KOZO_RIGHTS_ALL, NULL, 0));
    kh_run(kh.root);
    current = kh.root;
    if (KH_INVOKE(kh.root, KH_SLOT_ASIDCTL, KOZO_INV_ASID_CONTROL_MAKE_POOL, KH_SLOT_CNODE, KH_SLOT_ASIDPOOL,
                  KH_DEPTH) != KOZO_ERR_OK) {
        fprintf(stderr, "kernel_harness: no ASID pool\n");
        abort();
    }
}

struct tcb *
kh_thread(unsigned n, uint8_t priority)
{
    if (n >= KH_MAX_THREADS || kh.threads[n]) {
        fprintf(stderr, "kernel_harness: bad thread number %u\n", n);
        abort();
    }
    return kh.threads[n] = make_thread(8 + n, 24 + n, priority);
}

void
kh_run(struct tcb *t)
{
    if (t->state != TS_RUNNABLE)
        sched_wake(t);
}

struct kozo_ipc_buffer *
kh_ipcbuf(struct tcb *t)
{
    return tcb_ipc_buffer(t);
}

void
kh_device_untyped(void)
{
    kh.dev_base = boot_alloc(BIT(KH_DEV_BITS), BIT(KH_DEV_BITS));
    memset(kh.dev_base, 0x5a, BIT(KH_DEV_BITS));
    kh_put(KH_SLOT_DEVUT, cap_untyped(kh.dev_base, KH_DEV_BITS, true));
}

// Leave nothing of this test in the kernel's static state: every object made from the
// Untyped goes (suspending retyped threads, unbinding IRQs), then the harness's threads
// stop, which takes them off every queue. The memory itself is rewritten by kh_setup().
void
kh_teardown(void)
{
    host_arch.halt_hook = NULL;
    host_arch.irq_pending = 0; // so no revoke below stops half way
    if (!cte_empty(kh_slot(KH_SLOT_UT)))
        cte_revoke(kh_slot(KH_SLOT_UT));
    if (kh.dev_base && !cte_empty(kh_slot(KH_SLOT_DEVUT)))
        cte_revoke(kh_slot(KH_SLOT_DEVUT));
    if (!cte_empty(kh_slot(KH_SLOT_IRQCTL)))
        cte_revoke(kh_slot(KH_SLOT_IRQCTL));
    if (!cte_empty(kh_slot(KH_SLOT_ASIDCTL)))
        cte_revoke(kh_slot(KH_SLOT_ASIDCTL)); // every pool: every ASID is free again
    tcb_suspend(kh.root);
    for (unsigned n = 0; n < KH_MAX_THREADS; n++)
        if (kh.threads[n])
            tcb_suspend(kh.threads[n]);
    sched_init();
}

// --- Acting as user space ------------------------------------------------------------------

word_t
kh_syscall(struct tcb *t, word_t sysno, word_t cap, word_t info, const word_t *mrs, unsigned n)
{
    struct kozo_ipc_buffer *buf = tcb_ipc_buffer(t);

    t->ctx.r[HREG_NR] = sysno;
    t->ctx.r[HREG_CAP] = cap;
    t->ctx.r[HREG_INFO] = info;
    for (unsigned i = 0; i < KOZO_MSG_REG_WORDS; i++) // unused registers: garbage
        arch_set_mr(&t->ctx, i, 0xdead0000 + i);
    for (unsigned i = 0; i < n && i < KOZO_MSG_MAX_WORDS; i++) {
        if (i < KOZO_MSG_REG_WORDS)
            arch_set_mr(&t->ctx, i, mrs[i]);
        else if (buf)
            buf->msg[i] = mrs[i];
    }
    // The kernel's view of a thread making a call: it was picked to run, so it is in no
    // ready queue (even if it yielded to the tail of its queue last time), and the thread
    // that ran before it waits in one if it is still runnable.
    if (t != current && current != &idle_thread && current->state == TS_RUNNABLE && !current->queued)
        sched_enqueue(current);
    if (t->queued)
        sched_dequeue(t);
    current = t;
    if (!kh.no_fastpath && fastpath(t))
        kh.fastpath_taken++;
    else
        syscall_dispatch(t);
    return t->ctx.r[HREG_NR];
}

word_t
kh_invoke(struct tcb *t, word_t cap, word_t label, unsigned n, const word_t *args)
{
    return kh_syscall(t, KOZO_SYS_CALL, cap, kozo_msginfo_make(n, 0, 0, label), args, n);
}

word_t
kh_retype(word_t ut, word_t type, word_t size_bits, word_t dest, word_t count)
{
    return KH_INVOKE(kh.root, ut, KOZO_INV_UNTYPED_RETYPE, type, size_bits, KH_SLOT_CNODE, 0, 0, dest, count);
}

word_t
kh_vspaces(word_t dest, word_t count)
{
    word_t err = kh_retype(KH_SLOT_UT, KOZO_OBJ_VSPACE, 0, dest, count);
    for (word_t i = 0; i < count && !err; i++)
        err = KH_INVOKE(kh.root, KH_SLOT_ASIDPOOL, KOZO_INV_ASID_POOL_ASSIGN, dest + i);
    return err;
}

word_t
kh_copy(word_t dest, word_t src, word_t rights)
{
    return KH_INVOKE(kh.root, KH_SLOT_CNODE, KOZO_INV_CNODE_COPY, dest, KH_DEPTH, KH_SLOT_CNODE, src,
                     KH_DEPTH, rights);
}

word_t
kh_mint(word_t dest, word_t src, word_t rights, word_t badge)
{
    return KH_INVOKE(kh.root, KH_SLOT_CNODE, KOZO_INV_CNODE_MINT, dest, KH_DEPTH, KH_SLOT_CNODE, src,
                     KH_DEPTH, rights, badge);
}

word_t
kh_move(word_t dest, word_t src)
{
    return KH_INVOKE(kh.root, KH_SLOT_CNODE, KOZO_INV_CNODE_MOVE, dest, KH_DEPTH, KH_SLOT_CNODE, src,
                     KH_DEPTH);
}

word_t
kh_delete(word_t slot)
{
    return KH_INVOKE(kh.root, KH_SLOT_CNODE, KOZO_INV_CNODE_DELETE, slot, KH_DEPTH);
}

word_t
kh_revoke(word_t slot)
{
    return KH_INVOKE(kh.root, KH_SLOT_CNODE, KOZO_INV_CNODE_REVOKE, slot, KH_DEPTH);
}

word_t
kh_describe(word_t slot, word_t res[3])
{
    word_t err = KH_INVOKE(kh.root, KH_SLOT_CNODE, KOZO_INV_CNODE_DESCRIBE, slot, KH_DEPTH);
    res[0] = arch_get_mr(&kh.root->ctx, 0);
    res[1] = arch_get_mr(&kh.root->ctx, 1);
    res[2] = arch_get_mr(&kh.root->ctx, 2);
    return err;
}

// --- Checks --------------------------------------------------------------------------------

#define LIST_LIMIT (1u << 20) // longer than any list a test builds: more means a cycle

static bool
bad(const cte_t *s, const char *what)
{
    fprintf(stderr, "     mdb: slot %p: %s\n", (const void *)s, what);
    return false;
}

// The head of the list through s, or NULL if walking back does not end.
static const cte_t *
list_head(const cte_t *s)
{
    for (unsigned k = 0; s->prev; k++) {
        if (k > LIST_LIMIT)
            return NULL;
        s = s->prev;
    }
    return s;
}

static bool
list_ok_from_head(const cte_t *h)
{
    unsigned k = 0;
    if (h->prev)
        return bad(h, "head has a prev link");
    for (const cte_t *c = h; c; c = mdb_next(c)) {
        const cte_t *n = mdb_next(c);
        if (cte_empty(c))
            return bad(c, "empty slot linked into the list");
        if (n && n->prev != c)
            return bad(c, "next->prev does not point back");
        if (++k > LIST_LIMIT)
            return bad(h, "list does not end (cycle?)");
    }
    return true;
}

bool
kh_mdb_list_ok(const cte_t *s)
{
    if (cte_empty(s))
        return (s->prev || s->next) ? bad(s, "empty slot has links") : true;
    const cte_t *h = list_head(s);
    if (!h)
        return bad(s, "walking prev links does not end (cycle?)");
    return list_ok_from_head(h);
}

size_t
kh_mdb_list_len(const cte_t *s)
{
    if (cte_empty(s))
        return 0;
    const cte_t *h = list_head(s);
    size_t n = 0;
    for (const cte_t *c = h; c && n <= LIST_LIMIT; c = mdb_next(c))
        n++;
    return n;
}

// Local links of every slot; each distinct list (by head) walked once.
static bool
slots_ok(const cte_t *slots, word_t n, const cte_t **heads, unsigned *nheads, unsigned max_heads)
{
    for (word_t i = 0; i < n; i++) {
        const cte_t *s = &slots[i];
        if (cte_empty(s)) {
            if (s->prev || s->next)
                return bad(s, "empty slot has links");
            continue;
        }
        if (s->prev && mdb_next(s->prev) != s)
            return bad(s, "prev->next does not point back");
        if (mdb_next(s) && mdb_next(s)->prev != s)
            return bad(s, "next->prev does not point back");
        const cte_t *h = list_head(s);
        if (!h)
            return bad(s, "walking prev links does not end (cycle?)");
        unsigned j = 0;
        while (j < *nheads && heads[j] != h)
            j++;
        if (j < *nheads)
            continue;
        if (!list_ok_from_head(h))
            return false;
        if (*nheads < max_heads)
            heads[(*nheads)++] = h;
    }
    return true;
}

bool
kh_mdb_cnode_ok(const cte_t *slots, word_t n)
{
    const cte_t *heads[64];
    unsigned nheads = 0;
    return slots_ok(slots, n, heads, &nheads, 64);
}

bool
kh_mdb_ok(void)
{
    const cte_t *heads[256];
    unsigned nheads = 0;
    if (!slots_ok(kh.cnode, KH_ROOT_SLOTS, heads, &nheads, 256))
        return false;
    if (!slots_ok(kh.root->slots, TCB_SLOT_COUNT, heads, &nheads, 256))
        return false;
    for (unsigned n = 0; n < KH_MAX_THREADS; n++)
        if (kh.threads[n] && !slots_ok(kh.threads[n]->slots, TCB_SLOT_COUNT, heads, &nheads, 256))
            return false;
    return true;
}

static bool
has(const char *hay, const char *needle)
{
    for (; *hay; hay++) {
        size_t i = 0;
        while (needle[i] && hay[i] == needle[i])
            i++;
        if (!needle[i])
            return true;
    }
    return !*needle;
}

bool
kh_out_has(const char *s)
{
    return has(host_arch.out, s);
}
bool
kh_crash_has(const char *s)
{
    return has(host_arch.crash, s);
}
