// SPDX-License-Identifier: MIT OR Apache-2.0
//
// x86_64's four-level paging as svc_map() sees it: below the VSpace (the PML4), a PDPT,
// a page directory and a page table, each its own object type (abi/arch/x86_64.abi).
#include <svc/vspace.h>

const uint64_t svc_paging_levels[] = { KOZO_OBJ_PDPT, KOZO_OBJ_PAGE_DIRECTORY, KOZO_OBJ_PAGE_TABLE };
const unsigned svc_paging_nlevels = sizeof(svc_paging_levels) / sizeof(svc_paging_levels[0]);

_Static_assert(sizeof(svc_paging_levels) / sizeof(svc_paging_levels[0]) <= SVC_MAX_LEVELS,
               "struct svc_alloc keeps a spare table per level");
