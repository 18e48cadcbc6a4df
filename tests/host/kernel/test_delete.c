// SPDX-License-Identifier: MIT OR Apache-2.0
//
// test_delete.c: Delete and Revoke: trees of CNodes and threads, preemption, the derivation tree
// (host unit tests of the kernel core; tests/host/test_kernel.c runs them).
#include "kernel_tests.h"

// --- Preemptible delete of CNode and thread trees (object/delete.c) ---------------------

static word_t
retype_into(word_t cnode_slot, word_t type, word_t bits, word_t offset, word_t count)
{
    return KH_INVOKE(kh.root, UT, KOZO_INV_UNTYPED_RETYPE, type, bits, KH_SLOT_CNODE, cnode_slot, KH_DEPTH,
                     offset, count);
}

// Delete (or Revoke, if `revoke`) root slot `slot` with an interrupt pending at every
// preemption point, calling again as a restarted system call would, until it finishes.
// Checks the derivation tree between calls; returns the number of calls.
static unsigned
delete_preempted(word_t slot, bool revoke)
{
    unsigned calls = 0;
    for (;;) {
        unsigned restarts = host_arch.restarts;
        host_arch.irq_pending = 1000000;
        word_t err = revoke ? kh_revoke(slot) : kh_delete(slot);
        host_arch.irq_pending = 0;
        calls++;
        if (host_arch.restarts == restarts) {
            CHECK_EQ(err, OK);
            return calls;
        }
        CHECK(kh_mdb_ok());
        if (!revoke)
            CHECK_EQ(cap_type(capof(slot)), KOZO_OBJ_DELETING);
        if (calls > 100000) {
            CHECK(!"the delete does not finish");
            return calls;
        }
    }
}

// A CNode of 16 slots holding the last caps to 16 CNodes of 8 slots, each holding 8
// endpoints and, in one of them, a thread: 161 objects.
static void
make_tree(word_t top)
{
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_CNODE, 4, S(top), 1), OK);
    for (word_t k = 0; k < 16; k++) {
        CHECK_EQ(kh_retype(UT, KOZO_OBJ_CNODE, 3, S(top + 1), 1), OK);
        CHECK_EQ(retype_into(S(top + 1), KOZO_OBJ_ENDPOINT, 0, 0, 8), OK);
        if (k == 5) {
            CHECK_EQ(KH_INVOKE(kh.root, S(top + 1), KOZO_INV_CNODE_DELETE, 7, 3), OK);
            CHECK_EQ(retype_into(S(top + 1), KOZO_OBJ_TCB, 0, 7, 1), OK);
        }
        CHECK_EQ(move_into(S(top), k, 4, S(top + 1)), OK);
    }
}

static void
test_delete_tree_preempted(void)
{
    make_tree(0);
    word_t used = ut_free(UT);
    // Paused half way: the slot holds a DELETING cap that nothing but Delete can use.
    unsigned restarts = host_arch.restarts;
    host_arch.irq_pending = 1;
    kh_delete(S(0));
    host_arch.irq_pending = 0;
    CHECK_EQ(host_arch.restarts, restarts + 1);
    word_t d[3];
    CHECK_EQ(kh_describe(S(0), d), OK);
    CHECK_EQ(d[0], KOZO_OBJ_DELETING);
    CHECK_EQ(d[1], 0);
    CHECK_EQ(kh_copy(S(5), S(0), R_ALL), KOZO_ERR_ILLEGAL_OPERATION);
    CHECK_EQ(kh_move(S(5), S(0)), KOZO_ERR_ILLEGAL_OPERATION);
    CHECK_EQ(KH_INVOKE(kh.root, S(0), KOZO_INV_CNODE_DESCRIBE, 0, 4), KOZO_ERR_ILLEGAL_OPERATION);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(0), 1), KOZO_ERR_SLOT_OCCUPIED);
    // Its memory stays the Untyped's child: new objects go above it.
    CHECK(mdb_has_children(kh_slot(UT)));
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(5), 1), OK);
    CHECK((uintptr_t)cap_ptr(capof(S(5))) >= (uintptr_t)kh.ut_base + used);
    CHECK_EQ(kh_delete(S(5)), OK);
    // Go on, stopped at every preemption point, to the end.
    unsigned calls = delete_preempted(S(0), false);
    CHECK(calls >= 3); // 177 slots visited, 32 between two looks
    CHECK(cte_empty(kh_slot(S(0))));
    CHECK(!mdb_has_children(kh_slot(UT)));
    CHECK(kh_mdb_ok());
    // And the same tree deleted in one go leaves the same: nothing.
    make_tree(0);
    CHECK_EQ(kh_delete(S(0)), OK);
    CHECK(!mdb_has_children(kh_slot(UT)));
}

