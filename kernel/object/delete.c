// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Delete and Revoke: emptying slots, and destroying the objects whose last cap goes.
//
// Deleting the last cap to a CNode or a TCB (a container) must delete the caps inside it,
// which may be the last caps to further containers, and so on without bound: a tree of
// any size and depth. Two limits shape how: the kernel stack is small and fixed, so the
// walk never recurses, and a system call must stay preemptible, so the walk can stop at any
// step and be continued by the restarted call, in total time linear in the tree.
//
// A dying container keeps its memory owned until it is empty: its last cap is not removed
// but turned, in place, into a DELETING cap (seL4's zombie), which stays in the derivation
// tree as a child of the container's Untyped, so the Untyped can be neither reset nor
// retyped over it meanwhile. A DELETING cap can only be deleted (which continues what it
// stands for); it names no CNode for lookups, cannot be copied, moved or invoked.
//
// The walk goes by pointer reversal. Descending from container C (at slot i) into dying
// container X: X's DELETING cap and X's slot 0 trade places, so C[i] now holds what was in
// X[0] (handled when the walk comes back) and X[0] holds X's DELETING cap, whose second
// word is the way back (C, i). The walk in X starts at slot 1. When X is empty, its
// DELETING cap goes (X's memory is free) and the walk goes on at C[i].
//
// The top container's DELETING cap stays in the slot the Delete was made on; when the walk
// stops for an interrupt, that cap's second word records where (container, slot). Delete
// or Revoke reaching it again goes on from there. A walk that meets another paused walk's
// top DELETING cap takes it over as one of its own containers (the same trade of places)
// and goes on where that one stopped; one that meets its own top's cap (a CNode holding its
// own last cap) steps over it. Between any two steps every slot before the walk's position
// in each container is empty, and the derivation tree is well formed.
#include <kern/arch_api.h>
#include <kern/cspace.h>
#include <kern/invocation.h>
#include <kern/object.h>
#include <kern/printk.h>
#include <kern/sched.h>

// How many slots the walk empties between two looks for a pending interrupt.
#define DELETE_BATCH 32

struct container {
    void *obj; // the CNode's slots or the TCB
    bool tcb;
    cte_t *slots;
    word_t n;
};

static struct container
container_make(void *obj, bool tcb, unsigned radix)
{
    struct container c = { obj, tcb, tcb ? ((struct tcb *)obj)->slots : obj,
                           tcb ? TCB_SLOT_COUNT : BIT(radix) };
    return c;
}

static struct container
container_of_deleting(cap_t z)
{
    return container_make(cap_ptr(z), deleting_is_tcb(z), deleting_radix(z));
}

// A position in the walk (container, slot), packed into a DELETING cap's second word.
static word_t
position_pack(const struct container *c, word_t i)
{
    return deleting_position(c->obj, c->tcb, i);
}

// The container a packed position names; its size is read from its own DELETING cap (in
// its slot 0), or from the top's when it is the top container.
static struct container
position_container(word_t pos, const cte_t *top)
{
    void *obj = deleting_position_obj(pos);
    bool tcb = deleting_position_is_tcb(pos);
    if (obj == cap_ptr(top->cap))
        return container_of_deleting(top->cap);
    cte_t *slot0 = tcb ? &((struct tcb *)obj)->slots[0] : obj;
    assert(cap_type(slot0->cap) == KOZO_OBJ_DELETING && cap_ptr(slot0->cap) == obj);
    return container_of_deleting(slot0->cap);
}

// Empty a slot whose cap is not the last one to a container: at once.
static void
delete_simple(cte_t *slot)
{
    cap_t c = slot->cap;
    bool final = mdb_is_final(slot);
    cap_pre_delete(c);
    mdb_remove(slot);
    if (final)
        object_finalise(c);
}

// The last cap to a container becomes its DELETING cap, in place (its place in the tree
// kept), with `pos` in its second word. A dying thread stops first.
static void
make_deleting(cte_t *slot, word_t pos)
{
    cap_t c = slot->cap;
    bool tcb = cap_type(c) == KOZO_OBJ_TCB;
    if (tcb)
        tcb_finalise(tcb_from_cap(c));
    slot->cap = cap_deleting(cap_ptr(c), tcb, tcb ? 0 : cnode_radix(c), pos);
}

