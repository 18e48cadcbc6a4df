/*
 * lbench - Linux microbenchmarks, run as /init (PID 1) of an initramfs by
 * scripts/linux-bench.sh, for comparison with KOZO in the same QEMU machine.
 *
 * For each benchmark: a warm-up, then ITERS operations timed with the TSC
 * (lfence; rdtsc) and CLOCK_MONOTONIC around the whole loop. Printed on the
 * console, one line each:
 *
 *   LBENCH <name> <ticks_per_op> <ns_per_op> <iterations>
 *
 * then "LBENCH DONE", and the machine is powered off. ticks_per_op has the
 * cost of the timing itself (two back-to-back reads) subtracted. Under QEMU
 * TCG with -icount shift=0,sleep=off the guest TSC advances one tick per
 * guest instruction, so ticks are instructions; ns are only meaningful
 * without icount.
 *
 * Build: musl-gcc -static -O2 -Wall -Wextra -Werror -o lbench lbench.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* From <linux/futex.h>, which musl-gcc does not see. */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1

#define CHEAP_ITERS  20000
#define CHEAP_WARMUP 2000
#define FORK_ITERS   500
#define FORK_WARMUP  50

static uint64_t overhead; /* ticks of one empty timed region */

/* lfence keeps rdtsc from running ahead of the instructions before it. */
static inline uint64_t
rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence\n\trdtsc" : "=a"(lo), "=d"(hi)::"memory");
    return (uint64_t)hi << 32 | lo;
}

struct mark {
    uint64_t tsc;
    struct timespec ts;
};

/* The clock_gettime calls stay outside the TSC window. */
static void
start(struct mark *m)
{
    clock_gettime(CLOCK_MONOTONIC, &m->ts);
    m->tsc = rdtsc();
}

static void
stop(struct mark *m)
{
    m->tsc = rdtsc();
    clock_gettime(CLOCK_MONOTONIC, &m->ts);
}

static void
report(const char *name, const struct mark *a, const struct mark *b, long iters)
{
    uint64_t t = b->tsc - a->tsc;
    int64_t ns = (int64_t)(b->ts.tv_sec - a->ts.tv_sec) * 1000000000 + (b->ts.tv_nsec - a->ts.tv_nsec);
    t = t > overhead ? t - overhead : 0;
    printf("LBENCH %s %llu %lld %ld\n", name,
           (unsigned long long)((t + (uint64_t)iters / 2) / (uint64_t)iters),
           (long long)((ns + iters / 2) / iters), iters);
    fflush(stdout);
}

static void
fail(const char *what)
{
    printf("lbench: %s: %s\n", what, strerror(errno));
    fflush(stdout);
}

static void
measure_overhead(void)
{
    uint64_t best = UINT64_MAX;
    for (int i = 0; i < 1000; i++) {
        uint64_t a = rdtsc();
        uint64_t b = rdtsc();
        if (b - a < best)
            best = b - a;
    }
    overhead = best;
    printf("lbench: timing overhead %llu ticks\n", (unsigned long long)overhead);
}

static void
bench_getppid(void)
{
    struct mark a, b;
    for (long i = 0; i < CHEAP_WARMUP; i++)
        syscall(SYS_getppid); /* syscall(): libc cannot cache the answer */
    start(&a);
    for (long i = 0; i < CHEAP_ITERS; i++)
        syscall(SYS_getppid);
    stop(&b);
    report("getppid", &a, &b, CHEAP_ITERS);
}

static void
bench_sched_yield(void)
{
    struct mark a, b;
    for (long i = 0; i < CHEAP_WARMUP; i++)
        sched_yield();
    start(&a);
    for (long i = 0; i < CHEAP_ITERS; i++)
        sched_yield();
    stop(&b);
    report("sched_yield", &a, &b, CHEAP_ITERS);
}

static void
bench_pipe(void)
{
    int ab[2], ba[2];
    char c = 0;
    struct mark a, b;
    const long total = CHEAP_WARMUP + CHEAP_ITERS;

    if (pipe(ab) || pipe(ba)) {
        fail("pipe");
        return;
    }
    pid_t pid = fork();
    if (pid < 0) {
        fail("fork");
        return;
    }
    if (pid == 0) {
        for (long i = 0; i < total; i++)
            if (read(ab[0], &c, 1) != 1 || write(ba[1], &c, 1) != 1)
                _exit(1);
        _exit(0);
    }
    for (long i = 0; i < CHEAP_WARMUP; i++)
        if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1)
            goto out;
    start(&a);
    for (long i = 0; i < CHEAP_ITERS; i++)
        if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1)
            goto out;
    stop(&b);
    report("pipe_pingpong", &a, &b, CHEAP_ITERS);
out:
    close(ab[0]), close(ab[1]), close(ba[0]), close(ba[1]);
    waitpid(pid, NULL, 0);
}

