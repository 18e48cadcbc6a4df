// SPDX-License-Identifier: MIT OR Apache-2.0
//
// CNode operations: Copy (rights only shrink), Mint (badges, guards), Move, Delete,
// Revoke, Describe, and CSpace addressing through nested and guarded CNodes, including
// what an INVALID_HANDLE reply says about where a lookup stopped.
#include "ktest.h"

static uint64_t
nb_send0(kozo_handle_t h)
{
    struct kozo_msg m = { 0, 0, { 0 } };
    return kozo_nb_send(h, &m);
}

static struct kozo_res_cnode_describe
describe(kozo_handle_t cnode, uint64_t index, uint64_t depth)
{
    struct kozo_res_cnode_describe d = { ~0ULL, ~0ULL, ~0ULL };
    kozo_cnode_describe(cnode, index, depth, &d);
    return d;
}

KTEST(cnode_copy_same_object, "A copy names the same object with the same rights")
{
    kozo_handle_t e, c;
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &e));
    KT_OK(kt_copy(e, KOZO_RIGHTS_ALL, &c));
    KT_EQ(describe(SYS_SLOT_CNODE, c, KT_DEPTH).type, KOZO_OBJ_ENDPOINT);
    KT_EQ(describe(SYS_SLOT_CNODE, c, KT_DEPTH).rights, KOZO_RIGHTS_ALL);
    KT_ERR(nb_send0(c), KOZO_ERR_WOULD_BLOCK); // usable: nobody is waiting
}

KTEST(cnode_copy_rights_only_shrink, "Copy masks rights; copying back with all rights adds none")
{
    kozo_handle_t e, r, again;
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &e));
    KT_OK(kt_copy(e, KOZO_RIGHT_READ, &r));
    KT_EQ(describe(SYS_SLOT_CNODE, r, KT_DEPTH).rights, KOZO_RIGHT_READ);
    KT_OK(kt_copy(r, KOZO_RIGHTS_ALL, &again));
    KT_EQ(describe(SYS_SLOT_CNODE, again, KT_DEPTH).rights, KOZO_RIGHT_READ);
    KT_ERR(nb_send0(again), KOZO_ERR_INSUFFICIENT_RIGHTS);
}

KTEST(cnode_copy_into_occupied_slot, "Copy into an occupied slot is SLOT_OCCUPIED and changes nothing")
{
    kozo_handle_t e, n;
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &e));
    KT_OK(kt_alloc(KOZO_OBJ_NOTIFICATION, 0, &n));
    KT_ERR(kozo_cnode_copy(SYS_SLOT_CNODE, n, KT_DEPTH, SYS_SLOT_CNODE, e, KT_DEPTH, KOZO_RIGHTS_ALL),
           KOZO_ERR_SLOT_OCCUPIED);
    KT_EQ(kt_type(n), KOZO_OBJ_NOTIFICATION);
}

KTEST(cnode_copy_from_empty_slot, "Copy from an empty slot is INVALID_HANDLE")
{
    kozo_handle_t c;
    KT_ERR(kt_copy(kt_slot(), KOZO_RIGHTS_ALL, &c), KOZO_ERR_INVALID_HANDLE);
}

KTEST(cnode_copy_src_root_not_cnode, "A source root that is not a CNode is WRONG_TYPE")
{
    kozo_handle_t e;
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &e));
    KT_ERR(kozo_cnode_copy(SYS_SLOT_CNODE, kt_slot(), KT_DEPTH, e, 0, 1, KOZO_RIGHTS_ALL),
           KOZO_ERR_WRONG_TYPE);
}

KTEST(cnode_copy_bad_destination, "A destination that does not resolve is INVALID_HANDLE")
{
    kozo_handle_t e;
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &e));
    KT_ERR(kozo_cnode_copy(SYS_SLOT_CNODE, kt_slot(), KT_DEPTH - 1, SYS_SLOT_CNODE, e, KT_DEPTH,
                           KOZO_RIGHTS_ALL),
           KOZO_ERR_INVALID_HANDLE);
    KT_ERR(kozo_cnode_copy(SYS_SLOT_CNODE, 1ULL << SYS_CNODE_BITS, KT_DEPTH, SYS_SLOT_CNODE, e, KT_DEPTH,
                           KOZO_RIGHTS_ALL),
           KOZO_ERR_INVALID_HANDLE); // past the last slot: the guard does not match
    KT_ERR(kozo_cnode_copy(SYS_SLOT_CNODE, kt_slot(), 0, SYS_SLOT_CNODE, e, KT_DEPTH, KOZO_RIGHTS_ALL),
           KOZO_ERR_INVALID_HANDLE);
}

