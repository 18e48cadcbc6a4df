// SPDX-License-Identifier: MIT OR Apache-2.0
//
// What the kernel knows about each object type, in one place (seL4's objecttype.c): which
// decoder an invocation goes to, how big an object is and when two caps name the same
// one, what a copy, a mint and Describe make of a cap, how Retype creates an object and
// how deleting a cap and then the object's last one tears it down. Every switch on a cap
// type is here; each default: asks the architecture about its own types (arch_*()).
#include <kern/arch_api.h>
#include <kern/asid.h>
#include <kern/endpoint.h>
#include <kern/invocation.h>
#include <kern/irq.h>
#include <kern/notification.h>
#include <kern/object.h>
#include <kern/printk.h>
#include <kern/tcb.h>
#include <string.h>

// --- Invocations -------------------------------------------------------------------------

word_t
decode_invocation(const struct invocation *inv, struct inv_reply *reply)
{
    switch (cap_type(inv->cap)) {
    case KOZO_OBJ_UNTYPED: return decode_untyped_invocation(inv, reply);
    case KOZO_OBJ_CNODE: return decode_cnode_invocation(inv, reply);
    case KOZO_OBJ_TCB: return decode_tcb_invocation(inv, reply);
    case KOZO_OBJ_IRQ_CONTROL:
    case KOZO_OBJ_IRQ_HANDLER: return decode_irq_invocation(inv, reply);
    case KOZO_OBJ_ASID_CONTROL:
    case KOZO_OBJ_ASID_POOL: return decode_asid_invocation(inv, reply);
    case KOZO_OBJ_ENDPOINT:
    case KOZO_OBJ_NOTIFICATION:
    case KOZO_OBJ_DEBUG_CONSOLE: return INV_NO_METHOD(inv, "this object"); // used by system calls, no methods
    default: return arch_decode_invocation(inv, reply);
    }
}

// --- Size and identity -------------------------------------------------------------------

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

// May the revocable `parent` be the derivation-tree parent of `child` (whose region it
// covers)? An unbadged endpoint or notification original is parent of everything; a
// badged cap only of copies of itself, not of another cap minted with the same badge later.
bool
cap_badge_parent(cap_t parent, cap_t child, bool child_first_badged)
{
    switch (cap_type(parent)) {
    case KOZO_OBJ_ENDPOINT:
    case KOZO_OBJ_NOTIFICATION:
        return cap_badge(parent) == 0 || (cap_badge(parent) == cap_badge(child) && !child_first_badged);
    default: return true;
    }
}

// --- Copies, mints and Describe ----------------------------------------------------------

// The one type-specific word CNode.Describe reports: nothing the holder could not learn by
// using the cap (no kernel addresses).
word_t
cap_describe(cap_t c)
{
    switch (cap_type(c)) {
    case KOZO_OBJ_ENDPOINT:
    case KOZO_OBJ_NOTIFICATION: return cap_badge(c);
    case KOZO_OBJ_UNTYPED: return ut_bits(c);
    case KOZO_OBJ_CNODE: return cnode_radix(c);
    case KOZO_OBJ_IRQ_HANDLER: return irq_line(c);
    case KOZO_OBJ_ASID_POOL: return asid_pool_describe(c);
    case KOZO_OBJ_VSPACE: return vspace_asid(c);
    case KOZO_OBJ_FRAME:
    case KOZO_OBJ_LARGE_FRAME: return map_is_mapped(c) ? map_vaddr(c) : 0;
    default: return arch_cap_describe(c);
    }
}

// What a new cap derived from `src` looks like, or an error if it may not be copied.
word_t
cap_derive(const cte_t *src, cap_t *out)
{
    cap_t c = src->cap;
    switch (cap_type(c)) {
    case KOZO_OBJ_DELETING:
        user_error("a CNode or thread being deleted cannot be copied (Delete it to finish)");
        return KOZO_ERR_ILLEGAL_OPERATION;
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
    case KOZO_OBJ_VSPACE:
        // Assign sets the ASID in the VSpace's one cap: there must be only one until then.
        if (!vspace_asid(c)) {
            user_error("a VSpace cannot be copied before it has an ASID (ASID_POOL.Assign)");
            return KOZO_ERR_ILLEGAL_OPERATION;
        }
        break;
    default: {
        word_t err = arch_cap_derive(&c); // the arch's types (page-table levels: never)
        if (err)
            return err;
        break;
    }
    }
    *out = c;
    return KOZO_ERR_OK;
}