// A chain of 300 CNodes, each holding the last cap to the next: deep, and deleted in time
// linear in its length however often it is stopped.
static void
test_delete_deep_chain_preempted(void)
{
    enum { N = 300 };
    // Built bottom-up: each new CNode takes the chain so far into its slot 1.
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_CNODE, 1, S(0), 1), OK);
    for (unsigned k = 1; k < N; k++) {
        CHECK_EQ(kh_retype(UT, KOZO_OBJ_CNODE, 1, S(1), 1), OK);
        CHECK_EQ(move_into(S(1), 1, 1, S(0)), OK); // the chain so far goes into the new one
        CHECK_EQ(kh_move(S(0), S(1)), OK);
    }
    unsigned calls = delete_preempted(S(0), false);
    CHECK(calls >= N / 32);
    CHECK(calls <= 2 * N / 32 + 4);
    CHECK(!mdb_has_children(kh_slot(UT)));
    CHECK(kh_mdb_ok());
}

// A walk that meets another walk's stopped DELETING cap takes it over; a CNode holding its
// own last cap is finished by a Revoke of its Untyped.
static void
test_delete_takes_over_and_cycles(void)
{
    make_tree(0);                                            // A, in S(0)
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_CNODE, 2, S(2), 1), OK); // B, in S(2)
    CHECK_EQ(move_into(S(2), 1, 2, S(0)), OK);               // A's last cap now in B[1]
    // Stop a Delete of B[1] (through a guarded copy of B's cap, for the handle)...
    host_arch.irq_pending = 1;
    unsigned restarts = host_arch.restarts;
    KH_INVOKE(kh.root, S(2), KOZO_INV_CNODE_DELETE, 1, 2);
    host_arch.irq_pending = 0;
    CHECK_EQ(host_arch.restarts, restarts + 1);
    // ... then delete B itself: its walk meets A's DELETING cap and finishes it too.
    delete_preempted(S(2), false);
    CHECK(!mdb_has_children(kh_slot(UT)));
    CHECK(kh_mdb_ok());
    // A CNode whose last cap is inside itself, and a thread in it: Revoke of the Untyped.
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_CNODE, 3, S(0), 1), OK);
    CHECK_EQ(retype_into(S(0), KOZO_OBJ_TCB, 0, 2, 1), OK);
    CHECK_EQ(retype_into(S(0), KOZO_OBJ_ENDPOINT, 0, 3, 5), OK);
    CHECK_EQ(KH_INVOKE(kh.root, S(0), KOZO_INV_CNODE_MOVE, 1, 3, KH_SLOT_CNODE, S(0), KH_DEPTH), OK);
    CHECK(cte_empty(kh_slot(S(0))));
    delete_preempted(UT, true);
    CHECK(!mdb_has_children(kh_slot(UT)));
    CHECK(kh_mdb_ok());
}

static void
test_delete_copy_keeps_object(void)
{
    struct tcb *s = kh_thread(0, 100);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(0), 1), OK);
    CHECK_EQ(kh_copy(S(1), S(0), R_ALL), OK);
    kh_run(s);
    sys(s, KOZO_SYS_RECV, S(0));
    CHECK_EQ(s->state, TS_BLOCKED_RECV);
    CHECK_EQ(kh_delete(S(1)), OK);
    CHECK(cte_empty(kh_slot(S(1))));
    CHECK(!cte_empty(kh_slot(S(0))));
    CHECK(mdb_is_final(kh_slot(S(0))));
    CHECK_EQ(s->state, TS_BLOCKED_RECV); // the endpoint lives on
    CHECK(((struct endpoint *)cap_ptr(capof(S(0))))->head == s);
    CHECK_EQ(kh_delete(S(1)), OK); // deleting an empty slot is fine
}

