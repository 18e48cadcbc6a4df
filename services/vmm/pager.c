// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Pages in and out of a client's address space. A page is a frame retyped from the
// client's memory into the VMM's slots for it, and mapped with its region's protection
// (the tables it needs come from the same memory: svc_map). A frame the client unmaps
// stays the VMM's, on the client's spare list, and is zeroed before it is mapped again:
// retyped memory only comes back to an Untyped when all of it does (at the client's death),
// so a client that maps and unmaps in a loop reuses the same frames instead of running out.
#include <string.h>
#include <svc/vspace.h>
#include "vmm.h"

static uint64_t
rights_of(uint64_t prot)
{
    return KOZO_RIGHT_READ | (prot & VMM_PROT_WRITE ? KOZO_RIGHT_WRITE : 0);
}

static uint64_t
attrs_of(uint64_t prot)
{
    return prot & VMM_PROT_EXEC ? KOZO_FRAME_ATTR_EXEC : 0;
}

// A zeroed frame for the client: a spare one wiped, or a new one (zero from the retype).
static uint64_t
frame_for(struct client *c, kozo_handle_t *frame)
{
    static const uint8_t zeros[VMM_PAGE_SIZE];
    if (c->nspare) {
        *frame = c->spare[--c->nspare];
        uint64_t err = svc_frame_fill(&vmm_pool.alloc, &vmm_window, *frame, 0, zeros, sizeof(zeros));
        if (err)
            c->spare[c->nspare++] = *frame;
        return err;
    }
    uint64_t err = svc_object_new(&c->pool.alloc, KOZO_OBJ_FRAME, 0, frame);
    if (!err)
        c->frames++;
    return err;
}

// Back the page at `page` (in a region of protection `prot`, not mapped yet).
static uint64_t
map_page(struct client *c, uint64_t page, uint64_t prot)
{
    kozo_handle_t frame;
    uint64_t err = frame_for(c, &frame);
    if (err)
        return err;
    if (prot) // a page of a region one may not touch is backed, but not mapped
        err = svc_map(&c->pool.alloc, client_slot((unsigned)(c - clients), 0), frame, page, rights_of(prot),
                      attrs_of(prot));
    if (!err && !svc_map_put(&c->pages, page, frame))
        err = KOZO_ERR_RANGE; // cannot happen: there are more entries than slots
    if (err) {
        kozo_frame_unmap(frame);
        c->spare[c->nspare++] = frame;
    }
    return err;
}

uint64_t
pager_fault(struct client *c, uint64_t addr, uint64_t access, bool present, const char **why)
{
    uint64_t page = addr & ~(uint64_t)(VMM_PAGE_SIZE - 1), prot = 0, ignored;
    enum fault_verdict v =
        space_fault(&c->space, addr, access, present || svc_map_get(&c->pages, page, &ignored), &prot);
    if (v != FAULT_MAP) {
        *why = fault_verdict_name(v);
        return VMM_BAD_REQUEST;
    }
    uint64_t err = map_page(c, page, prot);
    if (err) {
        *why = err == KOZO_ERR_NOT_ENOUGH_MEMORY || err == KOZO_ERR_RANGE ? "its memory is used up"
                                                                          : kozo_error_name(err);
        return VMM_NO_MEMORY;
    }
    return VMM_OK;
}

uint64_t
pager_populate(struct client *c, uint64_t base, uint64_t end)
{
    const struct region *r = space_find(&c->space, base);
    for (uint64_t page = base; page < end; page += VMM_PAGE_SIZE) {
        uint64_t ignored;
        if (!svc_map_get(&c->pages, page, &ignored) && map_page(c, page, r->prot))
            return VMM_NO_MEMORY;
    }
    return VMM_OK;
}

static void
unmap_one(struct client *c, uint64_t frame)
{
    kozo_frame_unmap(frame);
    c->spare[c->nspare++] = frame;
}

// Every page the client has in [base, end): unmapped, its frame kept as a spare. A short
// range is looked up a page at a time; a long one by a visit of the whole map.
void
pager_unmap(struct client *c, uint64_t base, uint64_t end)
{
    if ((end - base) / VMM_PAGE_SIZE <= c->pages.capacity / 8) {
        for (uint64_t page = base; page < end; page += VMM_PAGE_SIZE) {
            uint64_t frame;
            if (svc_map_get(&c->pages, page, &frame)) {
                unmap_one(c, frame);
                svc_map_remove(&c->pages, page);
            }
        }
        return;
    }
    for (size_t i = 0; i < c->pages.capacity;) {
        const struct svc_map_entry *e = &c->pages.e[i];
        if (!e->key || e->key < base || e->key >= end) {
            i++;
            continue;
        }
        unmap_one(c, e->value);
        svc_map_remove_at(&c->pages, i); // another entry may have moved into i: look again
    }
}

// Every page the client has in [base, end), mapped again with `prot` (none: unmapped, kept).
uint64_t
pager_protect(struct client *c, uint64_t base, uint64_t end, uint64_t prot)
{
    kozo_handle_t vspace = client_slot((unsigned)(c - clients), 0);
    for (size_t i = 0; i < c->pages.capacity; i++) {
        const struct svc_map_entry *e = &c->pages.e[i];
        if (!e->key || e->key < base || e->key >= end)
            continue;
        kozo_frame_unmap(e->value);
        uint64_t err =
            prot ? svc_map(&c->pool.alloc, vspace, e->value, e->key, rights_of(prot), attrs_of(prot))
                 : KOZO_ERR_OK;
        if (err)
            return err; // its tables are there already: only a kernel refusal gets here
    }
    return VMM_OK;
}
