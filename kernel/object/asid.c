// SPDX-License-Identifier: MIT OR Apache-2.0
//
// ASID control and ASID pools: who may give an address space its identifier.
//
// The machine has a fixed number of address-space identifiers (ARCH_ASID_COUNT: on x86_64
// the 4096 PCIDs; ASID 0 is the kernel's). They are a table of fixed size, not memory, so
// Untyped cannot pay for them: without an authority over them, one holder of enough Untyped
// could retype a VSpace per ASID and leave every other holder without (issue 10, defect 5).
// As in seL4, the authority is a capability:
//
//   ASID_CONTROL   one per machine (init's slot ASID_CONTROL). MakePool issues the next of
//                  the ARCH_ASID_POOLS fixed ranges as an ASID_POOL cap, a child of the
//                  control cap, so revoking the control cap takes every pool back.
//   ASID_POOL      one range (ARCH_ASID_POOL_SIZE ASIDs). Assign gives a new VSpace the
//                  next free ASID of the range. A holder can use up its own pool and no one
//                  else's; the pool is what a service manager hands a subsystem.
//
// Retype makes a VSpace without an ASID. Until it is assigned one, nothing can use it: it
// cannot be mapped into, copied (so it has exactly one cap when Assign sets the ASID in it),
// or given to a thread. A VSpace is assigned once; it keeps its ASID until it dies (the ASID
// then goes back to its pool) or until the pool's last cap is deleted: then every ASID of
// the range is taken from its VSpace (arch_asid_unbind), those VSpaces can never be loaded
// again, and the range can be issued anew. Each issued range is one bit here; which VSpace
// holds each ASID is the arch's table (vspace.c), which is also what a thread's switch
// checks, so a VSpace that lost its ASID is never loaded under one given to another.
#include <kern/arch_api.h>
#include <kern/asid.h>
#include <kern/cspace.h>
#include <kern/invocation.h>
#include <kern/printk.h>

#define ASID_POOLS (ARCH_ASID_COUNT / ARCH_ASID_POOL_SIZE)
_Static_assert(ASID_POOLS *ARCH_ASID_POOL_SIZE == ARCH_ASID_COUNT, "ASIDs come in whole pools");

static bool pool_issued[ASID_POOLS];
// Where each pool's next-fit search starts, so a freed ASID is reused as late as possible.
static unsigned pool_next[ASID_POOLS];

static unsigned
pool_first(unsigned pool)
{
    return pool * ARCH_ASID_POOL_SIZE;
}

// Issue pool `pool` as a cap in the empty slot `dest`, a child of the control cap `control`
// (NULL at boot, when init's pool is issued before its control cap has a slot).
static void
pool_issue(unsigned pool, cte_t *control, cte_t *dest)
{
    pool_issued[pool] = true;
    pool_next[pool] = 0;
    mdb_insert(control, dest, cap_make(KOZO_OBJ_ASID_POOL, KOZO_RIGHTS_ALL, NULL, pool), MDB_REVOCABLE);
}

// The next free ASID of `pool` (next fit), or 0 if it has none.
static unsigned
pool_free_asid(unsigned pool)
{
    for (unsigned n = 0; n < ARCH_ASID_POOL_SIZE; n++) {
        unsigned asid = pool_first(pool) + (pool_next[pool] + n) % ARCH_ASID_POOL_SIZE;
        if (asid != 0 && !arch_asid_bound(asid)) // ASID 0 is the kernel's
            return asid;
    }
    return 0;
}

// Give the VSpace in `slot` (its only cap: unassigned VSpaces cannot be copied) the free
// ASID `asid` of `pool`.
static void
pool_assign(unsigned pool, unsigned asid, cte_t *slot)
{
    pool_next[pool] = (asid - pool_first(pool) + 1) % ARCH_ASID_POOL_SIZE;
    arch_asid_bind(asid, cap_ptr(slot->cap));
    slot->cap = vspace_set_asid(slot->cap, asid);
}

void
asid_boot(cte_t *control, cte_t *pool_slot, cte_t *vspace_slot)
{
    mdb_insert(NULL, control, cap_make(KOZO_OBJ_ASID_CONTROL, KOZO_RIGHTS_ALL, NULL, 0), MDB_REVOCABLE);
    pool_issue(0, control, pool_slot);
    pool_assign(0, pool_free_asid(0), vspace_slot);
}

