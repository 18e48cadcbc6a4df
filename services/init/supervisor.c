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
#include <proto/timer.h>
#include <proto/vmm.h>
#include <string.h>
#include <svc/thread.h>
#include "init.h"

#define SHELL_BADGE     (1ULL << 62) // above every service's number
#define HEARTBEAT_BADGE (1ULL << 61) // the heartbeat thread: time to check who hangs
#define REPORT_BADGE    (1ULL << 60) // | number + 1: a pager reports that service's death
#define HEARTBEAT_MS    1000

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
    return mint(proc_number(p));
}

uint64_t
supervisor_report_badge(const struct proc *p)
{
    return REPORT_BADGE | proc_number(p);
}

kozo_handle_t
supervisor_client_cap(void)
{
    return mint(SHELL_BADGE);
}

static struct svc_thread heartbeat_thread;
static bool heartbeat_on; // the heartbeat thread runs: restarts may wait for it

static void
start_now(struct proc *p)
{
    p->restart_at = 0;
    if (proc_start(p) != KOZO_ERR_OK) {
        pager_clients_resume(p, false);
        return;
    }
    kozo_printf("init: %s restarted (restart %u)\n", p->svc->name, p->restarts);
    pager_clients_resume(p, true);
    if (heartbeat_on && !strcmp(p->svc->name, "timer"))
        kozo_tcb_resume(heartbeat_thread.tcb); // it stopped itself while the timer was gone
}

// A service that died within a second of starting is started again after a back-off, 250
// ms doubling to 8 s, counted by the heartbeat (so without a timer driver, at once); one
// that was killed on purpose or lived longer, at once. The timer driver itself is never
// kept waiting: the heartbeat counts with it.
static void
start_again(struct proc *p, bool deliberate)
{
    uint64_t khz = services_cycle_khz(), now = kozo_cycles();
    uint64_t lived_ms = khz ? (now - p->started) / khz : ~0ULL;
    p->state = PROC_RESTARTING;
    p->restarts++;
    if (deliberate || !heartbeat_on || lived_ms >= 1000 || !strcmp(p->svc->name, "timer")) {
        start_now(p);
        return;
    }
    uint64_t delay_ms = 250ULL << (p->restarts - 1 < 5 ? p->restarts - 1 : 5);
    p->restart_at = now + delay_ms * khz;
    kozo_printf("init: %s died %lu ms after it started: starting it again in %lu ms\n", p->svc->name,
                (unsigned long)lived_ms, (unsigned long)delay_ms);
}

