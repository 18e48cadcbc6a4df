// SPDX-License-Identifier: MIT OR Apache-2.0
//
// CNodes: arrays of capability slots, and the operations on slots (copy, mint, move,
// delete, revoke).
//
// Deleting the last cap to a CNode or a TCB must delete the caps inside it, which may be
// the last caps to further CNodes, and so on without bound. The kernel stack is small and
// fixed, so cte_delete() never recurses: it walks nested containers with pointer reversal.
// When it descends from container A (at slot i) into dying container X, X's slot 0 moves
// into A[i] (to be handled when the walk comes back) and X[0] keeps the way back (A, i).
// X is unreachable by then (its last cap is gone), so borrowing its slot is safe.
#include <kern/arch_api.h>
#include <kern/asid.h>
#include <kern/cspace.h>
#include <kern/invocation.h>
#include <kern/printk.h>
#include <kern/sched.h>

struct container {
    cte_t *slots;
    word_t n;
};

// Internal cap type for the way back during a walk; never visible outside cte_delete().
#define CAP_RETURN_LINK 0xff

static bool
container_of(cap_t c, struct container *out)
{
    switch (cap_type(c)) {
    case KOZO_OBJ_CNODE:
        out->slots = cap_ptr(c);
        out->n = BIT(cnode_radix(c));
        return true;
    case KOZO_OBJ_TCB:
        tcb_finalise(tcb_from_cap(c));
        out->slots = tcb_from_cap(c)->slots;
        out->n = TCB_SLOT_COUNT;
        return true;
    default:
        return false;
    }
}

// Per-cap cleanup that happens whether or not the cap is the last one: a frame or table
// mapping belongs to the cap that made it.
static void
cap_pre_delete(cap_t c)
{
    switch (cap_type(c)) {
    case KOZO_OBJ_FRAME:
    case KOZO_OBJ_LARGE_FRAME:
        if (map_is_mapped(c))
            arch_frame_unmap(c);
        break;
    case KOZO_OBJ_PAGE_TABLE:
    case KOZO_OBJ_PAGE_DIRECTORY:
    case KOZO_OBJ_PDPT:
        if (map_is_mapped(c))
            arch_table_unmap(c);
        break;
    default:
        break;
    }
}

// Empty one slot. Returns true with *inner set when the cap was the last one to a
// container, whose contents the caller must now delete.
static bool
delete_one(cte_t *slot, struct container *inner)
{
    cap_t c = slot->cap;
    bool final = mdb_is_final(slot);

    cap_pre_delete(c);
    mdb_remove(slot);
    if (!final)
        return false;
    if (container_of(c, inner))
        return true;
    object_finalise(c);
    return false;
}

void
cte_delete(cte_t *slot)
{
    struct container cur;
    word_t i = 0;
    unsigned depth = 0;

    if (cte_empty(slot) || !delete_one(slot, &cur))
        return;
    for (;;) {
        while (i < cur.n) {
            cte_t *s = &cur.slots[i];
            struct container inner;
            if (cte_empty(s)) {
                i++;
                continue;
            }
            cap_t c = s->cap;
            if (!mdb_is_final(s) || !(cap_type(c) == KOZO_OBJ_CNODE || cap_type(c) == KOZO_OBJ_TCB)) {
                delete_one(s, &inner);
                i++;
                continue;
            }
            // A dying container inside a dying container: descend without recursing.
            delete_one(s, &inner);
            if (!cte_empty(&inner.slots[0]))
                mdb_move(&inner.slots[0], s);
            inner.slots[0].cap = cap_make(CAP_RETURN_LINK, 0, cur.slots, cur.n | (i << 32));
            cur = inner;
            i = 1;
            depth++;
        }
        if (depth == 0)
            return;
        // Climb back: slot 0 says where we came from; the parent's slot i now holds what
        // was in our slot 0 and is handled next.
        cap_t link = cur.slots[0].cap;
        assert(cap_type(link) == CAP_RETURN_LINK);
        cur.slots[0].cap = cap_null();
        cur.slots = cap_ptr(link);
        cur.n = link.w1 & MASK(32);
        i = link.w1 >> 32;
        depth--;
    }
}

// Children are deleted one at a time, so the tree is consistent between any two steps;
// every REVOKE_BATCH deletions an interrupt may stop the walk, and the restarted call
// simply carries on with the next child.
#define REVOKE_BATCH 32

