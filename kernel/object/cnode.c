// SPDX-License-Identifier: MIT OR Apache-2.0
//
// CNodes: arrays of capability slots, and the invocations on slots (copy, mint, move,
// delete, revoke, describe). Deleting and revoking themselves, which may destroy whole
// trees of CNodes and threads, preemptibly, are delete.c's.
#include <kern/arch_api.h>
#include <kern/asid.h>
#include <kern/cspace.h>
#include <kern/invocation.h>
#include <kern/object.h>
#include <kern/printk.h>
#include <kern/sched.h>

// --- Invocations -------------------------------------------------------------------------

void
cte_insert_derived(cte_t *src, cte_t *dest, cap_t c)
{
    // A copied Untyped owns the memory from now on: the source must not retype over it
    // (it has a child, so its watermark is never reset), as in seL4.
    if (cap_type(c) == KOZO_OBJ_UNTYPED)
        src->cap = ut_set_free_index(src->cap, BIT(ut_bits(src->cap)));
    mdb_insert(src, dest, c, cap_derive_flags(c, src->cap));
}

// Find the source slot of a Copy/Mint/Move (src_root, src_index, src_depth are args 2..4).
// The CNode methods share their first words: every one names a slot (index, depth) first;
// Copy, Mint and Move then name their source (root, index, depth), Copy and Mint the rights.
// So the decoders read the slot through Delete's view, the source through Move's and the
// rights through Copy's, whatever the method.
#define SAME_WORD(m, f, n, g) \
    (offsetof(struct kozo_args_cnode_##m, f) == offsetof(struct kozo_args_cnode_##n, g))
_Static_assert(SAME_WORD(copy, dest_index, delete, index) && SAME_WORD(copy, dest_depth, delete, depth) &&
                   SAME_WORD(mint, dest_index, delete, index) && SAME_WORD(move, dest_index, delete, index) &&
                   SAME_WORD(revoke, index, delete, index) && SAME_WORD(describe, depth, delete, depth) &&
                   SAME_WORD(copy, src_root, move, src_root) && SAME_WORD(mint, src_depth, move, src_depth) &&
                   SAME_WORD(mint, rights, copy, rights),
               "the CNode methods' shared arguments");

static word_t
lookup_src(const struct invocation *inv, cte_t **src)
{
    const struct kozo_args_cnode_move *m = &inv->a.cnode_move;
    word_t err = cspace_lookup_rel(inv->caller, m->src_root, m->src_index, m->src_depth, src);
    if (err)
        return err;
    if (cte_empty(*src)) {
        user_error("source slot is empty");
        cspace_last_fault = (struct lookup_fault){ 0, 0 }; // resolved; the slot is empty
        return KOZO_ERR_INVALID_HANDLE;
    }
    return KOZO_ERR_OK;
}

// --- The changes of state: each cannot fail --------------------------------------------

static void
invoke_cnode_copy(cte_t *src, cte_t *dest, cap_t c)
{
    cte_insert_derived(src, dest, c);
}

static void
invoke_cnode_move(cte_t *src, cte_t *dest)
{
    mdb_move(src, dest);
}

// Delete and Revoke may stop for an interrupt (ERR_RESTART) and go on when called again.
static word_t
invoke_cnode_delete(cte_t *slot)
{
    return cte_delete_preemptible(slot) ? KOZO_ERR_OK : ERR_RESTART;
}

static word_t
invoke_cnode_revoke(cte_t *slot)
{
    return cte_revoke(slot) ? KOZO_ERR_OK : ERR_RESTART;
}

static void
invoke_cnode_describe(const cte_t *slot, struct inv_reply *reply)
{
    reply->res[0] = cap_type(slot->cap);
    reply->res[1] = cap_type(slot->cap) == KOZO_OBJ_DELETING ? 0 : cap_rights(slot->cap);
    reply->res[2] = cap_describe(slot->cap);
    reply->nres = KOZO_INV_CNODE_DESCRIBE_NRES;
}

// --- The checks -----------------------------------------------------------------------

static word_t
decode_cnode_copy(const struct invocation *inv, cte_t *dest, bool mint)
{
    cte_t *src;
    cap_t c;
    word_t err;

    INV_NEED_ARGS(inv, mint ? KOZO_INV_CNODE_MINT_NARGS : KOZO_INV_CNODE_COPY_NARGS);
    if ((err = lookup_src(inv, &src)) || (err = cap_derive(src, &c)))
        return err;
    c = cap_with_rights(c, cap_rights(c) & inv->a.cnode_copy.rights);
    if (mint && (err = cap_mint_badge(&c, inv->a.cnode_mint.badge)))
        return err;
    invoke_cnode_copy(src, dest, c);
    return KOZO_ERR_OK;
}

static word_t
decode_cnode_move(const struct invocation *inv, cte_t *dest)
{
    cte_t *src;
    word_t err;

    INV_NEED_ARGS(inv, KOZO_INV_CNODE_MOVE_NARGS);
    if ((err = lookup_src(inv, &src)))
        return err;
    // Where a Delete stopped, only Delete (or Revoke) goes on: the slot keeps it.
    if (cap_type(src->cap) == KOZO_OBJ_DELETING)
        return user_reject(KOZO_ERR_ILLEGAL_OPERATION,
                           "a CNode or thread being deleted cannot be moved (Delete it to finish)");
    invoke_cnode_move(src, dest);
    return KOZO_ERR_OK;
}

word_t
decode_cnode_invocation(const struct invocation *inv, struct inv_reply *reply)
{
    cte_t *slot;
    word_t err;

    switch (inv->label) {
    case KOZO_INV_CNODE_DELETE:
    case KOZO_INV_CNODE_REVOKE:
    case KOZO_INV_CNODE_DESCRIBE:
    case KOZO_INV_CNODE_COPY:
    case KOZO_INV_CNODE_MINT:
    case KOZO_INV_CNODE_MOVE: break;
    default: return INV_NO_METHOD(inv, "CNode"); // before the arguments: a wrong method says so
    }
    INV_NEED_ARGS(inv, 2);
    const struct kozo_args_cnode_delete *at = &inv->a.cnode_delete;
    if ((err = cspace_lookup_slot(inv->cap, at->index, (unsigned)MIN(at->depth, 65u), &slot, NULL)))
        return err;

    switch (inv->label) {
    case KOZO_INV_CNODE_DELETE: return invoke_cnode_delete(slot);
    case KOZO_INV_CNODE_REVOKE: return invoke_cnode_revoke(slot);
    case KOZO_INV_CNODE_DESCRIBE: invoke_cnode_describe(slot, reply); return KOZO_ERR_OK;
    default: break; // Copy, Mint, Move: into the slot, which must be empty
    }
    if (!cte_empty(slot))
        return user_reject(KOZO_ERR_SLOT_OCCUPIED, "destination slot is occupied");
    if (inv->label == KOZO_INV_CNODE_MOVE)
        return decode_cnode_move(inv, slot);
    return decode_cnode_copy(inv, slot, inv->label == KOZO_INV_CNODE_MINT);
}
