// SPDX-License-Identifier: MIT OR Apache-2.0
//
// init's memory: one pool (lib/libsvc) over every Untyped region the kernel gave it and
// the free slots of its root CNode, and the window page where init fills frames for the
// services it starts. init is the root task, so running out of slots is fatal for it.
#include "init.h"

struct svc_pool init_pool;
struct svc_window init_window = { KOZO_SLOT_INIT_VSPACE, SCRATCH_VADDR, 0 };

// The first retype shows in the boot log that init's memory works.
static void
report_first(const struct svc_pool *p, const struct svc_pool_untyped *u, uint64_t type, kozo_handle_t slot)
{
    kozo_printf("init: RETYPE_OK: Untyped slot %lu (2^%u bytes at %#lx) -> %s in slot %lu\n",
                (unsigned long)u->slot, u->bits, (unsigned long)u->paddr, kozo_object_name(type),
                (unsigned long)slot);
    init_pool.on_retype = NULL;
    (void)p;
}

void
alloc_init(const struct kozo_bootinfo *bi)
{
    svc_pool_init(&init_pool, ROOT_CNODE, ROOT_DEPTH, 0, 1ULL << KOZO_ROOT_CNODE_BITS,
                  KOZO_SLOT_INIT_ASID_POOL);
    svc_pool_add_bootinfo(&init_pool, bi);
    init_pool.on_retype = report_first;
    init_window.slot = slot_alloc(); // init's own: every service's frames are filled through it
}

kozo_handle_t
slot_alloc(void)
{
    kozo_handle_t slot;
    if (init_pool.alloc.slot(&init_pool.alloc, &slot)) {
        kozo_printf("init: out of capability slots\n");
        kozo_exit(1);
    }
    return slot;
}

kozo_handle_t
slot_range(unsigned n)
{
    kozo_handle_t first;
    if (svc_pool_take_slots(&init_pool, n, &first)) {
        kozo_printf("init: out of capability slots (%u more wanted)\n", n);
        kozo_exit(1);
    }
    return first;
}

uint64_t
obj_alloc(uint64_t type, uint64_t size_bits, kozo_handle_t *out)
{
    uint64_t err = svc_object_new(&init_pool.alloc, type, size_bits, out);
    if (err)
        kozo_printf("init: no %s (2^%u bytes) from init's memory: %s\n", kozo_object_name(type),
                    kozo_object_bits(type, size_bits), kozo_error_name(err));
    return err;
}
