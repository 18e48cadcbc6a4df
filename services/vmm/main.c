// SPDX-License-Identifier: MIT OR Apache-2.0
//
// vmm: the virtual-memory manager. It backs the address spaces of its clients (the
// services whose description names it their pager) with memory on demand, and it is the
// fault handler of their threads. One endpoint brings both: a request of the vmm protocol
// (badge: the client's number; 0: init) is answered by requests.c; a fault (badge
// VMM_FAULT_BADGE | number) by mapping a page (pager.c), or, when no page may be there,
// by stopping the thread and reporting the death to init (report.c). The main thread
// never waits for anyone but its callers.
#include <svc/vspace.h>
#include "vmm.h"

#define WINDOW_VADDR 0x20000000ULL // a page of its own space, for zeroing frames

int main(void);

struct svc_pool vmm_pool;
struct svc_window vmm_window = { .vspace = SYS_SLOT_VSPACE, .vaddr = WINDOW_VADDR };

static uint64_t
access_of(struct svc_vm_access a)
{
    return a.exec ? VMM_PROT_EXEC : a.write ? VMM_PROT_WRITE : VMM_PROT_READ;
}

// A client's fault: label 0 resumes the thread, any other leaves it stopped.
static void
on_fault(struct kozo_msg *m)
{
    unsigned n = (unsigned)(m->badge & ~(uint64_t)VMM_FAULT_BADGE);
    struct client *c = client_of(m->badge);
    const char *why = "not a page fault";
    if (!c) { // dead already (another of its threads), or never attached: it stays stopped
        svc_reply_set(m, 1, 0);
        return;
    }
    if (kozo_msginfo_get_label(m->info) == KOZO_FAULT_VM) {
        const struct kozo_fault_vm_words *f = (const struct kozo_fault_vm_words *)m->mr;
        struct svc_vm_access a = svc_vm_fault_access(f->error_code);
        if (pager_fault(c, f->address, access_of(a), a.present, &why) == VMM_OK) {
            svc_reply_set(m, 0, 0);
            return;
        }
        kozo_printf("vmm: client %u's fault at %#lx (ip %#lx): %s\n", n, (unsigned long)f->address,
                    (unsigned long)f->ip, why);
    }
    c->dead = true;
    report_death(n, m);
    svc_reply_set(m, 1, 0);
}

static uint64_t
start(void)
{
    uint64_t err;
    svc_pool_init(&vmm_pool, SYS_SLOT_CNODE, KOZO_HANDLE_BITS, SYS_SLOTS_FREE_FIRST, SYS_SLOTS_FREE_END, 0);
    if ((err = svc_pool_add(&vmm_pool, SYS_SLOT_MEMORY, 0, SYS_MEMORY_MAX_BITS, false, 0)))
        return err;
    return report_start();
}

int
main(void)
{
    uint64_t err = start();
    if (err) {
        kozo_printf("vmm: cannot start: %s\n", kozo_error_name(err));
        return 1;
    }
    struct kozo_msg m = { 0, 0, { 0 } };
    err = kozo_recv(SYS_SLOT_EP, &m);
    while (!err) {
        if (m.badge & VMM_FAULT_BADGE)
            on_fault(&m);
        else
            vmm_dispatch((void *)&vmm_requests, &m);
        err = kozo_reply_recv(SYS_SLOT_EP, &m);
    }
    kozo_printf("vmm: receive failed: %s\n", kozo_error_name(err));
    return 1;
}
