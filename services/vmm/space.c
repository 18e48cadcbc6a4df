// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The regions of a client (space.h). Changes are made into a copy and kept only when
// they fit, so that a refused request changes nothing; neighbours that end up alike (the
// same kind and protection, touching) are merged, so that PROTECT and then PROTECT back
// costs no regions.
#include <string.h>
#include "space.h"

#define PROT_ALL (VMM_PROT_READ | VMM_PROT_WRITE | VMM_PROT_EXEC)

void
space_init(struct space *s)
{
    memset(s, 0, sizeof(*s));
}

static bool
page_aligned(uint64_t x)
{
    return (x & (VMM_PAGE_SIZE - 1)) == 0;
}

uint64_t
space_check_range(uint64_t addr, uint64_t size)
{
    if (!size || !page_aligned(addr) || !page_aligned(size))
        return VMM_ALIGNMENT;
    if (addr < VMM_MAP_LOW || addr > VMM_MAP_HIGH || size > VMM_MAP_HIGH - addr)
        return VMM_RANGE;
    return VMM_OK;
}

static bool
overlaps(const struct region *r, uint64_t base, uint64_t end)
{
    return base < end && r->base < end && r->end > base; // an empty range touches nothing
}

// Append a region to a space being rebuilt, merging it with the last one if they match.
static void
append(struct space *s, uint64_t base, uint64_t end, uint8_t prot, uint8_t kind)
{
    struct region *last = s->n ? &s->r[s->n - 1] : NULL;
    if (last && last->end == base && last->prot == prot && last->kind == kind) {
        last->end = end;
        return;
    }
    s->r[s->n++] = (struct region){ .base = base, .end = end, .prot = prot, .kind = kind };
}

static bool
alike(const struct region *a, const struct region *b)
{
    return a->end == b->base && a->prot == b->prot && a->kind == b->kind;
}

// Region i joins its neighbours if they touch it and are alike (a heap grown a piece at a
// time is one region).
static void
merge_around(struct space *s, unsigned i)
{
    if (i + 1 < s->n && alike(&s->r[i], &s->r[i + 1])) {
        s->r[i].end = s->r[i + 1].end;
        memmove(&s->r[i + 1], &s->r[i + 2], (s->n - i - 2) * sizeof(s->r[0]));
        s->n--;
    }
    if (i > 0 && alike(&s->r[i - 1], &s->r[i])) {
        s->r[i - 1].end = s->r[i].end;
        memmove(&s->r[i], &s->r[i + 1], (s->n - i - 1) * sizeof(s->r[0]));
        s->n--;
    }
}

uint64_t
space_add(struct space *s, uint64_t base, uint64_t size, uint64_t prot, enum region_kind kind)
{
    uint64_t end = base + size;
    unsigned i = 0;
    if (prot & ~(uint64_t)PROT_ALL)
        return VMM_BAD_PROT;
    while (i < s->n && s->r[i].end <= base)
        i++;
    if (i < s->n && s->r[i].base < end)
        return VMM_OVERLAP;
    if (s->n == VMM_MAX_REGIONS)
        return VMM_FULL;
    memmove(&s->r[i + 1], &s->r[i], (s->n - i) * sizeof(s->r[0]));
    s->r[i] = (struct region){ .base = base, .end = end, .prot = (uint8_t)prot, .kind = (uint8_t)kind };
    s->n++;
    merge_around(s, i);
    return VMM_OK;
}

uint64_t
space_pick(const struct space *s, uint64_t size, uint64_t *addr)
{
    uint64_t at = VMM_MAP_LOW;
    for (unsigned i = 0; i < s->n; i++) {
        const struct region *r = &s->r[i];
        if (r->end <= at)
            continue;
        if (r->base >= at && r->base - at >= size)
            break;
        at = r->end;
    }
    if (at > VMM_MAP_HIGH || size > VMM_MAP_HIGH - at)
        return VMM_NO_MEMORY;
    *addr = at;
    return VMM_OK;
}

uint64_t
space_remove(struct space *s, uint64_t base, uint64_t size)
{
    uint64_t end = base + size;
    unsigned touched = 0, extra = 0;
    for (unsigned i = 0; i < s->n; i++)
        if (overlaps(&s->r[i], base, end)) {
            touched++;
            extra += s->r[i].base < base && s->r[i].end > end; // split in two
        }
    if (!touched)
        return VMM_NOT_MAPPED;
    if (s->n + extra > VMM_MAX_REGIONS)
        return VMM_FULL;
    struct space out = { .n = 0 };
    for (unsigned i = 0; i < s->n; i++) {
        const struct region *r = &s->r[i];
        if (!overlaps(r, base, end)) {
            out.r[out.n++] = *r;
            continue;
        }
        if (r->base < base)
            out.r[out.n++] = (struct region){ r->base, base, r->prot, r->kind };
        if (r->end > end)
            out.r[out.n++] = (struct region){ end, r->end, r->prot, r->kind };
    }
    *s = out;
    return VMM_OK;
}

uint64_t
space_protect(struct space *s, uint64_t base, uint64_t size, uint64_t prot)
{
    uint64_t end = base + size, covered = base;
    unsigned pieces = 0;
    if (prot & ~(uint64_t)PROT_ALL)
        return VMM_BAD_PROT;
    for (unsigned i = 0; i < s->n && covered < end; i++) {
        const struct region *r = &s->r[i];
        if (r->end <= covered)
            continue;
        if (r->base > covered)
            break; // a gap
        pieces += 1 + (r->base < base) + (r->end > end);
        covered = r->end;
    }
    if (covered < end)
        return VMM_NOT_MAPPED;
    // The worst case before merging: every touched region in up to three pieces.
    struct space out = { .n = 0 };
    unsigned kept = 0;
    for (unsigned i = 0; i < s->n; i++)
        kept += !overlaps(&s->r[i], base, end);
    if (kept + pieces > VMM_MAX_REGIONS)
        return VMM_FULL;
    for (unsigned i = 0; i < s->n; i++) {
        const struct region *r = &s->r[i];
        if (!overlaps(r, base, end)) {
            append(&out, r->base, r->end, r->prot, r->kind);
            continue;
        }
        uint64_t lo = r->base > base ? r->base : base, hi = r->end < end ? r->end : end;
        if (r->base < lo)
            append(&out, r->base, lo, r->prot, r->kind);
        append(&out, lo, hi, (uint8_t)prot, r->kind);
        if (hi < r->end)
            append(&out, hi, r->end, r->prot, r->kind);
    }
    *s = out;
    return VMM_OK;
}

const struct region *
space_find(const struct space *s, uint64_t addr)
{
    for (unsigned i = 0; i < s->n && s->r[i].base <= addr; i++)
        if (addr < s->r[i].end)
            return &s->r[i];
    return NULL;
}

enum fault_verdict
space_fault(const struct space *s, uint64_t addr, uint64_t access, bool present, uint64_t *prot)
{
    const struct region *r = space_find(s, addr);
    if (!r)
        return FAULT_OUTSIDE;
    // A write implies a read on the MMU's side: a region one may write, one may read.
    uint64_t allowed = r->prot | (r->prot & VMM_PROT_WRITE ? VMM_PROT_READ : 0);
    if (present || (access & ~allowed) || !allowed)
        return FAULT_DENIED;
    *prot = r->prot;
    return FAULT_MAP;
}

const char *
fault_verdict_name(enum fault_verdict v)
{
    switch (v) {
    case FAULT_MAP: return "a page to map";
    case FAULT_OUTSIDE: return "outside every region it has";
    case FAULT_DENIED: return "an access its region does not allow";
    }
    return "?";
}
