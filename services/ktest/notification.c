// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Notifications: a signal before the wait is kept, badges are OR-ed together and cleared
// by the wait, polling, one waiter woken per signal in FIFO order, rights, and deletion.
#include "ktest.h"

static uint64_t
poll(kozo_handle_t n, uint64_t *bits)
{
    struct kozo_msg m = { 0, 0, { 0 } };
    uint64_t err = kozo_nb_recv(n, &m);
    if (bits)
        *bits = m.badge;
    return err;
}

KTEST(ntfn_signal_before_wait, "A signal with no waiter is kept: the next wait returns at once")
{
    kozo_handle_t n;
    uint64_t bits = ~0ULL;
    KT_OK(kt_alloc(KOZO_OBJ_NOTIFICATION, 0, &n));
    KT_OK(kozo_signal(n));
    KT_OK(kozo_wait(n, &bits)); // would block forever (and the watchdog fail us) if lost
    KT_EQ(bits, 0);
}

KTEST(ntfn_badges_or_together, "Signals through badged caps accumulate as an OR; the wait takes all")
{
    kozo_handle_t n, b1, b2, b4;
    uint64_t bits = 0;
    KT_OK(kt_alloc(KOZO_OBJ_NOTIFICATION, 0, &n));
    KT_OK(kt_mint(n, KOZO_RIGHT_WRITE, 1, &b1));
    KT_OK(kt_mint(n, KOZO_RIGHT_WRITE, 2, &b2));
    KT_OK(kt_mint(n, KOZO_RIGHT_WRITE, 4, &b4));
    KT_OK(kozo_signal(b1));
    KT_OK(kozo_signal(b4));
    KT_OK(kozo_signal(b4));
    KT_OK(kozo_wait(n, &bits));
    KT_EQ(bits, 5);
    KT_ERR(poll(n, NULL), KOZO_ERR_WOULD_BLOCK); // the wait cleared everything
    KT_OK(kozo_signal(b2));
    KT_OK(poll(n, &bits));
    KT_EQ(bits, 2);
}

KTEST(ntfn_poll_empty, "Polling a notification with nothing pending is WOULD_BLOCK")
{
    kozo_handle_t n;
    KT_OK(kt_alloc(KOZO_OBJ_NOTIFICATION, 0, &n));
    KT_ERR(poll(n, NULL), KOZO_ERR_WOULD_BLOCK);
}

KTEST(ntfn_wait_then_signal, "A waiting thread is woken by a signal and gets its badge")
{
    kozo_handle_t n, b;
    struct kt_thread *w;
    KT_OK(kt_alloc(KOZO_OBJ_NOTIFICATION, 0, &n));
    KT_OK(kt_mint(n, KOZO_RIGHT_WRITE, 0x80, &b));
    KT_OK(kt_thread_run(kt_wait_once, env->priority, n, &w));
    kt_settle();
    KT_EQ(kt_thread_state(w->tcb), KOZO_THREAD_BLOCKED_NTFN);
    KT_OK(kozo_signal(b));
    kt_settle();
    KT_OK(w->res[0]);
    KT_EQ(w->res[1], 0x80);
    KT_ERR(poll(n, NULL), KOZO_ERR_WOULD_BLOCK); // delivered to the waiter, not kept
}

KTEST(ntfn_one_waiter_per_signal, "One signal wakes one waiter, the first; the next wakes the second")
{
    kozo_handle_t n;
    struct kt_thread *a, *b;
    KT_OK(kt_alloc(KOZO_OBJ_NOTIFICATION, 0, &n));
    KT_OK(kt_thread_run(kt_wait_once, env->priority, n, &a));
    kt_settle();
    KT_OK(kt_thread_run(kt_wait_once, env->priority, n, &b));
    kt_settle();
    KT_OK(kozo_signal(n));
    kt_settle();
    KT_EQ(a->res[2], 1);
    KT_EQ(b->res[2], 0);
    KT_OK(kozo_signal(n));
    kt_settle();
    KT_EQ(b->res[2], 1);
}

KTEST(ntfn_rights, "Signal needs WRITE, Wait and poll need READ")
{
    kozo_handle_t n, r, w;
    KT_OK(kt_alloc(KOZO_OBJ_NOTIFICATION, 0, &n));
    KT_OK(kt_copy(n, KOZO_RIGHT_READ, &r));
    KT_OK(kt_copy(n, KOZO_RIGHT_WRITE, &w));
    KT_ERR(kozo_signal(r), KOZO_ERR_INSUFFICIENT_RIGHTS);
    KT_ERR(kozo_wait(w, NULL), KOZO_ERR_INSUFFICIENT_RIGHTS);
    KT_ERR(poll(w, NULL), KOZO_ERR_INSUFFICIENT_RIGHTS);
    struct kozo_msg m = { 0, 0, { 0 } };
    KT_ERR(kozo_call(r, &m), KOZO_ERR_INSUFFICIENT_RIGHTS);
    KT_OK(kozo_signal(w));
    KT_OK(poll(r, NULL));
}

KTEST(ntfn_nb_send_signals, "NB_Send on a notification signals it, waiter or not")
{
    kozo_handle_t n;
    struct kozo_msg m = { 0, 0, { 0 } };
    KT_OK(kt_alloc(KOZO_OBJ_NOTIFICATION, 0, &n));
    KT_OK(kozo_nb_send(n, &m));
    KT_OK(poll(n, NULL));
}

KTEST(ntfn_delete_aborts_waiter, "Deleting a notification wakes its waiter with ABORTED")
{
    kozo_handle_t n;
    struct kt_thread *w;
    KT_OK(kt_alloc(KOZO_OBJ_NOTIFICATION, 0, &n));
    KT_OK(kt_thread_run(kt_wait_once, env->priority, n, &w));
    kt_settle();
    KT_OK(kozo_cnode_delete(SYS_SLOT_CNODE, n, KT_DEPTH));
    kt_settle();
    KT_ERR(w->res[0], KOZO_ERR_ABORTED);
}

KTEST(ntfn_suspend_waiter_leaves_queue, "A suspended waiter no longer takes signals")
{
    kozo_handle_t n;
    struct kt_thread *w;
    KT_OK(kt_alloc(KOZO_OBJ_NOTIFICATION, 0, &n));
    KT_OK(kt_thread_run(kt_wait_once, env->priority, n, &w));
    kt_settle();
    KT_OK(kozo_tcb_suspend(w->tcb));
    KT_OK(kozo_signal(n));
    KT_OK(poll(n, NULL)); // kept for the next waiter: the suspended one is gone
    KT_EQ(w->res[2], 0);
}

KTEST(ntfn_invocation_labels_ignored, "Any label on a Call to a notification just signals")
{
    kozo_handle_t n, b;
    uint64_t bits;
    KT_OK(kt_alloc(KOZO_OBJ_NOTIFICATION, 0, &n));
    KT_OK(kt_mint(n, KOZO_RIGHT_WRITE, 0x10, &b));
    KT_OK(kozo_cnode_copy(b, 0, 0, 0, 0, 0, 0)); // a CNode label on a notification
    KT_OK(poll(n, &bits));
    KT_EQ(bits, 0x10);
}
