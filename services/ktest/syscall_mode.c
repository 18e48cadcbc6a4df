// SPDX-License-Identifier: MIT OR Apache-2.0
//
// TCB.SetSyscallMode: a thread in SYSCALL_MODE_FAULT makes no KOZO system call at all.
// Every SYSCALL, whatever its number, arrives at its fault handler as a
// FAULT_UNKNOWN_SYSCALL message, and the handler's reply is the call's result: how a
// foreign ABI (Linux's, for the shim) is served in user space. Numbers that collide with
// KOZO's (Call, ReplyRecv, Yield, ...) included, on the fast path's ground too.
#include "ktest.h"

#define MODE_BADGE 0x5c

// A raw SYSCALL with RAX = nr, RDI = rdi and RSI = 0: for a KOZO thread, a zero-length
// message, which the IPC fast path would take.
uint64_t kt_syscall_rsi0(uint64_t nr, uint64_t rdi);
__asm__(".pushsection .text\n"
        ".globl kt_syscall_rsi0\n"
        "kt_syscall_rsi0:\n"
        "    movq %rdi, %rax\n"
        "    movq %rsi, %rdi\n"
        "    xorl %esi, %esi\n"
        "    syscall\n"
        "    ret\n"
        ".popsection\n");

// The numbers the foreign thread tries: KOZO's Call, ReplyRecv, Yield and DebugPutchar,
// Linux's write (1) and exit (60), one past KOZO's table and a huge one.
static const uint64_t numbers[] = {
    KOZO_SYS_CALL,  KOZO_SYS_REPLY_RECV, KOZO_SYS_YIELD, KOZO_SYS_DEBUG_PUTCHAR, 1, 60,
    KOZO_SYS_COUNT, 1ULL << 40,
};
#define NNUMBERS (sizeof(numbers) / sizeof(numbers[0]))

// arg[1]: the handle passed in RDI. res[i]: what each call returned; res[7]: done.
static void
foreigner(struct kt_thread *t)
{
    for (unsigned i = 0; i < NNUMBERS && i < 7; i++)
        t->res[i] = kt_syscall_rsi0(numbers[i], t->arg[1]);
    t->res[7] = 1;
}

// A helper at ktest's priority whose fault endpoint *ep is badged MODE_BADGE.
static uint64_t
foreign_thread(const struct ktest_env *env, void (*fn)(struct kt_thread *), kozo_handle_t *ep,
               struct kt_thread **t)
{
    kozo_handle_t badged;
    uint64_t err;
    if ((err = kt_alloc(KOZO_OBJ_ENDPOINT, 0, ep)) ||
        (err = kt_mint(*ep, KOZO_RIGHTS_ALL, MODE_BADGE, &badged)) ||
        (err = kt_thread_new(fn, env->priority, 0, t)) || (err = kt_thread_fault_ep(*t, badged)))
        return err;
    return kozo_tcb_set_syscall_mode((*t)->tcb, KOZO_SYSCALL_MODE_FAULT);
}

KTEST(syscall_mode_fault_takes_every_number,
      "In SYSCALL_MODE_FAULT every syscall, KOZO's numbers included, is a fault whose reply is the result")
{
    kozo_handle_t ep;
    struct kt_thread *h;
    KT_OK(foreign_thread(env, foreigner, &ep, &h));
    // RDI names the fault endpoint itself, on which ktest waits: a KOZO Call from this
    // thread would go straight to ktest as an ordinary message, by the fast path.
    h->arg[1] = ep;
    KT_OK(kt_thread_start(h));
    for (unsigned i = 0; i < 7; i++) {
        struct kozo_msg m = { 0, 0, { 0 } };
        KT_OK(kozo_recv(ep, &m));
        KT_EQ(m.badge, MODE_BADGE);
        KT_EQ(kozo_msginfo_get_label(m.info), KOZO_FAULT_UNKNOWN_SYSCALL);
        KT_EQ(kozo_msginfo_get_length(m.info), KOZO_FAULT_SYSCALL_WORDS);
        KT_EQ(m.mr[0], numbers[i]); // rax
        KT_EQ(m.mr[1], ep);         // rdi
        KT_EQ(m.mr[2], 0);          // rsi
        m.info = kozo_msginfo_make(1, 0, 0, 0);
        m.mr[0] = 0x1000 + i; // the call's result
        KT_OK(kozo_reply(&m));
    }
    kt_settle();
    KT_EQ(h->res[7], 1);
    for (unsigned i = 0; i < 7; i++)
        KT_EQ(h->res[i], 0x1000 + i);
}

// Yield natively: res[0] its result, res[1] done.
static void
native_yield(struct kt_thread *t)
{
    t->res[0] = kt_syscall_rsi0(KOZO_SYS_YIELD, 0);
    t->res[1] = 1;
}

KTEST(syscall_mode_native_again, "Back in SYSCALL_MODE_NATIVE the thread's syscalls are KOZO's again")
{
    kozo_handle_t ep;
    struct kt_thread *h;
    struct kozo_msg m = { 0, 0, { 0 } };
    KT_OK(foreign_thread(env, native_yield, &ep, &h));
    KT_OK(kozo_tcb_set_syscall_mode(h->tcb, KOZO_SYSCALL_MODE_NATIVE));
    h->res[0] = 0xdead;
    KT_OK(kt_thread_start(h));
    kt_settle();
    KT_EQ(h->res[1], 1);
    KT_EQ(h->res[0], KOZO_ERR_OK);
    KT_ERR(kozo_nb_recv(ep, &m), KOZO_ERR_WOULD_BLOCK); // no fault message was sent
}

KTEST(syscall_mode_without_handler,
      "A thread in SYSCALL_MODE_FAULT with no fault handler gets UNKNOWN_SYSCALL")
{
    struct kt_thread *h;
    KT_OK(kt_thread_new(native_yield, env->priority, 0, &h));
    KT_OK(kozo_tcb_set_syscall_mode(h->tcb, KOZO_SYSCALL_MODE_FAULT));
    KT_OK(kt_thread_start(h));
    kt_settle();
    KT_EQ(h->res[1], 1);
    KT_EQ(h->res[0], KOZO_ERR_UNKNOWN_SYSCALL);
}

KTEST(syscall_mode_bad_mode, "SetSyscallMode with an undefined mode is INVALID_ARGUMENT and changes nothing")
{
    struct kt_thread *h;
    KT_OK(kt_thread_new(native_yield, env->priority, 0, &h));
    KT_ERR(kozo_tcb_set_syscall_mode(h->tcb, 2), KOZO_ERR_INVALID_ARGUMENT);
    KT_ERR(kozo_tcb_set_syscall_mode(h->tcb, ~0ULL), KOZO_ERR_INVALID_ARGUMENT);
    KT_OK(kt_thread_start(h));
    kt_settle();
    KT_EQ(h->res[1], 1);
    KT_EQ(h->res[0], KOZO_ERR_OK); // still native
}
