// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The capability derivation tree: what a cap refers to, which caps are parents of which,
// and the list operations that keep the tree in depth-first order (see kern/cte.h).
#include <kern/arch_api.h>
#include <kern/cte.h>
#include <kern/object.h>
#include <kern/printk.h>

bool
mdb_is_parent_of(const cte_t *parent, const cte_t *child)
{
    return mdb_revocable(parent) && cap_same_region(parent->cap, child->cap) &&
           cap_badge_parent(parent->cap, child->cap, mdb_first_badged(child));
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