static void
test_delete_last_endpoint_cap_aborts_waiters(void)
{
    struct tcb *a = kh_thread(0, 100), *b = kh_thread(1, 100), *c = kh_thread(2, 100);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(0), 1), OK);
    struct endpoint *ep = cap_ptr(capof(S(0)));
    kh_run(a);
    kh_run(b);
    sys(a, KOZO_SYS_RECV, S(0));
    sys(b, KOZO_SYS_RECV, S(0));
    CHECK_EQ(a->state, TS_BLOCKED_RECV);
    CHECK_EQ(b->state, TS_BLOCKED_RECV);
    CHECK_EQ(kh_delete(S(0)), OK);
    CHECK_EQ(a->state, TS_RUNNABLE);
    CHECK_EQ(b->state, TS_RUNNABLE);
    CHECK_EQ(rax(a), KOZO_ERR_ABORTED);
    CHECK_EQ(rax(b), KOZO_ERR_ABORTED);
    CHECK(a->blocked_on == NULL && b->blocked_on == NULL);
    CHECK(ep->head == NULL && ep->tail == NULL);
    // Blocked senders too (a Call in progress included).
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(1), 1), OK);
    kh_run(c);
    sys(c, KOZO_SYS_CALL, S(1));
    CHECK_EQ(c->state, TS_BLOCKED_SEND);
    CHECK_EQ(kh_delete(S(1)), OK);
    CHECK_EQ(c->state, TS_RUNNABLE);
    CHECK_EQ(rax(c), KOZO_ERR_ABORTED);
}

// Deleting the last cap to a TCB stops the thread and deletes the caps it holds.
static void
test_delete_last_tcb_cap(void)
{
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_TCB, 0, S(0), 1), OK);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(1), 1), OK);
    CHECK_EQ(kh_vspaces(S(2), 1), OK);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_FRAME, 0, S(3), 1), OK);
    struct tcb *t = tcb_from_cap(capof(S(0)));
    CHECK_EQ(KH_INVOKE(kh.root, S(0), KOZO_INV_TCB_CONFIGURE, ROOTCN, S(2), S(3), KH_IPCBUF_VADDR + 8, S(1)),
             OK);
    CHECK(cap_same_object(t->slots[TCB_SLOT_CSPACE].cap, capof(ROOTCN)));
    CHECK(cap_same_object(t->slots[TCB_SLOT_VSPACE].cap, capof(S(2))));
    CHECK(cap_same_object(t->slots[TCB_SLOT_FAULT_EP].cap, capof(S(1))));
    CHECK(tcb_ipc_buffer(t) == (struct kozo_ipc_buffer *)((char *)cap_ptr(capof(S(3))) + 8));
    CHECK(!mdb_is_final(kh_slot(S(1))));
    CHECK_EQ(kh_invoke(kh.root, S(0), KOZO_INV_TCB_RESUME, 0, NULL), OK);
    CHECK_EQ(t->state, TS_RUNNABLE);
    // The new thread blocks on the endpoint through its own CSpace (the root CNode).
    sys(t, KOZO_SYS_RECV, S(1));
    CHECK_EQ(t->state, TS_BLOCKED_RECV);
    current = kh.root;
    CHECK_EQ(kh_delete(S(0)), OK);
    CHECK_EQ(t->state, TS_INACTIVE);
    CHECK(((struct endpoint *)cap_ptr(capof(S(1))))->head == NULL);
    CHECK(slots_empty(t->slots, TCB_SLOT_COUNT));
    CHECK(mdb_is_final(kh_slot(S(1))));
    CHECK(mdb_is_final(kh_slot(S(2))));
    CHECK_EQ(host_arch.asids_released, 0); // the VSpace still has its cap
    CHECK(!cte_empty(kh_slot(ROOTCN)));
}

