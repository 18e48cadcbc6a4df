// SPDX-License-Identifier: MIT OR Apache-2.0
//
// A pool: a range of free slots and a set of Untyped regions, behind the allocator
// interface. Slots are handed out in order and not reused (but for the last, when a
// retype into it failed); objects are placed first fit, smallest region first (big
// regions stay whole longer). The pool mirrors the kernel's
// placement rule (each object aligned to its size, at the region's watermark), so its
// figures are what the kernel holds. The mirror is only a guide: if someone else retyped
// from a region, the kernel's NOT_ENOUGH_MEMORY marks it full and the next is tried, and
// before the pool reports NOT_ENOUGH_MEMORY every region big enough is asked once more.
#ifndef SVC_POOL_H
#define SVC_POOL_H

#include <svc/alloc.h>

#define SVC_POOL_MAX_UNTYPED KOZO_BOOTINFO_MAX_UNTYPED

struct svc_pool_untyped {
    kozo_handle_t slot;
    uint64_t paddr;
    unsigned bits;
    bool device;   // MMIO: frames for drivers only, never the pool's objects
    uint64_t used; // watermark: bytes from the start handed out
};

struct svc_pool {
    struct svc_alloc alloc; // first: a struct svc_alloc * of a pool is the pool
    kozo_handle_t first_slot, next_slot, end_slot;
    struct svc_pool_untyped untyped[SVC_POOL_MAX_UNTYPED];
    unsigned nuntyped;
    void (*on_retype)(const struct svc_pool *p, const struct svc_pool_untyped *u, uint64_t type,
                      kozo_handle_t slot); // called after each retype (NULL: nothing)
};

// Slots [first, end) of `cnode` (handles resolved `depth` bits deep); no Untyped yet.
void svc_pool_init(struct svc_pool *p, kozo_handle_t cnode, unsigned depth, kozo_handle_t first,
                   kozo_handle_t end, kozo_handle_t asid_pool);
// Add the Untyped in `slot` (2^bits bytes at paddr; `used` bytes already retyped).
uint64_t svc_pool_add(struct svc_pool *p, kozo_handle_t slot, uint64_t paddr, unsigned bits, bool device,
                      uint64_t used);
// Every Untyped of a boot-info frame, and its first free slot onwards (init).
uint64_t svc_pool_add_bootinfo(struct svc_pool *p, const struct kozo_bootinfo *bi);
// n consecutive free slots for the caller's own use (another pool's range, say).
uint64_t svc_pool_take_slots(struct svc_pool *p, unsigned n, kozo_handle_t *first);
// Start over: every slot free, every region empty, no spares (after a Revoke of them all).
void svc_pool_reset(struct svc_pool *p);

struct svc_pool_stats {
    uint64_t total, used; // RAM Untyped: bytes described, bytes retyped through the pool
    unsigned regions;
    uint64_t device; // device Untyped: bytes, never used for the pool's objects
    unsigned device_regions;
    kozo_handle_t slots_used, slots_free;
};
void svc_pool_stats(const struct svc_pool *p, struct svc_pool_stats *s);
// The largest n such that an Untyped of 2^n bytes could be retyped now (0: none).
unsigned svc_pool_max_bits(const struct svc_pool *p);

#endif
