// SPDX-License-Identifier: MIT OR Apache-2.0
//
// I/O ports and IRQs: ranges the kernel keeps for itself, reads and writes inside and
// outside a cap's range (on real devices: COM1's scratch register, the PCI configuration
// ports), IRQ lines issued once, handler binding, and an interrupt delivered end to end
// (COM1's transmitter-empty interrupt, through the IOAPIC, to a notification).
#include "ktest.h"

#define COM1     0x3f8
#define COM1_IRQ 4
#define PCI_ADDR 0xcf8
#define PCI_DATA 0xcfc

static uint64_t
issue(uint64_t first, uint64_t last, kozo_handle_t *out)
{
    *out = kt_slot();
    return kozo_ioport_control_issue(SYS_SLOT_IOPORT_CONTROL, first, last, SYS_SLOT_CNODE, *out, KT_DEPTH);
}

static uint64_t
irq_get(uint64_t line, kozo_handle_t *out)
{
    *out = kt_slot();
    return kozo_irq_control_get(SYS_SLOT_IRQ_CONTROL, line, SYS_SLOT_CNODE, *out, KT_DEPTH);
}

KTEST(ioport_kernel_ports_refused, "Ports the kernel drives (PIC, PIT, COM2) are never issued")
{
    static const uint64_t ranges[][2] = { { 0x20, 0x21 }, { 0x21, 0x21 }, { 0x40, 0x40 },   { 0x43, 0x43 },
                                          { 0x61, 0x61 }, { 0xa0, 0xa1 }, { 0x2f8, 0x2f8 }, { 0x2ff, 0x300 },
                                          { 0x00, 0x20 }, { 0x0, 0xffff } };
    kozo_handle_t p;
    for (unsigned i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
        KT_ERR(issue(ranges[i][0], ranges[i][1], &p), KOZO_ERR_INSUFFICIENT_RIGHTS);
        KT_EQ(kt_type(p), KOZO_OBJ_NULL);
    }
}

// PCI configuration (0xcf8-0xcff, with the reset control register at 0xcf9) and the reset
// lines (0x92 port A, 0x64 the 8042's command port) reach beyond one device: they are
// issued, but only inside their own group, so no wide range carries them along.
KTEST(ioport_platform_ports_alone,
      "A range taking in part of a platform port group and anything else is RANGE")
{
    static const uint64_t ranges[][2] = { { 0x62, 0x64 },   { 0x64, 0x65 },   { 0x90, 0x92 },
                                          { 0x92, 0x93 },   { 0x80, 0x9f },   { 0xcf0, 0xcf8 },
                                          { 0xcf7, 0xcff }, { 0xcfc, 0xd00 }, { 0xc00, 0xfff },
                                          { 0x300, 0xffff } };
    kozo_handle_t p;
    for (unsigned i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
        KT_ERR(issue(ranges[i][0], ranges[i][1], &p), KOZO_ERR_RANGE);
        KT_EQ(kt_type(p), KOZO_OBJ_NULL);
    }
}

KTEST(ioport_platform_ports_issued,
      "A platform port group, or part of it, is issued alone, and so are its neighbours")
{
    static const uint64_t ranges[][2] = { { 0x64, 0x64 },   { 0x92, 0x92 },   { 0xcf8, 0xcff },
                                          { 0xcf9, 0xcf9 }, { 0xcfc, 0xcff }, { 0x60, 0x60 },
                                          { 0x62, 0x63 },   { 0x90, 0x91 },   { 0x93, 0x93 },
                                          { 0xcf0, 0xcf7 }, { 0xd00, 0xd00 } };
    kozo_handle_t p;
    for (unsigned i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
        KT_OK(issue(ranges[i][0], ranges[i][1], &p));
        KT_EQ(kt_type(p), KOZO_OBJ_IOPORT);
    }
}

