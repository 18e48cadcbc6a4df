// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The debug console as a capability: DEBUG_PUTCHAR names a DEBUG_CONSOLE cap (ktest has a
// copy of init's in SYS_SLOT_DEBUG_CONSOLE), and what a user writes there cannot be a
// terminal control or pass for a kernel line.
//
// To see exactly what the kernel wrote, a case puts COM1 in loopback (MCR bit 4): every
// byte the kernel sends comes back into COM1's receive FIFO (16 bytes, read after each
// call) instead of going out. Nobody else reads COM1 while ktest runs (init starts its
// console afterwards); the case restores the MCR before it checks anything, so a failed
// check never leaves the console silent.
#include <string.h>
#include "ktest.h"

#define COM1     0x3f8
#define COM1_RBR (COM1 + 0)
#define COM1_MCR (COM1 + 4)
#define COM1_LSR (COM1 + 5)
#define MCR_LOOP 0x10
#define LSR_DR   0x01
#define LOOP_MAX 128

struct loop {
    kozo_handle_t com1;
    uint64_t mcr;
    char got[LOOP_MAX + 1];
    unsigned len;
};

static uint64_t
in8(kozo_handle_t port, uint64_t reg)
{
    struct kozo_res_ioport_in8 r = { 0 };
    kozo_ioport_in8(port, reg, &r);
    return r.value;
}

// Take what came back so far (polling a little for the last byte to arrive).
static void
loop_collect(struct loop *l, int polls)
{
    for (int i = 0; i < polls; i++)
        while (in8(l->com1, COM1_LSR) & LSR_DR) {
            char c = (char)in8(l->com1, COM1_RBR);
            if (l->len < LOOP_MAX)
                l->got[l->len++] = c;
        }
    l->got[l->len] = 0;
}

static uint64_t
loop_begin(struct loop *l)
{
    uint64_t err;
    memset(l, 0, sizeof(*l));
    l->com1 = kt_slot();
    if ((err = kozo_ioport_control_issue(SYS_SLOT_IOPORT_CONTROL, COM1, COM1 + 7, SYS_SLOT_CNODE, l->com1,
                                         KT_DEPTH)))
        return err;
    l->mcr = in8(l->com1, COM1_MCR);
    if ((err = kozo_ioport_out8(l->com1, COM1_MCR, l->mcr | MCR_LOOP)))
        return err;
    loop_collect(l, 1); // nothing of before
    l->len = 0;
    return KOZO_ERR_OK;
}

// Write n bytes through `console`, one call each; the first error stops it.
static uint64_t
loop_write(struct loop *l, kozo_handle_t console, const char *s, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        uint64_t err = kozo_debug_putchar(console, s[i]);
        if (err)
            return err;
        loop_collect(l, 1);
    }
    return KOZO_ERR_OK;
}

static uint64_t
loop_end(struct loop *l)
{
    loop_collect(l, 100);
    return kozo_ioport_out8(l->com1, COM1_MCR, l->mcr);
}

// A byte string with its controls spelled out, for failure messages.
static const char *
shown(const char *s, unsigned n)
{
    static char out[4 * LOOP_MAX + 1];
    static const char hex[] = "0123456789abcdef";
    unsigned k = 0;
    for (unsigned i = 0; i < n && k + 4 < sizeof(out); i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= ' ' && c < 0x7f && c != '\\') {
            out[k++] = (char)c;
        } else {
            out[k++] = '\\';
            out[k++] = 'x';
            out[k++] = hex[c >> 4];
            out[k++] = hex[c & 15];
        }
    }
    out[k] = 0;
    return out;
}

// The console must have written exactly `want` (n bytes).
#define LOOP_EXPECT(l, want, n)                                                                \
    do {                                                                                       \
        if ((l).len != (n) || memcmp((l).got, (want), (n)) != 0) {                             \
            ktest_fail(__FILE__, __LINE__, "the console wrote '%s'", shown((l).got, (l).len)); \
            return;                                                                            \
        }                                                                                      \
    } while (0)

KTEST(debug_console_needs_cap,
      "DEBUG_PUTCHAR with no DEBUG_CONSOLE cap is INVALID_HANDLE or WRONG_TYPE, and writes nothing")
{
    struct loop l;
    kozo_handle_t ep;
    uint64_t results[6];
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &ep));
    KT_OK(loop_begin(&l));
    results[0] = kozo_debug_putchar(kt_slot(), 'a');      // an empty slot
    results[1] = kozo_debug_putchar(KOZO_SLOT_NULL, 'b'); // slot 0
    results[2] = kozo_debug_putchar(1ULL << 40, 'c');     // outside the CSpace
    results[3] = kozo_debug_putchar(ep, 'd');             // another object
    results[4] = kozo_debug_putchar(SYS_SLOT_IOPORT_CONTROL, 'e');
    results[5] = kozo_debug_putchar(env->untyped, 'f');
    KT_OK(loop_end(&l));
    KT_ERR(results[0], KOZO_ERR_INVALID_HANDLE);
    KT_ERR(results[1], KOZO_ERR_INVALID_HANDLE);
    KT_ERR(results[2], KOZO_ERR_INVALID_HANDLE);
    KT_ERR(results[3], KOZO_ERR_WRONG_TYPE);
    KT_ERR(results[4], KOZO_ERR_WRONG_TYPE);
    KT_ERR(results[5], KOZO_ERR_WRONG_TYPE);
    LOOP_EXPECT(l, "", 0);
}

