// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The Init> prompt, a thread of init's (shell_services.c has the commands about services),
// and a client of the console driver (services/console): it reads the lines edited there
// and writes its output there. The supervisor, the other thread, keeps to the kernel debug
// console, so that it never waits for the console it may be restarting.
#include <proto/console.h>
#include <string.h>
#include <svc/console.h>
#include <svc/thread.h>
#include "init.h"

#define LINE_MAX (CONSOLE_CHUNK + 1)

static const struct kozo_bootinfo *boot;
static struct svc_thread shell_thread;
kozo_handle_t shell_svcmgr;      // the shell's cap to the supervisor
static kozo_handle_t console_ep; // the console driver's endpoint (init's), 0: none

// --- The console, as a client of the console driver ----------------------------------------

kozo_handle_t
shell_console_ep(void)
{
    return console_ep;
}

// The next line typed at the console (edited there), or false when Ctrl-C abandoned it.
// A Read cut short by the driver's death is made again, to its next incarnation.
static bool
read_line(char *line)
{
    for (;;) {
        struct console_read_res r;
        uint64_t status, err = console_read(console_ep, &status, &r);
        if (err == KOZO_ERR_ABORTED)
            continue; // the driver died under the call: its restart answers the next one
        if (err) {
            kozo_printf("init: the console does not answer: %s\n", kozo_error_name(err));
            kozo_tcb_suspend(shell_thread.tcb);
        }
        if (status == CONSOLE_INTERRUPTED)
            return false;
        size_t n = status == CONSOLE_OK && r.len < LINE_MAX ? r.len : 0;
        svc_unpack_bytes(&r.w0, n, line);
        line[n] = 0;
        return true;
    }
}

static void
cmd_help(const char *arg)
{
    (void)arg;
    kozo_printf("commands:\n"
                "  help           this list\n"
                "  mem            Untyped memory: total, used, free; each service's quota and use\n"
                "  caps [NAME]    capability slots of init, or of service NAME: slot, type, rights\n"
                "  ps             threads init created, with their state\n"
                "  services       the services of the system description and their state\n"
                "  kill NAME      crash service NAME on purpose (its restart policy decides)\n"
                "  stop NAME      stop service NAME and reclaim everything it had\n"
                "  restart NAME   start service NAME again from its image\n"
                "  time           the time since boot, from the timer driver\n"
                "  sleep N        wait N milliseconds (the timer driver's)\n");
}

static void
cmd_mem(const char *arg)
{
    (void)arg;
    struct svc_pool_stats ms;
    svc_pool_stats(&init_pool, &ms);
    kozo_printf("Untyped memory: total %lu KiB, used %lu KiB, free %lu KiB (%u regions)\n",
                (unsigned long)(ms.total >> 10), (unsigned long)(ms.used >> 10),
                (unsigned long)((ms.total - ms.used) >> 10), ms.regions);
    kozo_printf("Device memory (MMIO, for drivers): %lu KiB in %u regions\n",
                (unsigned long)(ms.device >> 10), ms.device_regions);
    kozo_printf("Kernel image %lu KiB, boot objects (init's image, tables, CNode) %lu KiB\n",
                (unsigned long)(boot->kernel_reserved_bytes >> 10),
                (unsigned long)(boot->boot_objects_bytes >> 10));
    services_mem();
}

void
rights_string(uint64_t r, char out[5])
{
    out[0] = (r & KOZO_RIGHT_READ) ? 'R' : '-';
    out[1] = (r & KOZO_RIGHT_WRITE) ? 'W' : '-';
    out[2] = (r & KOZO_RIGHT_GRANT) ? 'G' : '-';
    out[3] = (r & KOZO_RIGHT_GRANT_REPLY) ? 'r' : '-';
    out[4] = 0;
}

static void
cmd_caps(const char *arg)
{
    unsigned n = 0;
    if (*arg) {
        services_caps(arg);
        return;
    }
    kozo_printf(" slot  type            rights  data\n");
    for (uint64_t slot = 0; slot < (1ULL << KOZO_ROOT_CNODE_BITS); slot++) {
        struct kozo_res_cnode_describe d;
        if (kozo_cnode_describe(ROOT_CNODE, slot, ROOT_DEPTH, &d) || d.type == KOZO_OBJ_NULL)
            continue;
        char r[5];
        rights_string(d.rights, r);
        kozo_printf("%5lu  %-14s  %s    %#lx\n", (unsigned long)slot, kozo_object_name(d.type), r,
                    (unsigned long)d.data);
        n++;
    }
    kozo_printf("%u capabilities\n", n);
}