bool
cte_revoke(cte_t *slot)
{
    cte_t *n;
    unsigned done = 0;
    while ((n = mdb_next(slot)) != NULL && mdb_is_parent_of(slot, n)) {
        cte_delete(n);
        if (++done % REVOKE_BATCH == 0 && arch_irq_pending())
            return false;
    }
    return true;
}

// --- Invocations -------------------------------------------------------------------------

// The one type-specific word CNode.Describe reports: nothing the holder could not learn by
// using the cap (no kernel addresses).
static word_t
cap_describe_data(cap_t c)
{
    switch (cap_type(c)) {
    case KOZO_OBJ_ENDPOINT:
    case KOZO_OBJ_NOTIFICATION: return cap_badge(c);
    case KOZO_OBJ_UNTYPED: return ut_bits(c);
    case KOZO_OBJ_CNODE: return cnode_radix(c);
    case KOZO_OBJ_IRQ_HANDLER: return irq_line(c);
    case KOZO_OBJ_IOPORT: return ioport_first(c) | (word_t)ioport_last(c) << 16;
    case KOZO_OBJ_ASID_POOL: return asid_pool_describe(c);
    case KOZO_OBJ_VSPACE: return vspace_asid(c);
    case KOZO_OBJ_FRAME:
    case KOZO_OBJ_LARGE_FRAME: return map_is_mapped(c) ? map_vaddr(c) : 0;
    default: return 0;
    }
}

// What a new cap derived from `src` looks like, or an error if it may not be copied.
word_t
cap_derive(const cte_t *src, cap_t *out)
{
    cap_t c = src->cap;
    switch (cap_type(c)) {
    case KOZO_OBJ_UNTYPED:
        if (mdb_has_children(src)) {
            user_error("cannot copy an Untyped with live children");
            return KOZO_ERR_REVOKE_FIRST;
        }
        break;
    case KOZO_OBJ_FRAME:
    case KOZO_OBJ_LARGE_FRAME:
        c = map_clear(c); // a mapping belongs to one cap; the copy starts unmapped
        break;
    case KOZO_OBJ_PAGE_TABLE:
    case KOZO_OBJ_PAGE_DIRECTORY:
    case KOZO_OBJ_PDPT:
        user_error("page-table caps cannot be copied");
        return KOZO_ERR_ILLEGAL_OPERATION;
    case KOZO_OBJ_VSPACE:
        // Assign sets the ASID in the VSpace's one cap: there must be only one until then.
        if (!vspace_asid(c)) {
            user_error("a VSpace cannot be copied before it has an ASID (ASID_POOL.Assign)");
            return KOZO_ERR_ILLEGAL_OPERATION;
        }
        break;
    default:
        break;
    }
    *out = c;
    return KOZO_ERR_OK;
}

static word_t
cap_derive_flags(cap_t derived, cap_t src)
{
    switch (cap_type(derived)) {
    case KOZO_OBJ_ENDPOINT:
    case KOZO_OBJ_NOTIFICATION:
        return cap_badge(derived) != cap_badge(src) ? (MDB_REVOCABLE | MDB_FIRST_BADGED) : 0;
    case KOZO_OBJ_UNTYPED:
        return MDB_REVOCABLE;
    default:
        return 0;
    }
}

void
cte_insert_derived(cte_t *src, cte_t *dest, cap_t c)
{
    // A copied Untyped owns the memory from now on: the source must not retype over it
    // (it has a child, so its watermark is never reset), as in seL4.
    if (cap_type(c) == KOZO_OBJ_UNTYPED)
        src->cap = ut_set_free_index(src->cap, BIT(ut_bits(src->cap)));
    mdb_insert(src, dest, c, cap_derive_flags(c, src->cap));
}

