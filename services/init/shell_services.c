// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The prompt's commands about the services of the system description: list them, show a
// service's capabilities and memory, and ask the supervisor (svcmgr protocol) to kill,
// stop or restart one. The prompt reads init's tables; it changes nothing itself.
#include <fmt.h>
#include <proto/svcmgr.h>
#include <proto/timer.h>
#include <string.h>
#include "init.h"

static const char *const restart_names[] = { "always", "on_failure", "never" };

// The service a command names, or NULL (said why; `what` is the command).
static struct proc *
named(const char *name, const char *what)
{
    if (!*name) {
        kozo_printf("%s: which service? (%s NAME; services lists them)\n", what, what);
        return NULL;
    }
    struct proc *p = proc_find(name);
    if (!p)
        kozo_printf("no service '%s' (services lists them)\n", name);
    return p;
}

static uint64_t cycle_khz; // the boot-info frame's: 0, no uptimes

void
services_clock(uint64_t khz)
{
    cycle_khz = khz;
}

uint64_t
services_cycle_khz(void)
{
    return cycle_khz;
}

// How long p's incarnation has run, as "12.3s" (or "-": not running, or no clock).
static const char *
uptime(const struct proc *p, char buf[24])
{
    if (!cycle_khz || p->state != PROC_RUNNING)
        return "-";
    uint64_t ms = (kozo_cycles() - p->started) / cycle_khz;
    fmt_snprintf(buf, 24, "%lu.%lus", (unsigned long)(ms / 1000), (unsigned long)(ms % 1000 / 100));
    return buf;
}

void
cmd_services(const char *arg)
{
    (void)arg;
    kozo_printf("service   state       tcb   prio  quota KiB  used KiB  restarts  uptime   policy\n");
    for (unsigned i = 0; i < nprocs; i++) {
        const struct proc *p = &procs[i];
        struct svc_pool_stats st;
        svc_pool_stats(&p->pool, &st);
        char up[24];
        kozo_printf("%-9s %-11s %-5lu %-5u %-10lu %-9lu %-9u %-8s %s", p->svc->name,
                    proc_state_name(p->state), (unsigned long)p->tcb, p->svc->priority,
                    (unsigned long)(st.total >> 10), (unsigned long)(st.used >> 10), p->restarts,
                    uptime(p, up), restart_names[p->svc->restart]);
        if (p->svc->restart == BOOT_RESTART_ON_FAILURE)
            kozo_printf(" %u", p->svc->restart_limit);
        kozo_printf(p->why ? " (%s)\n" : "\n", p->why);
    }
}

// One request to the supervisor about service `name`.
static void
ask(const char *name, uint64_t (*call)(kozo_handle_t, uint64_t, uint64_t *), const char *what)
{
    struct proc *p = named(name, what);
    uint64_t status;
    if (!p)
        return;
    // The prompt cannot stop the console it reads from: nothing could start it again.
    if (call == svcmgr_stop && p->ep == shell_console_ep()) {
        kozo_printf("stop %s: the prompt reads through it (restart or kill it instead)\n", name);
        return;
    }
    uint64_t err = call(shell_svcmgr, (uint64_t)(p - procs), &status);
    if (err)
        kozo_printf("%s %s: the supervisor did not answer: %s\n", what, name, kozo_error_name(err));
    else if (status != SVCMGR_OK)
        kozo_printf("%s %s: %s\n", what, name, svcmgr_status_name(status));
}

void
cmd_kill(const char *arg)
{
    ask(arg, svcmgr_kill, "kill");
}

void
cmd_stop(const char *arg)
{
    ask(arg, svcmgr_stop, "stop");
}

void
cmd_restart(const char *arg)
{
    ask(arg, svcmgr_restart, "restart");
}

