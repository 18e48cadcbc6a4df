// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The ktest runner: finds the registered cases, runs each in a fresh environment, checks
// that it gave everything back, and reports. Output, one line each:
//
//   KTEST START <cases>
//   KTEST PASS|FAIL|KNOWN-FAIL|SKIP <name>[: reason]     once per case, in file/line order
//   KTEST SUMMARY: <n> passed, <m> failed, <k> known failures, <s> skipped
//   KTEST DONE
//
// Memory: init hands over one big Untyped (the pool). The runner carves two children from
// it once: its own (the watchdog thread) and the case parent. Every case gets a fresh
// Untyped retyped from the case parent; afterwards the runner revokes it and checks that it
// is whole again (an object of its full size must fit), empties the scratch slots the case
// used, checks that the runner's own slots are untouched and no IRQ line stays issued.
// At the end the pool must be whole again: every byte that was free at the start is free.
//
// Deadlocks: a watchdog thread at priority 1 can only run when every other thread is
// blocked or stopped, i.e. when the case can never continue. It then restarts the main
// thread at rescue(), which fails the case and carries on with the next one.
#include <fmt.h>
#include <ktest_config.h>
#include <string.h>
#include "ktest.h"
#include "runner.h"

int main(void);

extern const struct ktest_case __start_ktest_cases[], __stop_ktest_cases[];

#define MAX_CASES 512
static const struct ktest_case *cases[MAX_CASES];
static unsigned ncases;
static volatile unsigned cur; // the case running now
static volatile bool in_case; // cur's function is running (not the runner's checks)
static unsigned npass, nfail, nknown, nskip;
static char fail_msg[200];
static bool failed;
static uint64_t snapshot[RUNNER_SLOTS]; // types of the runner's slots between cases

void
ktest_fail(const char *file, int line, const char *fmt, ...)
{
    if (failed)
        return; // the first failure is the one that matters
    const char *base = file;
    for (const char *p = file; *p; p++)
        if (*p == '/')
            base = p + 1;
    int n = fmt_snprintf(fail_msg, sizeof(fail_msg), "%s:%d: ", base, line);
    va_list ap;
    va_start(ap, fmt);
    fmt_vsnprintf(fail_msg + n, sizeof(fail_msg) - (size_t)n, fmt, ap);
    va_end(ap);
    failed = true;
}

bool
ktest_failed(void)
{
    return failed;
}

static const struct ktest_known *
known(const char *name)
{
    for (unsigned i = 0; i < ktest_nknown; i++)
        if (strcmp(ktest_known[i].name, name) == 0)
            return &ktest_known[i];
    return NULL;
}

// File then line: cases run in the order they are written.
static bool
before(const struct ktest_case *a, const struct ktest_case *b)
{
    int c = strcmp(a->file, b->file);
    return c < 0 || (c == 0 && a->line < b->line);
}

// Does `name` contain `part`? (KTEST_ONLY selects cases this way.)
static bool
contains(const char *name, const char *part)
{
    size_t n = strlen(part);
    for (; *name; name++)
        if (strncmp(name, part, n) == 0)
            return true;
    return n == 0;
}

static void
collect(void)
{
    for (const struct ktest_case *c = __start_ktest_cases; c < __stop_ktest_cases && ncases < MAX_CASES;
         c++) {
        if (!contains(c->name, KTEST_ONLY))
            continue;
        unsigned i = ncases++;
        while (i > 0 && before(c, cases[i - 1])) {
            cases[i] = cases[i - 1];
            i--;
        }
        cases[i] = c;
    }
}

// Is the Untyped in `ut` (2^bits bytes) whole: can one object of its full size be made?
static uint64_t
whole(kozo_handle_t ut, unsigned bits)
{
    uint64_t err = kozo_untyped_retype(ut, KOZO_OBJ_UNTYPED, bits, SYS_SLOT_CNODE, 0, 0, SLOT_TMP, 1);
    kozo_cnode_delete(SYS_SLOT_CNODE, SLOT_TMP, KT_DEPTH);
    return err;
}

static void
take_snapshot(void)
{
    for (unsigned s = 0; s < RUNNER_SLOTS; s++)
        snapshot[s] = kt_type(s);
}