/* Shared (not _PRIVATE) futex ops: the two sides are separate processes. */
static long
futex(int *word, int op, int val)
{
    return syscall(SYS_futex, word, op, val, NULL, NULL, 0);
}

/* Wait until *word != val. */
static void
futex_wait_change(int *word, int val)
{
    while (__atomic_load_n(word, __ATOMIC_ACQUIRE) == val)
        futex(word, FUTEX_WAIT, val);
}

static void
futex_set(int *word, int val)
{
    __atomic_store_n(word, val, __ATOMIC_RELEASE);
    futex(word, FUTEX_WAKE, 1);
}

/* *word is 1 while the child holds the turn, 0 while the parent does. */
static void
bench_futex(void)
{
    struct mark a, b;
    const long total = CHEAP_WARMUP + CHEAP_ITERS;
    int *word = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

    if (word == MAP_FAILED) {
        fail("mmap shared");
        return;
    }
    *word = 0;
    pid_t pid = fork();
    if (pid < 0) {
        fail("fork");
        munmap(word, 4096);
        return;
    }
    if (pid == 0) {
        for (long i = 0; i < total; i++) {
            futex_wait_change(word, 0);
            futex_set(word, 0);
        }
        _exit(0);
    }
    for (long i = 0; i < CHEAP_WARMUP; i++) {
        futex_set(word, 1);
        futex_wait_change(word, 1);
    }
    start(&a);
    for (long i = 0; i < CHEAP_ITERS; i++) {
        futex_set(word, 1);
        futex_wait_change(word, 1);
    }
    stop(&b);
    report("futex_pingpong", &a, &b, CHEAP_ITERS);
    waitpid(pid, NULL, 0);
    munmap(word, 4096);
}

static int
fork_exit_wait(void)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0)
        _exit(0);
    return waitpid(pid, NULL, 0) == pid ? 0 : -1;
}

static void
bench_fork(void)
{
    struct mark a, b;
    for (long i = 0; i < FORK_WARMUP; i++)
        if (fork_exit_wait()) {
            fail("fork/waitpid");
            return;
        }
    start(&a);
    for (long i = 0; i < FORK_ITERS; i++)
        if (fork_exit_wait()) {
            fail("fork/waitpid");
            return;
        }
    stop(&b);
    report("fork_exit_wait", &a, &b, FORK_ITERS);
}

static int
mmap_touch_munmap(void)
{
    volatile char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return -1;
    p[0] = 1; /* the page fault is part of the operation */
    return munmap((void *)p, 4096);
}

static void
bench_mmap(void)
{
    struct mark a, b;
    for (long i = 0; i < CHEAP_WARMUP; i++)
        if (mmap_touch_munmap()) {
            fail("mmap/munmap");
            return;
        }
    start(&a);
    for (long i = 0; i < CHEAP_ITERS; i++)
        if (mmap_touch_munmap()) {
            fail("mmap/munmap");
            return;
        }
    stop(&b);
    report("mmap_touch_munmap", &a, &b, CHEAP_ITERS);
}

/* The first touch of an anonymous page: a region mapped once, each of its pages written
 * once (the page fault, a zeroed page, the mapping); KOZO's vmm_first_touch. */
#define TOUCH_PAGES 256
static void
bench_first_touch(void)
{
    struct mark a, b;
    volatile char *p =
        mmap(NULL, TOUCH_PAGES * 4096L, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        fail("mmap");
        return;
    }
    start(&a);
    for (long i = 0; i < TOUCH_PAGES; i++)
        p[i * 4096] = 1;
    stop(&b);
    munmap((void *)p, TOUCH_PAGES * 4096L);
    report("anon_first_touch", &a, &b, TOUCH_PAGES);
}

/* The kernel opens /dev/console for PID 1 from its built-in initramfs; if
 * that did not happen, mount devtmpfs and open it ourselves. */
static void
console(void)
{
    if (fcntl(1, F_GETFD) >= 0)
        return;
    mkdir("/dev", 0755);
    mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
    int fd = open("/dev/console", O_RDWR);
    if (fd < 0)
        return;
    for (int i = 0; i < 3; i++)
        if (fd != i)
            dup2(fd, i);
    if (fd > 2)
        close(fd);
}

int
main(void)
{
    cpu_set_t set;

    console();
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    if (sched_setaffinity(0, sizeof set, &set)) /* children inherit it */
        fail("sched_setaffinity");

    measure_overhead();
    bench_getppid();
    bench_pipe();
    bench_futex();
    bench_sched_yield();
    bench_fork();
    bench_mmap();
    bench_first_touch();
    printf("LBENCH DONE\n");
    fflush(stdout);

    /* PID 1 must not exit (the kernel would panic): power off instead. */
    sync();
    reboot(RB_POWER_OFF);
    fail("reboot");
    for (;;)
        pause();
}