// Revoking an Untyped deletes all it made, including CNodes holding the last caps to
// other objects (which then go too).
static void
test_revoke_untyped_nested(void)
{
    struct tcb *s = kh_thread(0, 100);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_CNODE, 2, S(0), 2), OK); // A = S(0), B = S(1)
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(2), 1), OK);
    cte_t *a = cap_ptr(capof(S(0))), *b = cap_ptr(capof(S(1)));
    CHECK_EQ(copy_into(S(0), 1, 2, S(2)), OK);
    CHECK_EQ(copy_into(S(1), 3, 2, S(2)), OK);
    CHECK_EQ(move_into(S(0), 2, 2, S(1)), OK); // B's only cap now lives in A
    CHECK(cte_empty(kh_slot(S(1))));
    kh_run(s);
    sys(s, KOZO_SYS_RECV, S(2));
    CHECK_EQ(kh_delete(S(2)), OK); // copies in A and B keep the endpoint alive
    CHECK_EQ(s->state, TS_BLOCKED_RECV);
    CHECK(kh_mdb_cnode_ok(a, 4) && kh_mdb_cnode_ok(b, 4));
    CHECK_EQ(kh_revoke(UT), OK);
    CHECK_EQ(s->state, TS_RUNNABLE);
    CHECK_EQ(rax(s), KOZO_ERR_ABORTED);
    CHECK(slots_empty(a, 4));
    CHECK(slots_empty(b, 4));
    CHECK(cte_empty(kh_slot(S(0))));
    CHECK(!mdb_has_children(kh_slot(UT)));
    CHECK_EQ(kh_mdb_list_len(kh_slot(UT)), 1);
}

// A chain of CNodes, each holding the only cap to the next (alternately in slot 0 and
// slot 1), the last one holding the last cap to an endpoint a thread waits on. Deleting
// the head must tear down all of it without recursing: it runs on a 64 KiB stack, where
// one kernel frame per level would overflow.
#define CHAIN_LEN   3000
#define CHAIN_STACK (64 * 1024)

static void *
chain_delete_thread(void *arg)
{
    *(word_t *)arg = kh_delete(S(0));
    return NULL;
}

static void
test_delete_deep_cnode_chain(void)
{
    struct tcb *s = kh_thread(0, 100);
    const word_t ep = S(CHAIN_LEN), nt = S(CHAIN_LEN + 1);
    cte_t *node[CHAIN_LEN];
    bool ok = true;

    for (word_t i = 0; i < CHAIN_LEN; i += KOZO_RETYPE_MAX_COUNT)
        ok &= kh_retype(UT, KOZO_OBJ_CNODE, 1, S(i), MIN(KOZO_RETYPE_MAX_COUNT, CHAIN_LEN - i)) == OK;
    CHECK(ok);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, ep, 1), OK);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_NOTIFICATION, 0, nt, 1), OK);
    for (unsigned i = 0; i < CHAIN_LEN; i++)
        node[i] = cap_ptr(capof(S(i)));
    kh_run(s);
    sys(s, KOZO_SYS_RECV, ep);
    CHECK_EQ(s->state, TS_BLOCKED_RECV);

    CHECK_EQ(copy_into(S(CHAIN_LEN - 1), (CHAIN_LEN - 1) & 1, 1, ep), OK);
    for (unsigned i = 0; ok && i < CHAIN_LEN - 1; i += 7) // extra caps on the way down
        ok &= copy_into(S(i), 1 - (i & 1), 1, nt) == OK;
    for (unsigned i = CHAIN_LEN - 1; ok && i-- > 0;) // from the end: S(i) is still in the root
        ok &= move_into(S(i), i & 1, 1, S(i + 1)) == OK;
    CHECK(ok);
    CHECK_EQ(kh_delete(ep), OK); // the chain holds the endpoint's last cap
    CHECK(cte_empty(kh_slot(S(1))) && cte_empty(kh_slot(S(CHAIN_LEN - 1))));
    CHECK_EQ(s->state, TS_BLOCKED_RECV);
    CHECK(kh_mdb_list_ok(kh_slot(UT)));

    pthread_attr_t attr;
    pthread_t th;
    word_t err = ~0ULL;
    CHECK_EQ(pthread_attr_init(&attr), 0);
    CHECK_EQ(pthread_attr_setstacksize(&attr, CHAIN_STACK), 0);
    if (!CHECK_EQ(pthread_create(&th, &attr, chain_delete_thread, &err), 0))
        return;
    pthread_join(th, NULL);
    pthread_attr_destroy(&attr);
    current = kh.root;

    CHECK_EQ(err, OK);
    CHECK(cte_empty(kh_slot(S(0))));
    ok = true;
    for (unsigned i = 0; i < CHAIN_LEN; i++)
        ok &= slots_empty(node[i], 2); // return links cleared too
    CHECK(ok);
    CHECK_EQ(s->state, TS_RUNNABLE);
    CHECK_EQ(rax(s), KOZO_ERR_ABORTED);
    CHECK(mdb_is_final(kh_slot(nt)));
    CHECK_EQ(kh_mdb_list_len(kh_slot(UT)), 2); // the Untyped and the notification
    CHECK_EQ(kh_delete(nt), OK);
    CHECK(!mdb_has_children(kh_slot(UT)));
}

