// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The process's heap (svc/heap.h): an arena grown with fresh frames, mapped read-write at
// its end in the process's own address space, by the process itself or by its pager.
#include <proto/vmm.h>
#include <string.h>
#include <svc/heap.h>
#include <svc/vspace.h>

static struct svc_arena heap;
static struct svc_alloc *heap_alloc;
static kozo_handle_t heap_vspace;
static kozo_handle_t heap_pager; // 0: the process maps its heap itself
static bool heap_ready;

static bool
map_more(struct svc_arena *arena, uintptr_t end, size_t n)
{
    (void)arena;
    for (size_t off = 0; off < n; off += 1u << KOZO_PAGE_BITS)
        if (svc_map_new(heap_alloc, heap_vspace, end + off, NULL))
            return false; // what was mapped stays, for the next try
    return true;
}

uint64_t
svc_heap_init(struct svc_alloc *a, uint64_t vspace, uintptr_t base, uintptr_t limit)
{
    if (base & ((1u << KOZO_PAGE_BITS) - 1) || limit <= base)
        return KOZO_ERR_INVALID_ARGUMENT;
    heap_alloc = a;
    heap_vspace = vspace;
    svc_arena_init(&heap, base, limit, map_more, NULL);
    heap_ready = true;
    return KOZO_ERR_OK;
}

// A region of the pager's for each growth (it merges them), backed at once.
static bool
page_more(struct svc_arena *arena, uintptr_t end, size_t n)
{
    uint64_t status;
    struct vmm_map_res r;
    (void)arena;
    return vmm_map(heap_pager, end, n, VMM_PROT_READ | VMM_PROT_WRITE, VMM_MAP_POPULATE, &status, &r) == 0 &&
           status == VMM_OK;
}

uint64_t
svc_heap_init_paged(kozo_handle_t pager, uintptr_t base, uintptr_t limit)
{
    if (base & ((1u << KOZO_PAGE_BITS) - 1) || limit <= base || !pager)
        return KOZO_ERR_INVALID_ARGUMENT;
    heap_pager = pager;
    svc_arena_init(&heap, base, limit, page_more, NULL);
    heap_ready = true;
    return KOZO_ERR_OK;
}

void *
svc_malloc(size_t n)
{
    return heap_ready ? svc_arena_alloc(&heap, n) : NULL;
}

void *
svc_calloc(size_t count, size_t size)
{
    if (size && count > (size_t)-1 / size)
        return NULL;
    void *p = svc_malloc(count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

void
svc_free(void *p)
{
    svc_arena_free(&heap, p);
}
