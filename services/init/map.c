// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Building address spaces from user space: map a frame, creating whatever page-table
// levels are missing, and fill a frame with data through a scratch mapping in init.
#include <string.h>
#include "init.h"

// One spare table of each level. A table is only used when the kernel takes it, so
// probing for a missing level never wastes memory.
static const uint64_t table_types[3] = { KOZO_OBJ_PDPT, KOZO_OBJ_PAGE_DIRECTORY, KOZO_OBJ_PAGE_TABLE };
static kozo_handle_t spare[3];

static uint64_t
add_missing_levels(kozo_handle_t vspace, uint64_t vaddr)
{
    for (int k = 0; k < 3; k++) {
        uint64_t err;
        if (!spare[k] && (err = obj_alloc(table_types[k], 0, &spare[k])))
            return err;
        err = kozo_page_table_map(spare[k], vspace, vaddr, 0);
        if (err == KOZO_ERR_OK)
            spare[k] = 0;
        else if (err != KOZO_ERR_ALREADY_MAPPED)
            return err;
    }
    return KOZO_ERR_OK;
}

uint64_t
map_frame(kozo_handle_t vspace, kozo_handle_t frame, uint64_t vaddr, uint64_t rights, uint64_t attrs)
{
    uint64_t err = kozo_frame_map(frame, vspace, vaddr, rights, attrs);
    if (err == KOZO_ERR_MISSING_LEVEL) {
        if ((err = add_missing_levels(vspace, vaddr)))
            return err;
        err = kozo_frame_map(frame, vspace, vaddr, rights, attrs);
    }
    return err;
}

// Copy len bytes to `offset` in a frame. A frame cap maps once, so a copy of the cap is
// mapped here and deleted afterwards; the original stays free to map elsewhere.
uint64_t
fill_frame(kozo_handle_t frame, uint64_t offset, const void *src, uint64_t len)
{
    static kozo_handle_t tmp;
    uint64_t err;

    if (!tmp)
        tmp = slot_alloc();
    if ((err = kozo_cnode_copy(ROOT_CNODE, tmp, ROOT_DEPTH, ROOT_CNODE, frame, ROOT_DEPTH, KOZO_RIGHTS_ALL)))
        return err;
    err = map_frame(KOZO_SLOT_INIT_VSPACE, tmp, SCRATCH_VADDR, KOZO_RIGHTS_ALL, 0);
    if (!err)
        memcpy((char *)SCRATCH_VADDR + offset, src, len);
    kozo_cnode_delete(ROOT_CNODE, tmp, ROOT_DEPTH); // unmaps it too
    return err;
}
