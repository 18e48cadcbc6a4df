// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Deaths reported to init. A client whose fault the VMM cannot serve is stopped (the
// fault's reply says so) and init must hear of it, as it hears of the faults of the
// services it handles itself: the fault's label and words, on the client's report
// endpoint (init's supervisor, badged for it), with init's number for the incarnation
// that died so that a late report cannot kill the next one. The call is made by a thread
// of its own, so that the VMM's main thread never waits for init: init, handling the
// death, detaches the client from the VMM, and the main thread must be there to answer.
#include <svc/thread.h>
#include "vmm.h"

#define REPORT_VADDR 0x30000000ULL // the thread's stack, IPC buffer and TLS block
#define QUEUE        32            // a power of two; a client is reported once per life

struct report {
    unsigned client;
    uint64_t incarnation, label;
    uint64_t words[VMM_REPORT_INCARNATION_WORD]; // the fault's, as many as it has
};

static struct report queue[QUEUE];
static unsigned head, tail; // head: the main thread's, tail: the report thread's
static struct svc_thread reporter;
static kozo_handle_t wakeup; // a notification the main thread signals

static void
report_loop(void *arg)
{
    (void)arg;
    for (;;) {
        struct kozo_msg m = { 0, 0, { 0 } };
        while (tail == __atomic_load_n(&head, __ATOMIC_ACQUIRE)) {
            kozo_recv(wakeup, &m);
        }
        const struct report *r = &queue[tail % QUEUE];
        uint64_t *w = kozo_ipc_buffer()->msg;
        for (unsigned i = 0; i < VMM_REPORT_INCARNATION_WORD; i++)
            w[i] = r->words[i];
        w[VMM_REPORT_INCARNATION_WORD] = r->incarnation;
        for (unsigned i = 0; i < KOZO_MSG_REG_WORDS; i++)
            m.mr[i] = w[i];
        m.info = kozo_msginfo_make(VMM_REPORT_INCARNATION_WORD + 1, 0, 0, r->label);
        kozo_call(client_slot(r->client, 2), &m); // init does not answer: it handles the death
        __atomic_store_n(&tail, tail + 1, __ATOMIC_RELEASE);
    }
}

uint64_t
report_start(void)
{
    const struct svc_thread_config c = {
        .base = REPORT_VADDR,
        .stack_pages = 2,
        .priority = SYS_PRIORITY,
        .cspace = SYS_SLOT_CNODE,
        .vspace = SYS_SLOT_VSPACE,
    };
    uint64_t err = svc_object_new(&vmm_pool.alloc, KOZO_OBJ_NOTIFICATION, 0, &wakeup);
    if (!err)
        err = svc_thread_new(&vmm_pool.alloc, &c, report_loop, NULL, &reporter);
    return err ? err : svc_thread_start(&reporter);
}

void
report_death(unsigned n, const struct kozo_msg *fault)
{
    if (head - __atomic_load_n(&tail, __ATOMIC_ACQUIRE) == QUEUE) {
        kozo_printf("vmm: too many deaths at once: client %u's is not reported\n", n);
        return;
    }
    struct report *r = &queue[head % QUEUE];
    unsigned len = (unsigned)kozo_msginfo_get_length(fault->info);
    *r = (struct report){ .client = n,
                          .incarnation = clients[n].incarnation,
                          .label = kozo_msginfo_get_label(fault->info) };
    for (unsigned i = 0; i < len && i < VMM_REPORT_INCARNATION_WORD; i++)
        r->words[i] = i < KOZO_MSG_REG_WORDS ? fault->mr[i] : kozo_ipc_buffer()->msg[i];
    __atomic_store_n(&head, head + 1, __ATOMIC_RELEASE);
    struct kozo_msg m = { 0, 0, { 0 } };
    kozo_send(wakeup, &m);
}
