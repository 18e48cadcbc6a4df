// SPDX-License-Identifier: MIT OR Apache-2.0
// ASID control and ASID pools (object/asid.c).
#ifndef KERN_ASID_H
#define KERN_ASID_H

#include <kern/cte.h>

// Boot: the ASID control cap into `control`, the first pool (which holds init's ASID) into
// `pool` as its child, and an ASID from it for the VSpace whose only cap is in `vspace`.
void asid_boot(cte_t *control, cte_t *pool, cte_t *vspace);
// The last cap to a pool is gone: take its ASIDs from their VSpaces; the range is free.
void asid_pool_finalise(cap_t pool);
// CNode.Describe's word for a pool: its first ASID, and the number of ASIDs << 32.
word_t asid_pool_describe(cap_t pool);

#endif
