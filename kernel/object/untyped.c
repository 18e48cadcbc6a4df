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
#include <kern/untyped.h>
#include <string.h>

// Zeroing is the long part of a Retype (256 objects of up to 2 MiB): after each object, once
// this many bytes were zeroed since the last look, a pending interrupt stops the call.
#define RETYPE_CHUNK (64u << 10)

word_t
untyped_retype(cte_t *ut, word_t type, word_t size_bits, cte_t *dest_slots, word_t count, word_t *made)
{
    cap_t u = ut->cap;
    unsigned bits = object_retype_bits(type, size_bits);
    uintptr_t base = (uintptr_t)cap_ptr(u);
    word_t free = mdb_has_children(ut) ? ut_free_index(u) : 0;
    word_t done = made ? *made : 0; // objects a preempted call of this thread already made

    if (type == KOZO_OBJ_NULL || type > KOZO_OBJ_RETYPE_MAX || bits == 0) {
        user_error("retype: bad type %lu or size %lu", (unsigned long)type, (unsigned long)size_bits);
        return KOZO_ERR_INVALID_ARGUMENT;
    }
    if (ut_device(u) && !object_device_ok(type)) {
        user_error("retype: device memory can only become frames");
        return KOZO_ERR_INVALID_ARGUMENT;
    }
    if (count < 1 || count > KOZO_RETYPE_MAX_COUNT || bits > ut_bits(u) || done >= count) {
        user_error("retype: count %lu or size 2^%u out of range", (unsigned long)count, bits);
        return KOZO_ERR_RANGE;
    }
    for (word_t i = done; i < count; i++)
        if (!cte_empty(&dest_slots[i])) {
            user_error("retype: destination slot %lu is occupied", (unsigned long)i);
            return KOZO_ERR_SLOT_OCCUPIED;
        }
    word_t start = ALIGN_UP(free, BIT(bits));
    if (start > BIT(ut_bits(u)) || (BIT(ut_bits(u)) - start) >> bits < count - done) {
        user_error("retype: %lu objects of 2^%u bytes do not fit", (unsigned long)(count - done), bits);
        return KOZO_ERR_NOT_ENOUGH_MEMORY;
    }

    // invoke: cannot fail from here. One object at a time, each complete (zeroed, its cap
    // in place, the watermark past it) before the next, so that the call can stop between
    // two: the restarted call (syscall.c gives it *made back) goes on with the next slot.
    word_t zeroed = 0;
    for (word_t i = done; i < count; i++) {
        word_t off = start + ((i - done) << bits);
        mdb_insert(ut, &dest_slots[i],
                   object_create(type, size_bits, (void *)(base + off), bits, ut_device(u)), MDB_REVOCABLE);
        ut->cap = ut_set_free_index(ut->cap, off + BIT(bits));
        if (type != KOZO_OBJ_UNTYPED && !ut_device(u))
            zeroed += BIT(bits);
        if (made && i + 1 < count && zeroed >= RETYPE_CHUNK) {
            zeroed = 0;
            if (arch_irq_pending()) {
                *made = i + 1;
                return ERR_RESTART;
            }
        }
    }
    return KOZO_ERR_OK;
}

word_t
decode_untyped_invocation(struct invocation *inv)
{
    const struct kozo_args_untyped_retype *r = &inv->a.untyped_retype;
    cte_t *node;
    word_t err;

    if (inv->label != KOZO_INV_UNTYPED_RETYPE)
        return INV_NO_METHOD(inv, "Untyped");
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
    return untyped_retype(inv->slot, r->type, r->size_bits, (cte_t *)cap_ptr(node->cap) + r->node_offset,
                          r->count, &inv->caller->retype_made);
}
