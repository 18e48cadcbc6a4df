// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Mapping with missing levels, and filling frames (svc/vspace.h). The kernel answers a
// mapping whose table is absent with MISSING_LEVEL, without saying which; the levels are
// then offered top down, each from a spare kept in the allocator: a level that is already
// there answers ALREADY_MAPPED and its spare waits for the next time, so probing never
// costs memory.
#include <string.h>
#include <svc/vspace.h>

static uint64_t
add_missing_levels(struct svc_alloc *a, kozo_handle_t vspace, uint64_t vaddr)
{
    for (unsigned k = 0; k < svc_paging_nlevels; k++) {
        uint64_t err;
        if (!a->spare_table[k] && (err = svc_object_new(a, svc_paging_levels[k], 0, &a->spare_table[k])))
            return err;
        err = kozo_page_table_map(a->spare_table[k], vspace, vaddr, 0);
        if (err == KOZO_ERR_OK)
            a->spare_table[k] = 0; // the kernel has it now
        else if (err != KOZO_ERR_ALREADY_MAPPED)
            return err;
    }
    return KOZO_ERR_OK;
}

uint64_t
svc_map(struct svc_alloc *a, kozo_handle_t vspace, kozo_handle_t frame, uint64_t vaddr, uint64_t rights,
        uint64_t attrs)
{
    uint64_t err = kozo_frame_map(frame, vspace, vaddr, rights, attrs);
    if (err == KOZO_ERR_MISSING_LEVEL) {
        if ((err = add_missing_levels(a, vspace, vaddr)))
            return err;
        err = kozo_frame_map(frame, vspace, vaddr, rights, attrs);
    }
    return err;
}

uint64_t
svc_map_new(struct svc_alloc *a, kozo_handle_t vspace, uint64_t vaddr, kozo_handle_t *frame)
{
    kozo_handle_t f;
    uint64_t err = svc_object_new(a, KOZO_OBJ_FRAME, 0, &f);
    if (!err)
        err = svc_map(a, vspace, f, vaddr, KOZO_RIGHT_READ | KOZO_RIGHT_WRITE, 0);
    if (frame)
        *frame = f;
    return err;
}

// A frame cap maps once, so a copy of it is mapped at the window and deleted afterwards;
// the original stays free to be mapped where it belongs.
uint64_t
svc_frame_fill(struct svc_alloc *a, struct svc_window *w, kozo_handle_t frame, uint64_t offset,
               const void *src, uint64_t len)
{
    uint64_t err;
    if (offset > (1ULL << KOZO_PAGE_BITS) || len > (1ULL << KOZO_PAGE_BITS) - offset)
        return KOZO_ERR_RANGE;
    if (!w->slot && (err = a->slot(a, &w->slot)))
        return err;
    if ((err = kozo_cnode_copy(a->cnode, w->slot, a->depth, a->cnode, frame, a->depth, KOZO_RIGHTS_ALL)))
        return err;
    err = svc_map(a, w->vspace, w->slot, w->vaddr, KOZO_RIGHT_READ | KOZO_RIGHT_WRITE, 0);
    if (!err)
        memcpy((char *)w->vaddr + offset, src, len);
    kozo_cnode_delete(a->cnode, w->slot, a->depth); // unmaps it too
    return err;
}
