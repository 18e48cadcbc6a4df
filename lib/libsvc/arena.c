// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The heap's arena (svc/heap.h): blocks with a 16-byte header, first fit, split when the
// rest is worth a block, merged with their neighbours when freed. The arena grows at its
// end by at least GROW_MIN (so that a run of small allocations maps few times).
#include <string.h>
#include <svc/heap.h>

#define ALIGN    16u
#define PAGE     4096u
#define GROW_MIN (64u << 10)

_Static_assert(sizeof(struct svc_free_block) == ALIGN, "a header keeps what follows aligned");

void
svc_arena_init(struct svc_arena *arena, uintptr_t base, uintptr_t limit,
               bool (*grow)(struct svc_arena *, uintptr_t, size_t), void *ctx)
{
    *arena = (struct svc_arena){ .base = base, .end = base, .limit = limit, .grow = grow, .ctx = ctx };
}

// Put a free block back in address order, merging it with the neighbours it touches.
static void
insert(struct svc_arena *arena, struct svc_free_block *b)
{
    struct svc_free_block **link = &arena->free, *prev = NULL;
    while (*link && *link < b) {
        prev = *link;
        link = &(*link)->next;
    }
    b->next = *link;
    *link = b;
    if (b->next && (uintptr_t)b + b->size == (uintptr_t)b->next) {
        b->size += b->next->size;
        b->next = b->next->next;
    }
    if (prev && (uintptr_t)prev + prev->size == (uintptr_t)b) {
        prev->size += b->size;
        prev->next = b->next;
    }
}

static bool
grow(struct svc_arena *arena, size_t need)
{
    size_t n = need > GROW_MIN ? need : GROW_MIN;
    n = (n + PAGE - 1) & ~(size_t)(PAGE - 1);
    if (n > arena->limit - arena->end)
        n = (need + PAGE - 1) & ~(size_t)(PAGE - 1); // the least that does, near the limit
    if (n > arena->limit - arena->end || !arena->grow(arena, arena->end, n))
        return false;
    struct svc_free_block *b = (struct svc_free_block *)arena->end;
    b->size = n;
    arena->end += n;
    insert(arena, b);
    return true;
}

void *
svc_arena_alloc(struct svc_arena *arena, size_t n)
{
    if (n == 0 || n > arena->limit - arena->base)
        return NULL;
    size_t need = ((n + ALIGN - 1) & ~(size_t)(ALIGN - 1)) + ALIGN;
    for (int tries = 0; tries < 2; tries++) {
        for (struct svc_free_block **link = &arena->free; *link; link = &(*link)->next) {
            struct svc_free_block *b = *link;
            if (b->size < need)
                continue;
            if (b->size - need >= 2 * ALIGN) { // the rest stays free
                struct svc_free_block *rest = (struct svc_free_block *)((uintptr_t)b + need);
                rest->size = b->size - need;
                rest->next = b->next;
                *link = rest;
                b->size = need;
            } else {
                *link = b->next;
            }
            arena->in_use += b->size;
            return (char *)b + ALIGN;
        }
        if (!grow(arena, need))
            return NULL;
    }
    return NULL;
}

void
svc_arena_free(struct svc_arena *arena, void *p)
{
    if (!p)
        return;
    struct svc_free_block *b = (struct svc_free_block *)((char *)p - ALIGN);
    arena->in_use -= b->size;
    insert(arena, b);
}
