// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The scheduler: one FIFO of runnable threads per priority, a two-level bitmap of the
// non-empty ones, round robin within a priority on timer ticks. All state is static and
// fixed-size.
//
// The running thread is not in a ready queue ("Benno scheduling", as in seL4): the ready
// queues hold the runnable threads that wait for the CPU. So a direct switch between two
// threads (a Call to a waiting server, the reply back) touches no queue at all. Invariant:
// a thread is queued (t->queued) only if it is runnable; every runnable thread other than
// `current` is queued. `current` is the thread the next kernel exit returns to: runnable,
// or the idle thread, or one that just blocked or was suspended (then kernel_exit picks).
// A preempted thread goes back to the head of its queue (it keeps its turn); a thread that
// yields or used up its time slice goes to the tail.
#include <kern/arch_api.h>
#include <kern/printk.h>
#include <kern/sched.h>

struct tcb *current = &idle_thread;
struct tcb idle_thread;

static struct {
    struct tcb *head, *tail;
} ready[SCHED_PRIORITIES];
// Two levels of bitmap: bit p of ready_map says queue p is non-empty, bit w of ready_words
// says word w of ready_map is non-zero. Finding the highest queue is two bit scans.
#define READY_WORDS (SCHED_PRIORITIES / 64)
static uint64_t ready_map[READY_WORDS];
static unsigned ready_words;
_Static_assert(READY_WORDS <= 32, "ready_words has a bit per word of ready_map");
static bool resched;

void
sched_init(void)
{
    for (unsigned p = 0; p < SCHED_PRIORITIES; p++)
        ready[p].head = ready[p].tail = NULL;
    for (unsigned i = 0; i < READY_WORDS; i++)
        ready_map[i] = 0;
    ready_words = 0;
    idle_thread.state = TS_IDLE;
    current = &idle_thread;
    resched = true;
}

static inline void
mark_ready(unsigned p)
{
    ready_map[p / 64] |= BIT(p % 64);
    ready_words |= 1u << (p / 64);
}

void
sched_enqueue(struct tcb *t)
{
    unsigned p = t->priority;
    assert(!t->queued && t != &idle_thread); // queued twice would corrupt the ready queue
    t->queued = 1;
    t->sched_next = NULL;
    t->sched_prev = ready[p].tail;
    if (ready[p].tail)
        ready[p].tail->sched_next = t;
    else
        ready[p].head = t;
    ready[p].tail = t;
    mark_ready(p);
}

void
sched_enqueue_front(struct tcb *t)
{
    unsigned p = t->priority;
    assert(!t->queued && t != &idle_thread);
    t->queued = 1;
    t->sched_prev = NULL;
    t->sched_next = ready[p].head;
    if (ready[p].head)
        ready[p].head->sched_prev = t;
    else
        ready[p].tail = t;
    ready[p].head = t;
    mark_ready(p);
}

void
sched_dequeue(struct tcb *t)
{
    unsigned p = t->priority;
    if (!t->queued)
        return; // running, or not runnable
    t->queued = 0;
    if (t->sched_prev)
        t->sched_prev->sched_next = t->sched_next;
    else
        ready[p].head = t->sched_next;
    if (t->sched_next)
        t->sched_next->sched_prev = t->sched_prev;
    else
        ready[p].tail = t->sched_prev;
    t->sched_next = t->sched_prev = NULL;
    if (!ready[p].head) {
        ready_map[p / 64] &= ~BIT(p % 64);
        if (!ready_map[p / 64])
            ready_words &= ~(1u << (p / 64));
    }
}

void
sched_wake(struct tcb *t)
{
    assert(t->state != TS_RUNNABLE);
    t->state = TS_RUNNABLE;
    if (t == current)
        return; // it blocked in this kernel entry and runs on when the entry ends
    sched_enqueue(t);
    if (current == &idle_thread || t->priority > current->priority)
        resched = true;
}

void
sched_switch_to(struct tcb *t)
{
    struct tcb *old = current;
    if (old != &idle_thread && old->state == TS_RUNNABLE && !old->queued)
        sched_enqueue_front(old); // never lose a runnable thread
    sched_dequeue(t);
    current = t;
}

bool
sched_contender(unsigned priority)
{
    unsigned w = priority / 64;
    // A non-empty word above priority's, or a queue at or above it within its word.
    return (ready_words >> w >> 1) != 0 || (ready_map[w] >> (priority % 64)) != 0;
}

void
sched_yield_thread(struct tcb *t)
{
    if (!sched_contender(t->priority))
        return;       // nobody to yield to: the thread runs on
    sched_enqueue(t); // it runs, so it is in no queue (sched_enqueue asserts it): to the tail
    resched = true;
}

void
sched_request(void)
{
    resched = true;
}

void
sched_tick(void)
{
    struct tcb *t = current;
    if (t == &idle_thread || t->state != TS_RUNNABLE)
        return;
    if (--t->time_left == 0) {
        t->time_left = SCHED_TIME_SLICE;
        sched_dequeue(t);
        sched_enqueue(t); // to the tail: the others at its priority go first
        resched = true;
    }
}

// Take the first thread of the highest non-empty queue off it; the idle thread if none.
static struct tcb *
take_highest(void)
{
    if (!ready_words)
        return &idle_thread;
    unsigned w = 31 - (unsigned)__builtin_clz(ready_words);
    struct tcb *t = ready[w * 64 + 63 - (unsigned)__builtin_clzll(ready_map[w])].head;
    sched_dequeue(t);
    return t;
}

void
kernel_exit_syscall(struct tcb *t)
{
    // Same thread, nothing to choose: its address space is the one loaded (deleting a
    // loaded VSpace switches to the kernel's tables at once, vspace.c), so go straight out.
    if (likely(current == t && !resched && t->state == TS_RUNNABLE))
        arch_return_to_user(&t->ctx);
    kernel_exit();
}

void
kernel_exit(void)
{
    struct tcb *t = current;
    if (resched || (t != &idle_thread && t->state != TS_RUNNABLE)) {
        if (t != &idle_thread && t->state == TS_RUNNABLE && !t->queued)
            sched_enqueue_front(t); // preempted: it keeps its turn
        current = take_highest();
        resched = false;
    }
    arch_switch_to(current);
    if (current == &idle_thread)
        arch_idle();
    arch_return_to_user(&current->ctx);
}
