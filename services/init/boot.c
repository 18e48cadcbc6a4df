// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Booting the system the description says (system/*.sys, turned into boot_table.h by
// tools/sysgen at build time): every service from its image in the initrd, in table
// order, with the capabilities its entry lists. Services that report (the test and
// benchmark suites) run last, one at a time: init waits for each one's report (a Send of
// passed, failed, known failures on its endpoint) before going on, so the prompt comes
// after their results.
#include <cpio.h>
#include "init.h"

#include <boot_table.h>

static const struct kozo_bootinfo *boot_bi;

const void *
boot_image(const char *name, size_t *size)
{
    const void *image;
    int e = cpio_find((const void *)boot_bi->initrd_vaddr, boot_bi->initrd_size, name, &image, size);
    if (e) {
        kozo_printf("init: no %s in the initrd: %s\n", name, cpio_strerror(e));
        return NULL;
    }
    return image;
}

// Start a reporting service and wait for its result: init blocks on the service's
// endpoint, and the service (below init's priority) runs until its report wakes init.
static void
run_to_report(const struct boot_service *s)
{
    struct proc *p = proc_new(s);
    if (!p || proc_start(p))
        return;
    struct kozo_msg m = { 0, 0, { 0 } };
    uint64_t err = kozo_recv(p->ep, &m);
    if (err)
        kozo_printf("init: waiting for %s failed: %s\n", s->name, kozo_error_name(err));
    else
        kozo_printf("init: %s finished: %lu passed, %lu failed, %lu known failures\n", s->name,
                    (unsigned long)m.mr[0], (unsigned long)m.mr[1], (unsigned long)m.mr[2]);
    p->state = PROC_DONE; // it stopped itself; what it made stays for a look
}

void
boot_start(const struct kozo_bootinfo *bi)
{
    boot_bi = bi;
    supervisor_init();
    kozo_printf("init: starting the %s system\n", BOOT_SYSTEM_NAME);
    for (unsigned i = 0; i < BOOT_NSERVICES; i++) {
        struct proc *p = boot_services[i].await_report ? NULL : proc_new(&boot_services[i]);
        if (p)
            proc_start(p);
    }
}

void
boot_run_reports(void)
{
    for (unsigned i = 0; i < BOOT_NSERVICES; i++)
        if (boot_services[i].await_report)
            run_to_report(&boot_services[i]);
}

const struct boot_service *
boot_service(unsigned i)
{
    return i < BOOT_NSERVICES ? &boot_services[i] : NULL;
}
