// SPDX-License-Identifier: MIT OR Apache-2.0
//
// IRQ control and IRQ handler capabilities. The kernel has no device drivers: an interrupt
// line is masked when it fires and becomes a signal on the notification its handler cap
// is bound to; the user-level driver handles the device and then Acks (unmasks) the line.
#include <kern/arch_api.h>
#include <kern/cspace.h>
#include <kern/invocation.h>
#include <kern/irq.h>
#include <kern/printk.h>

static struct irq_slot {
    bool issued;               // a handler cap for this line exists
    struct notification *ntfn; // where the interrupt is delivered
    word_t badge;
} irqs[KOZO_IRQ_LINES];

void
irq_handle(unsigned line)
{
    arch_irq_mask(line);
    if (line < KOZO_IRQ_LINES && irqs[line].ntfn)
        ntfn_signal(irqs[line].ntfn, irqs[line].badge);
}

void
irq_handler_clear(unsigned line)
{
    arch_irq_mask(line);
    irqs[line].issued = false;
    irqs[line].ntfn = NULL;
}

void
irq_unbind_notification(struct notification *n)
{
    for (unsigned i = 0; i < KOZO_IRQ_LINES; i++)
        if (irqs[i].ntfn == n) {
            arch_irq_mask(i);
            irqs[i].ntfn = NULL;
        }
}

static void
invoke_irq_control_get(cte_t *control, unsigned irq, cte_t *dest)
{
    irqs[irq].issued = true;
    mdb_insert(control, dest, cap_make(KOZO_OBJ_IRQ_HANDLER, KOZO_RIGHTS_ALL, NULL, irq), MDB_REVOCABLE);
}

static void
invoke_irq_handler_set_notification(unsigned line, cap_t ntfn)
{
    irqs[line].ntfn = cap_ptr(ntfn);
    irqs[line].badge = cap_badge(ntfn);
    arch_irq_unmask(line);
}

static void
invoke_irq_handler_ack(unsigned line)
{
    if (irqs[line].ntfn)
        arch_irq_unmask(line);
}

static word_t
decode_irq_control_get(const struct invocation *inv)
{
    const struct kozo_args_irq_control_get *g = &inv->a.irq_control_get;
    cte_t *dest;
    word_t err;

    INV_NEED_ARGS(inv, KOZO_INV_IRQ_CONTROL_GET_NARGS);
    if (g->irq >= KOZO_IRQ_LINES)
        return user_reject(KOZO_ERR_RANGE, "irq %lu: no such line", (unsigned long)g->irq);
    if (irqs[g->irq].issued)
        return user_reject(KOZO_ERR_REVOKE_FIRST, "irq %lu already has a handler cap", (unsigned long)g->irq);
    if ((err = cspace_lookup_rel(inv->caller, g->root, g->index, g->depth, &dest)))
        return err;
    if (!cte_empty(dest))
        return user_reject(KOZO_ERR_SLOT_OCCUPIED, "irq: destination slot is occupied");
    invoke_irq_control_get(inv->slot, (unsigned)g->irq, dest);
    return KOZO_ERR_OK;
}

static word_t
decode_irq_handler_set_notification(const struct invocation *inv)
{
    cte_t *n;
    word_t err;

    INV_NEED_ARGS(inv, KOZO_INV_IRQ_HANDLER_SET_NOTIFICATION_NARGS);
    if ((err = cspace_lookup_cap(inv->caller, inv->a.irq_handler_set_notification.notification, &n)))
        return err;
    if (cap_type(n->cap) != KOZO_OBJ_NOTIFICATION)
        return user_reject(KOZO_ERR_WRONG_TYPE, "irq handler: not a notification");
    if (!cap_has(n->cap, KOZO_RIGHT_WRITE))
        return user_reject(KOZO_ERR_INSUFFICIENT_RIGHTS, "irq handler: the notification cap cannot signal");
    invoke_irq_handler_set_notification(irq_line(inv->cap), n->cap);
    return KOZO_ERR_OK;
}

word_t
decode_irq_invocation(const struct invocation *inv, struct inv_reply *reply)
{
    (void)reply; // no IRQ method has results
    if (cap_type(inv->cap) == KOZO_OBJ_IRQ_CONTROL)
        return inv->label == KOZO_INV_IRQ_CONTROL_GET ? decode_irq_control_get(inv)
                                                      : INV_NO_METHOD(inv, "IRQ control");
    switch (inv->label) {
    case KOZO_INV_IRQ_HANDLER_SET_NOTIFICATION: return decode_irq_handler_set_notification(inv);
    case KOZO_INV_IRQ_HANDLER_ACK: invoke_irq_handler_ack(irq_line(inv->cap)); return KOZO_ERR_OK;
    default: return INV_NO_METHOD(inv, "IRQ handler");
    }
}
