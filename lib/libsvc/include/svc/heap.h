// SPDX-License-Identifier: MIT OR Apache-2.0
//
// A service's heap: malloc and free over an arena that grows at its end, first fit over an
// address-ordered free list whose neighbours merge when freed. The arena is a range of the
// service's address space; svc_heap_init() grows it by mapping fresh frames from the
// service's allocator, or through its pager. The logic is the host's
// too: struct svc_arena with any `grow` (tests/host/test_svc.c).
#ifndef SVC_HEAP_H
#define SVC_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct svc_free_block {
    size_t size; // of the whole block, its 16-byte header included
    struct svc_free_block *next;
};

struct svc_arena {
    uintptr_t base, end, limit; // [base, end) is the heap now; it may grow to limit
    // Make [end, end + n) usable (n a multiple of the page size); false: no memory.
    bool (*grow)(struct svc_arena *arena, uintptr_t end, size_t n);
    void *ctx;
    struct svc_free_block *free; // address-ordered
    size_t in_use;               // bytes handed out, headers included
};

void svc_arena_init(struct svc_arena *arena, uintptr_t base, uintptr_t limit,
                    bool (*grow)(struct svc_arena *, uintptr_t, size_t), void *ctx);
void *svc_arena_alloc(struct svc_arena *arena, size_t n); // NULL: no memory, or n too big
void svc_arena_free(struct svc_arena *arena, void *p);    // NULL: nothing

// The process's heap at `base` of its own VSpace, at most `limit - base` bytes, grown with
// frames from `a`. Then svc_malloc and friends.
struct svc_alloc;
uint64_t svc_heap_init(struct svc_alloc *a, uint64_t vspace, uintptr_t base, uintptr_t limit);
// ... or grown through the service's pager (the VMM: abi/proto/vmm.proto), which backs
// each growth at once, so that a quota used up is a NULL from malloc, not a fault.
uint64_t svc_heap_init_paged(uint64_t pager, uintptr_t base, uintptr_t limit);
void *svc_malloc(size_t n);
void *svc_calloc(size_t count, size_t size);
void svc_free(void *p);

#endif