KTEST(cnode_copy_page_table_refused, "Page-table caps cannot be copied: ILLEGAL_OPERATION")
{
    kozo_handle_t pt, c;
    KT_OK(kt_alloc(KOZO_OBJ_PAGE_TABLE, 0, &pt));
    KT_ERR(kt_copy(pt, KOZO_RIGHTS_ALL, &c), KOZO_ERR_ILLEGAL_OPERATION);
    KT_OK(kt_alloc(KOZO_OBJ_PDPT, 0, &pt));
    KT_ERR(kt_copy(pt, KOZO_RIGHTS_ALL, &c), KOZO_ERR_ILLEGAL_OPERATION);
}

KTEST(cnode_copy_frame_starts_unmapped, "A copy of a mapped frame is unmapped; the original stays mapped")
{
    kozo_handle_t f, c;
    uint64_t va = kt_window_vaddr();
    KT_OK(kt_alloc(KOZO_OBJ_FRAME, 0, &f));
    KT_OK(kt_map(f, va, KT_RW, 0));
    KT_OK(kt_copy(f, KOZO_RIGHTS_ALL, &c));
    KT_EQ(describe(SYS_SLOT_CNODE, f, KT_DEPTH).data, va);
    KT_EQ(describe(SYS_SLOT_CNODE, c, KT_DEPTH).data, 0);
}

KTEST(cnode_mint_badge, "Mint badges an endpoint; Describe reports the badge")
{
    kozo_handle_t e, b;
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &e));
    KT_OK(kt_mint(e, KOZO_RIGHTS_ALL, 0x1234, &b));
    KT_EQ(describe(SYS_SLOT_CNODE, b, KT_DEPTH).data, 0x1234);
    KT_EQ(describe(SYS_SLOT_CNODE, e, KT_DEPTH).data, 0);
}

KTEST(cnode_mint_no_rebadge, "A badged cap cannot get another badge; badge 0 keeps the old one")
{
    kozo_handle_t e, b, c, d;
    KT_OK(kt_alloc(KOZO_OBJ_NOTIFICATION, 0, &e));
    KT_OK(kt_mint(e, KOZO_RIGHTS_ALL, 5, &b));
    KT_ERR(kt_mint(b, KOZO_RIGHTS_ALL, 6, &c), KOZO_ERR_INVALID_ARGUMENT);
    KT_EQ(kt_type(c), KOZO_OBJ_NULL);
    KT_OK(kt_mint(b, KOZO_RIGHT_WRITE, 0, &d));
    KT_EQ(describe(SYS_SLOT_CNODE, d, KT_DEPTH).data, 5);
    KT_EQ(describe(SYS_SLOT_CNODE, d, KT_DEPTH).rights, KOZO_RIGHT_WRITE);
}

KTEST(cnode_mint_badge_on_frame_refused, "A badge on a cap that takes none is INVALID_ARGUMENT")
{
    kozo_handle_t f, c;
    KT_OK(kt_alloc(KOZO_OBJ_FRAME, 0, &f));
    KT_ERR(kt_mint(f, KOZO_RIGHTS_ALL, 1, &c), KOZO_ERR_INVALID_ARGUMENT);
    KT_OK(kt_mint(f, KOZO_RIGHTS_ALL, 0, &c));
    KT_EQ(kt_type(c), KOZO_OBJ_FRAME);
}

// A (16 slots) holds B (16 slots) in A[5] and a notification in B[7].
static uint64_t
two_levels(const struct ktest_env *env, kozo_handle_t *a)
{
    uint64_t err;
    if ((err = kt_alloc(KOZO_OBJ_CNODE, 4, a)) ||
        (err = kozo_untyped_retype(env->untyped, KOZO_OBJ_CNODE, 4, SYS_SLOT_CNODE, *a, KT_DEPTH, 5, 1)))
        return err;
    return kozo_untyped_retype(env->untyped, KOZO_OBJ_NOTIFICATION, 0, *a, 5, 4, 7, 1);
}

