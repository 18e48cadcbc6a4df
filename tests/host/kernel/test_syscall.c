// SPDX-License-Identifier: MIT OR Apache-2.0
//
// test_syscall.c: System calls, the debug console, scheduling, panic and symbols
// (host unit tests of the kernel core; tests/host/test_kernel.c runs them).
#include "kernel_tests.h"

// ============================================================================================
// System calls, panic, symbols
// ============================================================================================

static void
test_unknown_syscalls(void)
{
    static const word_t nums[] = { 10, 11, 12, 13, 14, 15, 16, 99, 1ULL << 63, ~0ULL };
    for (unsigned i = 0; i < ARRAY_SIZE(nums); i++) {
        CHECK_EQ(kh_syscall(kh.root, nums[i], UT, 0, NULL, 0), KOZO_ERR_UNKNOWN_SYSCALL);
        CHECK_EQ(kh.root->ctx.r[HREG_CAP], UT); // nothing else touched
    }
    CHECK_EQ(kh.root->state, TS_RUNNABLE);
    CHECK_EQ(kh_mdb_list_len(kh_slot(UT)), 1);
}

static void
test_invalid_handles(void)
{
    // The reply says where resolution stopped: MR0 the level, MR1 the bits left.
    CHECK_EQ(kh_invoke(kh.root, (1ULL << 40) | UT, KOZO_INV_UNTYPED_RETYPE, 0, NULL),
             KOZO_ERR_INVALID_HANDLE);
    CHECK_EQ(mr(kh.root, KOZO_LOOKUP_FAULT_LEVEL_WORD), 0);
    CHECK_EQ(mr(kh.root, KOZO_LOOKUP_FAULT_BITS_WORD), 64);
    CHECK_EQ(msg_len(kh.root), 2);
    CHECK_EQ(kh_invoke(kh.root, S(100), 0, 0, NULL), KOZO_ERR_INVALID_HANDLE); // resolved, but empty
    CHECK_EQ(mr(kh.root, KOZO_LOOKUP_FAULT_LEVEL_WORD), 0);
    CHECK_EQ(mr(kh.root, KOZO_LOOKUP_FAULT_BITS_WORD), 0);
    // The same for an empty Copy source, whatever failed before (no stale details).
    CHECK_EQ(kh_invoke(kh.root, (1ULL << 40) | UT, KOZO_INV_UNTYPED_RETYPE, 0, NULL),
             KOZO_ERR_INVALID_HANDLE);
    CHECK_EQ(kh_copy(S(1), S(50), R_ALL), KOZO_ERR_INVALID_HANDLE);
    CHECK_EQ(mr(kh.root, KOZO_LOOKUP_FAULT_LEVEL_WORD), 0);
    CHECK_EQ(mr(kh.root, KOZO_LOOKUP_FAULT_BITS_WORD), 0);
    CHECK_EQ(kh_invoke(kh.root, KOZO_SLOT_NULL, 0, 0, NULL), KOZO_ERR_INVALID_HANDLE);
    CHECK_EQ(sys(kh.root, KOZO_SYS_SEND, S(100)), KOZO_ERR_INVALID_HANDLE);
}

// DEBUG_PUTCHAR of the n bytes of s through `console`, one call each; the first error.
static word_t
putchars(word_t console, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const word_t mr[] = { (unsigned char)s[i] };
        word_t err =
            kh_syscall(kh.root, KOZO_SYS_DEBUG_PUTCHAR, console, kozo_msginfo_make(1, 0, 0, 0), mr, 1);
        if (err)
            return err;
    }
    return OK;
}
#define PUTS(console, lit) putchars((console), (lit), sizeof(lit) - 1)

// The console must have written exactly `want` since host_out_clear() ('\r' not recorded).
#define CHECK_OUT(want) CHECK_EQ(strcmp(host_arch.out, (want)), 0)