// What the service holds: the slots of its own CNode, as init reaches it.
void
services_caps(const char *name)
{
    const struct proc *p = named(name, "caps");
    unsigned n = 0;
    if (!p)
        return;
    if (!p->cnode) {
        kozo_printf("%s is %s: it holds nothing\n", name, proc_state_name(p->state));
        return;
    }
    kozo_printf("%s's capabilities:\n slot  type            rights  badge/data\n", name);
    for (uint64_t slot = 0; slot < (1ULL << p->svc->cnode_bits); slot++) {
        struct kozo_res_cnode_describe d;
        if (kozo_cnode_describe(p->cnode, slot, p->svc->cnode_bits, &d) || d.type == KOZO_OBJ_NULL)
            continue;
        char r[5];
        rights_string(d.rights, r);
        kozo_printf("%5lu  %-14s  %s    %#lx\n", (unsigned long)slot, kozo_object_name(d.type), r,
                    (unsigned long)d.data);
        n++;
    }
    kozo_printf("%u capabilities\n", n);
}

// What init itself used when the system had started (supervise() notes it): restarts
// reuse each service's quota and slots, so this stays the same however often they die.
static uint64_t boot_used, boot_slots;

void
services_mem_mark(void)
{
    struct svc_pool_stats st;
    svc_pool_stats(&init_pool, &st);
    boot_used = st.used;
    boot_slots = st.slots_used;
}

void
services_mem(void)
{
    struct svc_pool_stats ist;
    svc_pool_stats(&init_pool, &ist);
    if (ist.used == boot_used && ist.slots_used == boot_slots)
        kozo_printf("init's own use: %lu KiB and %lu slots, as when the system had started\n",
                    (unsigned long)(ist.used >> 10), (unsigned long)ist.slots_used);
    else
        kozo_printf(
            "init's own use: %lu KiB and %lu slots, %ld KiB and %ld slots more than when the system had started\n",
            (unsigned long)(ist.used >> 10), (unsigned long)ist.slots_used,
            (long)((int64_t)(ist.used - boot_used) >> 10), (long)(ist.slots_used - boot_slots));
    for (unsigned i = 0; i < nprocs; i++) {
        struct svc_pool_stats st;
        svc_pool_stats(&procs[i].pool, &st);
        kozo_printf("  %-9s quota %lu KiB, used %lu KiB\n", procs[i].svc->name,
                    (unsigned long)(st.total >> 10), (unsigned long)(st.used >> 10));
    }
}

// --- The timer driver's commands ---------------------------------------------------------

static kozo_handle_t
timer_ep(void)
{
    const struct proc *p = proc_find("timer");
    if (!p || p->state != PROC_RUNNING)
        kozo_printf("no timer driver is running (services says why)\n");
    return p && p->state == PROC_RUNNING ? p->ep : 0;
}

void
cmd_time(const char *arg)
{
    struct timer_now_res r = { 0 };
    uint64_t status, ep = timer_ep(), err;
    (void)arg;
    if (!ep)
        return;
    if ((err = timer_now(ep, &status, &r)) || status != TIMER_OK)
        kozo_printf("time: %s\n", err ? kozo_error_name(err) : timer_status_name(status));
    else
        kozo_printf("up %lu.%03lu s\n", (unsigned long)(r.ns / 1000000000),
                    (unsigned long)(r.ns / 1000000 % 1000));
}

void
cmd_sleep(const char *arg)
{
    uint64_t ms = 0, status, ep, err;
    const char *p = arg;
    for (; *p >= '0' && *p <= '9'; p++)
        ms = ms * 10 + (uint64_t)(*p - '0');
    if (p == arg || *p) {
        kozo_printf("sleep: a number of milliseconds, please\n");
        return;
    }
    if (!(ep = timer_ep()))
        return;
    if ((err = timer_sleep(ep, ms, &status)) || status != TIMER_OK)
        kozo_printf("sleep: %s\n", err ? kozo_error_name(err) : timer_status_name(status));
    else
        kozo_printf("slept %lu ms\n", (unsigned long)ms);
}
