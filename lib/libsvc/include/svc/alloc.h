// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The allocator interface: where a service's new capabilities go and where its new
// objects come from. Everything in libsvc that makes objects takes a struct svc_alloc,
// as seL4_libs' code takes a `vka`, so that each service plugs in its own policy: init
// hands out all of memory, a ktest case gets a fresh Untyped per case, bench keeps what
// it makes. struct svc_pool (pool.h) is the implementation all three use today.
#ifndef SVC_ALLOC_H
#define SVC_ALLOC_H

#include <kozo/kozo.h>

#define SVC_MAX_LEVELS 4 // page-table levels below the VSpace root, on any architecture

struct svc_alloc {
    kozo_handle_t cnode;     // the CNode the slots are in, as the caller names it
    unsigned depth;          // and the depth its handles resolve with
    kozo_handle_t asid_pool; // new VSpaces get an ASID from this pool (0: they get none)
    // A free slot of `cnode`, or an error (RANGE when there are no more).
    uint64_t (*slot)(struct svc_alloc *a, kozo_handle_t *out);
    // Give back a slot that stayed empty (NULL: slots are never reused).
    void (*free_slot)(struct svc_alloc *a, kozo_handle_t slot);
    // Retype one object of `type` (size_bits for sized types) into the empty slot `dest`.
    uint64_t (*retype)(struct svc_alloc *a, uint64_t type, uint64_t size_bits, kozo_handle_t dest);
    // Page tables retyped but not taken by the kernel yet (vspace.c), one per level, so
    // that probing for a missing level never costs memory. 0: none.
    kozo_handle_t spare_table[SVC_MAX_LEVELS];
};

// A new object in a fresh slot: a VSpace also gets its ASID. The slot is in *out; if the
// object cannot be made, the slot goes back.
uint64_t svc_object_new(struct svc_alloc *a, uint64_t type, uint64_t size_bits, kozo_handle_t *out);
// The same from a given Untyped `ut` (device memory, say) instead of the allocator's.
uint64_t svc_object_new_from(struct svc_alloc *a, kozo_handle_t ut, uint64_t type, uint64_t size_bits,
                             kozo_handle_t *out);
// A copy of the cap in slot `src` (rights masked) in a fresh slot.
uint64_t svc_cap_copy(struct svc_alloc *a, kozo_handle_t src, uint64_t rights, kozo_handle_t *out);
// Forget the spare page tables (their memory went back with a Revoke of the Untyped).
void svc_alloc_forget_spares(struct svc_alloc *a);

#endif
