// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Address spaces built from user space: map a frame, first adding the page-table levels
// that are missing (which levels exist is the architecture's: arch/<arch>/paging.c), and
// fill a frame with bytes through a window page of the caller's own space.
#ifndef SVC_VSPACE_H
#define SVC_VSPACE_H

#include <svc/alloc.h>

// The page-table object types below the VSpace root, top level first (arch/<arch>/).
extern const uint64_t svc_paging_levels[];
extern const unsigned svc_paging_nlevels;

// Map `frame` at `vaddr` of `vspace`; tables come from `a`.
uint64_t svc_map(struct svc_alloc *a, kozo_handle_t vspace, kozo_handle_t frame, uint64_t vaddr,
                 uint64_t rights, uint64_t attrs);
// A fresh frame, mapped read-write at `vaddr` of `vspace`; its cap in *frame (may be NULL).
uint64_t svc_map_new(struct svc_alloc *a, kozo_handle_t vspace, uint64_t vaddr, kozo_handle_t *frame);

// A page of the caller's own address space where frames are mapped one at a time to be
// written (the frame's cap is copied into `slot`, mapped, and deleted again).
struct svc_window {
    kozo_handle_t vspace; // the caller's own VSpace
    uint64_t vaddr;       // an unused page-aligned address in it
    kozo_handle_t slot;   // 0: allocated from the allocator on first use
};
// Copy len bytes to `offset` in `frame` (offset + len at most a page).
uint64_t svc_frame_fill(struct svc_alloc *a, struct svc_window *w, kozo_handle_t frame, uint64_t offset,
                        const void *src, uint64_t len);

// What a page fault's error word (struct kozo_fault_vm_words) says the thread tried, in the
// architecture's own encoding (arch/<arch>/paging.c).
struct svc_vm_access {
    bool write, exec; // neither: a read
    bool present;     // a page was mapped there: the access broke its protection
};
struct svc_vm_access svc_vm_fault_access(uint64_t error_code);

#endif
