// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The scheduler: the highest-priority runnable thread runs; a thread made runnable at a
// higher priority (Resume, a signal, a message) preempts at once; SetPriority reorders;
// Yield rotates threads of one priority; timer ticks preempt threads that never yield.
// Helpers write what they did, in order, into a shared trace.
#include "ktest.h"

static volatile uint64_t trace[16];
static volatile unsigned ntrace;

static void
note(uint64_t what)
{
    if (ntrace < 16)
        trace[ntrace++] = what;
}

static void
reset_trace(void)
{
    ntrace = 0;
    for (unsigned i = 0; i < 16; i++)
        trace[i] = 0;
}

// arg[1]: the mark to note; arg[2]: nonzero to signal arg[0] afterwards.
static void
mark(struct kt_thread *t)
{
    note(t->arg[1]);
    if (t->arg[2])
        kozo_signal(t->arg[0]);
}

// Note 1, resume the TCB in arg[1], note 2, signal arg[0].
static void
resume_other(struct kt_thread *t)
{
    note(1);
    kozo_tcb_resume(t->arg[1]);
    note(2);
    kozo_signal(t->arg[0]);
}

// Note 1, signal arg[1] (a notification or endpoint), note 2, signal arg[0].
static void
wake_other(struct kt_thread *t)
{
    struct kozo_msg m = { 0, 0, { 0 } };
    note(1);
    kozo_nb_send(t->arg[1], &m);
    note(2);
    kozo_signal(t->arg[0]);
}

static void
wait_then_mark(struct kt_thread *t)
{
    struct kozo_msg m = { 0, 0, { 0 } };
    kozo_recv(t->arg[1], &m);
    note(t->arg[2]);
}

static uint64_t
marker(uint8_t prio, uint64_t ntfn, uint64_t mark_, bool signal, struct kt_thread **t)
{
    uint64_t err = kt_thread_new(mark, prio, 0, t);
    if (!err)
        (*t)->arg[0] = ntfn, (*t)->arg[1] = mark_, (*t)->arg[2] = signal;
    return err;
}

KTEST(sched_higher_priority_runs_first, "Of two runnable threads the higher priority runs first")
{
    struct kt_thread *lo, *hi;
    reset_trace();
    KT_OK(marker(100, env->ntfn, 100, true, &lo));
    KT_OK(marker(150, env->ntfn, 150, false, &hi));
    KT_OK(kt_thread_start(lo)); // resumed first, still runs second
    KT_OK(kt_thread_start(hi));
    kt_wait();
    KT_EQ(ntrace, 2);
    KT_EQ(trace[0], 150);
    KT_EQ(trace[1], 100);
}

KTEST(sched_resume_higher_preempts, "Resuming a higher-priority thread runs it before the resumer goes on")
{
    struct kt_thread *lo, *hi;
    reset_trace();
    KT_OK(marker(150, env->ntfn, 3, false, &hi));
    KT_OK(kt_thread_new(resume_other, 100, 0, &lo));
    lo->arg[0] = env->ntfn, lo->arg[1] = hi->tcb;
    KT_OK(kt_thread_start(lo));
    kt_wait();
    KT_EQ(ntrace, 3);
    KT_EQ(trace[0], 1);
    KT_EQ(trace[1], 3);
    KT_EQ(trace[2], 2);
}

// A higher-priority thread waits on `obj` (notification or endpoint); a lower one wakes it.
static void
wake_case(const struct ktest_env *env, uint64_t type)
{
    kozo_handle_t obj;
    struct kt_thread *lo, *hi;
    reset_trace();
    KT_OK(kt_alloc(type, 0, &obj));
    KT_OK(kt_thread_new(wait_then_mark, 150, 0, &hi));
    hi->arg[1] = obj, hi->arg[2] = 3;
    KT_OK(kt_thread_new(wake_other, 100, 0, &lo));
    lo->arg[0] = env->ntfn, lo->arg[1] = obj;
    KT_OK(kt_thread_start(hi));
    KT_OK(kt_thread_start(lo));
    kt_wait();
    KT_EQ(ntrace, 3);
    KT_EQ(trace[0], 1);
    KT_EQ(trace[1], 3);
    KT_EQ(trace[2], 2);
}

