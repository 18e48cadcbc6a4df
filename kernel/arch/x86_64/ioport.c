// SPDX-License-Identifier: MIT OR Apache-2.0
//
// x86 I/O ports as capabilities. IOPORT_CONTROL issues caps for port ranges; an IOPORT cap
// lets its holder read and write the ports in its range through invocations. Ports the
// kernel itself drives (PIC, PIT, the COM2 crash channel) are never issued.
//
// Some ports reach beyond one device: PCI configuration (0xcf8-0xcff: every function's BARs,
// bus mastering and MSI registers, the chipset's ECAM base; with 0xcf9, the reset control
// register) and the legacy reset lines (0x92, port A: fast reset and A20; 0x64, the 8042's
// command port: pulse reset, A20). User space decides who gets them (docs/CAPABILITIES.md:
// init, then a PCI server or a power manager), so the kernel issues them, but only inside
// their own group: a range that takes in part of one takes nothing outside it. Such
// authority can then never travel hidden in a wide range, and a cap's range shows it.
#include <kern/arch_api.h>
#include <kern/cspace.h>
#include <kern/invocation.h>
#include <kern/object.h>
#include <kern/printk.h>
#include "cpu.h"

// An I/O-port cap's range: the first and last port, in its second word.
static inline unsigned
ioport_first(cap_t c)
{
    return c.w1 & 0xffff;
}
static inline unsigned
ioport_last(cap_t c)
{
    return (c.w1 >> 16) & 0xffff;
}

static const struct {
    uint16_t first, last;
} kernel_ports[] = {
    { 0x20, 0x21 },   // master PIC (kept masked)
    { 0x40, 0x43 },   // PIT (timer calibration)
    { 0x61, 0x61 },   // PIT gate
    { 0xa0, 0xa1 },   // slave PIC
    { 0x2f8, 0x2ff }, // COM2: the crash channel
};

static const struct {
    uint16_t first, last;
} platform_ports[] = {
    { 0x64, 0x64 },   // 8042 command/status (reset pulse, A20)
    { 0x92, 0x92 },   // system control port A (fast reset, A20)
    { 0xcf8, 0xcff }, // PCI configuration mechanism #1, reset control at 0xcf9
};

static bool
overlaps_kernel(word_t first, word_t last)
{
    for (unsigned i = 0; i < ARRAY_SIZE(kernel_ports); i++)
        if (first <= kernel_ports[i].last && last >= kernel_ports[i].first)
            return true;
    return false;
}

// Does [first, last] take in part of a platform group and also a port outside it?
static bool
mixes_platform(word_t first, word_t last)
{
    for (unsigned i = 0; i < ARRAY_SIZE(platform_ports); i++)
        if (first <= platform_ports[i].last && last >= platform_ports[i].first &&
            (first < platform_ports[i].first || last > platform_ports[i].last))
            return true;
    return false;
}

static void
invoke_ioport_control_issue(cte_t *control, word_t first, word_t last, cte_t *dest)
{
    mdb_insert(control, dest, cap_make(KOZO_OBJ_IOPORT, KOZO_RIGHTS_ALL, NULL, first | (last << 16)),
               MDB_REVOCABLE);
}

static void
invoke_ioport_out(word_t port, unsigned width, word_t value)
{
    if (width == 1)
        outb((uint16_t)port, (uint8_t)value);
    else
        outl((uint16_t)port, (uint32_t)value);
}

static void
invoke_ioport_in(word_t port, unsigned width, struct inv_reply *reply)
{
    reply->res[0] = width == 1 ? inb((uint16_t)port) : inl((uint16_t)port);
    reply->nres = 1;
}