// Trade the caps (with their places in the tree) of two slots.
static void
slot_swap(cte_t *a, cte_t *b)
{
    cte_t tmp = { cap_null(), NULL, 0 };
    if (!cte_empty(a))
        mdb_move(a, &tmp);
    if (!cte_empty(b))
        mdb_move(b, a);
    if (!cte_empty(&tmp))
        mdb_move(&tmp, b);
}

// Make the dying container whose DELETING cap is in `s` (a slot of `cur`, at i) a level of
// the walk: its cap trades places with its slot 0 and points back at (cur, i).
static struct container
descend(cte_t *s, const struct container *cur, word_t i)
{
    struct container x = container_of_deleting(s->cap);
    s->cap.w1 = position_pack(cur, i);
    slot_swap(s, &x.slots[0]);
    return x;
}

// Continue (or start) the walk of the DELETING cap in `top`. Returns false if it stopped
// for an interrupt (only if `preemptible`), with its position saved in `top`.
static bool
walk(cte_t *top, bool preemptible)
{
    struct container cur = container_of_deleting(top->cap);
    word_t i = 0, done = 0;
    if (top->cap.w1) {
        cur = position_container(top->cap.w1, top);
        i = deleting_position_index(top->cap.w1);
    }
    for (;;) {
        while (i < cur.n) {
            if (preemptible && ++done % DELETE_BATCH == 0 && arch_irq_pending()) {
                top->cap.w1 = position_pack(&cur, i);
                return false;
            }
            cte_t *s = &cur.slots[i];
            cap_t c = s->cap;
            if (cte_empty(s) || (i == 0 && cur.obj != cap_ptr(top->cap))) {
                i++; // empty, or the DELETING cap of this level itself
            } else if (cap_type(c) == KOZO_OBJ_DELETING) {
                if (cap_ptr(c) == cap_ptr(top->cap)) {
                    i++; // our own top, inside itself: it goes last
                    continue;
                }
                // Another walk, stopped: take it over and go on where it stopped.
                word_t resume = c.w1;
                struct container x = descend(s, &cur, i);
                cur = x;
                i = 1;
                if (resume) {
                    cur = position_container(resume, top);
                    i = deleting_position_index(resume);
                }
            } else if (!cap_is_container(c) || !mdb_is_final(s)) {
                delete_simple(s);
                i++;
            } else {
                make_deleting(s, 0);
                cur = descend(s, &cur, i);
                i = 1;
            }
        }
        if (cur.obj == cap_ptr(top->cap)) {
            mdb_remove(top); // the top container is empty: its memory is free
            return true;
        }
        // Climb back: this level's DELETING cap (slot 0) says where we came from; the
        // parent's slot there now holds what was in our slot 0 and is handled next.
        word_t back = cur.slots[0].cap.w1;
        mdb_remove(&cur.slots[0]);
        cur = position_container(back, top);
        i = deleting_position_index(back);
    }
}

// Delete the cap in `slot`: at once, unless it is the last cap to a container (or a
// DELETING cap, a destruction already under way), whose walk this starts or goes on with.
static bool
delete_slot(cte_t *slot, bool preemptible)
{
    if (cte_empty(slot))
        return true;
    if (cap_type(slot->cap) != KOZO_OBJ_DELETING) {
        if (!cap_is_container(slot->cap) || !mdb_is_final(slot)) {
            delete_simple(slot);
            return true;
        }
        make_deleting(slot, 0);
    }
    return walk(slot, preemptible);
}

bool
cte_delete_preemptible(cte_t *slot)
{
    return delete_slot(slot, true);
}

void
cte_delete(cte_t *slot)
{
    delete_slot(slot, false);
}

// Children are deleted one at a time, so the tree is consistent between any two steps;
// every REVOKE_BATCH deletions (or inside a long one) an interrupt may stop the walk, and
// the restarted call simply carries on with the next child (or the same, still DELETING).
#define REVOKE_BATCH 32

bool
cte_revoke(cte_t *slot)
{
    cte_t *n;
    unsigned done = 0;
    while ((n = mdb_next(slot)) != NULL && mdb_is_parent_of(slot, n)) {
        if (!cte_delete_preemptible(n))
            return false;
        if (++done % REVOKE_BATCH == 0 && arch_irq_pending())
            return false;
    }
    return true;
}
