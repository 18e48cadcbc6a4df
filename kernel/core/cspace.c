// SPDX-License-Identifier: MIT OR Apache-2.0
//
// CSpace lookup: guarded-page-table resolution of 64-bit handles (see kern/cspace.h).
// Iterative, so the depth of a CSpace never costs kernel stack.
#include <kern/cspace.h>
#include <kern/printk.h>

struct lookup_fault cspace_last_fault;

static word_t
resolve(cap_t root, word_t handle, unsigned depth, bool exact, cte_t **out, struct lookup_fault *fault)
{
    cap_t cap = root;
    unsigned bits_left = depth, level = 0;

    if (unlikely(depth < 1 || depth > KOZO_HANDLE_BITS))
        goto fail;
    for (;;) {
        if (unlikely(cap_type(cap) != KOZO_OBJ_CNODE))
            goto fail;
        unsigned radix = cnode_radix(cap), gbits = cnode_guard_bits(cap);
        if (unlikely(radix + gbits > bits_left))
            goto fail;
        if (gbits) {
            word_t guard = (handle >> (bits_left - gbits)) & MASK(gbits);
            if (unlikely(guard != cnode_guard(cap)))
                goto fail;
        }
        bits_left -= gbits + radix;
        cte_t *slot = (cte_t *)cap_ptr(cap) + ((handle >> bits_left) & MASK(radix));
        if (bits_left == 0 || (!exact && cap_type(slot->cap) != KOZO_OBJ_CNODE)) {
            if (unlikely(exact && bits_left))
                goto fail;
            *out = slot;
            return KOZO_ERR_OK;
        }
        cap = slot->cap;
        level++;
    }
fail:
    cspace_last_fault.level = level;
    cspace_last_fault.bits_left = bits_left;
    if (fault)
        *fault = cspace_last_fault;
    user_error("lookup of handle %#lx (depth %u) failed at level %u, %u bits left", (unsigned long)handle,
               depth, level, bits_left);
    return KOZO_ERR_INVALID_HANDLE;
}

word_t
cspace_lookup_slot(cap_t root, word_t handle, unsigned depth, cte_t **slot, struct lookup_fault *fault)
{
    return resolve(root, handle, depth, true, slot, fault);
}

word_t
cspace_lookup_cap(struct tcb *t, word_t handle, cte_t **slot)
{
    word_t err = resolve(t->slots[TCB_SLOT_CSPACE].cap, handle, KOZO_HANDLE_BITS, false, slot, NULL);
    if (err == KOZO_ERR_OK && cte_empty(*slot)) {
        cspace_last_fault.level = 0; // resolved completely; the slot itself is empty
        cspace_last_fault.bits_left = 0;
        user_error("handle %#lx names an empty slot", (unsigned long)handle);
        return KOZO_ERR_INVALID_HANDLE;
    }
    return err;
}

word_t
cspace_lookup_rel(struct tcb *t, word_t root_handle, word_t index, word_t depth, cte_t **slot)
{
    cte_t *root;
    word_t err = cspace_lookup_cap(t, root_handle, &root);
    if (err)
        return err;
    if (cap_type(root->cap) != KOZO_OBJ_CNODE)
        return user_reject(KOZO_ERR_WRONG_TYPE, "handle %#lx is not a CNode", (unsigned long)root_handle);
    return resolve(root->cap, index, (unsigned)MIN(depth, 65u), true, slot, NULL);
}