word_t
cap_derive_flags(cap_t derived, cap_t src)
{
    switch (cap_type(derived)) {
    case KOZO_OBJ_ENDPOINT:
    case KOZO_OBJ_NOTIFICATION:
        return cap_badge(derived) != cap_badge(src) ? (MDB_REVOCABLE | MDB_FIRST_BADGED) : 0;
    case KOZO_OBJ_UNTYPED: return MDB_REVOCABLE;
    default: return 0;
    }
}

// Apply a Mint badge: endpoint/notification badge, or a CNode's guard.
word_t
cap_mint_badge(cap_t *c, word_t badge)
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
            return user_reject(KOZO_ERR_INVALID_ARGUMENT, "mint: guard of %lu bits does not fit",
                               (unsigned long)gbits);
        *c = cap_cnode(cap_ptr(*c), cnode_radix(*c), (unsigned)gbits, guard);
        return KOZO_ERR_OK;
    }
    default:
        return badge ? user_reject(KOZO_ERR_INVALID_ARGUMENT, "mint: this type takes no badge") : KOZO_ERR_OK;
    }
}

// --- Birth: Retype -----------------------------------------------------------------------

// Size in bits of one object of `type` (the ABI's table, kozo_object_bits); 0 if the type
// cannot be retyped or the size is out of range.
unsigned
object_retype_bits(word_t type, word_t size_bits)
{
    switch (type) {
    case KOZO_OBJ_UNTYPED:
        if (size_bits < KOZO_UNTYPED_MIN_BITS || size_bits > KOZO_UNTYPED_MAX_BITS)
            return 0;
        break;
    case KOZO_OBJ_CNODE:
        if (size_bits < KOZO_CNODE_MIN_BITS || size_bits > KOZO_CNODE_MAX_BITS)
            return 0;
        break;
    default:
        if (type > KOZO_OBJ_RETYPE_MAX)
            return 0;
        break;
    }
    return kozo_object_bits(type, size_bits);
}

bool
object_device_ok(word_t type)
{
    return type == KOZO_OBJ_FRAME || type == KOZO_OBJ_LARGE_FRAME || type == KOZO_OBJ_UNTYPED;
}

// Initialise one new object and return its cap. Cannot fail (decode checked everything).
cap_t
object_create(word_t type, word_t size_bits, void *obj, unsigned bits, bool device)
{
    if (type != KOZO_OBJ_UNTYPED && !device)
        memset(obj, 0, BIT(bits));
    switch (type) {
    case KOZO_OBJ_UNTYPED: return cap_untyped(obj, (unsigned)size_bits, device);
    case KOZO_OBJ_CNODE: return cap_cnode(obj, (unsigned)size_bits, 0, 0);
    case KOZO_OBJ_TCB: tcb_init(obj); return cap_make(type, KOZO_RIGHTS_ALL, obj, 0);
    case KOZO_OBJ_FRAME:
    case KOZO_OBJ_LARGE_FRAME: return cap_make(type, KOZO_RIGHTS_ALL, obj, device ? MAP_DEVICE : 0);
    case KOZO_OBJ_VSPACE:
        arch_vspace_init(obj);
        return cap_make(type, KOZO_RIGHTS_ALL, obj, 0); // no ASID until ASID_POOL.Assign
    default: return cap_make(type, KOZO_RIGHTS_ALL, obj, 0);
    }
}

// --- Death: Delete and the last cap ------------------------------------------------------

// Per-cap cleanup that happens whether or not the cap is the last one: a frame or table
// mapping belongs to the cap that made it.
void
cap_pre_delete(cap_t c)
{
    switch (cap_type(c)) {
    case KOZO_OBJ_FRAME:
    case KOZO_OBJ_LARGE_FRAME:
        if (map_is_mapped(c))
            arch_frame_unmap(c);
        break;
    default:
        arch_cap_delete(c); // the arch's page-table levels, mapped by their cap
        break;
    }
}

bool
cap_is_container(cap_t c)
{
    return cap_type(c) == KOZO_OBJ_CNODE || cap_type(c) == KOZO_OBJ_TCB;
}

void
object_finalise(cap_t cap)
{
    switch (cap_type(cap)) {
    case KOZO_OBJ_ENDPOINT: ep_cancel_all(cap_ptr(cap)); break;
    case KOZO_OBJ_NOTIFICATION:
        irq_unbind_notification(cap_ptr(cap));
        ntfn_cancel_all(cap_ptr(cap));
        break;
    case KOZO_OBJ_VSPACE: arch_vspace_destroy(cap); break;
    case KOZO_OBJ_IRQ_HANDLER: irq_handler_clear(irq_line(cap)); break;
    case KOZO_OBJ_ASID_POOL: asid_pool_finalise(cap); break;
    default:
        // Untyped, frames and tables (unmapped per cap before), I/O ports, control caps:
        // nothing refers to them but capabilities.
        break;
    }
}
