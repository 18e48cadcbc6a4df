// SPDX-License-Identifier: MIT OR Apache-2.0
//
// System-call and IPC figures: the null syscall, Call and ReplyRecv one way and the round
// trip between two address spaces and within one, and a notification signal.
//
// One-way figures take a timestamp in one thread and the next in the other, as sel4bench
// does: Call is from just before the client's syscall to just after the server's Recv
// returns; ReplyRecv from just before the server's syscall to just after the client's Call
// returns. The sums of the timestamps on each side give the average over the iterations.
#include <fmt.h>
#include "bench.h"

#define WARMUP 200
#define ITERS  10000

// Yield with nothing else runnable at our priority: the cheapest way into the kernel and
// back that the ABI has (there is no getpid in a capability system).
void
bench_syscall(void)
{
    uint64_t sums[2] = { 0, 0 };
    bench_client(KOZO_SYS_YIELD, 0, 0, WARMUP, sums);
    sums[0] = sums[1] = 0;
    bench_client(KOZO_SYS_YIELD, 0, 0, ITERS, sums);
    bench_report("null_syscall", sums[1] - sums[0] - ITERS * bench_timer_overhead, ITERS);
}

struct ipc_case {
    const char *name; // suffix of the figures' names
    uint64_t words;   // message length, both ways
    bool cap;         // the Call transfers one capability
};

// One case with a fresh endpoint and server: in `s` if given, else in a new address space.
static void
ipc_case(const char *where, const struct space *in, const struct ipc_case *c)
{
    struct space fresh;
    const struct space *s = in ? in : &fresh;
    char name[3][48];
    static const char *const kinds[3] = { "call", "replyrecv", "roundtrip" };
    kozo_handle_t ep, ntfn;
    struct bthread srv;
    uint64_t err, sums[2] = { 0, 0 };

    for (int k = 0; k < 3; k++)
        fmt_snprintf(name[k], sizeof(name[k]), "ipc_%s_%s_%s", kinds[k], where, c->name);
    if ((!in && (err = b_space_new(&fresh))) || (err = b_alloc(KOZO_OBJ_ENDPOINT, 0, &ep)) ||
        (err = b_thread(&srv, s, bench_priority, 0)))
        return bench_fail(name[2], "setup", err);
    srv.sh->reply_info = kozo_msginfo_make(c->words, 0, 0, 0);
    if (c->cap) {
        // The server receives into one slot and empties it before its next Recv.
        kozo_handle_t slot = b_slot();
        if ((err = b_alloc(KOZO_OBJ_NOTIFICATION, 0, &ntfn)))
            return bench_fail(name[2], "setup", err);
        srv.ipc->receive_cnode = SYS_SLOT_CNODE;
        srv.ipc->receive_index = slot;
        srv.ipc->receive_depth = B_DEPTH;
        srv.sh->del_slot = slot;
        srv.sh->del_info = kozo_msginfo_make(2, 0, 0, KOZO_INV_CNODE_DELETE);
        kozo_ipc_buffer()->caps[0] = ntfn;
    }
    if ((err = b_thread_start(&srv, b_entry(s, bench_server), ep, srv.sh_va)))
        return bench_fail(name[2], "starting the server", err);
    kozo_yield(); // the server runs up to its Recv

    uint64_t info = kozo_msginfo_make(c->words, c->cap ? 1 : 0, 0, 0);
    bench_client(KOZO_SYS_CALL, ep, info, WARMUP, sums);
    sums[0] = sums[1] = 0;
    srv.sh->sum_arrive = srv.sh->sum_leave = srv.sh->count = 0;
    bench_client(KOZO_SYS_CALL, ep, info, ITERS, sums);
    uint64_t o = ITERS * bench_timer_overhead;
    uint64_t call = srv.sh->sum_arrive - sums[0] - o, replyrecv = sums[1] - srv.sh->sum_leave - o;

    // Proof that every Call went through (the loop does not look at error codes).
    struct kozo_msg m = { info, 0, { 0 } };
    if ((err = kozo_call(ep, &m)) || srv.sh->count != ITERS + 1 ||
        kozo_msginfo_get_length(m.info) != c->words || kozo_msginfo_get_extra_caps(m.info) != 0)
        return bench_fail(name[2], "the server did not answer every Call", err);
    struct kozo_res_cnode_describe d;
    if (c->cap &&
        (kozo_cnode_describe(SYS_SLOT_CNODE, srv.sh->del_slot, B_DEPTH, &d) || d.type != KOZO_OBJ_NULL))
        return bench_fail(name[2], "the received capability was not deleted", 0);
    kozo_tcb_suspend(srv.tcb);
    bench_report(name[0], call, ITERS);
    bench_report(name[1], replyrecv, ITERS);
    bench_report(name[2], sums[1] - sums[0] - o, ITERS);
}

void
bench_ipc(void)
{
    static const struct ipc_case cases[] = {
        { "0w", 0, false },
        { "4w", 4, false },
        { "10w", 10, false },
        { "cap", 0, true },
    };
    struct space self;
    b_space_self(&self);
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        ipc_case("inter", NULL, &cases[i]);
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        ipc_case("intra", &self, &cases[i]);
}

// Signal a notification a thread of higher priority in another address space waits on:
// from just before the signaller's syscall to just after the waiter's Wait returns. The
// signaller is a helper one priority below bench, so that bench itself is out of the way.
static kozo_handle_t sig_ntfn;
static struct shared *sig_waiter;
static uint64_t sig_sums[2];

static void
signal_loop(uint64_t unused)
{
    (void)unused;
    bench_client(KOZO_SYS_SEND, sig_ntfn, 0, WARMUP, sig_sums);
    sig_sums[0] = sig_sums[1] = 0;
    sig_waiter->sum_arrive = sig_waiter->count = 0;
    bench_client(KOZO_SYS_SEND, sig_ntfn, 0, ITERS, sig_sums);
}

void
bench_notification(void)
{
    const char *name = "ntfn_signal_inter";
    struct space self, other;
    struct bthread waiter;
    kozo_handle_t done, signaller;
    uint64_t err;

    // The waiter in a space of its own; the signaller runs C, in bench's space.
    if ((err = b_space_self(&self)) || (err = b_space_new(&other)) ||
        (err = b_alloc(KOZO_OBJ_NOTIFICATION, 0, &sig_ntfn)) ||
        (err = b_alloc(KOZO_OBJ_NOTIFICATION, 0, &done)) ||
        (err = b_thread(&waiter, &other, bench_priority, 0)))
        return bench_fail(name, "setup", err);
    sig_waiter = waiter.sh;
    if ((err = b_thread_start(&waiter, b_entry(&other, bench_waiter), sig_ntfn, waiter.sh_va)))
        return bench_fail(name, "starting the waiter", err);
    kozo_yield(); // the waiter runs up to its Wait
    if ((err = b_cthread(bench_priority - 1, signal_loop, 0, done, &signaller)) ||
        (err = kozo_wait(done, NULL)))
        return bench_fail(name, "running the signaller", err);
    if (sig_waiter->count != ITERS)
        return bench_fail(name, "the waiter did not wake for every signal", 0);
    kozo_tcb_suspend(waiter.tcb);
    kozo_tcb_suspend(signaller);
    bench_report(name, sig_waiter->sum_arrive - sig_sums[0] - ITERS * bench_timer_overhead, ITERS);
}