KTEST(ioport_issue_bad_range, "first > last, or a port above 0xffff, is RANGE")
{
    kozo_handle_t p;
    KT_ERR(issue(0x81, 0x80, &p), KOZO_ERR_RANGE);
    KT_ERR(issue(0xfff0, 0x10000, &p), KOZO_ERR_RANGE);
    KT_ERR(issue(0x10000, 0x10000, &p), KOZO_ERR_RANGE);
    KT_ERR(issue(1ULL << 32, (1ULL << 32) + 1, &p), KOZO_ERR_RANGE);
}

KTEST(ioport_issue_destination, "Issue into an occupied slot is SLOT_OCCUPIED, into nowhere INVALID_HANDLE")
{
    kozo_handle_t p, e;
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &e));
    KT_ERR(kozo_ioport_control_issue(SYS_SLOT_IOPORT_CONTROL, 0x80, 0x80, SYS_SLOT_CNODE, e, KT_DEPTH),
           KOZO_ERR_SLOT_OCCUPIED);
    KT_ERR(
        kozo_ioport_control_issue(SYS_SLOT_IOPORT_CONTROL, 0x80, 0x80, SYS_SLOT_CNODE, 1ULL << 20, KT_DEPTH),
        KOZO_ERR_INVALID_HANDLE);
    KT_ERR(kozo_ioport_control_issue(SYS_SLOT_IOPORT_CONTROL, 0x80, 0x80, e, 0, 1), KOZO_ERR_WRONG_TYPE);
    KT_OK(issue(0x80, 0x80, &p));
}

KTEST(ioport_access_outside_range, "In/Out outside the cap's ports is RANGE, also a dword straddling its end")
{
    kozo_handle_t p;
    struct kozo_res_ioport_in8 r;
    struct kozo_res_ioport_in32 r32;
    KT_OK(issue(COM1 + 7, COM1 + 7, &p));
    KT_ERR(kozo_ioport_in8(p, COM1 + 6, &r), KOZO_ERR_RANGE);
    KT_ERR(kozo_ioport_in8(p, COM1 + 8, &r), KOZO_ERR_RANGE);
    KT_ERR(kozo_ioport_out8(p, COM1, 0), KOZO_ERR_RANGE);
    KT_ERR(kozo_ioport_in32(p, COM1 + 7, &r32), KOZO_ERR_RANGE);
    KT_ERR(kozo_ioport_in8(p, 0x10000 + COM1 + 7, &r), KOZO_ERR_RANGE);
    KT_ERR(kozo_ioport_in8(p, ~0ULL, &r), KOZO_ERR_RANGE);
}

KTEST(ioport_scratch_register, "A byte written to COM1's scratch register reads back")
{
    kozo_handle_t p;
    struct kozo_res_ioport_in8 r = { 0 };
    KT_OK(issue(COM1 + 7, COM1 + 7, &p));
    KT_OK(kozo_ioport_out8(p, COM1 + 7, 0x5a));
    KT_OK(kozo_ioport_in8(p, COM1 + 7, &r));
    KT_EQ(r.value, 0x5a);
    KT_OK(kozo_ioport_out8(p, COM1 + 7, 0xa5));
    KT_OK(kozo_ioport_in8(p, COM1 + 7, &r));
    KT_EQ(r.value, 0xa5);
}

KTEST(ioport_pci_config_dword, "Out32/In32 read the host bridge's vendor ID through the PCI config ports")
{
    kozo_handle_t p;
    struct kozo_res_ioport_in32 r = { 0 };
    KT_OK(issue(PCI_ADDR, PCI_DATA + 3, &p));
    KT_OK(kozo_ioport_out32(p, PCI_ADDR, 0x80000000)); // bus 0, device 0, function 0, register 0
    KT_OK(kozo_ioport_in32(p, PCI_ADDR, &r));
    KT_EQ(r.value, 0x80000000);
    KT_OK(kozo_ioport_in32(p, PCI_DATA, &r));
    KT_EQ(r.value & 0xffff, 0x8086); // QEMU's q35 host bridge is Intel's
}

