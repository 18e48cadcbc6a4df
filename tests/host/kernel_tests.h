// SPDX-License-Identifier: MIT OR Apache-2.0
//
// kernel_tests.h - what the host tests of the kernel core share (tests/host/kernel/*.c,
// run by tests/host/test_kernel.c): the harness, short names for the root task's slots,
// and helpers for reading a thread's registers and a slot's cap. Each file of
// tests/host/kernel/ tests one object or mechanism and lists its tests in a table.
#ifndef KOZO_TESTS_KERNEL_TESTS_H
#define KOZO_TESTS_KERNEL_TESTS_H

#define TEST_SHARED_STATE // one test program of several files (test.h)
#include "test.h"

#include "kernel_harness.h"
#include "../../kernel/arch/x86_64/mmu.h"

#include <kern/arch_api.h>
#include <kern/fault.h>
#include <kern/invocation.h>
#include <kern/irq.h>
#include <kern/ksyms.h>
#include <kern/object.h>
#include <kern/printk.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define OK     KOZO_ERR_OK
#define R_ALL  KOZO_RIGHTS_ALL
#define S(n)   (KH_SLOT_FREE + (n)) // test slots
#define UT     KH_SLOT_UT
#define ROOTCN KH_SLOT_CNODE

static inline cap_t
capof(word_t slot)
{
    return kh_slot(slot)->cap;
}
static inline word_t
ut_free(word_t slot)
{
    return ut_free_index(capof(slot));
}
static inline word_t
rax(const struct tcb *t)
{
    return t->ctx.r[HREG_NR];
}
static inline word_t
mr(const struct tcb *t, unsigned i)
{
    return arch_get_mr(&t->ctx, i);
}
static inline word_t
msg_len(const struct tcb *t)
{
    return kozo_msginfo_get_length(t->ctx.r[HREG_INFO]);
}
static inline word_t
msg_label(const struct tcb *t)
{
    return kozo_msginfo_get_label(t->ctx.r[HREG_INFO]);
}

static inline bool
all_bytes(const void *p, int value, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != (unsigned char)value)
            return false;
    return true;
}

static inline bool
slots_empty(const cte_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!cte_empty(&s[i]) || s[i].prev || s[i].next)
            return false;
    return true;
}

// Syscalls without a message.
static inline word_t
sys(struct tcb *t, word_t sysno, word_t cap)
{
    return kh_syscall(t, sysno, cap, 0, NULL, 0);
}

// Copy src (full depth in the root CNode) into slot `index` of the CNode whose cap is at
// `cnode` (resolved there with `depth` bits).
static inline word_t
copy_into(word_t cnode, word_t index, word_t depth, word_t src)
{
    return KH_INVOKE(kh.root, cnode, KOZO_INV_CNODE_COPY, index, depth, ROOTCN, src, KH_DEPTH, R_ALL);
}

static inline word_t
move_into(word_t cnode, word_t index, word_t depth, word_t src)
{
    return KH_INVOKE(kh.root, cnode, KOZO_INV_CNODE_MOVE, index, depth, ROOTCN, src, KH_DEPTH);
}

// A copy of an Untyped is a second way to retype the same memory. Whatever the kernel's
// rule, two live objects must never share memory. (KOZO follows seL4: copying an Untyped
// marks the source full, so only the copy can retype until the copy is gone.)
static inline bool
no_overlap(word_t ut_a, word_t ut_b, word_t type, word_t da, word_t db)
{
    word_t ea = kh_retype(ut_a, type, 0, da, 1), eb = kh_retype(ut_b, type, 0, db, 1);
    CHECK(ea == OK || eb == OK); // one of them can retype
    return ea != OK || eb != OK || cap_ptr(capof(da)) != cap_ptr(capof(db));
}

// A test, and each file's table of them (ended by { NULL, NULL }).
struct ktest {
    const char *name;
    void (*fn)(void);
};
#define T(fn_)                  \
    {                           \
        .name = #fn_, .fn = fn_ \
    }
extern const struct ktest kt_cspace_tests[];
extern const struct ktest kt_untyped_tests[];
extern const struct ktest kt_asid_tests[];
extern const struct ktest kt_cnode_tests[];
extern const struct ktest kt_delete_tests[];
extern const struct ktest kt_ipc_tests[];
extern const struct ktest kt_fastpath_tests[];
extern const struct ktest kt_tcb_irq_frame_tests[];
extern const struct ktest kt_syscall_tests[];

#endif