KTEST(debug_console_copy_then_deleted,
      "A copy of the console cap writes; once deleted it is INVALID_HANDLE, the original still writes")
{
    struct loop l;
    kozo_handle_t copy;
    struct kozo_res_cnode_describe d;
    uint64_t before, after, original;
    KT_OK(kt_copy(SYS_SLOT_DEBUG_CONSOLE, KOZO_RIGHTS_ALL, &copy));
    KT_OK(kozo_cnode_describe(SYS_SLOT_CNODE, copy, KT_DEPTH, &d));
    KT_EQ(d.type, KOZO_OBJ_DEBUG_CONSOLE);
    KT_OK(loop_begin(&l));
    before = loop_write(&l, copy, "ok", 2);
    kozo_cnode_delete(SYS_SLOT_CNODE, copy, KT_DEPTH);
    after = loop_write(&l, copy, "no", 2);
    original = loop_write(&l, SYS_SLOT_DEBUG_CONSOLE, "!", 1);
    KT_OK(loop_end(&l));
    KT_OK(before);
    KT_ERR(after, KOZO_ERR_INVALID_HANDLE);
    KT_OK(original);
    LOOP_EXPECT(l, "ok!", 3);
}

KTEST(debug_console_no_controls, "User bytes other than printable ASCII, \\n \\r \\t \\b come out as '?'")
{
    static const char in[] = "\x1b[2J"
                             "\x07"
                             "\x7f"
                             "\x9b"
                             "\xc2\x9b"
                             "\x00"
                             "\x0e"
                             "A\t\b\r\n";
    static const char want[] = "?[2J"
                               "?"
                               "?"
                               "?"
                               "??"
                               "?"
                               "?"
                               "A\t\b\r\n";
    struct loop l;
    uint64_t err;
    KT_OK(loop_begin(&l));
    err = loop_write(&l, SYS_SLOT_DEBUG_CONSOLE, in, sizeof(in) - 1);
    KT_OK(loop_end(&l));
    KT_OK(err);
    LOOP_EXPECT(l, want, sizeof(want) - 1);
}

KTEST(debug_console_kernel_mark, "A user line starting with \"[kernel]\" is written \"[user] [kernel]\"")
{
    // At a line start (after \n, after \r, or backspaced to the first column) the mark is
    // prefixed; elsewhere, or when it differs, the bytes go out as they came.
    static const char in[] = "\r\n[kernel] a\r\n[kern!\r\nx[kernel]\r\nx\b[kernel]\r[kernel]\r\n";
    static const char want[] =
        "\r\n[user] [kernel] a\r\n[kern!\r\nx[kernel]\r\nx\b[user] [kernel]\r[user] [kernel]\r\n";
    struct loop l;
    uint64_t err;
    KT_OK(loop_begin(&l));
    err = loop_write(&l, SYS_SLOT_DEBUG_CONSOLE, in, sizeof(in) - 1);
    KT_OK(loop_end(&l));
    KT_OK(err);
    LOOP_EXPECT(l, want, sizeof(want) - 1);
}

static void
ud2_thread(struct kt_thread *t)
{
    t->res[0] = kt_ud2(); // no fault handler: the kernel stops it and says so
}

KTEST(debug_console_kernel_line_own, "A kernel message in the middle of a user line starts a line of its own")
{
    static const char mark[] = "ab\r\n[kernel] ";
    struct loop l;
    struct kt_thread *t;
    uint64_t err;
    KT_OK(kt_thread_new(ud2_thread, env->priority, 0, &t));
    KT_OK(loop_begin(&l));
    err = loop_write(&l, SYS_SLOT_DEBUG_CONSOLE, "ab", 2);
    if (!err) {
        err = kt_thread_start(t);
        kt_settle();
    }
    KT_OK(loop_end(&l));
    KT_OK(err);
    if (l.len < sizeof(mark) - 1 || memcmp(l.got, mark, sizeof(mark) - 1) != 0) {
        ktest_fail(__FILE__, __LINE__, "the console wrote '%s'", shown(l.got, l.len));
        return;
    }
}
