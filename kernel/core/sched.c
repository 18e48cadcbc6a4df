// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The scheduler: one FIFO of runnable threads per priority, a 256-bit map of the non-empty
// ones, round robin within a priority on timer ticks. All state is static and fixed-size.
//
// Invariant: a thread is in a ready queue iff its state is TS_RUNNABLE. `current` is the
// thread the next kernel exit returns to; it is runnable, or it is the idle thread, or it
// just blocked/was suspended and `resched` is set.
#include <kern/arch_api.h>
#include <kern/printk.h>
#include <kern/sched.h>

struct tcb *current = &idle_thread;
struct tcb idle_thread;

static struct {
    struct tcb *head, *tail;
} ready[SCHED_PRIORITIES];
static uint64_t ready_map[SCHED_PRIORITIES / 64];
static bool resched;

void
sched_init(void)
{
    idle_thread.state = TS_IDLE;
    current = &idle_thread;
    resched = true;
}

void
sched_enqueue(struct tcb *t)
{
    unsigned p = t->priority;
    t->sched_next = NULL;
    t->sched_prev = ready[p].tail;
    if (ready[p].tail)
        ready[p].tail->sched_next = t;
    else
        ready[p].head = t;
    ready[p].tail = t;
    ready_map[p / 64] |= BIT(p % 64);
}

void
sched_enqueue_front(struct tcb *t)
{
    unsigned p = t->priority;
    t->sched_prev = NULL;
    t->sched_next = ready[p].head;
    if (ready[p].head)
        ready[p].head->sched_prev = t;
    else
        ready[p].tail = t;
    ready[p].head = t;
    ready_map[p / 64] |= BIT(p % 64);
}

void
sched_dequeue(struct tcb *t)
{
    unsigned p = t->priority;
    if (t->state != TS_RUNNABLE)
        return;
    if (t->sched_prev)
        t->sched_prev->sched_next = t->sched_next;
    else
        ready[p].head = t->sched_next;
    if (t->sched_next)
        t->sched_next->sched_prev = t->sched_prev;
    else
        ready[p].tail = t->sched_prev;
    t->sched_next = t->sched_prev = NULL;
    if (!ready[p].head)
        ready_map[p / 64] &= ~BIT(p % 64);
    // The caller changes t->state next; until then t is "runnable but not queued".
}

void
sched_wake(struct tcb *t)
{
    assert(t->state != TS_RUNNABLE); // queued twice would corrupt the ready queue
    t->state = TS_RUNNABLE;
    sched_enqueue(t);
    if (current == &idle_thread || t->priority > current->priority)
        resched = true;
}

void
sched_switch_to(struct tcb *t)
{
    current = t;
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
        sched_enqueue(t);
        resched = true;
    }
}

static struct tcb *
highest_runnable(void)
{
    for (int i = SCHED_PRIORITIES / 64 - 1; i >= 0; i--)
        if (ready_map[i])
            return ready[i * 64 + 63 - __builtin_clzll(ready_map[i])].head;
    return &idle_thread;
}

void
kernel_exit(void)
{
    if (resched || (current != &idle_thread && current->state != TS_RUNNABLE)) {
        current = highest_runnable();
        resched = false;
    }
    arch_switch_to(current);
    if (current == &idle_thread)
        arch_idle();
    arch_return_to_user(&current->ctx);
}