// Deleting a CNode that holds a cap to itself (and nothing else does) through Revoke.
static void
test_revoke_self_referencing_cnode(void)
{
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_CNODE, 2, S(0), 1), OK);
    cte_t *a = cap_ptr(capof(S(0)));
    CHECK_EQ(copy_into(S(0), 0, 2, S(0)), OK);
    CHECK_EQ(move_into(S(0), 1, 2, S(0)), OK); // the original moves into itself
    CHECK(cte_empty(kh_slot(S(0))));
    CHECK(kh_mdb_cnode_ok(a, 4));
    CHECK(mdb_has_children(kh_slot(UT)));
    CHECK_EQ(kh_revoke(UT), OK);
    CHECK(slots_empty(a, 4));
    CHECK(!mdb_has_children(kh_slot(UT)));
}

// Containers of both kinds nested: root slot S(0) -> CNode C0, whose slot 0 holds the
// only cap to thread T, whose CSpace slot holds the only cap to CNode C2, which holds the
// last cap to an endpoint T and another thread wait on.
static void
test_delete_nested_tcb_and_cnode(void)
{
    struct tcb *s = kh_thread(0, 100);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_CNODE, 2, S(0), 1), OK);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_TCB, 0, S(1), 1), OK);
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_CNODE, 2, S(2), 1), OK);
    CHECK_EQ(kh_mint(S(3), S(2), R_ALL, kozo_cnode_guard_make(62, 0)), OK); // handle = index
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(4), 1), OK);
    CHECK_EQ(kh_vspaces(S(5), 1), OK);
    struct tcb *t = tcb_from_cap(capof(S(1)));
    cte_t *c0 = cap_ptr(capof(S(0))), *c2 = cap_ptr(capof(S(2)));
    CHECK_EQ(copy_into(S(2), 1, 2, S(4)), OK);
    CHECK_EQ(KH_INVOKE(kh.root, S(1), KOZO_INV_TCB_CONFIGURE, S(3), S(5), 0, 0, 0), OK);
    CHECK_EQ(kh_invoke(kh.root, S(1), KOZO_INV_TCB_RESUME, 0, NULL), OK);
    kh_run(s);
    sys(s, KOZO_SYS_RECV, S(4));
    sys(t, KOZO_SYS_RECV, 1); // C2[1] through T's own CSpace
    CHECK_EQ(t->state, TS_BLOCKED_RECV);
    current = kh.root;

    CHECK_EQ(kh_delete(S(2)), OK);
    CHECK_EQ(kh_delete(S(3)), OK);
    CHECK_EQ(kh_delete(S(4)), OK);
    CHECK_EQ(move_into(S(0), 0, 2, S(1)), OK);
    CHECK(mdb_is_final(&c0[0]));
    CHECK(mdb_is_final(&t->slots[TCB_SLOT_CSPACE]));
    CHECK(mdb_is_final(&c2[1]));
    CHECK_EQ(s->state, TS_BLOCKED_RECV);

    CHECK_EQ(kh_delete(S(0)), OK);
    CHECK_EQ(t->state, TS_INACTIVE);
    CHECK_EQ(s->state, TS_RUNNABLE);
    CHECK_EQ(rax(s), KOZO_ERR_ABORTED);
    CHECK(slots_empty(c0, 4));
    CHECK(slots_empty(c2, 4));
    CHECK(slots_empty(t->slots, TCB_SLOT_COUNT));
    CHECK(mdb_is_final(kh_slot(S(5)))); // T's copy of the VSpace cap went with T
    CHECK_EQ(host_arch.asids_released, 0);
    CHECK_EQ(kh_mdb_list_len(kh_slot(UT)), 2);
}

