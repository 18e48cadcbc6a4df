// SPDX-License-Identifier: MIT OR Apache-2.0
//
// FPU/SSE state: each thread keeps its own x87 and SSE registers across yields, blocking,
// timer preemption and address-space switches; a new thread starts from the reset state
// and sees nothing of another thread's; a thread that dies holding the FPU leaves it usable.
// ktest itself is built without SSE, so the registers are reached with inline assembly
// only, in these helpers.
#include "ktest.h"

#define MXCSR_RESET 0x1f80
#define FCW_RESET   0x037f

static inline void
set_xmm0(uint64_t v)
{
    __asm__ volatile("movq %0, %%xmm0" ::"r"(v));
}
static inline void
set_xmm15(uint64_t v)
{
    __asm__ volatile("movq %0, %%xmm15" ::"r"(v));
}
static inline uint64_t
get_xmm0(void)
{
    uint64_t v;
    __asm__ volatile("movq %%xmm0, %0" : "=r"(v));
    return v;
}
static inline uint64_t
get_xmm15(void)
{
    uint64_t v;
    __asm__ volatile("movq %%xmm15, %0" : "=r"(v));
    return v;
}
static inline uint32_t
get_mxcsr(void)
{
    uint32_t v;
    __asm__ volatile("stmxcsr %0" : "=m"(v));
    return v;
}
static inline void
set_mxcsr(uint32_t v)
{
    __asm__ volatile("ldmxcsr %0" ::"m"(v));
}
static inline uint16_t
get_fcw(void)
{
    uint16_t v;
    __asm__ volatile("fnstcw %0" : "=m"(v));
    return v;
}
static inline void
set_fcw(uint16_t v)
{
    __asm__ volatile("fldcw %0" ::"m"(v));
}

// A thread's FPU pattern from its mark: xmm0, xmm15, MXCSR rounding mode, x87 precision.
static void
load_pattern(uint64_t mark)
{
    set_xmm0(0x1111111111111111ULL * mark);
    set_xmm15(~(0x0101010101010101ULL * mark));
    set_mxcsr(MXCSR_RESET | (uint32_t)(mark & 3) << 13);
    set_fcw((uint16_t)(FCW_RESET & ~0x300u) | (uint16_t)((mark & 3) << 8));
}

// How many of the four parts differ from the pattern of `mark`.
static uint64_t
pattern_misses(uint64_t mark)
{
    return (get_xmm0() != 0x1111111111111111ULL * mark) + (get_xmm15() != ~(0x0101010101010101ULL * mark)) +
           (get_mxcsr() != (MXCSR_RESET | (uint32_t)(mark & 3) << 13)) +
           (get_fcw() != ((uint16_t)(FCW_RESET & ~0x300u) | (uint16_t)((mark & 3) << 8)));
}

// arg[1]: mark. Loads its pattern, then eight times: Yield, check. res[0]: misses, res[1]:
// checks made. arg[0]: signalled at the end.
static void
fpu_yielder(struct kt_thread *t)
{
    load_pattern(t->arg[1]);
    for (int i = 0; i < 8; i++) {
        kozo_yield();
        t->res[0] += pattern_misses(t->arg[1]);
        t->res[1]++;
    }
    kozo_signal(t->arg[0]);
}

KTEST(fpu_kept_across_yield, "Two threads that Yield to each other keep their own FPU and SSE registers")
{
    struct kt_thread *a, *b;
    KT_OK(kt_thread_new(fpu_yielder, 100, 0, &a));
    KT_OK(kt_thread_new(fpu_yielder, 100, 0, &b));
    a->arg[0] = b->arg[0] = env->ntfn;
    a->arg[1] = 1, b->arg[1] = 2;
    KT_OK(kt_thread_start(a));
    KT_OK(kt_thread_start(b));
    kt_wait();
    kt_wait();
    KT_EQ(a->res[1], 8);
    KT_EQ(b->res[1], 8);
    KT_EQ(a->res[0], 0);
    KT_EQ(b->res[0], 0);
}

// Spinners that never yield: the timer takes the CPU from one while its registers are live.
static volatile uint64_t spin_last, spin_switches, spin_stop;

static void
fpu_spinner(struct kt_thread *t)
{
    load_pattern(t->arg[1]);
    for (uint64_t i = 0; i < (1ULL << 29) && !spin_stop; i++) {
        if (spin_last != t->arg[1]) {
            spin_last = t->arg[1];
            t->res[0] += pattern_misses(t->arg[1]);
            t->res[1]++;
            if (++spin_switches >= 8)
                spin_stop = 1;
        }
    }
    spin_stop = 1;
    t->res[0] += pattern_misses(t->arg[1]);
    kozo_signal(t->arg[0]);
}

KTEST(fpu_kept_across_preemption, "Threads preempted by the timer keep their own FPU and SSE registers")
{
    struct kt_thread *a, *b;
    spin_last = spin_switches = spin_stop = 0;
    KT_OK(kt_thread_new(fpu_spinner, 100, 0, &a));
    KT_OK(kt_thread_new(fpu_spinner, 100, 0, &b));
    a->arg[0] = b->arg[0] = env->ntfn;
    a->arg[1] = 3, b->arg[1] = 6;
    KT_OK(kt_thread_start(a));
    KT_OK(kt_thread_start(b));
    kt_wait();
    KT_ASSERT(spin_switches >= 8); // the CPU changed hands, with both patterns live
    KT_NE(a->res[1], 0);
    KT_NE(b->res[1], 0);
    KT_EQ(a->res[0], 0);
    KT_EQ(b->res[0], 0);
}

