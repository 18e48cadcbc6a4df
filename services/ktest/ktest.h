// SPDX-License-Identifier: MIT OR Apache-2.0
//
// ktest: the in-guest kernel test suite. A case is a function registered with
//
//     KTEST(name, "what it checks") { ... }
//
// anywhere in services/ktest/*.c; the runner (runner.c) finds every case through the
// `ktest_cases` linker section, runs each in a fresh environment (its own Untyped, empty
// scratch slots; see docs/KTEST.md) and prints exactly one line per case:
//
//     KTEST PASS <name>
//     KTEST FAIL <name>: <file>:<line>: <what>: expected <x>, got <y>
//
// The assertion macros record the first failure and return from the case function, so a
// case stops at its first failed check. They only work in the case function itself (or in
// another function returning void); helpers report errors as KOZO_ERR_* return values.
#ifndef KTEST_H
#define KTEST_H

#include <kozo/kozo.h>
#include <svc/thread.h>
#include <system.h> // what system/ktest.sys gives ktest: SYS_SLOT_*, SYS_PRIORITY

#define KT_DEPTH KOZO_HANDLE_BITS // handles in ktest's CSpace are slot numbers, 64 bits deep
#define KT_RW    (KOZO_RIGHT_READ | KOZO_RIGHT_WRITE)
#define KT_PAGE  (1ULL << KOZO_PAGE_BITS)

// What the runner gives every case.
struct ktest_env {
    kozo_handle_t untyped;        // this case's own Untyped: revoked afterwards, must then be whole
    unsigned untyped_bits;        // its size
    kozo_handle_t ntfn;           // a notification from it, for the case to wait on (kt_wait)
    uint8_t priority;             // ktest's priority; helper threads may have at most this
    kozo_handle_t device_untyped; // a device (MMIO) Untyped (revoked afterwards), or 0
    unsigned device_bits;         // its size
    kozo_handle_t hpet_untyped;   // the device Untyped holding the HPET (revoked afterwards), or 0
    unsigned hpet_bits;           // its size
};

struct ktest_case {
    const char *name, *desc, *file;
    int line;
    void (*fn)(const struct ktest_env *env);
};

