// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Starting a process from an ELF image: a new VSpace, root CNode and thread, the image's
// segments each mapped with its own rights, a stack with the main thread's TLS block at
// its top, and an IPC buffer; then capabilities given into its CNode, and a start.
#ifndef SVC_PROCESS_H
#define SVC_PROCESS_H

#include <svc/vspace.h>

// Where a process's stack and IPC buffer go unless its creator says otherwise: above
// 2 GiB, below what any static image needs, the same on every architecture.
#define SVC_PROCESS_IPC_VADDR   0x7f001000ULL
#define SVC_PROCESS_STACK_TOP   0x7f100000ULL
#define SVC_PROCESS_STACK_PAGES 8

struct svc_process_config {
    const void *image;
    uint64_t size;
    unsigned cnode_bits; // its root CNode has 2^cnode_bits slots; handles are slot numbers
    uint64_t stack_top;  // where its stack ends (page-aligned)
    unsigned stack_pages;
    uint64_t ipc_vaddr;     // where its IPC buffer is mapped
    kozo_handle_t fault_ep; // its thread's fault endpoint, in the creator's CSpace (0: none)
};

struct svc_process {
    kozo_handle_t vspace, cnode, tcb, ipc_frame; // in the creator's CSpace
    kozo_handle_t cnode_guarded; // its root CNode as it sees itself: guarded, handles are slots
    unsigned cnode_bits;
    uint64_t entry, stack_top, ipc_vaddr;
};

// Build it, stopped. A bad image is INVALID_ARGUMENT, with elf_strerror(*elf_err) saying why.
uint64_t svc_process_new(struct svc_alloc *a, struct svc_window *w, const struct svc_process_config *c,
                         struct svc_process *p, int *elf_err);
// Put a cap into slot `dest` of its CNode: a copy (rights masked) of the creator's `src`,
// or `src` itself moved there.
uint64_t svc_process_give(struct svc_alloc *a, const struct svc_process *p, kozo_handle_t dest,
                          kozo_handle_t src, uint64_t rights, bool move);
// ... a copy with a badge (of an endpoint or notification: the receiver tells callers apart).
uint64_t svc_process_give_badged(struct svc_alloc *a, const struct svc_process *p, kozo_handle_t dest,
                                 kozo_handle_t src, uint64_t rights, uint64_t badge);
// Start it at its ELF entry with `priority` and three start arguments.
uint64_t svc_process_start(const struct svc_process *p, uint8_t priority, uint64_t arg0, uint64_t arg1,
                           uint64_t arg2);

#endif
