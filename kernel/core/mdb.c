// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The capability derivation tree: what a cap refers to, which caps are parents of which,
// and the list operations that keep the tree in depth-first order (see kern/cte.h).
#include <kern/arch_api.h>
#include <kern/cte.h>
#include <kern/printk.h>

unsigned
cap_object_bits(cap_t c)
{
    // Sizes are the ABI's table (kozo_object_bits); a sized object's count is in its cap.
    switch (cap_type(c)) {
    case KOZO_OBJ_UNTYPED: return kozo_object_bits(KOZO_OBJ_UNTYPED, ut_bits(c));
    case KOZO_OBJ_CNODE: return kozo_object_bits(KOZO_OBJ_CNODE, cnode_radix(c));
    case KOZO_OBJ_DELETING: // the memory of the CNode or thread it destroys
        return deleting_is_tcb(c) ? kozo_object_bits(KOZO_OBJ_TCB, 0)
                                  : kozo_object_bits(KOZO_OBJ_CNODE, deleting_radix(c));
    default: return kozo_object_bits(cap_type(c), 0);
    }
}

bool
cap_same_object(cap_t a, cap_t b)
{
    if (cap_type(a) != cap_type(b))
        return false;
    switch (cap_type(a)) {
    case KOZO_OBJ_NULL: return false;
    case KOZO_OBJ_IRQ_CONTROL:
    case KOZO_OBJ_DEBUG_CONSOLE:
    case KOZO_OBJ_ASID_CONTROL: return true; // one of each: the machine's
    case KOZO_OBJ_ASID_POOL: return asid_pool_index(a) == asid_pool_index(b);
    case KOZO_OBJ_IRQ_HANDLER: return irq_line(a) == irq_line(b);
    case KOZO_OBJ_UNTYPED: return cap_ptr(a) == cap_ptr(b) && ut_bits(a) == ut_bits(b);
    case KOZO_OBJ_CNODE: return cap_ptr(a) == cap_ptr(b) && cnode_radix(a) == cnode_radix(b);
    default: return cap_ptr(a) == cap_ptr(b) && arch_same_object(a, b); // the arch may refine
    }
}

// Is b's object the same as a's, or (a Untyped) inside a's memory, or (a control cap) one
// that a issued?
bool
cap_same_region(cap_t a, cap_t b)
{
    switch (cap_type(a)) {
    case KOZO_OBJ_UNTYPED: {
        unsigned bb = cap_object_bits(b);
        if (bb == 0)
            return false;
        uintptr_t abase = (uintptr_t)cap_ptr(a), bbase = (uintptr_t)cap_ptr(b);
        uintptr_t alast = abase + (BIT(ut_bits(a)) - 1), blast = bbase + (BIT(bb) - 1);
        return abase <= bbase && blast <= alast && bbase <= blast;
    }
    case KOZO_OBJ_IRQ_CONTROL:
        return cap_type(b) == KOZO_OBJ_IRQ_HANDLER || cap_type(b) == KOZO_OBJ_IRQ_CONTROL;
    case KOZO_OBJ_ASID_CONTROL:
        return cap_type(b) == KOZO_OBJ_ASID_POOL || cap_type(b) == KOZO_OBJ_ASID_CONTROL;
    default: return cap_same_object(a, b) || arch_issued_by(a, b);
    }
}

bool
mdb_is_parent_of(const cte_t *parent, const cte_t *child)
{
    if (!mdb_revocable(parent) || !cap_same_region(parent->cap, child->cap))
        return false;
    switch (cap_type(parent->cap)) {
    case KOZO_OBJ_ENDPOINT:
    case KOZO_OBJ_NOTIFICATION: {
        // An unbadged original is parent of everything; a badged cap only of copies of
        // itself, not of another cap minted with the same badge later.
        word_t badge = cap_badge(parent->cap);
        if (badge == 0)
            return true;
        return badge == cap_badge(child->cap) && !mdb_first_badged(child);
    }
    default: return true;
    }
}

bool
mdb_is_final(const cte_t *slot)
{
    const cte_t *p = slot->prev, *n = mdb_next(slot);
    return !(p && cap_same_object(p->cap, slot->cap)) && !(n && cap_same_object(n->cap, slot->cap));
}

static void
set_next(cte_t *c, cte_t *n)
{
    c->next = (word_t)(uintptr_t)n | (c->next & MDB_FLAGS);
}

void
mdb_insert(cte_t *parent, cte_t *dest, cap_t cap, word_t flags)
{
    assert(cte_empty(dest) && cap_type(cap) != KOZO_OBJ_NULL);
    dest->cap = cap;
    dest->next = flags & MDB_FLAGS;
    dest->prev = parent;
    if (parent) {
        cte_t *n = mdb_next(parent);
        set_next(dest, n);
        if (n)
            n->prev = dest;
        set_next(parent, dest);
    }
}

void
mdb_remove(cte_t *slot)
{
    cte_t *p = slot->prev, *n = mdb_next(slot);
    if (p)
        set_next(p, n);
    if (n)
        n->prev = p;
    slot->cap = cap_null();
    slot->prev = NULL;
    slot->next = 0;
}

void
mdb_move(cte_t *src, cte_t *dest)
{
    assert(cte_empty(dest));
    *dest = *src;
    if (dest->prev)
        set_next(dest->prev, dest);
    if (mdb_next(dest))
        mdb_next(dest)->prev = dest;
    src->cap = cap_null();
    src->prev = NULL;
    src->next = 0;
}