KTEST(ioport_describe_range, "Describe of an I/O-port cap gives first | last << 16")
{
    kozo_handle_t p;
    struct kozo_res_cnode_describe d;
    KT_OK(issue(0x3f8, 0x3ff, &p));
    KT_OK(kozo_cnode_describe(SYS_SLOT_CNODE, p, KT_DEPTH, &d));
    KT_EQ(d.type, KOZO_OBJ_IOPORT);
    KT_EQ(d.data, 0x3f8 | (0x3ffULL << 16));
}

KTEST(ioport_copy_works_alone, "A copy of an I/O-port cap works after the original is deleted")
{
    kozo_handle_t p, c;
    struct kozo_res_ioport_in8 r = { 0 };
    KT_OK(issue(COM1 + 7, COM1 + 7, &p));
    KT_OK(kt_copy(p, KOZO_RIGHTS_ALL, &c));
    KT_OK(kozo_cnode_delete(SYS_SLOT_CNODE, p, KT_DEPTH));
    KT_OK(kozo_ioport_out8(c, COM1 + 7, 0x33));
    KT_OK(kozo_ioport_in8(c, COM1 + 7, &r));
    KT_EQ(r.value, 0x33);
}

KTEST(ioport_unknown_labels, "Unknown labels on I/O-port caps are ILLEGAL_OPERATION")
{
    kozo_handle_t p;
    KT_OK(issue(0x80, 0x80, &p));
    KT_ERR(kt_label(p, KOZO_INV_IOPORT_CONTROL_ISSUE), KOZO_ERR_ILLEGAL_OPERATION);
    KT_ERR(kt_label(p, 65), KOZO_ERR_ILLEGAL_OPERATION);
    KT_ERR(kt_label(SYS_SLOT_IOPORT_CONTROL, KOZO_INV_IOPORT_IN8), KOZO_ERR_ILLEGAL_OPERATION);
}

KTEST(irq_get_range, "IRQ lines go up to IRQ_LINES - 1: RANGE above")
{
    kozo_handle_t h;
    KT_ERR(irq_get(KOZO_IRQ_LINES, &h), KOZO_ERR_RANGE);
    KT_ERR(irq_get(~0ULL, &h), KOZO_ERR_RANGE);
    KT_OK(irq_get(KOZO_IRQ_LINES - 1, &h));
}

KTEST(irq_get_twice, "A line issued twice is REVOKE_FIRST; free again once its handler cap is gone")
{
    kozo_handle_t h, h2;
    KT_OK(irq_get(5, &h));
    KT_ERR(irq_get(5, &h2), KOZO_ERR_REVOKE_FIRST);
    KT_EQ(kt_type(h2), KOZO_OBJ_NULL);
    KT_OK(kozo_cnode_delete(SYS_SLOT_CNODE, h, KT_DEPTH));
    KT_OK(irq_get(5, &h2));
}

KTEST(irq_copy_keeps_line, "A copy of a handler cap keeps the line issued until it goes too")
{
    kozo_handle_t h, c, again;
    KT_OK(irq_get(6, &h));
    KT_OK(kt_copy(h, KOZO_RIGHTS_ALL, &c));
    KT_OK(kozo_cnode_delete(SYS_SLOT_CNODE, h, KT_DEPTH));
    KT_ERR(irq_get(6, &again), KOZO_ERR_REVOKE_FIRST);
    KT_OK(kozo_cnode_delete(SYS_SLOT_CNODE, c, KT_DEPTH));
    KT_OK(irq_get(6, &again));
}

KTEST(irq_get_destination, "IRQ Get into an occupied slot is SLOT_OCCUPIED, into nowhere INVALID_HANDLE")
{
    kozo_handle_t e, h;
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &e));
    KT_ERR(kozo_irq_control_get(SYS_SLOT_IRQ_CONTROL, 7, SYS_SLOT_CNODE, e, KT_DEPTH),
           KOZO_ERR_SLOT_OCCUPIED);
    KT_ERR(kozo_irq_control_get(SYS_SLOT_IRQ_CONTROL, 7, SYS_SLOT_CNODE, 1ULL << 30, KT_DEPTH),
           KOZO_ERR_INVALID_HANDLE);
    KT_OK(irq_get(7, &h)); // the failed attempts did not issue the line
}

