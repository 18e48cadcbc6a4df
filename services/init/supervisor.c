// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The service manager: init's main thread once the system is up. One endpoint brings it
// both kinds of news. A service's thread that faults sends a fault message on its badged
// copy (badge: the service's number + 1), and the manager reclaims everything of that
// incarnation and acts on the service's restart policy; the fault is never answered (the
// thread is gone). A client (the shell) holds a copy badged SHELL_BADGE and calls the
// svcmgr protocol (abi/proto/svcmgr.proto): kill, stop and restart a service by number.
// Only this thread allocates once the system runs, so init's pools need no lock.
#include <proto/svcmgr.h>
#include "init.h"

#define SHELL_BADGE (1ULL << 62) // above every service's number

kozo_handle_t supervisor_ep;

void
supervisor_init(void)
{
    if (obj_alloc(KOZO_OBJ_ENDPOINT, 0, &supervisor_ep))
        kozo_exit(1); // no supervisor, no system
}

static kozo_handle_t
mint(uint64_t badge)
{
    kozo_handle_t cap = slot_alloc();
    uint64_t err = kozo_cnode_mint(ROOT_CNODE, cap, ROOT_DEPTH, ROOT_CNODE, supervisor_ep, ROOT_DEPTH,
                                   KOZO_RIGHTS_ALL, badge);
    if (err)
        kozo_printf("init: no supervisor cap: %s\n", kozo_error_name(err));
    return err ? 0 : cap;
}

kozo_handle_t
supervisor_fault_cap(const struct proc *p)
{
    return mint((uint64_t)(p - procs) + 1);
}

kozo_handle_t
supervisor_client_cap(void)
{
    return mint(SHELL_BADGE);
}

static void
start_again(struct proc *p)
{
    p->state = PROC_RESTARTING;
    p->restarts++;
    if (proc_start(p) == KOZO_ERR_OK)
        kozo_printf("init: %s restarted (restart %u)\n", p->svc->name, p->restarts);
}

// What a fault message says, in a few words: its kind, where, and (a page fault) what.
static void
say_fault(const struct proc *p, const struct kozo_msg *m)
{
    uint64_t kind = kozo_msginfo_get_label(m->info);
    if (kind == KOZO_FAULT_VM)
        kozo_printf("init: %s died: page fault at %#lx (ip %#lx)\n", p->svc->name, (unsigned long)m->mr[1],
                    (unsigned long)m->mr[0]);
    else if (kind == KOZO_FAULT_EXCEPTION)
        kozo_printf("init: %s died: exception %lu (ip %#lx)\n", p->svc->name, (unsigned long)m->mr[3],
                    (unsigned long)m->mr[0]);
    else
        kozo_printf("init: %s died: fault %lu\n", p->svc->name, (unsigned long)kind);
}

// A service died (its thread faulted): reclaim it, then what its policy says.
static void
on_death(struct proc *p, const struct kozo_msg *m)
{
    say_fault(p, m);
    proc_reclaim(p);
    switch (p->svc->restart) {
    case BOOT_RESTART_ALWAYS: start_again(p); break;
    case BOOT_RESTART_ON_FAILURE:
        if (p->restarts < p->svc->restart_limit) {
            start_again(p);
            break;
        }
        p->state = PROC_FAILED;
        p->why = "it died more often than its restart limit";
        kozo_printf("init: %s failed: %s (%u)\n", p->svc->name, p->why, p->svc->restart_limit);
        break;
    case BOOT_RESTART_NEVER:
        p->state = PROC_STOPPED;
        p->why = "it died, and its policy is never to restart";
        break;
    }
}

// --- The svcmgr protocol -------------------------------------------------------------------

static struct proc *
proc_numbered(uint64_t n)
{
    return n < nprocs ? &procs[n] : NULL;
}

// Make it fault as a bug would: stopped wherever it is, sent to address 0. Its death
// arrives here as any other.
static uint64_t
do_kill(void *ctx, uint64_t badge, const struct svcmgr_kill_args *args)
{
    struct proc *p = proc_numbered(args->service);
    (void)ctx, (void)badge;
    if (!p)
        return SVCMGR_NO_SUCH_SERVICE;
    if (p->state != PROC_RUNNING || !p->fault_ep)
        return SVCMGR_NOT_RUNNING;
    kozo_tcb_suspend(p->tcb);
    kozo_tcb_set_registers(p->tcb, 0, 0, 0, 0, 0, 0);
    kozo_tcb_resume(p->tcb);
    return SVCMGR_OK;
}

static uint64_t
do_stop(void *ctx, uint64_t badge, const struct svcmgr_stop_args *args)
{
    struct proc *p = proc_numbered(args->service);
    (void)ctx, (void)badge;
    if (!p)
        return SVCMGR_NO_SUCH_SERVICE;
    if (p->state != PROC_RUNNING)
        return SVCMGR_NOT_RUNNING;
    proc_reclaim(p);
    p->state = PROC_STOPPED;
    p->why = "stopped at the prompt";
    kozo_printf("init: %s stopped\n", p->svc->name);
    return SVCMGR_OK;
}

static uint64_t
do_restart(void *ctx, uint64_t badge, const struct svcmgr_restart_args *args)
{
    struct proc *p = proc_numbered(args->service);
    (void)ctx, (void)badge;
    if (!p)
        return SVCMGR_NO_SUCH_SERVICE;
    if (p->state == PROC_RUNNING || p->state == PROC_DONE)
        proc_reclaim(p);
    p->why = NULL;
    start_again(p);
    return SVCMGR_OK;
}

void
supervise(void)
{
    static struct svcmgr_server server = { .kill = do_kill, .restart = do_restart, .stop = do_stop };
    struct kozo_msg m = { 0, 0, { 0 } };
    uint64_t err = kozo_recv(supervisor_ep, &m);
    for (;;) {
        if (err) {
            kozo_printf("init: the supervisor cannot receive: %s\n", kozo_error_name(err));
            for (;;)
                kozo_yield();
        }
        if (m.badge == SHELL_BADGE) {
            svcmgr_dispatch(&server, &m);
            err = kozo_reply_recv(supervisor_ep, &m);
            continue;
        }
        struct proc *p = m.badge ? proc_numbered(m.badge - 1) : NULL;
        if (p && p->state == PROC_RUNNING)
            on_death(p, &m);
        err = kozo_recv(supervisor_ep, &m);
    }
}