// Apply a Mint badge: endpoint/notification badge, or a CNode's guard.
static word_t
apply_badge(cap_t *c, word_t badge)
{
    switch (cap_type(*c)) {
    case KOZO_OBJ_ENDPOINT:
    case KOZO_OBJ_NOTIFICATION:
        if (badge == 0)
            return KOZO_ERR_OK;
        if (cap_badge(*c) != 0) {
            user_error("cannot re-badge a badged cap");
            return KOZO_ERR_INVALID_ARGUMENT;
        }
        c->w1 = badge;
        return KOZO_ERR_OK;
    case KOZO_OBJ_CNODE: {
        word_t gbits = kozo_cnode_guard_get_size(badge), guard = kozo_cnode_guard_get_value(badge);
        // The guard value is stored in 52 bits; a longer guard must have zero top bits.
        if (gbits + cnode_radix(*c) > KOZO_HANDLE_BITS || (guard >> CNODE_GUARD_MAX_BITS) != 0 ||
            (gbits < 64 && (guard >> gbits) != 0))
            return KOZO_ERR_INVALID_ARGUMENT;
        *c = cap_cnode(cap_ptr(*c), cnode_radix(*c), (unsigned)gbits, guard);
        return KOZO_ERR_OK;
    }
    default:
        return badge ? KOZO_ERR_INVALID_ARGUMENT : KOZO_ERR_OK;
    }
}

// Find the source slot of a Copy/Mint/Move (src_root, src_index, src_depth are args 2..4).
static word_t
lookup_src(struct invocation *inv, cte_t **src)
{
    word_t err = cspace_lookup_rel(inv->caller, inv->args[2], inv->args[3], inv->args[4], src);
    if (err)
        return err;
    if (cte_empty(*src)) {
        user_error("source slot is empty");
        cspace_last_fault = (struct lookup_fault){ 0, 0 }; // resolved; the slot is empty
        return KOZO_ERR_INVALID_HANDLE;
    }
    return KOZO_ERR_OK;
}

static word_t
decode_copy(struct invocation *inv, cte_t *dest, bool mint)
{
    cte_t *src;
    cap_t c;
    word_t err;

    INV_NEED_ARGS(inv, mint ? KOZO_INV_CNODE_MINT_NARGS : KOZO_INV_CNODE_COPY_NARGS);
    if ((err = lookup_src(inv, &src)) || (err = cap_derive(src, &c)))
        return err;
    c = cap_with_rights(c, cap_rights(c) & inv->args[5]);
    if (mint && (err = apply_badge(&c, inv->args[6])))
        return err;
    // invoke: cannot fail from here
    cte_insert_derived(src, dest, c);
    return KOZO_ERR_OK;
}

word_t
decode_cnode_invocation(struct invocation *inv)
{
    cte_t *dest, *src;
    word_t err;

    switch (inv->label) {
    case KOZO_INV_CNODE_DELETE:
    case KOZO_INV_CNODE_REVOKE:
    case KOZO_INV_CNODE_DESCRIBE:
    case KOZO_INV_CNODE_COPY:
    case KOZO_INV_CNODE_MINT:
    case KOZO_INV_CNODE_MOVE:
        break;
    default:
        return KOZO_ERR_ILLEGAL_OPERATION; // before the arguments: a wrong method says so
    }
    INV_NEED_ARGS(inv, 2);
    err = cspace_lookup_slot(inv->cap, inv->args[0], (unsigned)MIN(inv->args[1], 65u), &dest, NULL);
    if (err)
        return err;

    switch (inv->label) {
    case KOZO_INV_CNODE_DELETE:
        cte_delete(dest);
        return KOZO_ERR_OK;
    case KOZO_INV_CNODE_REVOKE:
        return cte_revoke(dest) ? KOZO_ERR_OK : ERR_RESTART;
    case KOZO_INV_CNODE_DESCRIBE:
        inv->res[0] = cap_type(dest->cap);
        inv->res[1] = cap_rights(dest->cap);
        inv->res[2] = cap_describe_data(dest->cap);
        inv->nres = KOZO_INV_CNODE_DESCRIBE_NRES;
        return KOZO_ERR_OK;
    case KOZO_INV_CNODE_COPY:
    case KOZO_INV_CNODE_MINT:
    case KOZO_INV_CNODE_MOVE:
        if (!cte_empty(dest)) {
            user_error("destination slot is occupied");
            return KOZO_ERR_SLOT_OCCUPIED;
        }
        if (inv->label != KOZO_INV_CNODE_MOVE)
            return decode_copy(inv, dest, inv->label == KOZO_INV_CNODE_MINT);
        INV_NEED_ARGS(inv, KOZO_INV_CNODE_MOVE_NARGS);
        if ((err = lookup_src(inv, &src)))
            return err;
        mdb_move(src, dest);
        return KOZO_ERR_OK;
    }
    return KOZO_ERR_ILLEGAL_OPERATION; // not reached: the label was checked above
}
