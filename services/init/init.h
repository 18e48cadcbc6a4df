// SPDX-License-Identifier: MIT OR Apache-2.0
// init: the root task. Shared declarations of its parts.
#ifndef INIT_H
#define INIT_H

#include <kozo/kozo.h>
#include <svc/pool.h>
#include <svc/process.h>
#include "boot.h"

#define ROOT_CNODE    KOZO_SLOT_INIT_CNODE
#define ROOT_DEPTH    KOZO_HANDLE_BITS
#define SCRATCH_VADDR 0x40000000ULL // a page of init's own space for filling frames

// alloc.c: init's pool of slots and Untyped memory, and its window for filling frames
extern struct svc_pool init_pool;
extern struct svc_window init_window;
void alloc_init(const struct kozo_bootinfo *bi);
kozo_handle_t slot_alloc(void); // a free slot, or init stops (it cannot go on without)
// Retype one object into a fresh slot (printing why not); returns a KOZO_ERR_*, slot in *out.
uint64_t obj_alloc(uint64_t type, uint64_t size_bits, kozo_handle_t *out);

// spawn.c: a service of the boot table, from its ELF image
struct proc {
    const struct boot_service *svc;       // its entry in the boot table
    kozo_handle_t tcb, cnode, vspace, ep; // in init's CSpace
};
#define MAX_PROCS 16
extern struct proc procs[MAX_PROCS];
extern unsigned nprocs;
uint64_t spawn(const struct boot_service *s, const void *image, size_t size, struct proc **out);

// boot.c: the system the description says
void boot_start(const struct kozo_bootinfo *bi);     // every service but those that report
void boot_run_reports(void);                         // those, one at a time, to their reports
const struct boot_service *boot_service(unsigned i); // the table's i-th service, or NULL

// shell.c: the Init> prompt
void shell_run(const struct kozo_bootinfo *bi);

#endif
