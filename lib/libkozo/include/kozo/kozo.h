// SPDX-License-Identifier: MIT OR Apache-2.0
//
// libkozo: the user side of the KOZO ABI. System calls as inline functions (the register
// ABI is in abi/arch/x86_64.abi: RAX number, RDI cap/badge, RSI message info, RDX R10 R8 R9 the
// first four message words), invocation stubs (generated into kozo_abi.h), the IPC buffer,
// and a console printf.
#ifndef KOZO_KOZO_H
#define KOZO_KOZO_H

#include <kozo_abi.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t kozo_handle_t;

// A message as it travels in registers; words beyond four are in the IPC buffer.
struct kozo_msg {
    uint64_t info;  // KOZO msginfo word (label, length)
    uint64_t badge; // on receive: the sender's badge
    uint64_t mr[KOZO_MSG_REG_WORDS];
};

// The raw system call. `cap` goes in RDI; on return RDI holds the badge.
static inline uint64_t
kozo_syscall(uint64_t nr, uint64_t cap, struct kozo_msg *m)
{
    register uint64_t rax __asm__("rax") = nr;
    register uint64_t rdi __asm__("rdi") = cap;
    register uint64_t rsi __asm__("rsi") = m->info;
    register uint64_t rdx __asm__("rdx") = m->mr[0];
    register uint64_t r10 __asm__("r10") = m->mr[1];
    register uint64_t r8 __asm__("r8") = m->mr[2];
    register uint64_t r9 __asm__("r9") = m->mr[3];
    __asm__ volatile("syscall"
                     : "+r"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
                     :
                     : "rcx", "r11", "memory");
    m->badge = rdi;
    m->info = rsi;
    m->mr[0] = rdx;
    m->mr[1] = r10;
    m->mr[2] = r8;
    m->mr[3] = r9;
    return rax;
}

static inline uint64_t kozo_call(kozo_handle_t ep, struct kozo_msg *m) { return kozo_syscall(KOZO_SYS_CALL, ep, m); }
static inline uint64_t kozo_send(kozo_handle_t ep, struct kozo_msg *m) { return kozo_syscall(KOZO_SYS_SEND, ep, m); }
static inline uint64_t kozo_nb_send(kozo_handle_t ep, struct kozo_msg *m) { return kozo_syscall(KOZO_SYS_NB_SEND, ep, m); }
static inline uint64_t kozo_recv(kozo_handle_t ep, struct kozo_msg *m) { return kozo_syscall(KOZO_SYS_RECV, ep, m); }
static inline uint64_t kozo_nb_recv(kozo_handle_t ep, struct kozo_msg *m) { return kozo_syscall(KOZO_SYS_NB_RECV, ep, m); }
static inline uint64_t kozo_reply(struct kozo_msg *m) { return kozo_syscall(KOZO_SYS_REPLY, 0, m); }
static inline uint64_t kozo_reply_recv(kozo_handle_t ep, struct kozo_msg *m) { return kozo_syscall(KOZO_SYS_REPLY_RECV, ep, m); }

static inline uint64_t
kozo_yield(void)
{
    struct kozo_msg m = { 0, 0, { 0 } };
    return kozo_syscall(KOZO_SYS_YIELD, 0, &m);
}

// Signal a notification / wait on one (the badge word comes back in *bits).
static inline uint64_t
kozo_signal(kozo_handle_t ntfn)
{
    struct kozo_msg m = { 0, 0, { 0 } };
    return kozo_syscall(KOZO_SYS_SEND, ntfn, &m);
}
static inline uint64_t
kozo_wait(kozo_handle_t ntfn, uint64_t *bits)
{
    struct kozo_msg m = { 0, 0, { 0 } };
    uint64_t err = kozo_syscall(KOZO_SYS_RECV, ntfn, &m);
    if (bits)
        *bits = m.badge;
    return err;
}

// One byte to the kernel debug console, through a DEBUG_CONSOLE cap.
static inline uint64_t
kozo_debug_putchar(kozo_handle_t console, char c)
{
    struct kozo_msg m = { 0, 0, { (uint8_t)c, 0, 0, 0 } };
    return kozo_syscall(KOZO_SYS_DEBUG_PUTCHAR, console, &m);
}

// The calling thread's IPC buffer (set once at start; NULL: messages stop at 4 words).
void kozo_set_ipc_buffer(struct kozo_ipc_buffer *buf);
struct kozo_ipc_buffer *kozo_ipc_buffer(void);

// Check the boot-info frame the kernel gave the root task: magic, the ABI fingerprint it
// was built with, sane counts. Prints why and returns -1 if it must not be trusted.
int kozo_bootinfo_check(const struct kozo_bootinfo *bi);

// Human-readable names for ABI numbers.
const char *kozo_error_name(uint64_t err);
const char *kozo_object_name(uint64_t type);

// Console output through the kernel debug console. It needs a DEBUG_CONSOLE cap: libkozo
// uses the handle KOZO_SERVICE_DEBUG_CONSOLE_SLOT (where init has its own and puts each
// service's copy) unless told otherwise; without the cap the output is lost.
void kozo_set_debug_console(kozo_handle_t console);
void kozo_putc(char c);
void kozo_puts(const char *s);
int kozo_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kozo_vprintf(const char *fmt, va_list ap);

// Stop this thread for good (it faults on purpose; its supervisor sees that).
__attribute__((noreturn)) void kozo_exit(int code);

#endif
