// SPDX-License-Identifier: MIT OR Apache-2.0
//
// kernel_harness.h - a hand-built root task for host tests of the kernel core.
//
// kh_setup() lays out fake "physical memory" (host memory; arch/host makes a physical
// address the pointer value) much as core/boot.c does for init:
//
//   arena (2 MiB, 2 MiB-aligned)
//   [0, 128 KiB)        the root CNode: 4096 slots, guard 52 bits of 0 (handle = slot)
//   [128 KiB, 1 MiB)    boot objects: TCBs, IPC-buffer frames, a device region (bump-allocated)
//   [1 MiB, 2 MiB)      the root Untyped (2^20 bytes, in slot KH_SLOT_UT), filled with 0xA5
//
// Root CNode slots 0..31 belong to the harness (the ABI's init slots: 1 root TCB, 2 root
// CNode, 4 root IPC buffer, 6 IRQ control, 7 I/O-port control, 16 Untyped; 8..15 extra
// threads, 24..31 their IPC buffers, 17 the device Untyped, 18 the debug console, 19 the
// ASID control, 20 an ASID pool made from it). Tests use slots 32 and up.
//
// Threads act the way user code does: kh_syscall() fills the thread's saved registers (RAX
// number, RDI handle, RSI message info, MRs in RDX/R10/R8/R9, further words in its IPC
// buffer), makes it `current` (out of its ready queue, as a running thread is), calls
// syscall_dispatch() and returns RAX. All threads share
// the root CSpace. kh_teardown() revokes every Untyped and IRQ control, then suspends the
// harness's threads, so no scheduler queue or IRQ table entry outlives a test.
#ifndef KOZO_TESTS_HOST_KERNEL_HARNESS_H
#define KOZO_TESTS_HOST_KERNEL_HARNESS_H

#include <kern/cspace.h>
#include <kern/endpoint.h>
#include <kern/notification.h>
#include <kern/sched.h>
#include <kern/syscall.h>
#include <setjmp.h>

#include "host.h"

#define KH_SLOT_TCB      KOZO_SLOT_INIT_TCB
#define KH_SLOT_CNODE    KOZO_SLOT_INIT_CNODE
#define KH_SLOT_IPCBUF   KOZO_SLOT_INIT_IPC_BUFFER
#define KH_SLOT_IRQCTL   KOZO_SLOT_IRQ_CONTROL
#define KH_SLOT_IOCTL    KOZO_SLOT_IOPORT_CONTROL
#define KH_SLOT_UT       KOZO_SLOT_FIRST_UNTYPED
#define KH_SLOT_DEVUT    (KOZO_SLOT_FIRST_UNTYPED + 1)
#define KH_SLOT_CONSOLE  (KOZO_SLOT_FIRST_UNTYPED + 2) // init has it in 8, a thread's slot here
#define KH_SLOT_ASIDCTL  (KOZO_SLOT_FIRST_UNTYPED + 3) // the ASID control cap
#define KH_SLOT_ASIDPOOL (KOZO_SLOT_FIRST_UNTYPED + 4) // the first pool, made from it
#define KH_SLOT_FREE     32                            // first slot for tests
#define KH_MAX_THREADS   8                             // besides the root thread
#define KH_UT_BITS       20
#define KH_DEV_BITS      16
#define KH_ROOT_SLOTS    (1u << KOZO_ROOT_CNODE_BITS)
#define KH_IPCBUF_VADDR  0x10000000ULL
#define KH_DEPTH         KOZO_HANDLE_BITS // full-depth handles in the root CNode

struct kh {
    unsigned char *arena;
    cte_t *cnode;     // the root CNode's slots
    struct tcb *root; // the root thread (priority 255, TCB cap in KH_SLOT_TCB)
    unsigned char *ut_base;
    unsigned char *dev_base; // device region (NULL until kh_device_untyped())
    struct tcb *threads[KH_MAX_THREADS];
    size_t boot_used;        // bump pointer into the boot-object area
    bool no_fastpath;        // kh_syscall: general path only (differential tests)
    unsigned fastpath_taken; // kh_syscall calls the fast path completed
};
extern struct kh kh;

void kh_setup(void);
void kh_teardown(void);

// The slot with root-CNode index i.
static inline cte_t *
kh_slot(word_t i)
{
    return &kh.cnode[i];
}

