// SPDX-License-Identifier: MIT OR Apache-2.0
//
// A client's address space as the VMM sees it: the regions it asked for, sorted and
// disjoint, each with its protection. Pure bookkeeping, no system calls (the host tests
// run it: tests/host/test_vmm.c); the VMM's pager.c does what it decides. Every function
// checks before it changes anything, so an error leaves the space as it was.
#ifndef VMM_SPACE_H
#define VMM_SPACE_H

#include <proto/vmm.h>
#include <stdbool.h>
#include <stdint.h>

enum region_kind {
    REGION_ANON,  // asked for with MAP: zero-filled pages at the first touch
    REGION_STACK, // given at ATTACH: the stack may grow down over it
};

struct region {
    uint64_t base, end; // [base, end), page-aligned
    uint8_t prot;       // VMM_PROT_*
    uint8_t kind;       // enum region_kind
};

struct space {
    struct region r[VMM_MAX_REGIONS]; // by base
    unsigned n;
};

void space_init(struct space *s);
// VMM_OK or why [addr, addr + size) cannot be a client's range: ALIGNMENT, RANGE.
uint64_t space_check_range(uint64_t addr, uint64_t size);
// Add a region; OVERLAP, FULL, BAD_PROT. The range is the caller's to have checked.
uint64_t space_add(struct space *s, uint64_t base, uint64_t size, uint64_t prot, enum region_kind kind);
// A free range of `size` bytes in [MAP_LOW, MAP_HIGH), the lowest; NO_MEMORY if none.
uint64_t space_pick(const struct space *s, uint64_t size, uint64_t *addr);
// Remove [base, base + size) from every region it touches; NOT_MAPPED if it touches none,
// FULL if a region would have to split and there is no room for the half.
uint64_t space_remove(struct space *s, uint64_t base, uint64_t size);
// Set the protection of [base, base + size), which regions must cover without a gap;
// NOT_MAPPED, BAD_PROT, FULL.
uint64_t space_protect(struct space *s, uint64_t base, uint64_t size, uint64_t prot);
// The region holding addr, or NULL.
const struct region *space_find(const struct space *s, uint64_t addr);

// What a page fault deserves: a fresh page (with the region's protection), or death.
enum fault_verdict {
    FAULT_MAP,     // in a region, an access it allows, no page yet
    FAULT_OUTSIDE, // in no region
    FAULT_DENIED,  // the region does not allow that access (or the page is there already)
};
// `access`: the VMM_PROT_* bit of what the thread tried; `present`: a page was mapped there.
enum fault_verdict space_fault(const struct space *s, uint64_t addr, uint64_t access, bool present,
                               uint64_t *prot);
const char *fault_verdict_name(enum fault_verdict v);

#endif
