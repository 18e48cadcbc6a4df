// SPDX-License-Identifier: MIT OR Apache-2.0
//
// init, the root task: checks the ABI it was built for against the kernel's, takes stock
// of the Untyped memory it was given, starts the services of the system description
// (boot.c) and checks fsd over IPC, runs the suites that report (ktest, bench) if the
// description has them, then offers the Init> prompt on the console.
#include <proto/fsd.h>
#include <string.h>
#include <svc/thread.h>
#include "init.h"

int main(uint64_t bootinfo, uint64_t unused1, uint64_t unused2);

// fsd answers its protocol's ping: the boot log's proof that IPC to a service works.
static void
check_fsd(void)
{
    const struct proc *fsd = NULL;
    for (unsigned i = 0; i < nprocs; i++)
        if (!strcmp(procs[i].svc->name, "fsd"))
            fsd = &procs[i];
    if (!fsd)
        return; // not in this system, or it did not start (said so)
    struct fsd_ping_res res = { 0 };
    uint64_t status, err = fsd_ping(fsd->ep, &status, &res);
    if (err == KOZO_ERR_OK && status == FSD_OK && res.magic == FSD_PING_MAGIC)
        kozo_printf("IPC_OK: fsd\n");
    else
        kozo_printf("IPC_FAIL: fsd (error %s, status %s, reply %#lx)\n", kozo_error_name(err),
                    err ? "-" : fsd_status_name(status), (unsigned long)res.magic);
}

int
main(uint64_t bootinfo, uint64_t unused1, uint64_t unused2)
{
    const struct kozo_bootinfo *bi = (const struct kozo_bootinfo *)bootinfo;
    (void)unused1;
    (void)unused2;

    // The kernel starts init without a TLS block; init gives itself one first, since
    // everything needs it (libkozo finds the IPC buffer and where output goes there), and
    // puts the IPC buffer in it once the boot-info frame that says where it is was checked.
    static struct kozo_tls tls;
    if (svc_thread_adopt(KOZO_SLOT_INIT_TCB, &tls, NULL) != KOZO_ERR_OK)
        return 1; // it cannot even say so: printing needs the TLS block
    if (kozo_bootinfo_check(bi) != 0) {
        kozo_printf("init: refusing to run\n");
        return 1;
    }
    kozo_set_ipc_buffer((struct kozo_ipc_buffer *)bi->ipc_buffer_vaddr);
    alloc_init(bi);
    services_clock(bi->cycle_khz);

    struct svc_pool_stats ms;
    svc_pool_stats(&init_pool, &ms);
    kozo_printf("init: KOZO %s, ABI %s ok; %lu KiB of Untyped memory in %u regions\n",
                (const char *)bi->build_id, KOZO_ABI_FINGERPRINT_STR, (unsigned long)(ms.total >> 10),
                ms.regions);

    boot_start(bi); // the system description's services (system/*.sys)
    check_fsd();
    boot_run_reports();            // the test and benchmark suites: the prompt comes after their results
    shell_start(bi);               // the prompt, a thread of its own
    log_start(shell_console_ep()); // what this thread says from now on goes there too
    supervisor_heartbeat_start();
    services_mem_mark();
    supervise(); // and this thread is the service manager from now on
}