// After a case: give everything back and check that it all came back. Returns a reason
// for failing the case, or NULL.
static const char *
reclaim(void)
{
    static char why[120];
    uint64_t err;

    if ((err = kozo_cnode_revoke(SYS_SLOT_CNODE, SLOT_CASE_UT, KT_DEPTH)))
        return "revoking the case's Untyped failed";
    env_reset(); // deletes the scratch slots the case used
    if ((err = whole(SLOT_CASE_UT, CASE_BITS))) {
        fmt_snprintf(why, sizeof(why), "leak: the case's Untyped is not whole after Revoke (%s)",
                     kozo_error_name(err));
        return why;
    }
    if ((err = kozo_cnode_delete(SYS_SLOT_CNODE, SLOT_CASE_UT, KT_DEPTH)))
        return "deleting the case's Untyped failed";
    if (env_current.device_untyped &&
        ((err = kozo_cnode_revoke(SYS_SLOT_CNODE, env_current.device_untyped, KT_DEPTH)) ||
         (err = whole(env_current.device_untyped, env_current.device_bits)))) {
        fmt_snprintf(why, sizeof(why), "leak: the device Untyped is not whole after Revoke (%s)",
                     kozo_error_name(err));
        return why;
    }
    if (env_current.hpet_untyped &&
        ((err = kozo_cnode_revoke(SYS_SLOT_CNODE, env_current.hpet_untyped, KT_DEPTH)) ||
         (err = whole(env_current.hpet_untyped, env_current.hpet_bits)))) {
        fmt_snprintf(why, sizeof(why), "leak: the HPET's device Untyped is not whole after Revoke (%s)",
                     kozo_error_name(err));
        return why;
    }
    for (unsigned s = 0; s < RUNNER_SLOTS; s++)
        if (kt_type(s) != snapshot[s]) {
            fmt_snprintf(why, sizeof(why), "leak: runner slot %u changed (type %lu, was %lu)", s,
                         (unsigned long)kt_type(s), (unsigned long)snapshot[s]);
            return why;
        }
    for (uint64_t irq = 0; irq < KOZO_IRQ_LINES; irq++) {
        err = kozo_irq_control_get(SYS_SLOT_IRQ_CONTROL, irq, SYS_SLOT_CNODE, SLOT_TMP, KT_DEPTH);
        kozo_cnode_delete(SYS_SLOT_CNODE, SLOT_TMP, KT_DEPTH);
        if (err) {
            fmt_snprintf(why, sizeof(why), "leak: IRQ line %lu still issued (%s)", (unsigned long)irq,
                         kozo_error_name(err));
            return why;
        }
    }
    return NULL;
}

static void
report(const struct ktest_case *c, const char *leak)
{
    const struct ktest_known *k = known(c->name);
    if (leak && !failed) {
        fmt_snprintf(fail_msg, sizeof(fail_msg), "%s", leak);
        failed = true;
    }
    if (!failed) {
        npass++;
        if (k)
            kozo_printf("KTEST PASS %s (listed in known_fail.c: remove it)\n", c->name);
        else
            kozo_printf("KTEST PASS %s\n", c->name);
    } else if (k) {
        nknown++;
        kozo_printf("KTEST KNOWN-FAIL %s: %s [%s]\n", c->name, k->reason, fail_msg);
    } else {
        nfail++;
        kozo_printf("KTEST FAIL %s: %s\n", c->name, fail_msg);
    }
}

static void
finish(void)
{
    const char *why = NULL;
    uint64_t err;

    watchdog_stop();
    kozo_cnode_revoke(SYS_SLOT_CNODE, SLOT_RUNNER_UT, KT_DEPTH);
    kozo_cnode_delete(SYS_SLOT_CNODE, SLOT_RUNNER_UT, KT_DEPTH);
    kozo_cnode_delete(SYS_SLOT_CNODE, SLOT_CASE_PARENT, KT_DEPTH);
    if ((err = whole(SYS_SLOT_UNTYPED, env_pool_bits())))
        why = "the pool is not whole at the end";
    kozo_printf("KTEST MEMORY: pool of %lu bytes, %s at the end\n", (unsigned long)(1ULL << env_pool_bits()),
                err ? "NOT all free" : "all free");
    if (why) {
        nfail++;
        kozo_printf("KTEST FAIL memory_total: %s (%s)\n", why, kozo_error_name(err));
    } else {
        npass++;
        kozo_printf("KTEST PASS memory_total\n");
    }
    kozo_printf("KTEST SUMMARY: %u passed, %u failed, %u known failures, %u skipped\n", npass, nfail, nknown,
                nskip);
    kozo_printf("KTEST DONE\n");

    struct kozo_msg m = { kozo_msginfo_make(3, 0, 0, 0), 0, { npass, nfail, nknown, 0 } };
    kozo_send(SYS_SLOT_EP, &m);
    kozo_tcb_suspend(SYS_SLOT_TCB);
    for (;;)
        kozo_yield();
}

