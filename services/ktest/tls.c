// SPDX-License-Identifier: MIT OR Apache-2.0
//
// TCB.SetTlsBase: a thread's thread-local storage base (the FS base on x86_64) is its own:
// FS-relative loads see the memory at its base, across switches between threads with
// other bases or none, and whatever another thread does to its own FS. Only user
// addresses are accepted.
#include "ktest.h"

static inline uint64_t
fs_load(uint64_t offset)
{
    uint64_t v;
    __asm__ volatile("movq %%fs:(%1), %0" : "=r"(v) : "r"(offset) : "memory");
    return v;
}

// Reload FS with the thread's own data selector (SS): its base becomes the descriptor's, 0.
static inline void
fs_reload(void)
{
    __asm__ volatile("movw %%ss, %%ax\n\tmovw %%ax, %%fs" ::: "rax", "memory");
}

static uint64_t tls_a[2] = { 0xa0a0a0a0a0a0a0a0ULL, 0xa1a1a1a1a1a1a1a1ULL };
static uint64_t tls_b[2] = { 0xb0b0b0b0b0b0b0b0ULL, 0xb1b1b1b1b1b1b1b1ULL };

// res[0], res[1]: %fs:0 and %fs:8; then eight times Yield and check: res[2] misses.
// arg[1]: what %fs:0 must be; arg[2]: after the first reads, reload FS (its base goes to 0)
// and Yield instead.
static void
tls_reader(struct kt_thread *t)
{
    t->res[0] = fs_load(0);
    t->res[1] = fs_load(8);
    if (t->arg[2]) {
        fs_reload();
        t->res[3] = 1;
        kozo_yield(); // straight to the next thread of this priority, with FS base 0 now
        kozo_signal(t->arg[0]);
        return;
    }
    for (int i = 0; i < 8; i++) {
        kozo_yield();
        t->res[2] += fs_load(0) != t->arg[1];
    }
    kozo_signal(t->arg[0]);
}

KTEST(tls_base_read_through_fs, "A thread's FS-relative loads read the memory at its TLS base")
{
    struct kt_thread *h;
    KT_OK(kt_thread_new(tls_reader, env->priority, 0, &h));
    h->arg[0] = env->ntfn, h->arg[1] = tls_a[0];
    KT_OK(kozo_tcb_set_tls_base(h->tcb, (uint64_t)tls_a));
    KT_OK(kt_thread_start(h));
    kt_wait();
    KT_EQ(h->res[0], tls_a[0]);
    KT_EQ(h->res[1], tls_a[1]);
    KT_EQ(h->res[2], 0);
}

KTEST(tls_base_per_thread, "Two threads that Yield to each other each keep their own TLS base")
{
    struct kt_thread *a, *b;
    KT_OK(kt_thread_new(tls_reader, env->priority, 0, &a));
    KT_OK(kt_thread_new(tls_reader, env->priority, 0, &b));
    a->arg[0] = b->arg[0] = env->ntfn;
    a->arg[1] = tls_a[0], b->arg[1] = tls_b[0];
    KT_OK(kozo_tcb_set_tls_base(a->tcb, (uint64_t)tls_a));
    KT_OK(kozo_tcb_set_tls_base(b->tcb, (uint64_t)tls_b));
    KT_OK(kt_thread_start(a));
    KT_OK(kt_thread_start(b));
    kt_wait();
    kt_wait();
    KT_EQ(a->res[0], tls_a[0]);
    KT_EQ(b->res[0], tls_b[0]);
    KT_EQ(a->res[2], 0);
    KT_EQ(b->res[2], 0);
}

KTEST(tls_base_not_shared_through_fs_reload,
      "A thread that reloads FS zeroes only its own base: the next with the same base still has it")
{
    struct kt_thread *a, *b;
    KT_OK(kt_thread_new(tls_reader, env->priority, 0, &a));
    KT_OK(kt_thread_new(tls_reader, env->priority, 0, &b));
    a->arg[0] = b->arg[0] = env->ntfn;
    a->arg[1] = b->arg[1] = tls_a[0];
    a->arg[2] = 1; // a reloads FS, then yields straight to b
    KT_OK(kozo_tcb_set_tls_base(a->tcb, (uint64_t)tls_a));
    KT_OK(kozo_tcb_set_tls_base(b->tcb, (uint64_t)tls_a)); // the same value as a's
    KT_OK(kt_thread_start(a));
    KT_OK(kt_thread_start(b)); // b's first load would read address 0 if a's reload stuck
    kt_wait();
    kt_wait();
    KT_EQ(a->res[3], 1);
    KT_EQ(b->res[0], tls_a[0]);
    KT_EQ(b->res[2], 0);
}

KTEST(tls_base_own_thread, "Setting the running thread's own TLS base takes effect at once")
{
    struct kozo_tls *own = kozo_tls_self(); // libkozo's block: put back before anything needs it
    KT_OK(kozo_tcb_set_tls_base(SYS_SLOT_TCB, (uint64_t)tls_b));
    uint64_t got = fs_load(8);
    KT_OK(kozo_tcb_set_tls_base(SYS_SLOT_TCB, (uint64_t)own));
    KT_EQ(got, tls_b[1]);
    KT_EQ((uint64_t)kozo_tls_self(), (uint64_t)own);
}

KTEST(tls_base_range, "A TLS base outside the user half is RANGE")
{
    kozo_handle_t t;
    KT_OK(kt_alloc(KOZO_OBJ_TCB, 0, &t));
    KT_ERR(kozo_tcb_set_tls_base(t, KOZO_USER_TOP), KOZO_ERR_RANGE);
    KT_ERR(kozo_tcb_set_tls_base(t, 0x8000000000000000ULL), KOZO_ERR_RANGE); // not canonical
    KT_ERR(kozo_tcb_set_tls_base(t, ~0ULL), KOZO_ERR_RANGE);
    KT_OK(kozo_tcb_set_tls_base(t, KOZO_USER_TOP - 8));
}
