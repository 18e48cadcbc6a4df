// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The hostile caller: a thread whose whole CSpace is a scratch CNode H full of caps (an
// endpoint, notifications, a small Untyped, frames, tables, a VSpace, a spare TCB, a CNode,
// an IRQ-control copy, two harmless I/O ports, and copies of H itself) throws
// KTEST_HOSTILE_N random system calls: random numbers (never DEBUG_PUTCHAR or DEBUG_PANIC),
// handles (mostly H's slots, sometimes anything), labels, lengths, words and caps to send.
// Everything destructive stays inside H, which the runner's Revoke reclaims; the case
// passes if the kernel is still alive and the memory is whole afterwards (runner.c).
//
// Random calls block (a Call on the endpoint, a Recv, a fault nobody reads). A minder
// thread at the same priority restarts the caller afresh (kt_thread_restart: a suspended
// blocked call would only be made again) whenever it finds it blocked; the caller goes on
// with the next call, and the minder tells ktest when the caller is done.
#include <ktest_config.h>
#include "ktest.h"

#define H_BITS      6 // 64 slots
#define H_USED      20
#define H_PRIO(env) ((uint8_t)((env)->priority - 50))

static uint64_t
pick_handle(void)
{
    uint64_t r = kt_rand();
    switch (r % 16) {
    case 0: return kt_rand();                // anything at all
    case 1: return (r >> 8) & 0x7f;          // past H's end too
    default: return (r >> 8) % (H_USED + 2); // mostly the populated slots
    }
}

static uint64_t
pick_word(void)
{
    uint64_t r = kt_rand(), s = r >> 8;
    switch (r % 10) {
    case 0: return kt_rand();
    case 1: return s % 64;           // slots, sizes, counts
    case 2: return KOZO_HANDLE_BITS; // depths
    case 3: return H_BITS;
    case 4: return 0x10000000 + (s % 16) * 0x1000; // user addresses
    case 5: return s % 24;                         // object types, IRQ lines
    case 6: return pick_handle();
    case 7: return s & 1 ? KOZO_RIGHTS_ALL : s % 16;
    case 8: return 0;
    default: return s & 0xffff;
    }
}

// Mostly labels of real methods, so the decoders get past their first check.
static uint64_t
pick_label(void)
{
    static const uint8_t labels[] = {
        KOZO_INV_UNTYPED_RETYPE,     KOZO_INV_CNODE_COPY,        KOZO_INV_CNODE_MINT,
        KOZO_INV_CNODE_MOVE,         KOZO_INV_CNODE_DELETE,      KOZO_INV_CNODE_REVOKE,
        KOZO_INV_CNODE_DESCRIBE,     KOZO_INV_TCB_CONFIGURE,     KOZO_INV_TCB_SET_REGISTERS,
        KOZO_INV_TCB_READ_REGISTERS, KOZO_INV_TCB_RESUME,        KOZO_INV_TCB_SUSPEND,
        KOZO_INV_TCB_SET_PRIORITY,   KOZO_INV_TCB_INFO,          KOZO_INV_FRAME_MAP,
        KOZO_INV_FRAME_UNMAP,        KOZO_INV_FRAME_GET_ADDRESS, KOZO_INV_PAGE_TABLE_MAP,
        KOZO_INV_PAGE_TABLE_UNMAP,   KOZO_INV_IRQ_CONTROL_GET,   KOZO_INV_IRQ_HANDLER_SET_NOTIFICATION,
        KOZO_INV_IRQ_HANDLER_ACK,    KOZO_INV_IOPORT_IN8,        KOZO_INV_IOPORT_OUT8,
        KOZO_INV_IOPORT_IN32,        KOZO_INV_IOPORT_OUT32,      KOZO_INV_TCB_SET_SYSCALL_MODE,
        KOZO_INV_TCB_SET_TLS_BASE,
    };
    uint64_t r = kt_rand();
    if (r % 10 < 6)
        return labels[(r >> 8) % sizeof(labels)];
    return r % 10 < 9 ? (r >> 8) % 70 : kt_rand() >> 12;
}

static uint64_t
pick_sysno(void)
{
    uint64_t r = kt_rand(), s = r >> 8;
    uint64_t nr = r % 8 < 5 ? KOZO_SYS_CALL : r % 16 == 15 ? kt_rand() : s % 16;
    if (nr == KOZO_SYS_DEBUG_PUTCHAR || nr == KOZO_SYS_DEBUG_PANIC)
        nr = 10 + s % 6;
    return nr;
}

static void
hostile(struct kt_thread *t)
{
    if (t->res[0] == 0)
        kt_rand_seed(KTEST_HOSTILE_SEED);
    while (t->res[0] < KTEST_HOSTILE_N) {
        t->res[0]++; // counted first: after a restart by the minder, the next call follows
        uint64_t r = kt_rand(), len = r % 4 == 0 ? (r >> 8) % 128 : (r >> 8) % 9;
        struct kozo_msg m = { kozo_msginfo_make(len, (r >> 16) % 4, 0, pick_label()),
                              0,
                              { pick_word(), pick_word(), pick_word(), pick_word() } };
        for (unsigned k = KOZO_MSG_REG_WORDS; k < 12; k++)
            t->ipc->msg[k] = pick_word();
        for (unsigned k = 0; k < KOZO_MSG_MAX_CAPS; k++)
            t->ipc->caps[k] = pick_handle();
        t->ipc->receive_cnode = pick_handle();
        t->ipc->receive_index = pick_word();
        t->ipc->receive_depth = pick_word();
        if (kozo_syscall(pick_sysno(), pick_handle(), &m) == KOZO_ERR_OK)
            t->res[1]++;
    }
    t->done = 1;
    __asm__ volatile("ud2"); // a fault on an endpoint nobody reads: blocked for good
}