static void
test_debug_putchar_and_yield(void)
{
    host_out_clear();
    CHECK_EQ(PUTS(KH_SLOT_CONSOLE, "Kz"), OK);
    CHECK(kh_out_has("Kz"));
    CHECK_EQ(sys(kh.root, KOZO_SYS_YIELD, 0), OK);
    CHECK_EQ(kh.root->state, TS_RUNNABLE);
}

// Is every line of s empty or the kernel's? (This build logs each refused call.)
static bool
only_kernel_lines(const char *s)
{
    for (const char *line = s; *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : "")
        if (*line != '\n' && strncmp(line, "[kernel]", 8) != 0)
            return false;
    return true;
}

// DEBUG_PUTCHAR names a DEBUG_CONSOLE cap like any call names its object: without one it
// fails and writes nothing; a copy works until it, or the original's Revoke, deletes it.
static void
test_debug_console_cap(void)
{
    host_out_clear();
    CHECK_EQ(PUTS(S(0), "a"), KOZO_ERR_INVALID_HANDLE);
    CHECK_EQ(PUTS(KOZO_SLOT_NULL, "b"), KOZO_ERR_INVALID_HANDLE);
    CHECK_EQ(PUTS(1ULL << 40, "c"), KOZO_ERR_INVALID_HANDLE);
    CHECK_EQ(PUTS(KH_SLOT_UT, "d"), KOZO_ERR_WRONG_TYPE);
    CHECK_EQ(PUTS(KH_SLOT_IOCTL, "e"), KOZO_ERR_WRONG_TYPE);
    CHECK_EQ(sys(kh.root, KOZO_SYS_DEBUG_PUTCHAR, KH_SLOT_TCB), KOZO_ERR_WRONG_TYPE);
    CHECK(only_kernel_lines(host_arch.out));
    CHECK_EQ(KH_INVOKE(kh.root, KH_SLOT_CONSOLE, 0), KOZO_ERR_ILLEGAL_OPERATION); // no methods

    host_out_clear();
    CHECK_EQ(kh_copy(S(0), KH_SLOT_CONSOLE, R_ALL), OK);
    CHECK_EQ(kh_copy(S(1), S(0), 0), OK); // rights mean nothing to it
    CHECK_EQ(PUTS(S(0), "\ncopy"), OK);
    CHECK_EQ(PUTS(S(1), "!"), OK);
    CHECK_OUT("\ncopy!");
    CHECK_EQ(KH_INVOKE(kh.root, ROOTCN, KOZO_INV_CNODE_REVOKE, KH_SLOT_CONSOLE, KH_DEPTH), OK);
    CHECK(cte_empty(kh_slot(S(0))) && cte_empty(kh_slot(S(1))));
    host_out_clear();
    CHECK_EQ(PUTS(S(0), "x"), KOZO_ERR_INVALID_HANDLE);
    CHECK_EQ(PUTS(S(1), "y"), KOZO_ERR_INVALID_HANDLE);
    CHECK(only_kernel_lines(host_arch.out));
    CHECK_EQ(PUTS(KH_SLOT_CONSOLE, "!\n"), OK); // the original still writes
    CHECK(kh_out_has("!\n"));
}

// What a holder of the cap writes cannot be a control, continue a kernel line or start a
// line the way the kernel's do.
static void
test_debug_console_filter(void)
{
    PUTS(KH_SLOT_CONSOLE, "\n");
    host_out_clear();
    CHECK_EQ(PUTS(KH_SLOT_CONSOLE, "\x1b[31mred\x07\x7f\x9b\x00\t\b.\n"), OK);
    CHECK_OUT("?[31mred????\t\b.\n");

    host_out_clear();
    CHECK_EQ(PUTS(KH_SLOT_CONSOLE, "[kernel] forged\n[kern?\nx[kernel]\n  \b\b[kernel]\n"), OK);
    CHECK_OUT("[user] [kernel] forged\n[kern?\nx[kernel]\n  \b\b[user] [kernel]\n");

    // The writer changes in mid-line: the other one's line is ended first.
    host_out_clear();
    CHECK_EQ(PUTS(KH_SLOT_CONSOLE, "abc"), OK);
    printk("[kernel] hello\n");
    printk("[kernel] part");
    CHECK_EQ(PUTS(KH_SLOT_CONSOLE, " forged\n[ker"), OK);
    printk("[kernel] again\n");
    CHECK_EQ(PUTS(KH_SLOT_CONSOLE, "nel] late\n"), OK);
    CHECK_OUT("abc\n[kernel] hello\n[kernel] part\n forged\n[ker\n[kernel] again\nnel] late\n");
}