KTEST(cnode_two_level_lookup, "(index, depth) resolves through a CNode inside a CNode")
{
    kozo_handle_t a;
    KT_OK(two_levels(env, &a));
    KT_EQ(describe(a, (5 << 4) | 7, 8).type, KOZO_OBJ_NOTIFICATION);
    KT_EQ(describe(a, 5, 4).type, KOZO_OBJ_CNODE);
    KT_EQ(describe(a, (5 << 4) | 6, 8).type, KOZO_OBJ_NULL);
    KT_ERR(kozo_cnode_describe(a, (5 << 4) | 7, 9, NULL), KOZO_ERR_INVALID_HANDLE); // bits left over
}

KTEST(cnode_mint_guard, "Mint sets a CNode guard; lookups must match it")
{
    kozo_handle_t a;
    KT_OK(two_levels(env, &a));
    KT_OK(kozo_cnode_mint(a, 6, 4, a, 5, 4, KOZO_RIGHTS_ALL, kozo_cnode_guard_make(4, 0xa)));
    KT_EQ(describe(a, (6 << 8) | (0xa << 4) | 7, 12).type, KOZO_OBJ_NOTIFICATION);
    KT_ERR(kozo_cnode_describe(a, (6 << 8) | (0xb << 4) | 7, 12, NULL), KOZO_ERR_INVALID_HANDLE);
    KT_ERR(kozo_cnode_describe(a, (6 << 4) | 7, 8, NULL), KOZO_ERR_INVALID_HANDLE);
}

KTEST(cnode_lookup_fault_words, "INVALID_HANDLE says at which level and with how many bits left it stopped")
{
    kozo_handle_t a;
    KT_OK(two_levels(env, &a));
    KT_OK(kozo_cnode_mint(a, 6, 4, a, 5, 4, KOZO_RIGHTS_ALL, kozo_cnode_guard_make(4, 0xa)));
    // A wrong guard one level down: level 1, the guard's and radix's 8 bits unresolved.
    struct kozo_msg m = { kozo_msginfo_make(2, 0, 0, KOZO_INV_CNODE_DESCRIBE),
                          0,
                          { (6 << 8) | (0xb << 4) | 7, 12, 0, 0 } };
    KT_ERR(kozo_call(a, &m), KOZO_ERR_INVALID_HANDLE);
    KT_EQ(m.mr[KOZO_LOOKUP_FAULT_LEVEL_WORD], 1);
    KT_EQ(m.mr[KOZO_LOOKUP_FAULT_BITS_WORD], 8);
    // A handle whose top bits miss ktest's own guard: level 0, all 64 bits left.
    struct kozo_msg n = { 0, 0, { 0 } };
    KT_ERR(kozo_nb_send(1ULL << 63, &n), KOZO_ERR_INVALID_HANDLE);
    KT_EQ(n.mr[KOZO_LOOKUP_FAULT_LEVEL_WORD], 0);
    KT_EQ(n.mr[KOZO_LOOKUP_FAULT_BITS_WORD], 64);
}

KTEST(cnode_mint_guard_too_long, "A guard that does not fit the handle or its own size is refused")
{
    kozo_handle_t c, g;
    KT_OK(kt_alloc(KOZO_OBJ_CNODE, 4, &c));
    KT_ERR(kt_mint(c, KOZO_RIGHTS_ALL, kozo_cnode_guard_make(61, 0), &g), KOZO_ERR_INVALID_ARGUMENT);
    KT_ERR(kt_mint(c, KOZO_RIGHTS_ALL, kozo_cnode_guard_make(4, 0x10), &g), KOZO_ERR_INVALID_ARGUMENT);
    KT_OK(kt_mint(c, KOZO_RIGHTS_ALL, kozo_cnode_guard_make(60, 0), &g));
}

KTEST(cnode_move, "Move takes the cap out of the source slot, badge and rights intact")
{
    kozo_handle_t e, b, d = kt_slot();
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &e));
    KT_OK(kt_mint(e, KOZO_RIGHT_WRITE, 9, &b));
    KT_OK(kozo_cnode_move(SYS_SLOT_CNODE, d, KT_DEPTH, SYS_SLOT_CNODE, b, KT_DEPTH));
    KT_EQ(kt_type(b), KOZO_OBJ_NULL);
    KT_EQ(describe(SYS_SLOT_CNODE, d, KT_DEPTH).data, 9);
    KT_EQ(describe(SYS_SLOT_CNODE, d, KT_DEPTH).rights, KOZO_RIGHT_WRITE);
}