void
asid_pool_finalise(cap_t pool)
{
    unsigned p = asid_pool_index(pool);
    for (unsigned a = pool_first(p); a < pool_first(p) + ARCH_ASID_POOL_SIZE; a++)
        if (a != 0 && arch_asid_bound(a))
            arch_asid_unbind(a);
    pool_issued[p] = false;
}

word_t
asid_pool_describe(cap_t pool)
{
    return pool_first(asid_pool_index(pool)) | (word_t)ARCH_ASID_POOL_SIZE << 32;
}

// --- Invocations -------------------------------------------------------------------------

static void
invoke_asid_control_make_pool(cte_t *control, unsigned pool, cte_t *dest, struct inv_reply *reply)
{
    pool_issue(pool, control, dest);
    reply->res[0] = pool_first(pool);
    reply->res[1] = ARCH_ASID_POOL_SIZE;
    reply->nres = KOZO_INV_ASID_CONTROL_MAKE_POOL_NRES;
}

static void
invoke_asid_pool_assign(unsigned pool, unsigned asid, cte_t *vspace, struct inv_reply *reply)
{
    pool_assign(pool, asid, vspace);
    reply->res[0] = asid;
    reply->nres = KOZO_INV_ASID_POOL_ASSIGN_NRES;
}

static word_t
decode_asid_control_make_pool(const struct invocation *inv, struct inv_reply *reply)
{
    const struct kozo_args_asid_control_make_pool *m = &inv->a.asid_control_make_pool;
    cte_t *dest;
    word_t err;
    unsigned pool = 0;

    INV_NEED_ARGS(inv, KOZO_INV_ASID_CONTROL_MAKE_POOL_NARGS);
    if ((err = cspace_lookup_rel(inv->caller, m->root, m->index, m->depth, &dest)))
        return err;
    if (!cte_empty(dest))
        return user_reject(KOZO_ERR_SLOT_OCCUPIED, "asid: destination slot is occupied");
    while (pool < ASID_POOLS && pool_issued[pool])
        pool++;
    if (pool == ASID_POOLS)
        return user_reject(KOZO_ERR_EXHAUSTED, "asid: all %u pools are issued", ASID_POOLS);
    invoke_asid_control_make_pool(inv->slot, pool, dest, reply);
    return KOZO_ERR_OK;
}

static word_t
decode_asid_pool_assign(const struct invocation *inv, struct inv_reply *reply)
{
    unsigned pool = asid_pool_index(inv->cap), asid;
    cte_t *vs;
    word_t err;

    INV_NEED_ARGS(inv, KOZO_INV_ASID_POOL_ASSIGN_NARGS);
    if ((err = cspace_lookup_cap(inv->caller, inv->a.asid_pool_assign.vspace, &vs)))
        return err;
    if (cap_type(vs->cap) != KOZO_OBJ_VSPACE)
        return user_reject(KOZO_ERR_WRONG_TYPE, "asid: not a VSpace");
    if (vspace_asid(vs->cap) != 0) // once: even an ASID lost with its pool is not replaced
        return user_reject(KOZO_ERR_ALREADY_MAPPED, "asid: the VSpace was already assigned one");
    if (!(asid = pool_free_asid(pool)))
        return user_reject(KOZO_ERR_EXHAUSTED, "asid: pool %u has no free ASID", pool);
    invoke_asid_pool_assign(pool, asid, vs, reply);
    return KOZO_ERR_OK;
}

word_t
decode_asid_invocation(const struct invocation *inv, struct inv_reply *reply)
{
    if (cap_type(inv->cap) == KOZO_OBJ_ASID_CONTROL)
        return inv->label == KOZO_INV_ASID_CONTROL_MAKE_POOL ? decode_asid_control_make_pool(inv, reply)
                                                             : INV_NO_METHOD(inv, "ASID control");
    return inv->label == KOZO_INV_ASID_POOL_ASSIGN ? decode_asid_pool_assign(inv, reply)
                                                   : INV_NO_METHOD(inv, "ASID pool");
}