// Yield with nobody of the same or a higher priority queued is a no-op; otherwise the
// thread goes to the tail of its queue. sched_contender looks at exactly those priorities.
static void
test_yield_and_contenders(void)
{
    static const uint8_t prios[] = { 0, 63, 64, 127, 128, 200, 255 };
    for (unsigned i = 0; i < sizeof(prios); i++) {
        kh_teardown();
        kh_setup();
        kh_run(kh.root);
        sched_dequeue(kh.root); // it is the running thread
        current = kh.root;
        struct tcb *t = kh_thread(0, prios[i]);
        CHECK(!sched_contender(0));
        kh_run(t);
        CHECK(sched_contender(prios[i]));
        CHECK(prios[i] == 0 || sched_contender(prios[i] - 1));
        CHECK(prios[i] == 255 || !sched_contender(prios[i] + 1u));
    }
    kh_teardown();
    kh_setup();
    current = kh.root;
    sched_dequeue(kh.root);
    CHECK_EQ(sys(kh.root, KOZO_SYS_YIELD, 0), OK);
    CHECK(!kh.root->queued); // alone at 255: it runs on
    struct tcb *peer = kh_thread(0, 255);
    kh_run(peer);
    CHECK_EQ(sys(kh.root, KOZO_SYS_YIELD, 0), OK);
    CHECK(kh.root->queued && peer->queued); // behind its peer
    CHECK(peer->sched_next == kh.root);
}