// An extra thread n (0..KH_MAX_THREADS-1): TCB cap in slot 8+n, IPC buffer frame cap in
// slot 24+n, sharing the root CSpace. It is INACTIVE; kh_run() makes it runnable.
struct tcb *kh_thread(unsigned n, uint8_t priority);
// Make a thread runnable (sched_wake) unless it already is.
void kh_run(struct tcb *t);
// Its IPC buffer.
struct kozo_ipc_buffer *kh_ipcbuf(struct tcb *t);
// A device Untyped of 2^KH_DEV_BITS bytes (filled with 0x5A) in KH_SLOT_DEVUT.
void kh_device_untyped(void);
// Put a cap into an empty root slot by hand, as boot does (no parent, revocable).
void kh_put(word_t slot, cap_t cap);

// --- Acting as user space ------------------------------------------------------------------

// Syscall `sysno` by thread t on handle `cap` with message info `info` and message words
// mrs[0..n-1] (0..3 in registers, the rest in t's IPC buffer). Returns RAX afterwards.
// Like the x86_64 entry, it tries the IPC fast path first (unless kh.no_fastpath).
word_t kh_syscall(struct tcb *t, word_t sysno, word_t cap, word_t info, const word_t *mrs, unsigned n);
// CALL on cap with `label` and n argument words: a kernel invocation (or an IPC call).
word_t kh_invoke(struct tcb *t, word_t cap, word_t label, unsigned n, const word_t *args);
#define KH_ARGS(...) (sizeof((word_t[]){ __VA_ARGS__ }) / sizeof(word_t)), ((const word_t[]){ __VA_ARGS__ })
// e.g. KH_INVOKE(kh.root, 40, KOZO_INV_CNODE_DELETE, 5, 64)
#define KH_INVOKE(t, cap, label, ...) kh_invoke((t), (cap), (label), KH_ARGS(__VA_ARGS__))

// Root-thread shorthands on root-CNode slots (full depth).
word_t kh_retype(word_t ut, word_t type, word_t size_bits, word_t dest, word_t count);
// Retype `count` VSpaces from the root Untyped into dest.. and give each an ASID from the
// harness's pool (KH_SLOT_ASIDPOOL), as init does before using one.
word_t kh_vspaces(word_t dest, word_t count);
word_t kh_copy(word_t dest, word_t src, word_t rights);
word_t kh_mint(word_t dest, word_t src, word_t rights, word_t badge);
word_t kh_move(word_t dest, word_t src);
word_t kh_delete(word_t slot);
word_t kh_revoke(word_t slot);
// CNode.Describe; res gets type, rights, data.
word_t kh_describe(word_t slot, word_t res[3]);

// --- Checks --------------------------------------------------------------------------------

// The derivation list is well formed around every slot of the root CNode and of every
// harness TCB, and along each whole list reached from them: prev/next agree, no cycles,
// every linked slot holds a cap, empty slots have no links. Prints the first problem.
bool kh_mdb_ok(void);
// Same, for the list through one slot and the 2^radix slots of an extra CNode.
bool kh_mdb_list_ok(const cte_t *slot);
bool kh_mdb_cnode_ok(const cte_t *slots, word_t n);
// The page-table invariant (vspace_check.c): every entry reachable from a live ASID points
// at a live frame or table whose cap records it mapped exactly there, with rights the cap
// allows; tables mapped nowhere are empty. Prints the first problem.
bool kh_vspace_ok(void);
// The entry for va at `level` (0 = PT entry .. 3 = PML4 entry) of the VSpace in a root
// slot; 0 if a level above is missing.
word_t kh_vspace_entry(word_t vspace_slot, word_t va, unsigned level);
// Retype a PDPT, a PD and a PT into first_slot.. and map them in that VSpace at va.
word_t kh_map_tables(word_t vspace_slot, word_t va, word_t first_slot);
// Number of slots in the derivation list that contains `slot` (0 for an empty slot).
size_t kh_mdb_list_len(const cte_t *slot);
// Does the console (or crash channel) output contain s?
bool kh_out_has(const char *s);
bool kh_crash_has(const char *s);

// Run `stmt`; true if it panicked (arch_halt was reached) instead of returning.
extern jmp_buf kh_halt_jmp;
void kh_halt_to_jmp(void);
#define KH_PANICS(result, stmt)                   \
    do {                                          \
        if (setjmp(kh_halt_jmp) == 0) {           \
            host_arch.halt_hook = kh_halt_to_jmp; \
            stmt;                                 \
            host_arch.halt_hook = NULL;           \
            (result) = false;                     \
        } else {                                  \
            host_arch.halt_hook = NULL;           \
            (result) = true;                      \
        }                                         \
    } while (0)

// The fake kernel symbol table the harness provides for core/ksyms.c (sorted).
#define KH_KSYMS_COUNT 3
extern const word_t ksyms_count;
extern const word_t ksyms_addr[];
extern const uint32_t ksyms_name_off[];
extern const char ksyms_names[];

#endif
