// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Clients come and go at init's word. ATTACH checks that the three caps init put in the
// client's slots are what they should be, and gives the client the VMM's slots for its
// pages with its memory behind them; DETACH deletes every cap the VMM had for it, so that
// init's revoke of its quota finds nothing of it left here and its slots are free again.
#include <string.h>
#include "vmm.h"

struct client clients[VMM_CLIENTS + 1];

struct client *
client_of(uint64_t badge)
{
    uint64_t n = badge & ~(uint64_t)VMM_FAULT_BADGE;
    if (n == 0 || n > VMM_CLIENTS || !clients[n].attached || clients[n].dead)
        return NULL;
    return &clients[n];
}

// What the cap in `slot` is (type, and for an Untyped its size bits); false: empty.
static bool
describe(kozo_handle_t slot, uint64_t *type, uint64_t *data)
{
    struct kozo_res_cnode_describe d;
    if (kozo_cnode_describe(SYS_SLOT_CNODE, slot, KOZO_HANDLE_BITS, &d))
        return false;
    *type = d.type;
    *data = d.data;
    return true;
}

static void
count_objects(const struct svc_pool *p, const struct svc_pool_untyped *u, uint64_t type, kozo_handle_t slot)
{
    (void)u, (void)slot;
    struct client *c = (struct client *)((char *)p - offsetof(struct client, pool));
    if (type != KOZO_OBJ_FRAME)
        c->tables++;
}

uint64_t
client_attach(unsigned n, uint64_t incarnation, uint64_t stack_base, uint64_t stack_size)
{
    uint64_t type, bits;
    if (n == 0 || n > VMM_CLIENTS || clients[n].attached)
        return VMM_BAD_CLIENT;
    if (!describe(client_slot(n, 0), &type, &bits) || type != KOZO_OBJ_VSPACE ||
        !describe(client_slot(n, 2), &type, &bits) || type != KOZO_OBJ_ENDPOINT ||
        !describe(client_slot(n, 1), &type, &bits) || type != KOZO_OBJ_UNTYPED)
        return VMM_BAD_CLIENT;
    struct client *c = &clients[n];
    memset(c, 0, offsetof(struct client, spare));
    space_init(&c->space);
    if (stack_size &&
        (stack_base % VMM_PAGE_SIZE || stack_size % VMM_PAGE_SIZE ||
         space_add(&c->space, stack_base, stack_size, VMM_PROT_READ | VMM_PROT_WRITE, REGION_STACK)))
        return VMM_BAD_CLIENT;
    kozo_handle_t first = SYS_SLOTS_PAGES_FIRST + (n - 1) * CLIENT_PAGE_SLOTS;
    svc_pool_init(&c->pool, SYS_SLOT_CNODE, KOZO_HANDLE_BITS, first, first + CLIENT_PAGE_SLOTS, 0);
    svc_pool_add(&c->pool, client_slot(n, 1), 0, (unsigned)bits, false, 0);
    c->pool.on_retype = count_objects;
    svc_map_init(&c->pages, c->page_storage, CLIENT_MAP_CAP);
    c->incarnation = incarnation;
    c->attached = true;
    return VMM_OK;
}

uint64_t
client_detach(unsigned n)
{
    if (n == 0 || n > VMM_CLIENTS || !clients[n].attached)
        return VMM_BAD_CLIENT;
    struct client *c = &clients[n];
    for (kozo_handle_t s = c->pool.first_slot; s < c->pool.next_slot; s++)
        kozo_cnode_delete(SYS_SLOT_CNODE, s, KOZO_HANDLE_BITS);
    for (unsigned which = 0; which < 3; which++)
        kozo_cnode_delete(SYS_SLOT_CNODE, client_slot(n, which), KOZO_HANDLE_BITS);
    c->attached = false;
    return VMM_OK;
}