static void
test_debug_panic(void)
{
    const word_t other[] = { 0 };
    bool panicked;
    word_t local = 0;

    // Labels other than CAP_VIOLATION are refused (KERNEL_FAULT reads a readable address
    // here: the host has no kernel-mode faults).
    KH_PANICS(panicked, kh_syscall(kh.root, KOZO_SYS_DEBUG_PANIC, KH_SLOT_CONSOLE,
                                   kozo_msginfo_make(1, 0, 0, 77), other, 1));
    CHECK(!panicked);
    CHECK_EQ(rax(kh.root), KOZO_ERR_INVALID_ARGUMENT);
    const word_t addr[] = { (word_t)(uintptr_t)&local };
    KH_PANICS(panicked, kh_syscall(kh.root, KOZO_SYS_DEBUG_PANIC, KH_SLOT_CONSOLE,
                                   kozo_msginfo_make(1, 0, 0, KOZO_DEBUG_PANIC_KERNEL_FAULT), addr, 1));
    CHECK(!panicked);
    local = 0x5eed;
    KH_PANICS(panicked, kh_syscall(kh.root, KOZO_SYS_DEBUG_PANIC, KH_SLOT_CONSOLE,
                                   kozo_msginfo_make(1, 0, 0, KOZO_DEBUG_PANIC_KERNEL_WRITE), addr, 1));
    CHECK(!panicked);
    CHECK_EQ(local, 0x5eed); // it writes back what it read
    CHECK_EQ(rax(kh.root), KOZO_ERR_INVALID_ARGUMENT);

    // "kozo-tester" packed little-endian into MR1..MR3.
    const word_t mrs[] = { 0xdead, 0x7365742d6f7a6f6bULL, 0x726574ULL, 0 };
    // Without the debug console cap, none of it: the lookup fails first.
    KH_PANICS(panicked, kh_syscall(kh.root, KOZO_SYS_DEBUG_PANIC, KOZO_SLOT_NULL,
                                   kozo_msginfo_make(4, 0, 0, KOZO_DEBUG_PANIC_CAP_VIOLATION), mrs, 4));
    CHECK(!panicked);
    CHECK_EQ(rax(kh.root), KOZO_ERR_INVALID_HANDLE);
    KH_PANICS(panicked, kh_syscall(kh.root, KOZO_SYS_DEBUG_PANIC, KH_SLOT_UT,
                                   kozo_msginfo_make(1, 0, 0, KOZO_DEBUG_PANIC_KERNEL_FAULT), addr, 1));
    CHECK(!panicked);
    CHECK_EQ(rax(kh.root), KOZO_ERR_WRONG_TYPE);
    host_out_clear();
    host_arch.backtrace[0] = 0x2010;
    host_arch.backtrace[1] = 0x10;
    host_arch.backtrace_len = 2;
    KH_PANICS(panicked, kh_syscall(kh.root, KOZO_SYS_DEBUG_PANIC, KH_SLOT_CONSOLE,
                                   kozo_msginfo_make(4, 0, 0, KOZO_DEBUG_PANIC_CAP_VIOLATION), mrs, 4));
    CHECK(panicked);
    CHECK_EQ(host_arch.halts, 1);
    CHECK(kh_out_has("KOZO KERNEL PANIC"));
    CHECK(kh_out_has("Capability violation at 0xdead by user 'kozo-tester'"));
    CHECK(kh_crash_has("KOZO-CRASH v1\n"));
    CHECK(kh_crash_has("message: Capability violation at 0xdead"));
    CHECK(kh_crash_has("bravo+0x10")); // symbolised through the ksyms table
    CHECK(kh_crash_has("  0x10\n"));   // below the first symbol: raw
    CHECK(kh_crash_has("KOZO-CRASH-END\n"));
}

static void
test_assert_panics(void)
{
    bool panicked;
    cap_t before = capof(UT);
    unsigned halts = host_arch.halts;
    // Inserting into an occupied slot is a kernel bug: assert() must stop the kernel.
    KH_PANICS(panicked, mdb_insert(NULL, kh_slot(UT), cap_untyped(kh.ut_base, 12, false), 0));
    CHECK(panicked);
    CHECK_EQ(host_arch.halts, halts + 1);
    CHECK_EQ(capof(UT).w1, before.w1);
}

static void
test_ksyms_lookup(void)
{
    const char *name = NULL;
    word_t off = 0;
    CHECK(!ksyms_lookup(0xfff, &name, &off));
    CHECK(ksyms_lookup(0x1000, &name, &off));
    CHECK_STR_EQ(name, "alpha");
    CHECK_EQ(off, 0);
    CHECK(ksyms_lookup(0x1fff, &name, &off));
    CHECK_STR_EQ(name, "alpha");
    CHECK_EQ(off, 0xfff);
    CHECK(ksyms_lookup(0x2000, &name, &off));
    CHECK_STR_EQ(name, "bravo");
    CHECK(ksyms_lookup(0x2800 + 0x50, &name, &off));
    CHECK_STR_EQ(name, "charlie");
    CHECK_EQ(off, 0x50);
    CHECK(ksyms_lookup(~0ULL, &name, &off));
    CHECK_STR_EQ(name, "charlie");
}

const struct ktest kt_syscall_tests[] = {
    T(test_unknown_syscalls),
    T(test_invalid_handles),
    T(test_debug_putchar_and_yield),
    T(test_debug_console_cap),
    T(test_debug_console_filter),
    T(test_yield_and_contenders),
    T(test_debug_panic),
    T(test_assert_panics),
    T(test_ksyms_lookup),
    { NULL, NULL },
};