KTEST(cnode_move_to_occupied, "Move onto an occupied slot is SLOT_OCCUPIED; both stay")
{
    kozo_handle_t e, n;
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &e));
    KT_OK(kt_alloc(KOZO_OBJ_NOTIFICATION, 0, &n));
    KT_ERR(kozo_cnode_move(SYS_SLOT_CNODE, n, KT_DEPTH, SYS_SLOT_CNODE, e, KT_DEPTH), KOZO_ERR_SLOT_OCCUPIED);
    KT_EQ(kt_type(e), KOZO_OBJ_ENDPOINT);
    KT_EQ(kt_type(n), KOZO_OBJ_NOTIFICATION);
}

KTEST(cnode_move_from_empty, "Move from an empty slot is INVALID_HANDLE")
{
    KT_ERR(kozo_cnode_move(SYS_SLOT_CNODE, kt_slot(), KT_DEPTH, SYS_SLOT_CNODE, kt_slot(), KT_DEPTH),
           KOZO_ERR_INVALID_HANDLE);
}

KTEST(cnode_move_keeps_derivation, "A moved cap keeps its children: revoking it at its new place works")
{
    kozo_handle_t e, child, d = kt_slot();
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &e));
    KT_OK(kt_mint(e, KOZO_RIGHTS_ALL, 3, &child));
    KT_OK(kozo_cnode_move(SYS_SLOT_CNODE, d, KT_DEPTH, SYS_SLOT_CNODE, e, KT_DEPTH));
    KT_OK(kozo_cnode_revoke(SYS_SLOT_CNODE, d, KT_DEPTH));
    KT_EQ(kt_type(child), KOZO_OBJ_NULL);
    KT_EQ(kt_type(d), KOZO_OBJ_ENDPOINT);
}

KTEST(cnode_delete_empty_slot, "Deleting an empty slot is fine")
{
    KT_OK(kozo_cnode_delete(SYS_SLOT_CNODE, kt_slot(), KT_DEPTH));
}

KTEST(cnode_delete_copy_keeps_object, "Deleting one of two caps leaves the object alive")
{
    kozo_handle_t e, c;
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &e));
    KT_OK(kt_copy(e, KOZO_RIGHTS_ALL, &c));
    KT_OK(kozo_cnode_delete(SYS_SLOT_CNODE, e, KT_DEPTH));
    KT_EQ(kt_type(e), KOZO_OBJ_NULL);
    KT_ERR(nb_send0(c), KOZO_ERR_WOULD_BLOCK);
}

KTEST(cnode_revoke_deletes_children, "Revoke deletes copies and mints of a cap, not the cap itself")
{
    kozo_handle_t e, c1, c2, m;
    KT_OK(kt_alloc(KOZO_OBJ_NOTIFICATION, 0, &e));
    KT_OK(kt_copy(e, KOZO_RIGHTS_ALL, &c1));
    KT_OK(kt_copy(c1, KOZO_RIGHT_READ, &c2));
    KT_OK(kt_mint(e, KOZO_RIGHTS_ALL, 8, &m));
    KT_OK(kozo_cnode_revoke(SYS_SLOT_CNODE, e, KT_DEPTH));
    KT_EQ(kt_type(c1), KOZO_OBJ_NULL);
    KT_EQ(kt_type(c2), KOZO_OBJ_NULL);
    KT_EQ(kt_type(m), KOZO_OBJ_NULL);
    KT_EQ(kt_type(e), KOZO_OBJ_NOTIFICATION);
}

KTEST(cnode_revoke_badged_copies_only,
      "Revoking a badged cap deletes its copies, not another mint with its badge")
{
    kozo_handle_t e, a, a1, b;
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &e));
    KT_OK(kt_mint(e, KOZO_RIGHTS_ALL, 5, &a));
    KT_OK(kt_copy(a, KOZO_RIGHTS_ALL, &a1));
    KT_OK(kt_mint(e, KOZO_RIGHTS_ALL, 5, &b)); // same badge, minted separately
    KT_OK(kozo_cnode_revoke(SYS_SLOT_CNODE, a, KT_DEPTH));
    KT_EQ(kt_type(a1), KOZO_OBJ_NULL);
    KT_EQ(kt_type(a), KOZO_OBJ_ENDPOINT);
    KT_EQ(kt_type(b), KOZO_OBJ_ENDPOINT);
    KT_OK(kozo_cnode_revoke(SYS_SLOT_CNODE, b, KT_DEPTH));
    KT_EQ(kt_type(a), KOZO_OBJ_ENDPOINT);
}

