// SPDX-License-Identifier: MIT OR Apache-2.0
//
// vmm: shared declarations of its parts. A client is a service whose description names
// the VMM its pager; init numbers it (1..VMM_CLIENTS) and puts three caps for it in the
// VMM's slots before it starts: its VSpace, the memory carved from its quota for the
// VMM to retype its pages and tables from, and the endpoint that reports its death.
#ifndef VMM_H
#define VMM_H

#include <svc/map.h>
#include <svc/pool.h>
#include <system.h>
#include "space.h"

#define VMM_CLIENTS 16 // init's services at most (MAX_PROCS)
// The VMM's slots for one client's pages and tables, and the page map that finds them.
#define CLIENT_PAGE_SLOTS ((SYS_SLOTS_PAGES_END - SYS_SLOTS_PAGES_FIRST) / VMM_CLIENTS)
#define CLIENT_MAP_CAP    2048 // a power of two, at least 4/3 of CLIENT_PAGE_SLOTS

_Static_assert(CLIENT_MAP_CAP * 3 / 4 >= CLIENT_PAGE_SLOTS, "the page map holds every page it can have");
_Static_assert(SYS_SLOTS_CLIENTS_FIRST == VMM_CLIENT_SLOTS,
               "init puts the clients' caps where the protocol says");
_Static_assert(SYS_SLOTS_CLIENTS_END >= VMM_CLIENT_SLOTS + 4 * (VMM_CLIENTS + 1),
               "room for every client's caps");

struct client {
    bool attached;
    bool dead;            // it faulted beyond help: its death is reported, its faults ignored
    uint64_t incarnation; // init's number for this life of it (in its death report)
    struct space space;   // its regions
    struct svc_pool pool; // its memory, and the VMM's slots for it
    struct svc_map pages; // page address -> the cap of the frame there
    unsigned nspare;
    uint64_t frames, tables; // made from its memory
    // (the big arrays last: ATTACH clears what is above them)
    kozo_handle_t spare[CLIENT_PAGE_SLOTS]; // frames unmapped, kept to be mapped again
    struct svc_map_entry page_storage[CLIENT_MAP_CAP];
};

extern struct client clients[VMM_CLIENTS + 1]; // by number; 0 is none
extern struct svc_pool vmm_pool;               // the VMM's own slots and memory
extern struct svc_window vmm_window;           // for zeroing frames that are used again

static inline kozo_handle_t
client_slot(unsigned n, unsigned which) // 0: VSpace, 1: memory, 2: report endpoint
{
    return VMM_CLIENT_SLOTS + 4 * n + which;
}

// client.c: the protocol's requests
struct client *client_of(uint64_t badge); // the attached, living client a badge names, or NULL
uint64_t client_attach(unsigned n, uint64_t incarnation, uint64_t stack_base, uint64_t stack_size);
uint64_t client_detach(unsigned n);

// requests.c: the protocol's server
extern const struct vmm_server vmm_requests;

// pager.c: pages in and out of a client's address space
uint64_t pager_fault(struct client *c, uint64_t addr, uint64_t access, bool present, const char **why);
uint64_t pager_populate(struct client *c, uint64_t base, uint64_t end);
void pager_unmap(struct client *c, uint64_t base, uint64_t end);
uint64_t pager_protect(struct client *c, uint64_t base, uint64_t end, uint64_t prot);

// report.c: deaths reported to init, by a thread of their own
uint64_t report_start(void);
void report_death(unsigned n, const struct kozo_msg *fault);

#endif