// arg[1]: mark. Loads its pattern, signals arg[0], then blocks on arg[2] for good.
static void
fpu_dirty_and_wait(struct kt_thread *t)
{
    load_pattern(t->arg[1]);
    kozo_signal(t->arg[0]);
    kozo_wait(t->arg[2], NULL);
}

// res: xmm0, xmm15, MXCSR, x87 control word as the thread first finds them.
static void
fpu_read_fresh(struct kt_thread *t)
{
    t->res[0] = get_xmm0();
    t->res[1] = get_xmm15();
    t->res[2] = get_mxcsr();
    t->res[3] = get_fcw();
    kozo_signal(t->arg[0]);
}

KTEST(fpu_new_thread_starts_clean, "A new thread's FPU is in the reset state, whatever another thread left")
{
    kozo_handle_t never;
    struct kt_thread *dirty, *fresh;
    KT_OK(kt_alloc(KOZO_OBJ_NOTIFICATION, 0, &never));
    KT_OK(kt_thread_new(fpu_dirty_and_wait, 100, 0, &dirty));
    dirty->arg[0] = env->ntfn, dirty->arg[1] = 5, dirty->arg[2] = never;
    KT_OK(kt_thread_start(dirty));
    kt_wait(); // its pattern is in the FPU registers now
    KT_OK(kt_thread_run(fpu_read_fresh, 100, env->ntfn, &fresh));
    kt_wait();
    KT_EQ(fresh->res[0], 0);
    KT_EQ(fresh->res[1], 0);
    KT_EQ(fresh->res[2], MXCSR_RESET);
    KT_EQ(fresh->res[3], FCW_RESET);
}

KTEST(fpu_owner_deleted, "A thread deleted while its state is in the FPU leaves the FPU to the next, clean")
{
    kozo_handle_t never;
    struct kt_thread *dirty, *fresh;
    KT_OK(kt_alloc(KOZO_OBJ_NOTIFICATION, 0, &never));
    KT_OK(kt_thread_new(fpu_dirty_and_wait, 100, 0, &dirty));
    dirty->arg[0] = env->ntfn, dirty->arg[1] = 7, dirty->arg[2] = never;
    KT_OK(kt_thread_start(dirty));
    kt_wait();
    KT_OK(kozo_cnode_delete(SYS_SLOT_CNODE, dirty->tcb, KT_DEPTH)); // the FPU's owner goes
    KT_OK(kt_thread_run(fpu_read_fresh, 100, env->ntfn, &fresh));
    kt_wait();
    KT_EQ(fresh->res[0], 0);
    KT_EQ(fresh->res[2], MXCSR_RESET);
    KT_EQ(fresh->res[3], FCW_RESET);
}

// arg[1]: mark. Loads its pattern, then Calls arg[2] eight times, checking after each.
static void
fpu_caller(struct kt_thread *t)
{
    load_pattern(t->arg[1]);
    for (int i = 0; i < 8; i++) {
        struct kozo_msg m = { kozo_msginfo_make(1, 0, 0, 0), 0, { (uint64_t)i } };
        if (kozo_call(t->arg[2], &m))
            t->res[2]++;
        t->res[0] += pattern_misses(t->arg[1]);
        t->res[1]++;
    }
    kozo_signal(t->arg[0]);
}

// arg[1]: mark; serves arg[2] forever, checking its own pattern after every message.
static void
fpu_server(struct kt_thread *t)
{
    struct kozo_msg m = { 0, 0, { 0 } };
    load_pattern(t->arg[1]);
    kozo_recv(t->arg[2], &m);
    for (;;) {
        t->res[0] += pattern_misses(t->arg[1]);
        t->res[1]++;
        m.info = kozo_msginfo_make(0, 0, 0, 0);
        kozo_reply_recv(t->arg[2], &m);
    }
}

KTEST(fpu_kept_across_ipc, "Client and server keep their own FPU registers over Call and ReplyRecv")
{
    kozo_handle_t ep;
    struct kt_thread *srv, *cli;
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &ep));
    KT_OK(kt_thread_new(fpu_server, 100, 0, &srv));
    srv->arg[1] = 9, srv->arg[2] = ep;
    KT_OK(kt_thread_new(fpu_caller, 100, 0, &cli));
    cli->arg[0] = env->ntfn, cli->arg[1] = 10, cli->arg[2] = ep;
    KT_OK(kt_thread_start(srv));
    kt_settle(); // the server waits
    KT_OK(kt_thread_start(cli));
    kt_wait();
    KT_EQ(cli->res[2], 0);
    KT_EQ(cli->res[1], 8);
    KT_EQ(cli->res[0], 0);
    KT_EQ(srv->res[1], 8);
    KT_EQ(srv->res[0], 0);
}
