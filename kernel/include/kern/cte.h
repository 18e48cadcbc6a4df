// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Capability table entries and the capability derivation tree (MDB).
//
// Every capability lives in a slot (cte): the cap plus two links. All slots holding caps
// form one doubly linked list in depth-first derivation order: a cap's children follow it,
// so "the caps derived from X" are the run of entries after X that X is parent of, and caps
// to the same object are always neighbours. This is seL4's design; it needs no kernel heap
// and makes Revoke a walk along the list instead of a recursive tree search.
//
// Invariants:
//  - an empty slot (cap type NULL) has no links;
//  - mdb_is_parent_of(a, b) only for b after a in the list;
//  - REVOCABLE marks caps that can have children (retyped originals, untyped copies,
//    newly badged endpoint/notification caps, handlers issued by a control cap).
#ifndef KERN_CTE_H
#define KERN_CTE_H

#include <kern/cap.h>

typedef struct cte {
    cap_t cap;
    struct cte *prev;
    word_t next; // struct cte * | MDB_* flags in the low bits (slots are 32-byte aligned)
} cte_t;
_Static_assert(sizeof(cte_t) == (1u << KOZO_OBJ_CNODE_BITS), "slot size is in the ABI");

#define MDB_REVOCABLE    1ULL
#define MDB_FIRST_BADGED 2ULL
#define MDB_FLAGS        3ULL

static inline cte_t *
mdb_next(const cte_t *c)
{
    return (cte_t *)(uintptr_t)(c->next & ~MDB_FLAGS);
}
static inline bool
mdb_revocable(const cte_t *c)
{
    return c->next & MDB_REVOCABLE;
}
static inline bool
mdb_first_badged(const cte_t *c)
{
    return c->next & MDB_FIRST_BADGED;
}
static inline bool
cte_empty(const cte_t *c)
{
    return cap_type(c->cap) == KOZO_OBJ_NULL;
}

// Put `cap` into the empty slot `dest`, as a child of (directly after) `parent`.
void mdb_insert(cte_t *parent, cte_t *dest, cap_t cap, word_t flags);
// Take a slot out of the list and empty it.
void mdb_remove(cte_t *slot);
// Move a cap and its place in the tree from `src` to the empty slot `dest`.
void mdb_move(cte_t *src, cte_t *dest);
bool mdb_is_parent_of(const cte_t *parent, const cte_t *child);
// Is this the last cap to its object (so deleting it destroys the object)?
bool mdb_is_final(const cte_t *slot);
static inline bool
mdb_has_children(const cte_t *slot)
{
    const cte_t *n = mdb_next(slot);
    return n && mdb_is_parent_of(slot, n);
}

// Put the copy `c` of the cap in `src` (made by cap_derive(), kern/object.h) into the empty
// `dest` as src's child (cnode.c). CNode.Copy/Mint and IPC capability transfer both do.
void cte_insert_derived(cte_t *src, cte_t *dest, cap_t c);

// Delete the cap in a slot, destroying its object if it was the last cap (delete.c): to
// the end, or preemptibly (false: stopped for an interrupt, the slot holding a DELETING
// cap; calling again goes on).
void cte_delete(cte_t *slot);
bool cte_delete_preemptible(cte_t *slot);
// Delete every cap derived from the one in `slot` (delete.c). Preemptible: returns false if
// it stopped for a pending interrupt (with progress kept: calling again continues).
bool cte_revoke(cte_t *slot);

#endif