KTEST(cnode_revoke_copy_is_noop, "An unbadged copy has no children: revoking it deletes nothing")
{
    kozo_handle_t e, c1, c2;
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &e));
    KT_OK(kt_copy(e, KOZO_RIGHTS_ALL, &c1));
    KT_OK(kt_copy(e, KOZO_RIGHTS_ALL, &c2));
    KT_OK(kozo_cnode_revoke(SYS_SLOT_CNODE, c1, KT_DEPTH));
    KT_EQ(kt_type(c2), KOZO_OBJ_ENDPOINT);
    KT_EQ(kt_type(e), KOZO_OBJ_ENDPOINT);
}

KTEST(cnode_describe_empty, "Describe of an empty slot is type NULL, no rights")
{
    struct kozo_res_cnode_describe d = describe(SYS_SLOT_CNODE, kt_slot(), KT_DEPTH);
    KT_EQ(d.type, KOZO_OBJ_NULL);
    KT_EQ(d.rights, 0);
    KT_EQ(d.data, 0);
}

KTEST(cnode_describe_bad_index, "Describe of a slot that does not resolve is INVALID_HANDLE")
{
    KT_ERR(kozo_cnode_describe(SYS_SLOT_CNODE, 1ULL << 40, KT_DEPTH, NULL), KOZO_ERR_INVALID_HANDLE);
    KT_ERR(kozo_cnode_describe(SYS_SLOT_CNODE, 3, 65, NULL), KOZO_ERR_INVALID_HANDLE);
    KT_ERR(kozo_cnode_describe(SYS_SLOT_CNODE, 3, ~0ULL, NULL), KOZO_ERR_INVALID_HANDLE);
}

KTEST(cnode_describe_runner_slots, "ktest's own CNode, VSpace and TCB are where system/ktest.sys says")
{
    KT_EQ(describe(SYS_SLOT_CNODE, SYS_SLOT_CNODE, KT_DEPTH).type, KOZO_OBJ_CNODE);
    KT_EQ(describe(SYS_SLOT_CNODE, SYS_SLOT_CNODE, KT_DEPTH).data, SYS_CNODE_BITS);
    KT_EQ(kt_type(SYS_SLOT_VSPACE), KOZO_OBJ_VSPACE);
    KT_EQ(kt_type(SYS_SLOT_TCB), KOZO_OBJ_TCB);
    KT_EQ(kt_type(SYS_SLOT_EP), KOZO_OBJ_ENDPOINT);
    KT_EQ(kt_type(SYS_SLOT_IRQ_CONTROL), KOZO_OBJ_IRQ_CONTROL);
    KT_EQ(kt_type(SYS_SLOT_IOPORT_CONTROL), KOZO_OBJ_IOPORT_CONTROL);
    KT_EQ(kt_type(SYS_SLOT_UNTYPED), KOZO_OBJ_UNTYPED);
}

KTEST(cnode_unknown_label, "An unknown label on a CNode is ILLEGAL_OPERATION")
{
    kozo_handle_t s = kt_slot();
    const uint64_t args[2] = { s, KT_DEPTH };
    KT_ERR(kozo_invoke(SYS_SLOT_CNODE, 19, 2, args, 0, NULL), KOZO_ERR_ILLEGAL_OPERATION);
    KT_ERR(kozo_invoke(SYS_SLOT_CNODE, 1, 2, args, 0, NULL), KOZO_ERR_ILLEGAL_OPERATION);
}

KTEST(cnode_unknown_label_checked_first, "An unknown label is ILLEGAL_OPERATION whatever the arguments")
{
    KT_ERR(kt_label(SYS_SLOT_CNODE, 19), KOZO_ERR_ILLEGAL_OPERATION);
}

