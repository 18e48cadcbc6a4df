// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Suites: programs that test or measure the kernel from the inside. When the initrd holds
// `ktest` (make ktest: the in-guest kernel test suite) or `bench` (make bench: the
// microbenchmarks), init starts it after fsd and waits for its result before offering the
// prompt. A suite gets a 4096-slot CNode laid out as services/ktest/layout.h says: its own
// CNode, VSpace and TCB, copies of the IRQ, I/O-port and ASID control caps, of the debug
// console and of the boot-info frame, an ASID pool of its own, one big Untyped moved out of
// init, and device Untyped if there is some. When it is done it Sends (passed, failed, known failures) on its endpoint and
// suspends itself; its memory stays with it.
#include <cpio.h>
#include "init.h"
#include "../ktest/layout.h"

void
suite_run(const struct kozo_bootinfo *bi, const char *name)
{
    const void *image;
    size_t size;
    kozo_handle_t pool;
    struct proc *p;

    if (cpio_find((const void *)bi->initrd_vaddr, bi->initrd_size, name, &image, &size))
        return; // not this configuration
    unsigned bits = svc_pool_max_bits(&init_pool);
    if (bits > KT_POOL_MAX_BITS)
        bits = KT_POOL_MAX_BITS;
    if (bits < KOZO_UNTYPED_MIN_BITS || obj_alloc(KOZO_OBJ_UNTYPED, bits, &pool)) {
        kozo_printf("init: no Untyped memory left for %s\n", name);
        return;
    }
    // The smallest device Untyped that still holds a 2 MiB frame, for the device cases, and
    // the one holding the HPET's registers (ktest uses the HPET as a device that writes
    // interrupt messages, docs/KTEST.md).
    kozo_handle_t device = 0, hpet = 0;
    unsigned device_bits = 64;
    for (unsigned i = 0; i < bi->untyped_count; i++) {
        const struct kozo_untyped_desc *d = &bi->untyped[i];
        if (d->is_device && d->size_bits >= KT_DEVICE_MIN_BITS && d->size_bits < device_bits)
            device = d->slot, device_bits = d->size_bits;
    }
    for (unsigned i = 0; i < bi->untyped_count; i++) {
        const struct kozo_untyped_desc *d = &bi->untyped[i];
        if (d->is_device && d->slot != device && d->paddr <= KT_HPET_PADDR &&
            KT_HPET_PADDR - d->paddr < (1ULL << d->size_bits))
            hpet = d->slot;
    }
    // An ASID pool of its own, so that what it does with VSpaces cannot use up init's.
    kozo_handle_t asids = slot_alloc();
    uint64_t err = kozo_asid_control_make_pool(KOZO_SLOT_ASID_CONTROL, ROOT_CNODE, asids, ROOT_DEPTH, NULL);
    if (err) {
        kozo_printf("init: no ASID pool for %s: %s\n", name, kozo_error_name(err));
        return;
    }
    struct spawn_cap caps[11] = {
        { KT_SLOT_CNODE, SPAWN_SELF_CNODE, false },
        { KT_SLOT_VSPACE, SPAWN_SELF_VSPACE, false },
        { KT_SLOT_TCB, SPAWN_SELF_TCB, false },
        { KT_SLOT_IRQ_CONTROL, KOZO_SLOT_IRQ_CONTROL, false },
        { KT_SLOT_IOPORT_CONTROL, KOZO_SLOT_IOPORT_CONTROL, false },
        { KT_SLOT_UNTYPED, pool, true },
        { KT_SLOT_BOOTINFO, KOZO_SLOT_BOOTINFO_FRAME, false }, // a copy: read-only, unmapped
        { KT_SLOT_ASID_CONTROL, KOZO_SLOT_ASID_CONTROL, false },
        { KT_SLOT_ASID_POOL, asids, true },
    };
    unsigned ncaps = 9;
    if (device)
        caps[ncaps++] = (struct spawn_cap){ KT_SLOT_DEVICE_UNTYPED, device, true };
    if (hpet)
        caps[ncaps++] = (struct spawn_cap){ KT_SLOT_HPET_UNTYPED, hpet, true };
    struct spawn_args a = { .name = name, .image = image, .size = size, .priority = KT_PRIORITY,
                            .cnode_bits = KT_CNODE_BITS, .caps = caps, .console = true,
                            .ncaps = ncaps, .arg0 = KT_SLOT_UNTYPED, .arg2 = 1 };
    if (spawn(&a, &p))
        return;
    kozo_printf("init: %s started with 2^%u bytes of Untyped memory\n", name, bits);

    // init outranks the suite, so it only runs again when the suite's result arrives.
    struct kozo_msg m = { 0, 0, { 0 } };
    err = kozo_recv(p->ep, &m);
    if (err)
        kozo_printf("init: waiting for %s failed: %s\n", name, kozo_error_name(err));
    else
        kozo_printf("init: %s finished: %lu passed, %lu failed, %lu known failures\n", name,
                    (unsigned long)m.mr[0], (unsigned long)m.mr[1], (unsigned long)m.mr[2]);
}
