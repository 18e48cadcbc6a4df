// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The vmm protocol's requests (abi/proto/vmm.proto): each checks the request against the
// client's regions (space.c, which changes nothing on an error) and then has the pager
// make the pages agree. A client names only its own address space (its badge says whose),
// so no request can touch another's.
#include "vmm.h"

static uint64_t
do_map(void *ctx, uint64_t badge, const struct vmm_map_args *a, struct vmm_map_res *r)
{
    struct client *c = client_of(badge);
    uint64_t addr = a->addr, err;
    (void)ctx;
    if (!c)
        return VMM_BAD_CLIENT;
    if (a->flags & ~(uint64_t)VMM_MAP_POPULATE)
        return VMM_BAD_PROT;
    if (!addr && a->size % VMM_PAGE_SIZE == 0 && a->size && (err = space_pick(&c->space, a->size, &addr)))
        return err;
    if ((err = space_check_range(addr, a->size)) ||
        (err = space_add(&c->space, addr, a->size, a->prot, REGION_ANON)))
        return err;
    if ((a->flags & VMM_MAP_POPULATE) && (err = pager_populate(c, addr, addr + a->size))) {
        pager_unmap(c, addr, addr + a->size); // all or nothing
        space_remove(&c->space, addr, a->size);
        return err;
    }
    r->addr = addr;
    return VMM_OK;
}

static uint64_t
do_unmap(void *ctx, uint64_t badge, const struct vmm_unmap_args *a)
{
    struct client *c = client_of(badge);
    uint64_t err;
    (void)ctx;
    if (!c)
        return VMM_BAD_CLIENT;
    if ((err = space_check_range(a->addr, a->size)) || (err = space_remove(&c->space, a->addr, a->size)))
        return err;
    pager_unmap(c, a->addr, a->addr + a->size);
    return VMM_OK;
}

static uint64_t
do_protect(void *ctx, uint64_t badge, const struct vmm_protect_args *a)
{
    struct client *c = client_of(badge);
    uint64_t err;
    (void)ctx;
    if (!c)
        return VMM_BAD_CLIENT;
    if ((err = space_check_range(a->addr, a->size)) ||
        (err = space_protect(&c->space, a->addr, a->size, a->prot)))
        return err;
    return pager_protect(c, a->addr, a->addr + a->size, a->prot) ? VMM_NO_MEMORY : VMM_OK;
}

static uint64_t
do_stat(void *ctx, uint64_t badge, struct vmm_stat_res *r)
{
    const struct client *c = client_of(badge);
    struct svc_pool_stats st;
    (void)ctx;
    if (!c)
        return VMM_BAD_CLIENT;
    svc_pool_stats(&c->pool, &st);
    *r = (struct vmm_stat_res){
        .regions = c->space.n,
        .pages = c->pages.count,
        .tables = c->tables,
        .quota = st.total,
        .used = st.used,
    };
    return VMM_OK;
}

static uint64_t
do_attach(void *ctx, uint64_t badge, const struct vmm_attach_args *a)
{
    (void)ctx;
    if (badge) // only init holds the VMM's endpoint unbadged
        return VMM_NOT_ALLOWED;
    return a->client > VMM_CLIENTS
               ? VMM_BAD_CLIENT
               : client_attach((unsigned)a->client, a->incarnation, a->stack_base, a->stack_size);
}

static uint64_t
do_detach(void *ctx, uint64_t badge, const struct vmm_detach_args *a)
{
    (void)ctx;
    if (badge)
        return VMM_NOT_ALLOWED;
    return a->client > VMM_CLIENTS ? VMM_BAD_CLIENT : client_detach((unsigned)a->client);
}

const struct vmm_server vmm_requests = {
    .map = do_map,
    .unmap = do_unmap,
    .protect = do_protect,
    .stat = do_stat,
    .attach = do_attach,
    .detach = do_detach,
};