KTEST(sched_signal_wakes_higher_at_once, "A signal to a higher-priority waiter switches to it at once")
{
    wake_case(env, KOZO_OBJ_NOTIFICATION);
}

KTEST(sched_send_wakes_higher_at_once, "A message to a higher-priority receiver switches to it at once")
{
    wake_case(env, KOZO_OBJ_ENDPOINT);
}

KTEST(sched_set_priority_reorders, "Raising a queued thread's priority lets it run first")
{
    struct kt_thread *a, *b;
    reset_trace();
    KT_OK(marker(100, env->ntfn, 1, true, &a));
    KT_OK(marker(100, env->ntfn, 2, false, &b));
    KT_OK(kt_thread_start(a));
    KT_OK(kt_thread_start(b));
    KT_OK(kozo_tcb_set_priority(b->tcb, 120));
    kt_wait();
    KT_EQ(ntrace, 2);
    KT_EQ(trace[0], 2);
    KT_EQ(trace[1], 1);
}

KTEST(sched_lower_priority_waits, "A lower-priority thread does not run while we stay runnable")
{
    struct kt_thread *lo;
    reset_trace();
    KT_OK(marker(100, env->ntfn, 7, true, &lo));
    KT_OK(kt_thread_start(lo));
    for (volatile uint64_t i = 0; i < 3000000; i++) // long enough for timer ticks
        ;
    KT_EQ(ntrace, 0);
    kt_wait();
    KT_EQ(ntrace, 1);
}

// arg[1]: mark; notes it four times, yielding in between; arg[2]: signal arg[0] at the end.
static void
yielder(struct kt_thread *t)
{
    for (int i = 0; i < 4; i++) {
        note(t->arg[1]);
        kozo_yield();
    }
    if (t->arg[2])
        kozo_signal(t->arg[0]);
}

KTEST(sched_yield_alternates, "Two threads of one priority that Yield take turns")
{
    struct kt_thread *a, *b;
    reset_trace();
    KT_OK(kt_thread_new(yielder, 100, 0, &a));
    a->arg[1] = 1;
    KT_OK(kt_thread_new(yielder, 100, 0, &b));
    b->arg[0] = env->ntfn, b->arg[1] = 2, b->arg[2] = 1;
    KT_OK(kt_thread_start(a));
    KT_OK(kt_thread_start(b));
    kt_wait();
    KT_EQ(ntrace, 8);
    for (unsigned i = 0; i < 8; i++)
        KT_EQ(trace[i], 1 + (i & 1));
}

// Timer preemption: two spinners that never yield count how often the CPU changed hands.
#define SPIN_LIMIT (1ULL << 29)
static volatile uint64_t spin_last, spin_switches, spin_stop;

static void
spinner(struct kt_thread *t)
{
    for (uint64_t i = 0; i < SPIN_LIMIT && !spin_stop; i++) {
        t->res[0]++;
        if (spin_last != t->arg[1]) {
            spin_last = t->arg[1];
            if (++spin_switches >= 6)
                spin_stop = 1;
        }
    }
    spin_stop = 1;
    kozo_signal(t->arg[0]);
}

KTEST(sched_timer_preempts_spinners, "Two spinning threads of one priority alternate on timer ticks")
{
    struct kt_thread *a, *b;
    spin_last = spin_switches = spin_stop = 0;
    KT_OK(kt_thread_new(spinner, 100, 0, &a));
    a->arg[0] = env->ntfn, a->arg[1] = 1;
    KT_OK(kt_thread_new(spinner, 100, 0, &b));
    b->arg[0] = env->ntfn, b->arg[1] = 2;
    KT_OK(kt_thread_start(a));
    KT_OK(kt_thread_start(b));
    kt_wait(); // the first to stop signals; without preemption that is after SPIN_LIMIT
    KT_ASSERT(spin_switches >= 6);
    KT_NE(a->res[0], 0);
    KT_NE(b->res[0], 0);
}
