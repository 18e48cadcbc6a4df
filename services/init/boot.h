// SPDX-License-Identifier: MIT OR Apache-2.0
//
// init's boot table: the types of what tools/sysgen generates from the system description
// (system/*.sys) into boot_table.h. Each service is started in table order with exactly
// the capabilities its entry lists (docs/SYSTEM.md).
#ifndef INIT_BOOT_H
#define INIT_BOOT_H

#include <kozo/kozo.h>

enum boot_cap_kind {
    BOOT_CAP_ENDPOINT,     // its endpoint; init keeps the original
    BOOT_CAP_COPY,         // a copy of init's boot slot `arg`
    BOOT_CAP_SELF,         // its own CNode, VSpace or TCB (arg: BOOT_SELF_*)
    BOOT_CAP_UNTYPED,      // the largest Untyped init can make, at most 2^arg bytes, moved
    BOOT_CAP_DEVICE_MIN,   // the smallest device Untyped of at least 2^arg bytes, moved
    BOOT_CAP_DEVICE_AT,    // the device Untyped holding physical address arg, moved
    BOOT_CAP_ASID_POOL,    // a fresh ASID pool, moved
    BOOT_CAP_CALL,         // a copy of service arg's endpoint, with the badge
    BOOT_CAP_IOPORT,       // the I/O ports arg & 0xffff .. arg >> 16, issued for it
    BOOT_CAP_IRQ,          // the handler of IRQ line arg, issued for it
    BOOT_CAP_NOTIFICATION, // a new notification, from its quota
    BOOT_CAP_PAGER,        // its pager's endpoint, badged with its client number
};
enum { BOOT_SELF_CNODE, BOOT_SELF_VSPACE, BOOT_SELF_TCB };

struct boot_cap {
    uint64_t slot; // in the service's CNode
    enum boot_cap_kind kind;
    uint64_t arg, badge;
    const char *name;
};

enum boot_restart { BOOT_RESTART_ALWAYS, BOOT_RESTART_ON_FAILURE, BOOT_RESTART_NEVER };

struct boot_service {
    const char *name; // also its image's name in the initrd
    uint8_t priority;
    unsigned cnode_bits;
    unsigned memory_bits; // its quota: every object it has is retyped from an Untyped this big
    enum boot_restart restart;
    unsigned restart_limit; // on_failure: restarts before it is failed
    unsigned liveness;      // seconds it may go without blocking before it counts as hung (0: no check)
    bool await_report;      // init waits for its report (passed, failed, known failures)
    int pager;              // the table index of the service that handles its page faults (-1: init)
    unsigned pager_bits;    // the memory carved from its quota for the pager to back it with
    const struct boot_cap *caps;
    unsigned ncaps;
};

#endif