// An Untyped whose own cap lives in a CNode made from it: revoking it destroys that CNode
// and with it the slot being revoked. The walk must stop cleanly, and whatever survives
// (an object after the CNode in the list) must not be handed out again while it lives.
static void
test_revoke_deletes_its_own_slot(void)
{
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_UNTYPED, 16, S(0), 1), OK);
    CHECK_EQ(kh_retype(S(0), KOZO_OBJ_ENDPOINT, 0, S(1), 1), OK);
    CHECK_EQ(kh_retype(S(0), KOZO_OBJ_CNODE, 2, S(2), 1), OK);
    CHECK_EQ(kh_retype(S(0), KOZO_OBJ_ENDPOINT, 0, S(3), 1), OK);
    cte_t *c = cap_ptr(capof(S(2)));
    CHECK_EQ(move_into(S(2), 1, 2, S(0)), OK);
    CHECK_EQ(KH_INVOKE(kh.root, S(2), KOZO_INV_CNODE_REVOKE, 1, 2), OK);
    CHECK(cte_empty(kh_slot(S(2))));
    CHECK(cte_empty(kh_slot(S(3))));
    CHECK(slots_empty(c, 4));
    CHECK(kh_mdb_ok());
    if (!cte_empty(kh_slot(S(1)))) {
        CHECK(mdb_is_parent_of(kh_slot(UT), kh_slot(S(1)))); // adopted by the grandparent
        CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(4), 1), OK);
        CHECK(cap_ptr(capof(S(4))) != cap_ptr(capof(S(1))));
    }
}

// Revoke stops at a preemption point when an interrupt is pending (every 32 deletions) and
// the restarted system call carries on: registers untouched, progress kept in the tree.
static void
test_revoke_preemptible(void)
{
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(0), 100), OK);
    CHECK_EQ(kh_mdb_list_len(kh_slot(UT)), 101);
    host_arch.irq_pending = 2;
    kh_revoke(UT);
    CHECK_EQ(host_arch.restarts, 1);
    CHECK_EQ(msg_label(kh.root), KOZO_INV_CNODE_REVOKE); // the call is still in the registers
    CHECK_EQ(mr(kh.root, 0), UT);
    CHECK_EQ(kh_mdb_list_len(kh_slot(UT)), 101 - 32);
    CHECK(kh_mdb_ok());
    syscall_dispatch(kh.root); // the restart
    CHECK_EQ(host_arch.restarts, 2);
    CHECK_EQ(kh_mdb_list_len(kh_slot(UT)), 101 - 64);
    syscall_dispatch(kh.root);
    CHECK_EQ(host_arch.restarts, 2);
    CHECK_EQ(rax(kh.root), OK);
    CHECK_EQ(msg_label(kh.root), 0);
    CHECK(!mdb_has_children(kh_slot(UT)));
    CHECK(slots_empty(kh_slot(S(0)), 100));
}

// Random operations on a few slots; after each one the derivation list must be well
// formed, caps to one object must be neighbours, and no two live objects may overlap.
static uint64_t rng_state;
static word_t
rng(word_t n)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (rng_state >> 33) % n;
}

static bool
objects_disjoint(void)
{
    for (word_t i = KH_SLOT_UT; i < S(64); i++) {
        cap_t a = capof(i);
        if (cte_empty(kh_slot(i)) || cap_object_bits(a) == 0)
            continue;
        for (word_t j = i + 1; j < S(64); j++) {
            cap_t b = capof(j);
            if (cte_empty(kh_slot(j)) || cap_object_bits(b) == 0 || cap_same_object(a, b))
                continue;
            if (cap_same_region(a, b) || cap_same_region(b, a))
                continue; // an Untyped and what was made from it
            uintptr_t a0 = (uintptr_t)cap_ptr(a), a1 = a0 + BIT(cap_object_bits(a));
            uintptr_t b0 = (uintptr_t)cap_ptr(b), b1 = b0 + BIT(cap_object_bits(b));
            if (a0 < b1 && b0 < a1) {
                fprintf(stderr, "     slots %lu and %lu overlap\n", (unsigned long)i, (unsigned long)j);
                return false;
            }
        }
    }
    return true;
}

