// SPDX-License-Identifier: MIT OR Apache-2.0
//
// x86_64's four-level paging as svc_map() sees it: below the VSpace (the PML4), a PDPT,
// a page directory and a page table, each its own object type (abi/arch/x86_64.abi).
#include <svc/vspace.h>

const uint64_t svc_paging_levels[] = { KOZO_OBJ_PDPT, KOZO_OBJ_PAGE_DIRECTORY, KOZO_OBJ_PAGE_TABLE };
const unsigned svc_paging_nlevels = sizeof(svc_paging_levels) / sizeof(svc_paging_levels[0]);

_Static_assert(sizeof(svc_paging_levels) / sizeof(svc_paging_levels[0]) <= SVC_MAX_LEVELS,
               "struct svc_alloc keeps a spare table per level");

// The #PF error code: bit 0 the page was present, bit 1 a write, bit 4 an instruction fetch.
struct svc_vm_access
svc_vm_fault_access(uint64_t error_code)
{
    return (struct svc_vm_access){
        .write = (error_code & 2) != 0,
        .exec = (error_code & 16) != 0,
        .present = (error_code & 1) != 0,
    };
}
