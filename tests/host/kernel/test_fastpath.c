// SPDX-License-Identifier: MIT OR Apache-2.0
//
// test_fastpath.c: The IPC fast path does exactly what the general path does
// (host unit tests of the kernel core; tests/host/test_kernel.c runs them).
#include "kernel_tests.h"

// The fast path must do exactly what the general path does. One scenario of Calls and
// ReplyRecvs, covered and not covered by the fast path, runs twice: through the general
// path only and with the fast path first; the registers, states, reply links (and whether
// the reply owed may carry caps) and the thread to run are recorded after every step and
// must be identical.
#define FP_THREADS 3
#define FP_STEPS   24
#define FP_WORDS   (FP_THREADS * 12 + 2)
static word_t fp_trace[2][FP_STEPS][FP_WORDS];

static word_t
fp_index(struct tcb *const *th, const struct tcb *t)
{
    for (unsigned i = 0; i < FP_THREADS; i++)
        if (th[i] == t)
            return i + 1;
    return t ? 99 : 0;
}

static unsigned
fp_scenario(bool fast, word_t (*trace)[FP_WORDS])
{
    kh_teardown();
    kh_setup();
    kh.no_fastpath = !fast;
    struct tcb *srv = kh_thread(0, 100), *cli = kh_thread(1, 50), *hi = kh_thread(2, 150);
    struct tcb *const th[FP_THREADS] = { srv, cli, hi };
    unsigned step = 0;
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_ENDPOINT, 0, S(0), 1), OK);
    CHECK_EQ(kh_mint(S(1), S(0), R_ALL, 0x77), OK);
    CHECK_EQ(kh_mint(S(2), S(0), KOZO_RIGHT_WRITE, 0x5), OK); // no GRANT_REPLY: no Call
    CHECK_EQ(kh_retype(UT, KOZO_OBJ_NOTIFICATION, 0, S(3), 1), OK);
    CHECK_EQ(kh_copy(S(4), S(0), KOZO_RIGHT_READ), OK); // no GRANT: replies carry no caps
    for (unsigned i = 0; i < FP_THREADS; i++)
        kh_run(th[i]);
    const word_t w[10] = { 11, 22, 33, 44, 55, 66, 77, 88, 99, 110 };
    static const struct {
        unsigned who;
        word_t sysno, cap, len, caps, label;
    } steps[FP_STEPS] = {
        { 0, KOZO_SYS_RECV, S(0), 0, 0, 0 },
        { 1, KOZO_SYS_CALL, S(1), 2, 0, 7 },        // fast
        { 0, KOZO_SYS_REPLY_RECV, S(0), 3, 0, 1 },  // fast
        { 1, KOZO_SYS_CALL, S(0), 4, 0, 2 },        // fast
        { 0, KOZO_SYS_REPLY_RECV, S(4), 0, 0, 0 },  // fast, waiting through a cap without GRANT
        { 2, KOZO_SYS_CALL, S(1), 1, 0, 3 },        // fast (a higher-priority caller)
        { 0, KOZO_SYS_REPLY_RECV, S(0), 4, 0, 0 },  // general: it outranks the server
        { 1, KOZO_SYS_CALL, S(1), 6, 0, 4 },        // general: long message
        { 0, KOZO_SYS_REPLY_RECV, S(0), 7, 0, 0 },  // general: long reply
        { 1, KOZO_SYS_CALL, S(1), 0, 1, 5 },        // general: a cap
        { 0, KOZO_SYS_REPLY_RECV, S(0), 0, 1, 0 },  // general: a cap in the reply
        { 1, KOZO_SYS_CALL, S(2), 1, 0, 6 },        // refused: no GRANT_REPLY
        { 1, KOZO_SYS_CALL, S(3), 1, 0, 6 },        // a notification: a signal
        { 1, KOZO_SYS_CALL, 0x123456789, 1, 0, 6 }, // no such cap
        { 1, KOZO_SYS_CALL, S(1), 2, 0, 8 },        // fast
        { 2, KOZO_SYS_CALL, S(1), 2, 0, 9 },        // the server is busy: queued
        { 0, KOZO_SYS_REPLY_RECV, S(0), 2, 0, 0 },  // general: a sender is waiting
        { 0, KOZO_SYS_REPLY_RECV, S(0), 2, 0, 0 },  // general: answers hi (outranks)
        { 1, KOZO_SYS_CALL, S(1), 3, 0, 10 },       // fast
        { 0, KOZO_SYS_REPLY, 0, 1, 0, 0 },
        { 0, KOZO_SYS_REPLY_RECV, S(0), 1, 0, 0 }, // nobody to answer: just waits
        { 1, KOZO_SYS_CALL, S(1), 4, 0, 11 },      // fast
        { 0, KOZO_SYS_REPLY_RECV, S(1), 4, 0, 0 }, // fast, badged cap to wait on
        { 2, KOZO_SYS_YIELD, 0, 0, 0, 0 },
    };
    kh_ipcbuf(cli)->caps[0] = S(3);
    kh_ipcbuf(srv)->caps[0] = S(3);
    kh_ipcbuf(srv)->receive_cnode = ROOTCN;
    kh_ipcbuf(srv)->receive_index = S(10);
    kh_ipcbuf(srv)->receive_depth = KH_DEPTH;
    for (step = 0; step < FP_STEPS; step++) {
        struct tcb *t = th[steps[step].who];
        if (t->state == TS_RUNNABLE) // a blocked thread cannot make a call
            kh_syscall(t, steps[step].sysno, steps[step].cap,
                       kozo_msginfo_make(steps[step].len, steps[step].caps, 0, steps[step].label), w,
                       (unsigned)steps[step].len);
        word_t *r = trace[step];
        unsigned k = 0;
        for (unsigned i = 0; i < FP_THREADS; i++) {
            const struct arch_context *c = &th[i]->ctx;
            r[k++] = th[i]->state;
            for (unsigned reg = HREG_NR; reg <= HREG_MR3; reg++) // number, cap, info, MR0..MR3
                r[k++] = c->r[reg];
            r[k++] = fp_index(th, th[i]->replier);
            r[k++] = fp_index(th, th[i]->reply_to), r[k++] = th[i]->queued;
            r[k++] = th[i]->reply_to ? th[i]->reply_can_grant : 0;
        }
        r[k++] = fp_index(th, current);
        r[k++] = fp_index(th, ((struct endpoint *)cap_ptr(capof(S(0))))->head);
    }
    CHECK(kh_mdb_ok());
    return kh.fastpath_taken;
}

static void
test_fastpath_matches_general_path(void)
{
    CHECK_EQ(fp_scenario(false, fp_trace[0]), 0);
    unsigned taken = fp_scenario(true, fp_trace[1]);
    CHECK_EQ(taken, 9); // the steps marked "fast" above
    for (unsigned s = 0; s < FP_STEPS; s++)
        for (unsigned k = 0; k < FP_WORDS; k++)
            if (fp_trace[0][s][k] != fp_trace[1][s][k]) {
                CHECK_EQ(fp_trace[1][s][k], fp_trace[0][s][k]);
                printf("  first difference: step %u, word %u\n", s, k);
                return;
            }
}

const struct ktest kt_fastpath_tests[] = {
    T(test_fastpath_matches_general_path),
    { NULL, NULL },
};
