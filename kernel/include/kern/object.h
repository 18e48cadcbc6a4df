// SPDX-License-Identifier: MIT OR Apache-2.0
//
// What the kernel knows about each object type (core/object.c): every switch on a cap
// type is behind these functions, and each asks the architecture about its own types.
#ifndef KERN_OBJECT_H
#define KERN_OBJECT_H

#include <kern/cte.h>

// Size and identity. The size of the object a cap refers to, in bits (0: no memory).
unsigned cap_object_bits(cap_t c);
// Do a and b refer to the same object (or, for Untyped a, does b lie inside it; for a
// control cap, did it issue b)?
bool cap_same_region(cap_t a, cap_t b);
bool cap_same_object(cap_t a, cap_t b);
// Does parent's badge let it be child's derivation-tree parent (mdb.c)?
bool cap_badge_parent(cap_t parent, cap_t child, bool child_first_badged);

// Copies. What a copy of the cap in `src` looks like, or an error if it may not be copied;
// the derivation-tree flags of that copy; a Mint's badge (or a CNode's guard) applied.
word_t cap_derive(const cte_t *src, cap_t *out);
word_t cap_derive_flags(cap_t derived, cap_t src);
word_t cap_mint_badge(cap_t *c, word_t badge);
// The one type-specific word CNode.Describe reports.
word_t cap_describe(cap_t c);

// Birth. The size in bits of one object Retype would make (0: not a type or size Retype
// makes); whether device memory may become it; the new object, initialised, and its cap.
unsigned object_retype_bits(word_t type, word_t size_bits);
bool object_device_ok(word_t type);
cap_t object_create(word_t type, word_t size_bits, void *obj, unsigned bits, bool device);

// Death. What deleting any cap undoes (a frame's or table's mapping belongs to its cap);
// whether its object holds caps itself (CNodes and threads: delete.c empties those); and
// destroying an object whose last cap was just deleted.
void cap_pre_delete(cap_t c);
bool cap_is_container(cap_t c);
void object_finalise(cap_t cap);

#endif
