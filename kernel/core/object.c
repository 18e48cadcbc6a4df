// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The per-type switches: which decoder handles an invocation, and how an object is
// destroyed when its last capability goes (containers are emptied by cte_delete itself).
#include <kern/arch_api.h>
#include <kern/asid.h>
#include <kern/endpoint.h>
#include <kern/invocation.h>
#include <kern/irq.h>
#include <kern/notification.h>

word_t
decode_invocation(struct invocation *inv)
{
    switch (cap_type(inv->cap)) {
    case KOZO_OBJ_UNTYPED: return decode_untyped_invocation(inv);
    case KOZO_OBJ_CNODE: return decode_cnode_invocation(inv);
    case KOZO_OBJ_TCB: return decode_tcb_invocation(inv);
    case KOZO_OBJ_IRQ_CONTROL:
    case KOZO_OBJ_IRQ_HANDLER: return decode_irq_invocation(inv);
    case KOZO_OBJ_ASID_CONTROL:
    case KOZO_OBJ_ASID_POOL: return decode_asid_invocation(inv);
    case KOZO_OBJ_ENDPOINT:
    case KOZO_OBJ_NOTIFICATION:
    case KOZO_OBJ_DEBUG_CONSOLE: return INV_NO_METHOD(inv, "this object"); // used by system calls, no methods
    default: return arch_decode_invocation(inv);
    }
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