KTEST(irq_set_notification_checks, "SetNotification wants a notification (WRONG_TYPE) with WRITE")
{
    kozo_handle_t h, e, n, ro;
    KT_OK(irq_get(9, &h));
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &e));
    KT_OK(kt_alloc(KOZO_OBJ_NOTIFICATION, 0, &n));
    KT_OK(kt_copy(n, KOZO_RIGHT_READ, &ro));
    KT_ERR(kozo_irq_handler_set_notification(h, e), KOZO_ERR_WRONG_TYPE);
    KT_ERR(kozo_irq_handler_set_notification(h, ro), KOZO_ERR_INSUFFICIENT_RIGHTS);
    KT_ERR(kozo_irq_handler_set_notification(h, kt_slot()), KOZO_ERR_INVALID_HANDLE);
    KT_OK(kozo_irq_handler_set_notification(h, n));
    KT_OK(kozo_irq_handler_ack(h));
}

KTEST(irq_describe_line, "Describe of a handler cap gives its line")
{
    kozo_handle_t h;
    struct kozo_res_cnode_describe d;
    KT_OK(irq_get(10, &h));
    KT_OK(kozo_cnode_describe(SYS_SLOT_CNODE, h, KT_DEPTH, &d));
    KT_EQ(d.type, KOZO_OBJ_IRQ_HANDLER);
    KT_EQ(d.data, 10);
}

KTEST(irq_unknown_labels, "Unknown labels on IRQ control and handler caps are ILLEGAL_OPERATION")
{
    kozo_handle_t h;
    KT_OK(irq_get(11, &h));
    KT_ERR(kt_label(h, KOZO_INV_IRQ_CONTROL_GET), KOZO_ERR_ILLEGAL_OPERATION);
    KT_ERR(kt_label(SYS_SLOT_IRQ_CONTROL, KOZO_INV_IRQ_HANDLER_ACK), KOZO_ERR_ILLEGAL_OPERATION);
}

KTEST(irq_notification_deleted_unbinds, "Deleting a bound notification unbinds it; the handler still works")
{
    kozo_handle_t h, n, n2;
    KT_OK(irq_get(12, &h));
    KT_OK(kt_alloc(KOZO_OBJ_NOTIFICATION, 0, &n));
    KT_OK(kozo_irq_handler_set_notification(h, n));
    KT_OK(kozo_cnode_delete(SYS_SLOT_CNODE, n, KT_DEPTH));
    KT_OK(kozo_irq_handler_ack(h));
    KT_OK(kt_alloc(KOZO_OBJ_NOTIFICATION, 0, &n2));
    KT_OK(kozo_irq_handler_set_notification(h, n2));
}

// COM1 raises its interrupt when its transmitter is empty and IER bit 1 asks for that.
KTEST(irq_delivered_to_notification, "A real interrupt (COM1 transmitter empty) arrives as a badged signal")
{
    kozo_handle_t port, h, n, b;
    struct kozo_msg m = { 0, 0, { 0 } };
    uint64_t err = KOZO_ERR_WOULD_BLOCK;
    KT_OK(issue(COM1, COM1 + 7, &port));
    KT_OK(irq_get(COM1_IRQ, &h));
    KT_OK(kt_alloc(KOZO_OBJ_NOTIFICATION, 0, &n));
    KT_OK(kt_mint(n, KOZO_RIGHT_WRITE, 0x40, &b));
    KT_OK(kozo_irq_handler_set_notification(h, b));
    KT_OK(kozo_ioport_out8(port, COM1 + 1, 0x02)); // IER: transmitter empty
    // Poll: waiting would let the watchdog take the wait for a deadlock.
    for (int i = 0; i < 200000 && err == KOZO_ERR_WOULD_BLOCK; i++)
        err = kozo_nb_recv(n, &m);
    kozo_ioport_out8(port, COM1 + 1, 0x00); // quiet again, as init expects it
    KT_OK(err);
    KT_EQ(m.badge, 0x40);
    KT_OK(kozo_irq_handler_ack(h));
}