#define KTEST(name_, desc_)                                                                              \
    static void ktest_fn_##name_(const struct ktest_env *env);                                           \
    static const struct ktest_case ktest_case_##name_                                                    \
        __attribute__((used, section("ktest_cases"), aligned(8))) = { #name_, desc_, __FILE__, __LINE__, \
                                                                      ktest_fn_##name_ };                \
    static void ktest_fn_##name_(const struct ktest_env *env __attribute__((unused)))

// Cases that fail because of a known kernel problem. Listed in known_fail.c, where the
// lead reviews them: such a case prints KTEST KNOWN-FAIL and is counted separately.
struct ktest_known {
    const char *name, *reason;
    bool skip; // it would take the kernel down with it: not run at all (KTEST SKIP)
};
#define KTEST_KNOWN_FAIL(name_, reason_)                 \
    {                                                    \
        .name = #name_, .reason = reason_, .skip = false \
    }
#define KTEST_KNOWN_CRASH(name_, reason_)               \
    {                                                   \
        .name = #name_, .reason = reason_, .skip = true \
    }
extern const struct ktest_known ktest_known[];
extern const unsigned ktest_nknown;

// --- Assertions ------------------------------------------------------------------------------
void ktest_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
bool ktest_failed(void);

#define KT_ASSERT(cond)                                                    \
    do {                                                                   \
        if (!(cond)) {                                                     \
            ktest_fail(__FILE__, __LINE__, "assertion failed: %s", #cond); \
            return;                                                        \
        }                                                                  \
    } while (0)

// An error code: expected `want`, printed by name.
#define KT_ERR(expr, want)                                                                              \
    do {                                                                                                \
        uint64_t kt_got_ = (expr), kt_want_ = (want);                                                   \
        if (kt_got_ != kt_want_) {                                                                      \
            ktest_fail(__FILE__, __LINE__, "%s: expected %s, got %s", #expr, kozo_error_name(kt_want_), \
                       kozo_error_name(kt_got_));                                                       \
            return;                                                                                     \
        }                                                                                               \
    } while (0)
#define KT_OK(expr) KT_ERR(expr, KOZO_ERR_OK)

// Two numbers: `got` must equal `want`.
#define KT_EQ(got, want)                                                                                 \
    do {                                                                                                 \
        uint64_t kt_got_ = (uint64_t)(got), kt_want_ = (uint64_t)(want);                                 \
        if (kt_got_ != kt_want_) {                                                                       \
            ktest_fail(__FILE__, __LINE__, "%s: expected %#lx, got %#lx", #got, (unsigned long)kt_want_, \
                       (unsigned long)kt_got_);                                                          \
            return;                                                                                      \
        }                                                                                                \
    } while (0)
#define KT_NE(got, bad)                                                                                     \
    do {                                                                                                    \
        uint64_t kt_got_ = (uint64_t)(got), kt_bad_ = (uint64_t)(bad);                                      \
        if (kt_got_ == kt_bad_) {                                                                           \
            ktest_fail(__FILE__, __LINE__, "%s: expected anything but %#lx", #got, (unsigned long)kt_bad_); \
            return;                                                                                         \
        }                                                                                                   \
    } while (0)

// --- The environment (env.c) ----------------------------------------------------------------
// A fresh empty scratch slot of ktest's CNode (0 when none are left: the next use fails).
kozo_handle_t kt_slot(void);
// n consecutive fresh scratch slots; returns the first.
kozo_handle_t kt_slots(unsigned n);
// Let helper threads at ktest's own priority run until they block (Yield a few times).
void kt_settle(void);
// Retype one object from the case's Untyped (or from `ut`) into a fresh scratch slot.
uint64_t kt_alloc(uint64_t type, uint64_t size_bits, kozo_handle_t *out);
uint64_t kt_alloc_from(kozo_handle_t ut, uint64_t type, uint64_t size_bits, kozo_handle_t *out);
// Map a frame into `vspace` at `vaddr`, first adding any missing page-table level (retyped
// from the case's Untyped). kt_map maps into ktest's own VSpace.
uint64_t kt_map_in(kozo_handle_t vspace, kozo_handle_t frame, uint64_t vaddr, uint64_t rights,
                   uint64_t attrs);
uint64_t kt_map(kozo_handle_t frame, uint64_t vaddr, uint64_t rights, uint64_t attrs);
// A fresh page of ktest's address space for the case's own mappings (the window).
uint64_t kt_window_vaddr(void);
// A new frame mapped read-write in the window: its cap and its address.
uint64_t kt_frame_mapped(kozo_handle_t *frame, volatile uint64_t **ptr);
// A copy of a cap (rights masked), a mint (with badge), into a fresh scratch slot.
uint64_t kt_copy(kozo_handle_t src, uint64_t rights, kozo_handle_t *out);
uint64_t kt_mint(kozo_handle_t src, uint64_t rights, uint64_t badge, kozo_handle_t *out);
// Describe one slot of ktest's CNode.
uint64_t kt_type(kozo_handle_t slot);
// Wait on the case's notification; fails the case if the runner's watchdog reports that
// every thread is blocked. Returns the badge bits.
uint64_t kt_wait(void);
// An invocation with a label and no arguments.
static inline uint64_t
kt_label(kozo_handle_t cap, uint64_t label)
{
    return kozo_invoke(cap, label, 0, NULL, 0, NULL);
}

// --- Helper threads in ktest's address space (env.c) -------------------------------------------
// A helper is a lib/libsvc thread: it runs fn(t) on its own stack with its own IPC buffer
// and TLS block (so libkozo's stubs work from it as from the main thread), shares ktest's
// CSpace and VSpace, and suspends itself when fn returns. It should not print.
#define KT_MAX_THREADS   8
#define KT_NO_IPC_BUFFER 1 // flag: the thread gets no IPC buffer (messages stop at 4 words)
struct kt_thread {
    struct svc_thread thread;
    kozo_handle_t tcb, ipc_frame; // thread's, for short
    struct kozo_ipc_buffer *ipc;  // its IPC buffer as ktest sees it (NULL with KT_NO_IPC_BUFFER)
    void (*fn)(struct kt_thread *t);
    uint64_t arg[4];          // set by the case before starting
    volatile uint64_t res[8]; // set by fn
    volatile uint64_t done;   // fn returned
    uint64_t stack_top;       // where its stack pointer starts
};
// Create a helper, configured and at `priority`, not yet running.
uint64_t kt_thread_new(void (*fn)(struct kt_thread *), uint8_t priority, unsigned flags,
                       struct kt_thread **out);
// Give it a fault-handler endpoint (it is configured without one).
uint64_t kt_thread_fault_ep(struct kt_thread *t, kozo_handle_t ep);
// Resume it.
uint64_t kt_thread_start(struct kt_thread *t);
// Stop it wherever it is (blocked included) and start fn afresh on an empty stack; fn finds
// what it had done in t->res.
uint64_t kt_thread_restart(struct kt_thread *t);
// Both in one, with arg[0] set.
uint64_t kt_thread_run(void (*fn)(struct kt_thread *), uint8_t priority, uint64_t arg0,
                       struct kt_thread **out);
// A thread of another address space (lib/libsvc's svc_thread_foreign, from the case's
// Untyped), sharing ktest's CSpace; start it with svc_thread_start_at().
uint64_t kt_thread_foreign(kozo_handle_t vspace, kozo_handle_t ipc_frame, uint64_t ipc_vaddr,
                           kozo_handle_t fault_ep, uint8_t priority, kozo_handle_t *tcb);
// Scheduling state of a thread (KOZO_THREAD_*), or ~0 on error.
uint64_t kt_thread_state(kozo_handle_t tcb);

// Shared helper bodies (helpers.c). arg[0] is the endpoint or notification they use.
void kt_recv_once(struct kt_thread *t);        // Recv; res: error, word 0, info
void kt_send_once(struct kt_thread *t);        // Send arg[2] words, word 0 = arg[1]; res: error
void kt_call_once(struct kt_thread *t);        // Call with no words; res: error
void kt_recv_and_hold(struct kt_thread *t);    // Recv (a Call), never reply: wait on arg[1]
void kt_wait_once(struct kt_thread *t);        // Wait; res: error, bits, 1
void kt_signal_once(struct kt_thread *t);      // Signal
void kt_count_and_signal(struct kt_thread *t); // forever: res[0]++, Signal

// --- Instructions to fault on (fault.c): each a function whose first instruction does it ---
uint64_t kt_read_at(uint64_t addr);                // loads from addr
void kt_write_at(uint64_t addr, uint64_t value);   // stores to addr
uint64_t kt_ud2(void);                             // ud2, then returns 0x600d if skipped
uint64_t kt_syscall_nr(uint64_t nr, uint64_t rdi); // a raw syscall with that number

// --- Runner internals shared with hostile.c ------------------------------------------------
uint64_t kt_rand(void);
void kt_rand_seed(uint64_t seed);

#endif
