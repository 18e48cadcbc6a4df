// SPDX-License-Identifier: MIT OR Apache-2.0
// sysgen.h: the system description as tools/sysgen reads it (parse.c) and writes it out
// (emit.c): the services init starts, each with its priority, CNode and capabilities.
// The lines are read with abigen's token layer (tools/abigen/lex.c).
#ifndef SYSGEN_H
#define SYSGEN_H

#include "../abigen/abigen.h"

#define MAXSERVICES 32
#define MAXCAPS     32
#define MAXRANGES   8

// Where a service's capability comes from (docs/SYSTEM.md).
enum cap_kind {
    CAP_ENDPOINT,     // its own endpoint: init makes it and keeps a copy (exactly one per service)
    CAP_COPY,         // a copy of one of init's boot capabilities (KOZO_SLOT_<arg>)
    CAP_SELF,         // its own cnode, vspace or tcb (arg)
    CAP_UNTYPED,      // the largest Untyped init can give, at most 2^num bytes, moved to it
    CAP_DEVICE_MIN,   // the smallest device Untyped of at least 2^num bytes, moved to it
    CAP_DEVICE_AT,    // the device Untyped holding physical address num, moved to it
    CAP_ASID_POOL,    // a fresh ASID pool of its own
    CAP_CALL,         // a badged copy of service arg's endpoint: it may call that service
    CAP_IOPORT,       // the I/O ports num..num2, issued from init's control cap
    CAP_IRQ,          // the handler of IRQ line num, issued from init's control cap
    CAP_NOTIFICATION, // a new notification, from its quota
    CAP_PAGER,        // its pager's endpoint, badged with its number: it may call its pager
};

struct cap {
    const char *file;
    int line;
    uint64_t slot;
    char name[NAMELEN];
    enum cap_kind kind;
    char arg[NAMELEN];
    uint64_t num, num2, badge;
    int target; // CAP_CALL: the index of the service it calls
    char doc[DOCLEN];
};

struct range { // slots the service manages itself
    const char *file;
    int line;
    char name[NAMELEN];
    uint64_t first, last;
    char doc[DOCLEN];
};

enum restart { RESTART_ALWAYS, RESTART_ON_FAILURE, RESTART_NEVER };

struct service {
    const char *file;
    int line;
    char name[NAMELEN];
    char doc[DOCLEN];
    uint64_t priority, cnode_bits;
    uint64_t memory_bits; // its quota: one Untyped of 2^memory_bits bytes for all it has
    enum restart restart;
    uint64_t restart_limit; // on-failure: the most restarts before it is failed
    int restart_set;
    uint64_t liveness;   // seconds it may go without blocking before it counts as hung (0: no check)
    int await_report;    // init waits for its report (passed, failed, known failures)
    char pager[NAMELEN]; // "": init handles its faults; else the service that pages it
    uint64_t pager_bits; // the memory carved from its quota for its pager to back it with
    int pager_index;     // checked: the pager's index
    const char *pager_file;
    int pager_line;
    struct cap caps[MAXCAPS];
    int ncaps;
    struct range ranges[MAXRANGES];
    int nranges;
};

extern char system_name[NAMELEN], system_doc[DOCLEN];
extern uint64_t system_budget_bits; // 0: none; else the services' quotas add up to at most 2^bits
extern const char *system_budget_file;
extern int system_budget_line;
extern struct service services[MAXSERVICES];
extern int nservices;

void parse_system(const char *path);
void check_system(void);
void emit_boot_table(void);
void emit_service_header(const struct service *s);
void emit_dot(void);

#endif
