// SPDX-License-Identifier: MIT OR Apache-2.0
// init: the root task and service manager. Shared declarations of its parts.
#ifndef INIT_H
#define INIT_H

#include <kozo/kozo.h>
#include <svc/pool.h>
#include <svc/process.h>
#include "boot.h"

#define ROOT_CNODE      KOZO_SLOT_INIT_CNODE
#define ROOT_DEPTH      KOZO_HANDLE_BITS
#define SCRATCH_VADDR   0x40000000ULL // a page of init's own space for filling frames
#define SHELL_VADDR     0x48000000ULL // the shell thread's stack, IPC buffer and TLS block
#define HEARTBEAT_VADDR 0x4c000000ULL // the heartbeat thread's
#define LOG_VADDR       0x4e000000ULL // the logger thread's

// alloc.c: init's pool of slots and Untyped memory, and its window for filling frames
extern struct svc_pool init_pool;
extern struct svc_window init_window;
void alloc_init(const struct kozo_bootinfo *bi);
kozo_handle_t slot_alloc(void);       // a free slot, or init stops (it cannot go on without)
kozo_handle_t slot_range(unsigned n); // n consecutive free slots, or init stops
// Retype one object into a fresh slot (printing why not); returns a KOZO_ERR_*, slot in *out.
uint64_t obj_alloc(uint64_t type, uint64_t size_bits, kozo_handle_t *out);

// spawn.c: one service of the boot table, an incarnation at a time
enum proc_state { PROC_RUNNING, PROC_RESTARTING, PROC_STOPPED, PROC_FAILED, PROC_DONE };
#define PROC_SLOTS_BASE 128 // init's slots for one incarnation's objects, beside a slot per image page
struct proc {
    const struct boot_service *svc; // its entry in the boot table
    enum proc_state state;
    kozo_handle_t tcb, cnode, vspace; // this incarnation's, in init's CSpace
    kozo_handle_t ep;                 // its endpoint: init's, the same across restarts
    kozo_handle_t fault_ep;           // init's supervisor endpoint, badged for it (0: none)
    kozo_handle_t quota;              // the Untyped all of an incarnation is retyped from
    struct svc_pool pool;             // its slots (proc_slots()) and its quota
    unsigned restarts;                // incarnations after the first
    uint64_t started;                 // kozo_cycles() when this incarnation started
    unsigned busy;                    // heartbeats in a row it was runnable at (liveness)
    bool killed;                      // the prompt killed it: restart it at once
    uint64_t restart_at;              // restarting: kozo_cycles() when the back-off is over
    const char *why;                  // stopped or failed: why
    bool attached;                    // to its pager (pager.c)
    bool waits_for_pager;             // restarting: it starts when its pager does
};
#define MAX_PROCS 16
extern struct proc procs[MAX_PROCS];
extern unsigned nprocs;
struct proc *proc_new(const struct boot_service *s); // its entry, endpoint and quota: not started
uint64_t proc_start(struct proc *p);                 // a new incarnation from its image
void proc_reclaim(struct proc *p);                   // everything of the incarnation, gone
struct proc *proc_find(const char *name);
unsigned proc_number(const struct proc *p); // 1..: its number in badges (the supervisor's, its pager's)
struct proc *proc_of(const struct boot_service *s); // the proc of a boot-table entry, or NULL
const char *proc_state_name(enum proc_state s);

// boot.c: the system the description says
void boot_start(const struct kozo_bootinfo *bi);        // every service but those that report
void boot_run_reports(void);                            // those, one at a time, to their reports
const struct boot_service *boot_service(unsigned i);    // the table's i-th service, or NULL
const void *boot_image(const char *name, size_t *size); // a service's image in the initrd

// pager.c: services whose page faults a pager (the VMM) serves
struct proc *pager_of(const struct proc *p);                 // its pager, or NULL
kozo_handle_t pager_fault_cap(const struct proc *p);         // the pager's endpoint, badged for p's faults
uint64_t pager_attach(struct proc *p);                       // before it starts
void pager_detach(struct proc *p);                           // before its quota is revoked
void pager_lost(struct proc *pager);                         // the pager died: its clients go with it
void pager_clients_resume(struct proc *pager, bool started); // and start again after it (or fail)

// supervisor.c: the service manager, init's main thread from the prompt on
extern kozo_handle_t supervisor_ep;                       // faults (badged by service) and svcmgr requests
kozo_handle_t supervisor_client_cap(void);                // a cap to it for a client (the shell)
kozo_handle_t supervisor_fault_cap(const struct proc *p); // a cap to it badged for p's faults
uint64_t supervisor_report_badge(const struct proc *p);   // the badge of p's death reports from its pager
void supervisor_init(void);                               // before the services start: their fault endpoint
void supervisor_heartbeat_start(void); // the liveness checks' clock (if any service has one)
__attribute__((noreturn)) void supervise(void);

// log.c: the calling thread's output goes to the console driver through a logger thread
void log_start(kozo_handle_t console_ep);

// shell.c: the Init> prompt, a thread of init's
#define SHELL_PRIORITY 254 // below the supervisor (255), above every service
void shell_start(const struct kozo_bootinfo *bi);
extern kozo_handle_t shell_svcmgr;
kozo_handle_t shell_console_ep(void); // the console driver the prompt uses (0: none)
void rights_string(uint64_t r, char out[5]);
const char *thread_state_name(uint64_t s);

// shell_services.c: the prompt's commands about services
void cmd_services(const char *arg);
void cmd_kill(const char *arg);
void cmd_stop(const char *arg);
void cmd_restart(const char *arg);
void services_caps(const char *name);
void cmd_time(const char *arg);
void cmd_sleep(const char *arg);
void services_mem(void);
void services_mem_mark(void);            // what init uses once the system has started
void services_clock(uint64_t cycle_khz); // the cycle counter's rate, for uptimes
uint64_t services_cycle_khz(void);

#endif
