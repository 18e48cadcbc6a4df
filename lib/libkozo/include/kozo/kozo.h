// SPDX-License-Identifier: MIT OR Apache-2.0
//
// libkozo: the user side of the KOZO ABI, and nothing more. System calls as inline
// functions (the instruction and its registers are the architecture's:
// lib/libkozo/arch/<arch>/include/kozo/arch.h), invocation stubs (generated into
// kozo_abi.h), each thread's IPC buffer through its TLS block, and a console printf
// through the kernel debug console. What services need beyond the ABI is in lib/libsvc.
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

// Each thread's own block, found through its TLS base (the arch's thread pointer, set with
// TCB.SetTlsBase by whoever starts the thread: lib/libsvc). `self` points to the block
// itself (the x86_64 TLS convention, which other architectures can keep).
struct kozo_tls {
    struct kozo_tls *self;
    struct kozo_ipc_buffer *ipc_buffer;      // NULL: this thread's messages stop at four words
    void (*output)(const char *s, size_t n); // where kozo_printf goes (NULL: the kernel debug console)
    uint64_t reserved[5];
};

#include <kozo/arch.h> // kozo_syscall(), kozo_tls_self()

static inline uint64_t
kozo_call(kozo_handle_t ep, struct kozo_msg *m)
{
    return kozo_syscall(KOZO_SYS_CALL, ep, m);
}
static inline uint64_t
kozo_send(kozo_handle_t ep, struct kozo_msg *m)
{
    return kozo_syscall(KOZO_SYS_SEND, ep, m);
}
static inline uint64_t
kozo_nb_send(kozo_handle_t ep, struct kozo_msg *m)
{
    return kozo_syscall(KOZO_SYS_NB_SEND, ep, m);
}
static inline uint64_t
kozo_recv(kozo_handle_t ep, struct kozo_msg *m)
{
    return kozo_syscall(KOZO_SYS_RECV, ep, m);
}
static inline uint64_t
kozo_nb_recv(kozo_handle_t ep, struct kozo_msg *m)
{
    return kozo_syscall(KOZO_SYS_NB_RECV, ep, m);
}
static inline uint64_t
kozo_reply(struct kozo_msg *m)
{
    return kozo_syscall(KOZO_SYS_REPLY, 0, m);
}
static inline uint64_t
kozo_reply_recv(kozo_handle_t ep, struct kozo_msg *m)
{
    return kozo_syscall(KOZO_SYS_REPLY_RECV, ep, m);
}

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

// The calling thread's IPC buffer, kept in its TLS block (so each thread has its own; a
// thread without a TLS base must not use these or send more than four words).
static inline struct kozo_ipc_buffer *
kozo_ipc_buffer(void)
{
    return kozo_tls_self()->ipc_buffer;
}
static inline void
kozo_set_ipc_buffer(struct kozo_ipc_buffer *buf)
{
    kozo_tls_self()->ipc_buffer = buf;
}

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
