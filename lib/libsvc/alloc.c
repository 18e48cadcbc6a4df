// SPDX-License-Identifier: MIT OR Apache-2.0
//
// What every allocator gives on top of its two functions (svc/alloc.h).
#include <svc/alloc.h>

uint64_t
svc_object_new(struct svc_alloc *a, uint64_t type, uint64_t size_bits, kozo_handle_t *out)
{
    uint64_t err = a->slot(a, out);
    if (err)
        return err;
    if ((err = a->retype(a, type, size_bits, *out))) {
        if (a->free_slot)
            a->free_slot(a, *out);
        return err;
    }
    // A VSpace is only usable with an ASID; it gets one at once, from the allocator's pool.
    if (!err && type == KOZO_OBJ_VSPACE && a->asid_pool)
        err = kozo_asid_pool_assign(a->asid_pool, *out, NULL);
    return err;
}

uint64_t
svc_object_new_from(struct svc_alloc *a, kozo_handle_t ut, uint64_t type, uint64_t size_bits,
                    kozo_handle_t *out)
{
    uint64_t err = a->slot(a, out);
    if (err)
        return err;
    if ((err = kozo_untyped_retype(ut, type, size_bits, a->cnode, 0, 0, *out, 1)) && a->free_slot)
        a->free_slot(a, *out);
    return err;
}

uint64_t
svc_cap_copy(struct svc_alloc *a, kozo_handle_t src, uint64_t rights, kozo_handle_t *out)
{
    uint64_t err = a->slot(a, out);
    return err ? err : kozo_cnode_copy(a->cnode, *out, a->depth, a->cnode, src, a->depth, rights);
}

void
svc_alloc_forget_spares(struct svc_alloc *a)
{
    for (unsigned k = 0; k < SVC_MAX_LEVELS; k++)
        a->spare_table[k] = 0;
}
