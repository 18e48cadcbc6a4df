// SPDX-License-Identifier: MIT OR Apache-2.0
//
// vmmhog: touches more memory than its quota holds (system/faults.sys). Its VMM may back
// 64 KiB of it; it asks for a megabyte and writes a page at a time. The VMM refuses the
// fault that finds the memory used up, stops it and reports its death to init; the
// system goes on. (Asking with MAP_POPULATE would be refused with NO_MEMORY instead:
// services/vmmtest shows that.)
#include <proto/vmm.h>
#include <system.h>

int main(void);

int
main(void)
{
    uint64_t status;
    struct vmm_map_res r;
    if (vmm_map(SYS_SLOT_VMM, 0, 1ULL << 20, VMM_PROT_READ | VMM_PROT_WRITE, 0, &status, &r) ||
        status != VMM_OK) {
        kozo_printf("vmmhog: no region: %s\n", vmm_status_name(status));
        return 1;
    }
    kozo_printf("vmmhog: touching 1 MiB at %#lx with 64 KiB to back it\n", (unsigned long)r.addr);
    for (uint64_t off = 0; off < 1ULL << 20; off += VMM_PAGE_SIZE)
        *(volatile uint64_t *)(r.addr + off) = off;
    kozo_printf("vmmhog: FAIL: all of it was backed\n");
    return 1;
}