static bool
same_object_caps_adjacent(void)
{
    for (word_t i = KH_SLOT_UT; i < S(64); i++) {
        const cte_t *s = kh_slot(i);
        if (cte_empty(s) || s->prev)
            continue;
        // s heads a list: once a run of caps to one object ends, the object must not recur.
        for (const cte_t *c = s; c; c = mdb_next(c)) {
            const cte_t *end = c;
            while (mdb_next(end) && cap_same_object(mdb_next(end)->cap, c->cap))
                end = mdb_next(end);
            for (const cte_t *d = mdb_next(end); d; d = mdb_next(d))
                if (cap_same_object(d->cap, c->cap)) {
                    fprintf(stderr, "     caps to one object are not neighbours; the list:\n");
                    for (const cte_t *e = s; e; e = mdb_next(e))
                        fprintf(stderr, "       type %2lu ptr %p w1 %#lx\n", (unsigned long)cap_type(e->cap),
                                cap_ptr(e->cap), (unsigned long)e->cap.w1);
                    return false;
                }
        }
    }
    return true;
}

static void
test_mdb_random_operations(void)
{
    static const word_t types[] = { KOZO_OBJ_ENDPOINT, KOZO_OBJ_NOTIFICATION, KOZO_OBJ_CNODE,
                                    KOZO_OBJ_UNTYPED,  KOZO_OBJ_FRAME,        KOZO_OBJ_TCB };
    unsigned ops = 0, errors = 0;
    bool ok = true;

    rng_state = 12345;
    for (unsigned round = 0; ok && round < 3000; round++) {
        word_t a = S(rng(32)), b = S(rng(32)), err;
        word_t src = rng(8) == 0 ? UT : b;
        switch (rng(8)) {
        case 0:
        case 1: {
            word_t type = types[rng(ARRAY_SIZE(types))];
            // Sometimes from another Untyped (a child or a copy). Only Untyped and CNode caps
            // are invoked here: a CALL on an endpoint would block the root thread.
            word_t from = rng(4) == 0 && cap_type(capof(b)) == KOZO_OBJ_UNTYPED ? b : UT;
            err = kh_retype(from, type, type == KOZO_OBJ_UNTYPED ? 12 : (type == KOZO_OBJ_CNODE ? 2 : 0), a,
                            1 + rng(3));
            break;
        }
        case 2: err = kh_copy(a, src, R_ALL); break;
        case 3: err = kh_mint(a, src, R_ALL, rng(3)); break;
        case 4: err = kh_move(a, b); break;
        case 5: err = kh_delete(a); break;
        case 6: err = rng(4) == 0 ? kh_revoke(UT) : kh_revoke(a); break;
        default: // into a CNode, if a is one
            err = cap_type(capof(a)) == KOZO_OBJ_CNODE ? copy_into(a, rng(4), 2, b) : kh_delete(b);
            break;
        }
        ops++;
        errors += err != OK;
        ok = kh_mdb_ok() && same_object_caps_adjacent() && objects_disjoint();
        if (!ok)
            fprintf(stderr, "     after operation %u\n", round);
    }
    CHECK(ok);
    CHECK(errors > 0 && errors < ops); // the mix exercised both paths
    CHECK_EQ(kh_revoke(UT), OK);
    CHECK(!mdb_has_children(kh_slot(UT)));
}

const struct ktest kt_delete_tests[] = {
    T(test_delete_tree_preempted),
    T(test_delete_deep_chain_preempted),
    T(test_delete_takes_over_and_cycles),
    T(test_delete_copy_keeps_object),
    T(test_delete_last_endpoint_cap_aborts_waiters),
    T(test_delete_last_tcb_cap),
    T(test_revoke_untyped_nested),
    T(test_delete_deep_cnode_chain),
    T(test_revoke_self_referencing_cnode),
    T(test_delete_nested_tcb_and_cnode),
    T(test_revoke_deletes_its_own_slot),
    T(test_revoke_preemptible),
    T(test_mdb_random_operations),
    { NULL, NULL },
};