const char *
thread_state_name(uint64_t s)
{
    static const char *const names[] = { "inactive",      "runnable",     "blocked-send", "blocked-recv",
                                         "blocked-reply", "blocked-ntfn", "idle" };
    return s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

static void
show_thread(const char *name, kozo_handle_t tcb)
{
    struct kozo_res_tcb_info i;
    uint64_t err = kozo_tcb_info(tcb, &i);
    if (err)
        kozo_printf("  %-8s tcb slot %-4lu (%s)\n", name, (unsigned long)tcb, kozo_error_name(err));
    else
        kozo_printf("  %-8s tcb slot %-4lu priority %-3lu %s\n", name, (unsigned long)tcb,
                    (unsigned long)i.priority, thread_state_name(i.state));
}

static void
cmd_ps(const char *arg)
{
    (void)arg;
    kozo_printf("threads:\n");
    show_thread("init", KOZO_SLOT_INIT_TCB);
    show_thread("shell", shell_thread.tcb);
    for (unsigned i = 0; i < nprocs; i++)
        if (procs[i].tcb)
            show_thread(procs[i].svc->name, procs[i].tcb);
}

#if KOZO_TEST_BUILD
// Test builds: crash the kernel on purpose (`crash ADDR USER`, `crash-fault ADDR`,
// `crash-exec ADDR`, `crash-write ADDR`) to test the crash channel, the anonymising
// collector, SMAP, SMEP and the kernel image's W^X mapping. DEBUG_PANIC needs the debug
// console cap: `crash-nocap ADDR USER` asks without it, and the kernel must refuse.
static uint64_t
parse_hex(const char *s, const char **end)
{
    uint64_t v = 0;
    if (s[0] == '0' && s[1] == 'x')
        s += 2;
    for (;; s++) {
        unsigned d = (*s >= '0' && *s <= '9')   ? (unsigned)(*s - '0')
                     : (*s >= 'a' && *s <= 'f') ? (unsigned)(*s - 'a' + 10)
                                                : 16;
        if (d == 16)
            break;
        v = v * 16 + d;
    }
    *end = s;
    return v;
}

static bool
crash_command(const char *line)
{
    struct kozo_msg m = { 0, 0, { 0 } };
    const char *p;
    kozo_handle_t console = KOZO_SLOT_DEBUG_CONSOLE;
    if (strncmp(line, "crash-fault ", 12) == 0) {
        m.info = kozo_msginfo_make(1, 0, 0, KOZO_DEBUG_PANIC_KERNEL_FAULT);
        m.mr[0] = parse_hex(line + 12, &p);
    } else if (strncmp(line, "crash-exec ", 11) == 0) {
        m.info = kozo_msginfo_make(1, 0, 0, KOZO_DEBUG_PANIC_KERNEL_EXEC);
        m.mr[0] = parse_hex(line + 11, &p);
    } else if (strncmp(line, "crash-write ", 12) == 0) {
        m.info = kozo_msginfo_make(1, 0, 0, KOZO_DEBUG_PANIC_KERNEL_WRITE);
        m.mr[0] = parse_hex(line + 12, &p);
    } else if (strncmp(line, "crash ", 6) == 0 || strncmp(line, "crash-nocap ", 12) == 0) {
        if (line[5] == '-')
            console = KOZO_SLOT_NULL;
        m.info = kozo_msginfo_make(4, 0, 0, KOZO_DEBUG_PANIC_CAP_VIOLATION);
        m.mr[0] = parse_hex(line + (line[5] == '-' ? 12 : 6), &p);
        while (*p == ' ')
            p++;
        for (unsigned i = 0; p[i] && i < 24; i++)
            m.mr[1 + i / 8] |= (uint64_t)(uint8_t)p[i] << (8 * (i % 8));
    } else {
        return false;
    }
    uint64_t err = kozo_syscall(KOZO_SYS_DEBUG_PANIC, console, &m);
    kozo_printf("crash: the kernel refused: %s\n", kozo_error_name(err));
    return true;
}
#else
static bool
crash_command(const char *line)
{
    (void)line;
    return false;
}
#endif

static void
run_command(const char *line)
{
    static const struct {
        const char *name;
        void (*fn)(const char *arg);
    } cmds[] = {
        { "help", cmd_help },   { "mem", cmd_mem },           { "caps", cmd_caps },
        { "ps", cmd_ps },       { "services", cmd_services }, { "kill", cmd_kill },
        { "stop", cmd_stop },   { "restart", cmd_restart },   { "time", cmd_time },
        { "sleep", cmd_sleep },
    };

    while (*line == ' ')
        line++;
    if (!*line)
        return;
    for (unsigned i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        size_t n = strlen(cmds[i].name);
        if (strncmp(line, cmds[i].name, n) == 0 && (line[n] == 0 || line[n] == ' ')) {
            const char *arg = line + n;
            while (*arg == ' ')
                arg++;
            cmds[i].fn(arg);
            return;
        }
    }
    if (!crash_command(line))
        kozo_printf("unknown command '%s' (try help)\n", line);
}

static void
shell_loop(void *unused)
{
    char line[LINE_MAX];

    (void)unused;
    if (!console_ep) { // the test systems leave COM1 to their suites
        kozo_printf("init: this system has no console driver: the prompt takes no input\nInit> ");
        kozo_tcb_suspend(shell_thread.tcb);
    }
    svc_console_attach(console_ep); // its output goes to the console driver too
    for (;;) {
        kozo_printf("Init> ");
        if (!read_line(line))
            continue;
        // Trailing spaces are not part of a command.
        for (size_t len = strlen(line); len && line[len - 1] == ' ';)
            line[--len] = 0;
        run_command(line);
    }
}

// The prompt is a thread of init's below the supervisor: it only reads init's tables and
// asks the supervisor (the svcmgr protocol) for every change, so only one thread allocates.
void
shell_start(const struct kozo_bootinfo *bi)
{
    const struct svc_thread_config c = {
        .base = SHELL_VADDR,
        .stack_pages = 8,
        .priority = SHELL_PRIORITY,
        .cspace = ROOT_CNODE,
        .vspace = KOZO_SLOT_INIT_VSPACE,
    };
    uint64_t err;

    const struct proc *console = proc_find("console");
    boot = bi;
    shell_svcmgr = supervisor_client_cap();
    console_ep = console ? console->ep : 0;
    if ((err = svc_thread_new(&init_pool.alloc, &c, shell_loop, NULL, &shell_thread)) ||
        (err = svc_thread_start(&shell_thread))) {
        kozo_printf("init: no shell thread: %s\n", kozo_error_name(err));
        kozo_exit(1);
    }
}
