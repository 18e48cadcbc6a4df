// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Untyped memory and Retype: the only way kernel objects come to exist.
//
// An Untyped cap covers 2^n bytes and keeps a watermark (free index) of what has been
// handed out. Retype places objects at the watermark, each aligned to its own size, and
// makes each new cap a child of the Untyped in the derivation tree. When no children are
// left (after Revoke), the next Retype starts again from the bottom: the memory is whole.
// Device Untyped (MMIO) can only become frames or smaller device Untyped: the kernel never
// places its own objects in memory it does not own.
#include <kern/arch_api.h>
#include <kern/cspace.h>
#include <kern/invocation.h>
#include <kern/object.h>
#include <kern/printk.h>
#include <kern/tcb.h>
#include <string.h>

// Zeroing is the long part of a Retype (256 objects of up to 2 MiB): after each object, once
// this many bytes were zeroed since the last look, a pending interrupt stops the call.
#define RETYPE_CHUNK (64u << 10)

// A Retype, checked: what invoke_untyped_retype() makes, and where.
struct retype {
    cte_t *ut;
    word_t type, size_bits;
    unsigned bits; // of one object
    cte_t *dest;   // the first of `count` slots
    word_t count;
    word_t start; // where object number `done` goes, from the Untyped's base
    word_t *made; // how many a preempted call of this thread already made (done)
};

static word_t
decode_untyped_retype(const struct invocation *inv, struct retype *rt)
{
    const struct kozo_args_untyped_retype *r = &inv->a.untyped_retype;
    cap_t u = inv->cap;
    cte_t *node;
    word_t err;

    INV_NEED_ARGS(inv, KOZO_INV_UNTYPED_RETYPE_NARGS);
    if (r->node_depth == 0)
        err = cspace_lookup_cap(inv->caller, r->root, &node);
    else
        err = cspace_lookup_rel(inv->caller, r->root, r->node_index, r->node_depth, &node);
    if (err)
        return err;
    if (cap_type(node->cap) != KOZO_OBJ_CNODE)
        return user_reject(KOZO_ERR_WRONG_TYPE, "retype: the destination is not a CNode");
    word_t slots = BIT(cnode_radix(node->cap));
    if (r->node_offset >= slots || r->count > slots - r->node_offset)
        return user_reject(KOZO_ERR_RANGE, "retype: slots %lu..+%lu outside a CNode of %lu",
                           (unsigned long)r->node_offset, (unsigned long)r->count, (unsigned long)slots);

    unsigned bits = object_retype_bits(r->type, r->size_bits);
    word_t done = inv->caller->retype_made; // objects a preempted call of this thread already made
    if (r->type == KOZO_OBJ_NULL || r->type > KOZO_OBJ_RETYPE_MAX || bits == 0)
        return user_reject(KOZO_ERR_INVALID_ARGUMENT, "retype: bad type %lu or size %lu",
                           (unsigned long)r->type, (unsigned long)r->size_bits);
    if (ut_device(u) && !object_device_ok(r->type))
        return user_reject(KOZO_ERR_INVALID_ARGUMENT, "retype: device memory can only become frames");
    if (r->count < 1 || r->count > KOZO_RETYPE_MAX_COUNT || bits > ut_bits(u) || done >= r->count)
        return user_reject(KOZO_ERR_RANGE, "retype: count %lu or size 2^%u out of range",
                           (unsigned long)r->count, bits);
    cte_t *dest = (cte_t *)cap_ptr(node->cap) + r->node_offset;
    for (word_t i = done; i < r->count; i++)
        if (!cte_empty(&dest[i]))
            return user_reject(KOZO_ERR_SLOT_OCCUPIED, "retype: destination slot %lu is occupied",
                               (unsigned long)i);
    word_t free = mdb_has_children(inv->slot) ? ut_free_index(u) : 0;
    word_t start = ALIGN_UP(free, BIT(bits));
    if (start > BIT(ut_bits(u)) || (BIT(ut_bits(u)) - start) >> bits < r->count - done)
        return user_reject(KOZO_ERR_NOT_ENOUGH_MEMORY, "retype: %lu objects of 2^%u bytes do not fit",
                           (unsigned long)(r->count - done), bits);
    *rt = (struct retype){ inv->slot, r->type,  r->size_bits, bits,
                           dest,      r->count, start,        &inv->caller->retype_made };
    return KOZO_ERR_OK;
}

// One object at a time, each complete (zeroed, its cap in place, the watermark past it)
// before the next, so that the call can stop between two: the restarted call (syscall.c
// gives it retype_made back) goes on with the next slot. Cannot fail; ERR_RESTART says it
// stopped for an interrupt.
static word_t
invoke_untyped_retype(const struct retype *rt)
{
    cte_t *ut = rt->ut;
    bool device = ut_device(ut->cap);
    uintptr_t base = (uintptr_t)cap_ptr(ut->cap);
    word_t done = *rt->made, zeroed = 0;

    for (word_t i = done; i < rt->count; i++) {
        word_t off = rt->start + ((i - done) << rt->bits);
        mdb_insert(ut, &rt->dest[i],
                   object_create(rt->type, rt->size_bits, (void *)(base + off), rt->bits, device),
                   MDB_REVOCABLE);
        ut->cap = ut_set_free_index(ut->cap, off + BIT(rt->bits));
        if (rt->type != KOZO_OBJ_UNTYPED && !device)
            zeroed += BIT(rt->bits);
        if (i + 1 < rt->count && zeroed >= RETYPE_CHUNK) {
            zeroed = 0;
            if (arch_irq_pending()) {
                *rt->made = i + 1;
                return ERR_RESTART;
            }
        }
    }
    return KOZO_ERR_OK;
}

word_t
decode_untyped_invocation(const struct invocation *inv, struct inv_reply *reply)
{
    struct retype rt;
    word_t err;

    (void)reply; // Retype has no results
    if (inv->label != KOZO_INV_UNTYPED_RETYPE)
        return INV_NO_METHOD(inv, "Untyped");
    if ((err = decode_untyped_retype(inv, &rt)))
        return err;
    return invoke_untyped_retype(&rt);
}