// The heartbeat's other duty: the restarts whose back-off is over.
static void
restart_due(void)
{
    uint64_t now = kozo_cycles();
    for (unsigned i = 0; i < nprocs; i++)
        if (procs[i].state == PROC_RESTARTING && procs[i].restart_at && now >= procs[i].restart_at)
            start_now(&procs[i]);
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

// Everything of the incarnation, gone; a pager's clients go with it (pager.c).
static void
reclaim(struct proc *p)
{
    p->state = PROC_RESTARTING; // not running: nothing is detached from it any more
    pager_lost(p);
    proc_reclaim(p);
}

// A service died: reclaim it, then what its policy says.
static void
after_death(struct proc *p)
{
    bool deliberate = p->killed;
    p->killed = false;
    reclaim(p);
    switch (p->svc->restart) {
    case BOOT_RESTART_ALWAYS: start_again(p, deliberate); break;
    case BOOT_RESTART_ON_FAILURE:
        if (p->restarts < p->svc->restart_limit) {
            start_again(p, deliberate);
            break;
        }
        p->state = PROC_FAILED;
        p->why = "it died more often than its restart limit";
        kozo_printf("init: %s failed: %s (%u)\n", p->svc->name, p->why, p->svc->restart_limit);
        pager_clients_resume(p, false);
        break;
    case BOOT_RESTART_NEVER:
        p->state = PROC_STOPPED;
        p->why = "it died, and its policy is never to restart";
        pager_clients_resume(p, false);
        break;
    }
}

// Its thread faulted.
static void
on_death(struct proc *p, const struct kozo_msg *m)
{
    say_fault(p, m);
    after_death(p);
}

// --- Liveness: a service with a liveness check must block now and then ----------------------

// Every HEARTBEAT_MS: a service whose thread was runnable at every look for its liveness
// period has not waited for anything all that time: it hangs (a loop), and is as dead as
// one that faulted. (A thread that was preempted once counts as runnable: the check is for
// servers and drivers, which spend their lives waiting.)
static void
check_liveness(void)
{
    for (unsigned i = 0; i < nprocs; i++) {
        struct proc *p = &procs[i];
        struct kozo_res_tcb_info info = { 0, 0 };
        if (p->state != PROC_RUNNING || !p->svc->liveness || kozo_tcb_info(p->tcb, &info))
            continue;
        p->busy = info.state == KOZO_THREAD_RUNNABLE ? p->busy + 1 : 0;
        if (p->busy * HEARTBEAT_MS >= p->svc->liveness * 1000u) {
            kozo_printf("init: %s hangs: it has not waited for anything in %u s\n", p->svc->name,
                        p->svc->liveness);
            kozo_tcb_suspend(p->tcb);
            after_death(p);
        }
    }
}

// The heartbeat: a thread that sleeps on the timer driver and then calls the supervisor.
// While the timer driver is not running it stops itself; the supervisor starts it again
// with the driver (start_now).
static void
heartbeat(void *cap)
{
    const struct proc *timer = proc_find("timer");
    for (;;) {
        uint64_t status;
        if (timer->state != PROC_RUNNING) {
            kozo_tcb_suspend(heartbeat_thread.tcb);
            continue;
        }
        if (timer_sleep(timer->ep, HEARTBEAT_MS, &status))
            continue; // the driver died during the sleep: look again
        struct kozo_msg m = { kozo_msginfo_make(0, 0, 0, 0), 0, { 0 } };
        kozo_call((kozo_handle_t)(uintptr_t)cap, &m);
    }
}

void
supervisor_heartbeat_start(void)
{
    const struct svc_thread_config c = {
        .base = HEARTBEAT_VADDR,
        .stack_pages = 4,
        .priority = SHELL_PRIORITY - 1,
        .cspace = ROOT_CNODE,
        .vspace = KOZO_SLOT_INIT_VSPACE,
    };
    bool wanted = false;
    for (unsigned i = 0; i < nprocs; i++)
        wanted |= procs[i].svc->liveness != 0;
    if (!proc_find("timer")) { // then restarts do not wait, and nothing is checked for liveness
        if (wanted)
            kozo_printf("init: liveness checks need the timer driver, and this system has none\n");
        return;
    }
    uint64_t err = svc_thread_new(&init_pool.alloc, &c, heartbeat, (void *)(uintptr_t)mint(HEARTBEAT_BADGE),
                                  &heartbeat_thread);
    if (err || (err = svc_thread_start(&heartbeat_thread)))
        kozo_printf("init: no heartbeat thread: %s\n", kozo_error_name(err));
    else
        heartbeat_on = true;
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
    p->killed = true; // on purpose: it is restarted at once
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
    reclaim(p);
    p->state = PROC_STOPPED;
    p->why = "stopped at the prompt";
    kozo_printf("init: %s stopped\n", p->svc->name); // its clients wait for it (pager.c)
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
        reclaim(p);
    p->why = NULL;
    start_again(p, true);
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
        if (m.badge == SHELL_BADGE || m.badge == HEARTBEAT_BADGE) {
            if (m.badge == SHELL_BADGE)
                svcmgr_dispatch(&server, &m);
            else {
                check_liveness();
                restart_due();
            }
            err = kozo_reply_recv(supervisor_ep, &m);
            continue;
        }
        if (m.badge & REPORT_BADGE) { // a pager's word that a client died: answered, to free it
            struct proc *p = proc_numbered((m.badge & ~REPORT_BADGE) - 1);
            if (p && p->state == PROC_RUNNING &&
                kozo_ipc_buffer()->msg[VMM_REPORT_INCARNATION_WORD] == p->restarts)
                on_death(p, &m);
            m.info = kozo_msginfo_make(0, 0, 0, 0);
            err = kozo_reply_recv(supervisor_ep, &m);
            continue;
        }
        struct proc *p = m.badge ? proc_numbered(m.badge - 1) : NULL;
        if (p && p->state == PROC_RUNNING)
            on_death(p, &m);
        err = kozo_recv(supervisor_ep, &m);
    }
}
