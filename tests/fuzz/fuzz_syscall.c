// SPDX-License-Identifier: MIT OR Apache-2.0
//
// libFuzzer target: the system-call and invocation boundary of the portable kernel core,
// run against the host build (kernel/arch/host) through the unit-test harness.
//
// The input is a program: a sequence of system calls by three threads sharing the root
// CSpace, each with a number (unknown ones included), a handle, a label and arguments
// drawn from values that matter (slot numbers, object types, sizes, depths, rights,
// badges) or raw input bytes. After every call the capability derivation tree must be well
// formed and the page tables must keep their invariant (tests/host/vspace_check.c); at
// the end, revoking the root Untyped must make it whole again (one object of
// its full size retypes). Any kernel assertion or sanitizer report is a crash.
#include <stdlib.h>
#include <string.h>
#include "kernel_harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
    const uint8_t *p;
    size_t left;
};

static uint8_t
byte(struct input *in)
{
    if (!in->left)
        return 0;
    in->left--;
    return *in->p++;
}

static word_t
raw_word(struct input *in)
{
    word_t w = 0;
    for (int i = 0; i < 8; i++)
        w |= (word_t)byte(in) << (8 * i);
    return w;
}

// An argument: mostly values the decoders care about, sometimes anything.
static word_t
arg(struct input *in)
{
    uint8_t k = byte(in);
    switch (k >> 5) {
    case 0: return KH_SLOT_FREE + (k & 31);               // a test slot
    case 1: return k & 31;                                // small numbers: types, counts, harness slots
    case 2: return (k & 1) ? KOZO_HANDLE_BITS : (k & 31); // depths
    case 3: return KOZO_RIGHTS_ALL & k;                   // rights masks
    case 4: return (word_t)1 << (k & 63);                 // sizes and single bits
    case 5: return (word_t)(k & 7) << (12 + 9 * ((k >> 3) & 3)); // addresses: pages, 2 MiB, 1 GiB, 512 GiB
    default: return raw_word(in);
    }
}

static const word_t labels[] = {
    KOZO_INV_UNTYPED_RETYPE,
    KOZO_INV_CNODE_COPY,
    KOZO_INV_CNODE_MINT,
    KOZO_INV_CNODE_MOVE,
    KOZO_INV_CNODE_DELETE,
    KOZO_INV_CNODE_REVOKE,
    KOZO_INV_CNODE_DESCRIBE,
    KOZO_INV_TCB_CONFIGURE,
    KOZO_INV_TCB_SET_REGISTERS,
    KOZO_INV_TCB_READ_REGISTERS,
    KOZO_INV_TCB_RESUME,
    KOZO_INV_TCB_SUSPEND,
    KOZO_INV_TCB_SET_PRIORITY,
    KOZO_INV_TCB_INFO,
    KOZO_INV_TCB_SET_SYSCALL_MODE,
    KOZO_INV_TCB_SET_TLS_BASE,
    KOZO_INV_FRAME_MAP,
    KOZO_INV_FRAME_UNMAP,
    KOZO_INV_FRAME_GET_ADDRESS,
    KOZO_INV_PAGE_TABLE_MAP,
    KOZO_INV_PAGE_TABLE_UNMAP,
    KOZO_INV_IRQ_CONTROL_GET,
    KOZO_INV_IRQ_HANDLER_SET_NOTIFICATION,
    KOZO_INV_IRQ_HANDLER_ACK,
    KOZO_INV_IOPORT_CONTROL_ISSUE,
    KOZO_INV_ASID_CONTROL_MAKE_POOL,
    KOZO_INV_ASID_POOL_ASSIGN,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = { data, size };
    struct tcb *threads[3];

    kh_setup();
    threads[0] = kh.root;
    threads[1] = kh_thread(0, 200);
    threads[2] = kh_thread(1, 100);
    kh_run(threads[1]);
    kh_run(threads[2]);

    // A call stopped at a preemption point (Retype, Delete, Revoke with an interrupt
    // pending) is made again, unchanged, the next time its thread runs, as the CPU would
    // after arch_restart_syscall: the thread runs no other code in between.
    struct pending {
        bool on;
        word_t sysno, handle, info, args[8];
        unsigned n;
    } pending[3] = { 0 };

    for (int steps = 0; in.left && steps < 256; steps++) {
        unsigned ti = byte(&in) % 3;
        struct tcb *t = threads[ti];
        uint8_t op = byte(&in);
        host_arch.irq_pending = (op & 0x80) ? 1u + (op & 0x30) : 0; // interrupts during the call
        if (pending[ti].on) {
            struct pending *p = &pending[ti];
            if (t->state != TS_RUNNABLE)
                continue;
            unsigned restarts = host_arch.restarts;
            kh_syscall(t, p->sysno, p->handle, p->info, p->args, p->n);
            p->on = host_arch.restarts != restarts;
            if (!kh_mdb_ok() || !kh_vspace_ok())
                abort();
            continue;
        }
        word_t sysno = op & 15;
        if (sysno == KOZO_SYS_DEBUG_PANIC)
            sysno = 16 + op; // an unknown number instead: panicking on request is no bug
        uint8_t h = byte(&in);
        word_t handle = (h & 0x80) ? raw_word(&in) : (word_t)(h & 63);
        uint8_t l = byte(&in);
        word_t label = l < 2 * ARRAY_SIZE(labels) ? labels[l % ARRAY_SIZE(labels)] : l;
        unsigned n = byte(&in) % 9, extra = byte(&in) & 3;
        word_t args[8];
        for (unsigned i = 0; i < n; i++)
            args[i] = arg(&in);
        if (t->state != TS_RUNNABLE)
            continue; // a blocked or stopped thread cannot make a system call
        unsigned restarts = host_arch.restarts;
        word_t info = kozo_msginfo_make(n, extra, 0, label);
        kh_syscall(t, sysno, handle, info, args, n);
        if (host_arch.restarts != restarts) {
            pending[ti] = (struct pending){ true, sysno, handle, info, { 0 }, n };
            for (unsigned i = 0; i < n; i++)
                pending[ti].args[i] = args[i];
        }
        if (!kh_mdb_ok() || !kh_vspace_ok())
            abort();
    }
    host_arch.irq_pending = 0;

    // Accounting: with everything derived from the root Untyped gone, it is whole again.
    if (!cte_empty(kh_slot(KH_SLOT_UT)) && cap_type(kh_slot(KH_SLOT_UT)->cap) == KOZO_OBJ_UNTYPED &&
        ut_bits(kh_slot(KH_SLOT_UT)->cap) == KH_UT_BITS) {
        // Revoke leaves it without children, and an Untyped without children retypes from
        // its bottom again: all of it (object/untyped.c).
        cte_revoke(kh_slot(KH_SLOT_UT));
        if (mdb_has_children(kh_slot(KH_SLOT_UT)))
            abort();
    }
    kh_teardown();
    return 0;
}