// arg[0]: the hostile thread's TCB; arg[1]: its kt_thread; signals arg[2] when it is done.
static void
minder(struct kt_thread *t)
{
    struct kt_thread *h = (struct kt_thread *)t->arg[1];
    for (;;) {
        uint64_t s = kt_thread_state(t->arg[0]);
        if (h->done && s != KOZO_THREAD_RUNNABLE)
            break;
        if (s == KOZO_THREAD_INACTIVE) { // stopped, but not by itself
            t->res[1] = 1;
            break;
        }
        if (s != KOZO_THREAD_RUNNABLE) {
            if (kt_thread_restart(h)) {
                t->res[1] = 2;
                break;
            }
            t->res[0]++;
        }
        kozo_yield();
    }
    kozo_signal(t->arg[2]);
}

// Retype one object into H[slot].
static uint64_t
h_retype(const struct ktest_env *env, kozo_handle_t h, uint64_t type, uint64_t bits, uint64_t slot)
{
    return kozo_untyped_retype(env->untyped, type, bits, SYS_SLOT_CNODE, h, KT_DEPTH, slot, 1);
}

// H: the hostile thread's whole CSpace. Returns the guarded cap to it in *root.
static uint64_t
build_h(const struct ktest_env *env, kozo_handle_t *h, kozo_handle_t *root)
{
    static const struct {
        uint8_t slot, type, bits;
    } objs[] = {
        { 2, KOZO_OBJ_ENDPOINT, 0 },        { 4, KOZO_OBJ_NOTIFICATION, 0 },
        { 6, KOZO_OBJ_UNTYPED, 16 },        { 7, KOZO_OBJ_FRAME, 0 },
        { 8, KOZO_OBJ_FRAME, 0 },           { 10, KOZO_OBJ_PAGE_TABLE, 0 },
        { 11, KOZO_OBJ_PAGE_DIRECTORY, 0 }, { 12, KOZO_OBJ_PDPT, 0 },
        { 13, KOZO_OBJ_VSPACE, 0 },         { 14, KOZO_OBJ_TCB, 0 },
        { 15, KOZO_OBJ_CNODE, 2 },          { 19, KOZO_OBJ_UNTYPED, 12 },
    };
    uint64_t err;
    if ((err = kt_alloc(KOZO_OBJ_CNODE, H_BITS, h)) ||
        (err = kt_mint(*h, KOZO_RIGHTS_ALL, kozo_cnode_guard_make(KOZO_HANDLE_BITS - H_BITS, 0), root)))
        return err;
    for (unsigned i = 0; i < sizeof(objs) / sizeof(objs[0]); i++)
        if ((err = h_retype(env, *h, objs[i].type, objs[i].bits, objs[i].slot)))
            return err;
    if ((err = kozo_cnode_copy(*h, 1, H_BITS, SYS_SLOT_CNODE, *root, KT_DEPTH, KOZO_RIGHTS_ALL)) ||
        (err = kozo_cnode_mint(*h, 3, H_BITS, *h, 2, H_BITS, KOZO_RIGHTS_ALL, 0x3)) ||
        (err = kozo_cnode_mint(*h, 5, H_BITS, *h, 4, H_BITS, KOZO_RIGHTS_ALL, 0x5)) ||
        (err = kozo_cnode_copy(*h, 9, H_BITS, SYS_SLOT_CNODE, *root, KT_DEPTH, KOZO_RIGHT_READ)) ||
        (err = kozo_cnode_copy(*h, 16, H_BITS, SYS_SLOT_CNODE, SYS_SLOT_IRQ_CONTROL, KT_DEPTH,
                               KOZO_RIGHTS_ALL)) ||
        (err = kozo_ioport_control_issue(SYS_SLOT_IOPORT_CONTROL, 0x80, 0x80, *h, 17, H_BITS)) ||
        (err = kozo_ioport_control_issue(SYS_SLOT_IOPORT_CONTROL, 0x3ff, 0x3ff, *h, 18, H_BITS)))
        return err;
    return KOZO_ERR_OK;
}

KTEST(hostile_random_calls, "KTEST_HOSTILE_N random calls from a confined thread leave the kernel sound")
{
    kozo_handle_t h, root, fault_ep, e;
    struct kt_thread *t, *m;
    KT_OK(build_h(env, &h, &root));
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &fault_ep));
    KT_OK(kt_thread_new(hostile, H_PRIO(env), 0, &t));
    KT_OK(kozo_tcb_configure(t->tcb, root, SYS_SLOT_VSPACE, t->ipc_frame, (uint64_t)t->ipc, fault_ep));
    KT_OK(kt_thread_new(minder, H_PRIO(env), 0, &m));
    m->arg[0] = t->tcb, m->arg[1] = (uint64_t)t, m->arg[2] = env->ntfn;
    KT_OK(kt_thread_start(t));
    KT_OK(kt_thread_start(m));
    kt_wait();
    KT_EQ(m->res[1], 0); // the caller never stopped unless it meant to
    KT_EQ(t->res[0], KTEST_HOSTILE_N);
    KT_NE(t->res[1], 0);
    // Alive and sane: new objects work as before.
    struct kozo_msg msg = { 0, 0, { 0 } };
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &e));
    KT_ERR(kozo_nb_send(e, &msg), KOZO_ERR_WOULD_BLOCK);
    KT_EQ(kt_type(h), KOZO_OBJ_CNODE);
}
