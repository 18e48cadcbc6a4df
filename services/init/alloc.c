// SPDX-License-Identifier: MIT OR Apache-2.0
//
// init's bookkeeping of its two resources: free slots in its root CNode, and Untyped
// memory. The Untyped watermark mirrors the kernel's rule exactly (each object aligned to
// its own size, placed at the watermark), so `mem` reports what the kernel holds.
#include <string.h>
#include "init.h"

struct untyped {
    kozo_handle_t slot;
    uint64_t paddr;
    unsigned bits;
    bool device;   // MMIO: only frames for drivers, never init's objects
    uint64_t used; // watermark: bytes from the start handed out
};

static struct untyped uts[KOZO_BOOTINFO_MAX_UNTYPED];
static unsigned nuts;
static kozo_handle_t next_slot;
static bool reported_retype;

void
alloc_init(const struct kozo_bootinfo *bi)
{
    nuts = (unsigned)bi->untyped_count;
    for (unsigned i = 0; i < nuts; i++) {
        uts[i].slot = bi->untyped[i].slot;
        uts[i].paddr = bi->untyped[i].paddr;
        uts[i].bits = bi->untyped[i].size_bits;
        uts[i].device = bi->untyped[i].is_device;
        uts[i].used = 0;
    }
    next_slot = bi->first_free_slot;
}

kozo_handle_t
slot_alloc(void)
{
    if (next_slot >= (1ULL << KOZO_ROOT_CNODE_BITS)) {
        kozo_printf("init: out of capability slots\n");
        kozo_exit(1);
    }
    return next_slot++;
}

static unsigned
object_bits(uint64_t type, uint64_t size_bits)
{
    switch (type) {
    case KOZO_OBJ_UNTYPED: return (unsigned)size_bits;
    case KOZO_OBJ_CNODE: return (unsigned)size_bits + KOZO_OBJ_CNODE_BITS;
    case KOZO_OBJ_TCB: return KOZO_OBJ_TCB_BITS;
    case KOZO_OBJ_ENDPOINT: return KOZO_OBJ_ENDPOINT_BITS;
    case KOZO_OBJ_NOTIFICATION: return KOZO_OBJ_NOTIFICATION_BITS;
    case KOZO_OBJ_LARGE_FRAME: return KOZO_OBJ_LARGE_FRAME_BITS;
    default: return KOZO_OBJ_FRAME_BITS; // frames and every page-table level
    }
}

uint64_t
obj_alloc(uint64_t type, uint64_t size_bits, kozo_handle_t *out)
{
    unsigned bits = object_bits(type, size_bits);
    uint64_t size = 1ULL << bits;

    // First fit, smallest regions first in boot order; big regions stay whole longer.
    for (unsigned i = 0; i < nuts; i++) {
        struct untyped *u = &uts[i];
        uint64_t start = (u->used + size - 1) & ~(size - 1);
        if (u->device || bits > u->bits || start + size > (1ULL << u->bits))
            continue;
        kozo_handle_t slot = slot_alloc();
        uint64_t err = kozo_untyped_retype(u->slot, type, size_bits, ROOT_CNODE, 0, 0, slot, 1);
        if (err) {
            kozo_printf("init: retype of %s from Untyped slot %lu failed: %s\n", kozo_object_name(type),
                        (unsigned long)u->slot, kozo_error_name(err));
            return err;
        }
        u->used = start + size;
        if (!reported_retype) {
            kozo_printf("init: RETYPE_OK: Untyped slot %lu (2^%u bytes at %#lx) -> %s in slot %lu\n",
                        (unsigned long)u->slot, u->bits, (unsigned long)u->paddr, kozo_object_name(type),
                        (unsigned long)slot);
            reported_retype = true;
        }
        *out = slot;
        return KOZO_ERR_OK;
    }
    kozo_printf("init: no Untyped region has room for a %s (2^%u bytes)\n", kozo_object_name(type), bits);
    return KOZO_ERR_NOT_ENOUGH_MEMORY;
}

void
mem_stats(struct mem_stats *s)
{
    *s = (struct mem_stats){ 0 };
    for (unsigned i = 0; i < nuts; i++) {
        if (uts[i].device) {
            s->device += 1ULL << uts[i].bits;
            s->device_regions++;
        } else {
            s->total += 1ULL << uts[i].bits;
            s->used += uts[i].used;
            s->regions++;
        }
    }
}

unsigned
untyped_max_bits(void)
{
    unsigned best = 0;
    for (unsigned i = 0; i < nuts; i++) {
        const struct untyped *u = &uts[i];
        for (unsigned b = u->bits; !u->device && b > best && b >= KOZO_UNTYPED_MIN_BITS; b--) {
            uint64_t start = (u->used + (1ULL << b) - 1) & ~((1ULL << b) - 1);
            if (start + (1ULL << b) <= (1ULL << u->bits)) {
                best = b;
                break;
            }
        }
    }
    return best;
}