// Run the cases from `first` on; never returns.
static __attribute__((noreturn)) void
run_from(unsigned first)
{
    for (cur = first; cur < ncases; cur++) {
        const struct ktest_case *c = cases[cur];
        const struct ktest_known *k = known(c->name);
        if (k && k->skip) {
            nskip++;
            kozo_printf("KTEST SKIP %s: %s\n", c->name, k->reason);
            continue;
        }
        failed = false;
        uint64_t err = kozo_untyped_retype(SLOT_CASE_PARENT, KOZO_OBJ_UNTYPED, CASE_BITS, SYS_SLOT_CNODE, 0,
                                           0, SLOT_CASE_UT, 1);
        if (!err)
            err = kt_alloc(KOZO_OBJ_NOTIFICATION, 0, &env_current.ntfn);
        if (err) {
            kozo_printf("KTEST FAIL %s: cannot set up the case: %s\n", c->name, kozo_error_name(err));
            nfail++;
            continue;
        }
        in_case = true;
        c->fn(&env_current);
        in_case = false;
        report(c, reclaim());
    }
    finish();
    __builtin_unreachable();
}

// The watchdog restarts the main thread here when a case can never continue.
__attribute__((noreturn)) void
rescue(uint64_t why, uint64_t rip, uint64_t state)
{
    if (!in_case) {
        kozo_printf("KTEST FAIL runner: stuck outside a case (after %s), stopping\n", cases[cur]->name);
        nfail++;
        finish();
    }
    in_case = false;
    if (why == RESCUE_FAULT)
        ktest_fail(cases[cur]->file, cases[cur]->line, "ktest's thread faulted at rip %#lx and was stopped",
                   (unsigned long)rip);
    else
        ktest_fail(cases[cur]->file, cases[cur]->line,
                   "stuck: every thread is blocked (ktest in state %lu at rip %#lx)", (unsigned long)state,
                   (unsigned long)rip);
    report(cases[cur], reclaim());
    run_from(cur + 1);
}

int
main(void)
{
    struct kozo_res_tcb_info info;
    uint64_t err;

    collect();
    kozo_printf("KTEST START %u\n", ncases + 1); // + the final memory check
    if ((err = env_init())) {
        kozo_printf("KTEST FAIL setup: no usable Untyped memory in slot %u: %s\n", SYS_SLOT_UNTYPED,
                    kozo_error_name(err));
        kozo_printf("KTEST SUMMARY: 0 passed, 1 failed, 0 known failures, 0 skipped\nKTEST DONE\n");
        return 1;
    }
    kozo_tcb_info(SYS_SLOT_TCB, &info);
    env_current.untyped = SLOT_CASE_UT;
    env_current.untyped_bits = CASE_BITS;
    env_current.priority = (uint8_t)info.priority;
    struct kozo_res_cnode_describe d;
    if (!kozo_cnode_describe(SYS_SLOT_CNODE, SYS_SLOT_DEVICE_UNTYPED, KT_DEPTH, &d) &&
        d.type == KOZO_OBJ_UNTYPED) {
        env_current.device_untyped = SYS_SLOT_DEVICE_UNTYPED;
        env_current.device_bits = (unsigned)d.data;
    }
    if (!kozo_cnode_describe(SYS_SLOT_CNODE, SYS_SLOT_HPET_UNTYPED, KT_DEPTH, &d) &&
        d.type == KOZO_OBJ_UNTYPED) {
        env_current.hpet_untyped = SYS_SLOT_HPET_UNTYPED;
        env_current.hpet_bits = (unsigned)d.data;
    }
    if ((err = watchdog_start())) {
        kozo_printf("KTEST FAIL setup: cannot start the watchdog: %s\n", kozo_error_name(err));
        return 1;
    }
    take_snapshot(); // what the runner's slots must look like after every case
    kozo_printf("KTEST MEMORY: pool of %lu bytes, all free at the start\n",
                (unsigned long)(1ULL << env_pool_bits()));
    run_from(0);
}
