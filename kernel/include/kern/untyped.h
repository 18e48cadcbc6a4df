// SPDX-License-Identifier: MIT OR Apache-2.0
// Untyped memory: Retype (see object/untyped.c).
#ifndef KERN_UNTYPED_H
#define KERN_UNTYPED_H

#include <kern/cte.h>

// Create `count` objects of `type` from the Untyped in `ut` into the empty slots
// dest_slots[0..count-1]. Returns a KOZO_ERR_* code; on error nothing has changed.
// Preemptible when `made` is given: *made objects were already made by the same call
// (0 at first); ERR_RESTART says it stopped for an interrupt with *made updated, and the
// restarted call continues. NULL (boot, tests): it runs to the end.
word_t untyped_retype(cte_t *ut, word_t type, word_t size_bits, cte_t *dest_slots, word_t count,
                      word_t *made);

#endif