static word_t
decode_ioport_control_issue(const struct invocation *inv)
{
    const struct kozo_args_ioport_control_issue *r = &inv->a.ioport_control_issue;
    cte_t *dest;
    word_t err;

    INV_NEED_ARGS(inv, KOZO_INV_IOPORT_CONTROL_ISSUE_NARGS);
    if (r->first > r->last || r->last > 0xffff)
        return user_reject(KOZO_ERR_RANGE, "ports %#lx-%#lx: not a range of ports", (unsigned long)r->first,
                           (unsigned long)r->last);
    if (overlaps_kernel(r->first, r->last))
        return user_reject(KOZO_ERR_INSUFFICIENT_RIGHTS, "ports %#lx-%#lx belong to the kernel",
                           (unsigned long)r->first, (unsigned long)r->last);
    if (mixes_platform(r->first, r->last))
        return user_reject(KOZO_ERR_RANGE, "ports %#lx-%#lx mix platform ports with others",
                           (unsigned long)r->first, (unsigned long)r->last);
    if ((err = cspace_lookup_rel(inv->caller, r->root, r->index, r->depth, &dest)))
        return err;
    if (!cte_empty(dest))
        return user_reject(KOZO_ERR_SLOT_OCCUPIED, "ports: destination slot is occupied");
    invoke_ioport_control_issue(inv->slot, r->first, r->last, dest);
    return KOZO_ERR_OK;
}

// IN8, IN32, OUT8 and OUT32 share one layout: the port, then (the OUTs) the value.
#define SAME_WORD(m, f) \
    (offsetof(struct kozo_args_ioport_##m, f) == offsetof(struct kozo_args_ioport_out8, f))
_Static_assert(SAME_WORD(in8, port) && SAME_WORD(in32, port) && SAME_WORD(out32, port) &&
                   SAME_WORD(out32, value),
               "the I/O-port methods' arguments");

word_t
decode_ioport_invocation(const struct invocation *inv, struct inv_reply *reply)
{
    cap_t c = inv->cap;
    const struct kozo_args_ioport_out8 *io = &inv->a.ioport_out8;
    word_t port = io->port;
    unsigned width;

    if (cap_type(c) == KOZO_OBJ_IOPORT_CONTROL)
        return inv->label == KOZO_INV_IOPORT_CONTROL_ISSUE ? decode_ioport_control_issue(inv)
                                                           : INV_NO_METHOD(inv, "I/O-port control");

    switch (inv->label) {
    case KOZO_INV_IOPORT_IN8:
    case KOZO_INV_IOPORT_OUT8: width = 1; break;
    case KOZO_INV_IOPORT_IN32:
    case KOZO_INV_IOPORT_OUT32: width = 4; break;
    default: return INV_NO_METHOD(inv, "I/O port");
    }
    bool out = inv->label == KOZO_INV_IOPORT_OUT8 || inv->label == KOZO_INV_IOPORT_OUT32;
    INV_NEED_ARGS(inv, out ? 2 : 1);
    if (port > 0xffff || port < ioport_first(c) || port + width - 1 > ioport_last(c))
        return user_reject(KOZO_ERR_RANGE, "port %#lx (%u bytes) outside the cap's %#x-%#x",
                           (unsigned long)port, width, ioport_first(c), ioport_last(c));
    if (out)
        invoke_ioport_out(port, width, io->value);
    else
        invoke_ioport_in(port, width, reply);
    return KOZO_ERR_OK;
}

// --- The per-type rules of I/O-port caps (kern/arch_api.h) ----------------------------------

// The root task's control cap of the machine's I/O ports, in its boot slot.
void
arch_boot_caps(cte_t *cnode)
{
    mdb_insert(NULL, &cnode[KOZO_SLOT_IOPORT_CONTROL],
               cap_make(KOZO_OBJ_IOPORT_CONTROL, KOZO_RIGHTS_ALL, NULL, 0), MDB_REVOCABLE);
}

word_t
arch_cap_describe(cap_t c)
{
    return cap_type(c) == KOZO_OBJ_IOPORT ? ioport_first(c) | (word_t)ioport_last(c) << 16 : 0;
}

// There is one I/O-port control (every cap to it is the same); port caps are the same
// object when they cover the same range.
bool
arch_same_object(cap_t a, cap_t b)
{
    if (cap_type(a) == KOZO_OBJ_IOPORT)
        return ioport_first(a) == ioport_first(b) && ioport_last(a) == ioport_last(b);
    return true;
}

bool
arch_issued_by(cap_t control, cap_t c)
{
    return cap_type(control) == KOZO_OBJ_IOPORT_CONTROL && cap_type(c) == KOZO_OBJ_IOPORT;
}
