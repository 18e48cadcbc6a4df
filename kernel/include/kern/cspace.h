// SPDX-License-Identifier: MIT OR Apache-2.0
//
// CSpace addressing: resolving a 64-bit handle to a slot through guarded CNodes.
//
// A handle is read from its most significant end. At each CNode the next guard_bits bits
// must equal the CNode's guard, and the following radix bits index a slot. If the slot
// holds another CNode and bits remain, resolution continues there; it stops when `depth`
// bits are consumed. Init's root CNode (radix 12, guard 52 bits of 0) therefore turns a
// handle into its slot number directly.
#ifndef KERN_CSPACE_H
#define KERN_CSPACE_H

#include <kern/cte.h>
#include <kern/tcb.h>

struct lookup_fault {
    unsigned level;     // CNode level at which resolution failed (0 = the root)
    unsigned bits_left; // bits of the handle still unresolved there
};

// Where the last failed lookup stopped; the syscall layer reports it to the caller in
// message words KOZO_LOOKUP_FAULT_LEVEL_WORD and KOZO_LOOKUP_FAULT_BITS_WORD.
extern struct lookup_fault cspace_last_fault;

// Resolve (handle, depth) from the CNode cap `root`. depth in 1..64.
word_t cspace_lookup_slot(cap_t root, word_t handle, unsigned depth, cte_t **slot,
                          struct lookup_fault *fault);
// Resolve a handle in a thread's CSpace with the full 64-bit depth; the slot must be full.
word_t cspace_lookup_cap(struct tcb *t, word_t handle, cte_t **slot);
// Resolve (index, depth) relative to a CNode cap the caller holds at `root_handle`
// (depth 0 means the root CNode's own slot is not what is wanted: an error).
word_t cspace_lookup_rel(struct tcb *t, word_t root_handle, word_t index, word_t depth, cte_t **slot);

#endif
