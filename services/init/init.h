// SPDX-License-Identifier: MIT OR Apache-2.0
// init: the root task. Shared declarations of its parts.
#ifndef INIT_H
#define INIT_H

#include <kozo/kozo.h>
#include <svc/pool.h>
#include <svc/process.h>

#define ROOT_CNODE   KOZO_SLOT_INIT_CNODE
#define ROOT_DEPTH   KOZO_HANDLE_BITS
#define SCRATCH_VADDR 0x40000000ULL // a page of init's own space for filling frames

// alloc.c: init's pool of slots and Untyped memory, and its window for filling frames
extern struct svc_pool init_pool;
extern struct svc_window init_window;
void alloc_init(const struct kozo_bootinfo *bi);
kozo_handle_t slot_alloc(void); // a free slot, or init stops (it cannot go on without)
// Retype one object into a fresh slot (printing why not); returns a KOZO_ERR_*, slot in *out.
uint64_t obj_alloc(uint64_t type, uint64_t size_bits, kozo_handle_t *out);

// spawn.c: services from ELF images
struct proc {
    char name[16];
    kozo_handle_t tcb, cnode, vspace, ep; // in init's CSpace
    uint8_t priority;
};
#define MAX_PROCS 16
extern struct proc procs[MAX_PROCS];
extern unsigned nprocs;
// An extra capability for a new service: copied (or moved) from init's slot `src`, or one
// of the service's own objects (SPAWN_SELF_*), into slot `dest` of the service's CNode.
struct spawn_cap {
    kozo_handle_t dest, src;
    bool move;
};
#define SPAWN_SELF_CNODE  ((kozo_handle_t)-1) // its root CNode, guarded: handles are slot numbers
#define SPAWN_SELF_VSPACE ((kozo_handle_t)-2)
#define SPAWN_SELF_TCB    ((kozo_handle_t)-3)
struct spawn_args {
    const char *name;
    const void *image;
    uint64_t size;
    uint8_t priority;
    unsigned cnode_bits;          // 0: KOZO_SERVICE_CNODE_BITS
    const struct spawn_cap *caps; // besides the endpoint in SERVICE_ARG_EP_SLOT
    unsigned ncaps;
    bool console;                 // a copy of init's debug-console cap (it prints)
    uint64_t arg0, arg2;          // RDI and RDX at start; RSI is the IPC buffer address
};
uint64_t spawn(const struct spawn_args *a, struct proc **out);

// suite.c: run `name` from the initrd (ktest, bench) to completion, if it is there
void suite_run(const struct kozo_bootinfo *bi, const char *name);

// shell.c: the Init> prompt
void shell_run(const struct kozo_bootinfo *bi);

#endif