// A chain of n two-slot CNodes, each in slot 0 of the one before; all from Untyped u.
static uint64_t
chain(kozo_handle_t u, unsigned n, kozo_handle_t *head)
{
    kozo_handle_t first = kt_slots(n);
    uint64_t err;
    for (unsigned i = 0; i < n; i += KOZO_RETYPE_MAX_COUNT) {
        unsigned k = n - i < KOZO_RETYPE_MAX_COUNT ? n - i : KOZO_RETYPE_MAX_COUNT;
        if ((err = kozo_untyped_retype(u, KOZO_OBJ_CNODE, 1, SYS_SLOT_CNODE, 0, 0, first + i, k)))
            return err;
    }
    for (unsigned i = n - 1; i > 0; i--)
        if ((err = kozo_cnode_move(first + i - 1, 0, 1, SYS_SLOT_CNODE, first + i, KT_DEPTH)))
            return err;
    *head = first;
    return KOZO_ERR_OK;
}

KTEST(cnode_delete_deep_chain, "Deleting a chain of 1000 nested CNodes destroys all (no kernel recursion)")
{
    kozo_handle_t u, head;
    KT_OK(kt_alloc(KOZO_OBJ_UNTYPED, 17, &u));
    KT_OK(chain(u, 1000, &head));
    KT_EQ(describe(head, 0, 1).type, KOZO_OBJ_CNODE);
    KT_OK(kozo_cnode_delete(SYS_SLOT_CNODE, head, KT_DEPTH));
    // Without a Revoke, u is only whole if every CNode of the chain was destroyed.
    KT_OK(kozo_untyped_retype(u, KOZO_OBJ_UNTYPED, 17, SYS_SLOT_CNODE, 0, 0, kt_slot(), 1));
}

KTEST(cnode_holding_its_own_cap, "A CNode holding its own cap outlives the outside cap; Revoke reclaims it")
{
    kozo_handle_t u, c;
    KT_OK(kt_alloc(KOZO_OBJ_UNTYPED, 12, &u));
    KT_OK(kt_alloc_from(u, KOZO_OBJ_CNODE, 2, &c));
    KT_OK(kozo_cnode_copy(c, 0, 2, SYS_SLOT_CNODE, c, KT_DEPTH, KOZO_RIGHTS_ALL));
    KT_OK(kozo_cnode_delete(SYS_SLOT_CNODE, c, KT_DEPTH));
    KT_ERR(kozo_untyped_retype(u, KOZO_OBJ_UNTYPED, 12, SYS_SLOT_CNODE, 0, 0, kt_slot(), 1),
           KOZO_ERR_NOT_ENOUGH_MEMORY); // still alive, unreachable
    KT_OK(kozo_cnode_revoke(SYS_SLOT_CNODE, u, KT_DEPTH));
    KT_OK(kozo_untyped_retype(u, KOZO_OBJ_UNTYPED, 12, SYS_SLOT_CNODE, 0, 0, kt_slot(), 1));
}

// Signal handle 1 of our CSpace until that fails; res[0] the error, res[1] the rounds.
static void
signal_until_gone(struct kt_thread *t)
{
    while ((t->res[0] = kozo_signal(1)) == KOZO_ERR_OK && t->res[1] < 1000000) {
        t->res[1]++;
        kozo_yield();
    }
}

KTEST(cnode_revoked_under_thread, "Revoking the CNode a thread uses as CSpace makes its lookups fail cleanly")
{
    kozo_handle_t c, g, n;
    struct kt_thread *t;
    KT_OK(kt_alloc(KOZO_OBJ_CNODE, 4, &c));
    KT_OK(kt_alloc(KOZO_OBJ_NOTIFICATION, 0, &n));
    KT_OK(kozo_cnode_copy(c, 1, 4, SYS_SLOT_CNODE, n, KT_DEPTH, KOZO_RIGHTS_ALL));
    KT_OK(kt_mint(c, KOZO_RIGHTS_ALL, kozo_cnode_guard_make(KOZO_HANDLE_BITS - 4, 0), &g));
    KT_OK(kt_thread_new(signal_until_gone, env->priority, 0, &t));
    KT_OK(kozo_tcb_configure(t->tcb, g, SYS_SLOT_VSPACE, t->ipc_frame, (uint64_t)t->ipc, 0));
    KT_OK(kt_thread_start(t));
    kt_settle();
    KT_OK(t->res[0]);
    KT_NE(t->res[1], 0);
    KT_OK(kozo_cnode_revoke(SYS_SLOT_CNODE, c, KT_DEPTH));
    kt_settle();
    KT_ERR(t->res[0], KOZO_ERR_INVALID_HANDLE);
    KT_OK(kozo_tcb_suspend(t->tcb)); // it cannot suspend itself without a CSpace
}
