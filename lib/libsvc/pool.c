// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The pool allocator (svc/pool.h).
#include <string.h>
#include <svc/pool.h>

static struct svc_pool *
pool_of(struct svc_alloc *a)
{
    return (struct svc_pool *)a; // struct svc_alloc is the pool's first member
}

static uint64_t
pool_slot(struct svc_alloc *a, kozo_handle_t *out)
{
    struct svc_pool *p = pool_of(a);
    if (p->next_slot >= p->end_slot)
        return KOZO_ERR_RANGE;
    *out = p->next_slot++;
    return KOZO_ERR_OK;
}

// Slots are handed out in order; the last one can be given back (a retype that failed).
static void
pool_free_slot(struct svc_alloc *a, kozo_handle_t slot)
{
    struct svc_pool *p = pool_of(a);
    if (slot + 1 == p->next_slot)
        p->next_slot--;
}

// Where an object of 2^bits bytes would go in u (its start), or ~0 if it does not fit.
static uint64_t
fit(const struct svc_pool_untyped *u, unsigned bits)
{
    uint64_t size = 1ULL << bits, start = (u->used + size - 1) & ~(size - 1);
    if (u->device || bits > u->bits || start + size > (1ULL << u->bits))
        return ~0ULL;
    return start;
}

static uint64_t
retype_in(struct svc_pool *p, struct svc_pool_untyped *u, uint64_t type, uint64_t size_bits,
          kozo_handle_t dest)
{
    uint64_t err = kozo_untyped_retype(u->slot, type, size_bits, p->alloc.cnode, 0, 0, dest, 1);
    if (!err && p->on_retype)
        p->on_retype(p, u, type, dest);
    return err;
}

static uint64_t
pool_retype(struct svc_alloc *a, uint64_t type, uint64_t size_bits, kozo_handle_t dest)
{
    struct svc_pool *p = pool_of(a);
    unsigned bits = kozo_object_bits(type, size_bits);

    // Where the mirror says the object fits.
    for (unsigned i = 0; i < p->nuntyped; i++) {
        struct svc_pool_untyped *u = &p->untyped[i];
        uint64_t start = fit(u, bits), err;
        if (start == ~0ULL)
            continue;
        if ((err = retype_in(p, u, type, size_bits, dest)) == KOZO_ERR_NOT_ENOUGH_MEMORY) {
            u->used = 1ULL << u->bits; // retyped from elsewhere too: take it as full
            continue;
        }
        if (!err)
            u->used = start + (1ULL << bits);
        return err;
    }
    // The mirror may be behind the kernel the other way too (a region revoked behind the
    // pool's back is empty again): the kernel has the last word on every region.
    for (unsigned i = 0; i < p->nuntyped; i++) {
        struct svc_pool_untyped *u = &p->untyped[i];
        if (!u->device && bits <= u->bits && retype_in(p, u, type, size_bits, dest) == KOZO_ERR_OK)
            return KOZO_ERR_OK;
    }
    return KOZO_ERR_NOT_ENOUGH_MEMORY;
}

void
svc_pool_init(struct svc_pool *p, kozo_handle_t cnode, unsigned depth, kozo_handle_t first, kozo_handle_t end,
              kozo_handle_t asid_pool)
{
    memset(p, 0, sizeof(*p));
    p->alloc.cnode = cnode;
    p->alloc.depth = depth;
    p->alloc.asid_pool = asid_pool;
    p->alloc.slot = pool_slot;
    p->alloc.free_slot = pool_free_slot;
    p->alloc.retype = pool_retype;
    p->first_slot = p->next_slot = first;
    p->end_slot = end;
}

uint64_t
svc_pool_add(struct svc_pool *p, kozo_handle_t slot, uint64_t paddr, unsigned bits, bool device,
             uint64_t used)
{
    if (p->nuntyped == SVC_POOL_MAX_UNTYPED)
        return KOZO_ERR_RANGE;
    p->untyped[p->nuntyped++] = (struct svc_pool_untyped){ slot, paddr, bits, device, used };
    return KOZO_ERR_OK;
}

uint64_t
svc_pool_add_bootinfo(struct svc_pool *p, const struct kozo_bootinfo *bi)
{
    for (unsigned i = 0; i < bi->untyped_count; i++) {
        const struct kozo_untyped_desc *d = &bi->untyped[i];
        uint64_t err = svc_pool_add(p, d->slot, d->paddr, (unsigned)d->size_bits, d->is_device, 0);
        if (err)
            return err;
    }
    if (bi->first_free_slot > p->next_slot)
        p->first_slot = p->next_slot = bi->first_free_slot;
    return KOZO_ERR_OK;
}

uint64_t
svc_pool_take_slots(struct svc_pool *p, unsigned n, kozo_handle_t *first)
{
    if (n > p->end_slot - p->next_slot)
        return KOZO_ERR_RANGE;
    *first = p->next_slot;
    p->next_slot += n;
    return KOZO_ERR_OK;
}

void
svc_pool_reset(struct svc_pool *p)
{
    p->next_slot = p->first_slot;
    for (unsigned i = 0; i < p->nuntyped; i++)
        p->untyped[i].used = 0;
    svc_alloc_forget_spares(&p->alloc);
}

void
svc_pool_stats(const struct svc_pool *p, struct svc_pool_stats *s)
{
    *s = (struct svc_pool_stats){ 0 };
    for (unsigned i = 0; i < p->nuntyped; i++) {
        const struct svc_pool_untyped *u = &p->untyped[i];
        if (u->device) {
            s->device += 1ULL << u->bits;
            s->device_regions++;
        } else {
            s->total += 1ULL << u->bits;
            s->used += u->used;
            s->regions++;
        }
    }
    s->slots_used = p->next_slot - p->first_slot;
    s->slots_free = p->end_slot - p->next_slot;
}

unsigned
svc_pool_max_bits(const struct svc_pool *p)
{
    unsigned best = 0;
    for (unsigned i = 0; i < p->nuntyped; i++)
        for (unsigned b = p->untyped[i].bits; b > best && b >= KOZO_UNTYPED_MIN_BITS; b--)
            if (fit(&p->untyped[i], b) != ~0ULL) {
                best = b;
                break;
            }
    return best;
}
