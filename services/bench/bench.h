// SPDX-License-Identifier: MIT OR Apache-2.0
//
// bench: KOZO's microbenchmarks, run from the inside like ktest (init starts it the same
// way, with the slots system/bench.sys gives it). Every figure is a count of TSC ticks
// per operation; under QEMU's `-icount shift=0,sleep=off` one tick is one instruction, so
// the figures are exact instruction counts, identical run after run (docs/PERFORMANCE.md).
//
// Method (as seL4's sel4bench): warm up, then time many iterations; a timestamp is
// `lfence; rdtsc`, and the cost of taking one (back-to-back reads) is subtracted from
// every figure. The hot loops are in assembly (blobs.c), so what is timed does not depend
// on the compiler.
#ifndef BENCH_H
#define BENCH_H

#include <kozo/kozo.h>
#include <system.h> // what system/bench.sys gives bench: SYS_SLOT_*, SYS_SLOTS_SCRATCH_*

#define B_DEPTH KOZO_HANDLE_BITS // handles in bench's CSpace are slot numbers
#define B_RW    (KOZO_RIGHT_READ | KOZO_RIGHT_WRITE)
#define B_PAGE  (1ULL << KOZO_PAGE_BITS)

// Addresses in a second address space (bench's own layout is the ELF's plus b_page()).
#define REMOTE_CODE_VA   0x10000000ULL
#define REMOTE_IPC_VA    0x20000000ULL
#define REMOTE_SHARED_VA 0x30000000ULL

// The page a server or waiter shares with bench (offsets are used by blobs.c).
struct shared {
    uint64_t sum_arrive; //  0: Σ timestamps just after a message (or signal) arrived
    uint64_t sum_leave;  //  8: Σ timestamps just before the server's ReplyRecv
    uint64_t count;      // 16: messages handled
    uint64_t reply_info; // 24: msginfo of the server's replies
    uint64_t del_slot;   // 32: a slot to empty after each message (received caps), 0: none
    uint64_t del_info;   // 40: msginfo of CNode.Delete
};

// --- blobs.c: the timed code ------------------------------------------------------------------
// Client loop: n times { t0; syscall(sysno, cap, info); t1 }; sums[0] += t0, sums[1] += t1.
void bench_client(uint64_t sysno, uint64_t cap, uint64_t info, uint64_t n, uint64_t sums[2]);
// Two back-to-back timestamps as the client loop takes them: the measurement overhead.
uint64_t bench_overhead(void);
// Position-independent thread bodies, no stack (copied into other address spaces):
//   bench_server(rdi = endpoint, rsi = struct shared *): Recv, then forever ReplyRecv
//   bench_waiter(rdi = notification, rsi = struct shared *): forever Wait
//   bench_fault_ud2(rdi = struct shared *): forever { t0; ud2; t1 } (the handler skips it)
//   bench_fault_syscall(rdi = struct shared *): the same with an unknown system call
//   bench_exit(rdi = own TCB handle, rsi = msginfo of TCB.Suspend): suspend itself
extern const char bench_blobs[], bench_blobs_end[];
extern const char bench_server[], bench_waiter[], bench_fault_ud2[], bench_fault_syscall[], bench_exit[];

static inline uint64_t
bench_tsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
    return ((uint64_t)hi << 32) | lo;
}

// --- env.c: objects and threads (on a lib/libsvc pool) ---------------------------------------
uint64_t b_init(void); // the pool: bench's free slots and the Untyped init handed over
kozo_handle_t b_slot(void);
uint64_t b_alloc(uint64_t type, uint64_t size_bits, kozo_handle_t *out);
uint64_t b_copy(kozo_handle_t src, uint64_t rights, kozo_handle_t *out);
uint64_t b_map_in(kozo_handle_t vspace, kozo_handle_t frame, uint64_t vaddr, uint64_t rights, uint64_t attrs);
// A fresh frame mapped read-write at a fresh address of bench's own space.
uint64_t b_page(kozo_handle_t *frame, void **ptr);

// A second address space holding a copy of the blobs, executable at REMOTE_CODE_VA.
struct space {
    kozo_handle_t vspace;
    uint64_t code_base; // where bench_blobs is in that space
};
uint64_t b_space_self(struct space *s);
uint64_t b_space_new(struct space *s);
static inline uint64_t
b_entry(const struct space *s, const char *blob)
{
    return s->code_base + (uint64_t)(blob - bench_blobs);
}

// A thread in space `s` with its own IPC buffer and a shared page, both visible to bench.
struct bthread {
    kozo_handle_t tcb;
    struct kozo_ipc_buffer *ipc; // its IPC buffer, as bench sees it
    struct shared *sh;           // its shared page, as bench sees it
    uint64_t sh_va;              // the shared page in the thread's space
};
uint64_t b_thread(struct bthread *t, const struct space *s, uint8_t priority, kozo_handle_t fault_ep);
// Start it at `entry` (no stack) with its first two arguments.
uint64_t b_thread_start(struct bthread *t, uint64_t entry, uint64_t a0, uint64_t a1);
// A C thread in bench's own space at `priority`, running fn(arg); `done` is signalled after.
uint64_t b_cthread(uint8_t priority, void (*fn)(uint64_t), uint64_t arg, kozo_handle_t done,
                   kozo_handle_t *tcb);

// --- main.c: results ---------------------------------------------------------------------------
// Report `ticks` (measurement overhead already subtracted) spent on `n` operations.
void bench_report(const char *name, uint64_t ticks, uint64_t n);
void bench_fail(const char *name, const char *what, uint64_t err);
extern uint64_t bench_timer_overhead; // per timestamp pair
extern uint8_t bench_priority;

// The benchmarks, one function per file.
void bench_syscall(void);
void bench_ipc(void);
void bench_notification(void);
void bench_objects(void);
void bench_faults(void);

// --- vmm.c: the VMM's first touch and map/unmap ------------------------------------------------
void bench_vmm(void);

#endif
