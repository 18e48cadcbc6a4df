// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The debug console (COM1 through arch_putchar): the kernel's own lines, and the bytes
// user threads write with DEBUG_PUTCHAR through a DEBUG_CONSOLE capability.
//
// Holding the cap lets a thread write, not pass for the kernel. Three rules:
//  - a user byte outside printable ASCII, \n, \r, \t and \b is written as '?', so no user
//    output is a terminal escape sequence or any other control (ESC, BEL, SO/SI, DEL, 8-bit
//    and UTF-8 bytes: a UTF-8-encoded C1 control is an escape too);
//  - a line holds one writer's bytes: when the other writer starts in the middle of a line,
//    the console ends that line first, so a user cannot continue a kernel line, and a
//    kernel line always starts a line of its own;
//  - a user line that starts with the kernel's mark "[kernel]" is written "[user] [kernel]":
//    its first bytes are held back while they spell the mark, then written with the
//    prefix, or as they were as soon as one differs (or the kernel writes).
// A line starts after \n or \r, or where \b walks back to the first column.
#include <kern/arch_api.h>
#include <kern/printk.h>

#define KERNEL_MARK "[kernel]"
#define MARK_LEN    (sizeof(KERNEL_MARK) - 1)
#define USER_MARK   "[user] "

static bool user_writing; // the bytes since the last line start are a user's
static bool mid_line;     // bytes were written since the last \n
static unsigned col;      // the cursor's column as a terminal sees it
static unsigned held;     // bytes of KERNEL_MARK a user line started with, not yet written

static void
emit(char c)
{
    arch_putchar(c);
    mid_line = c != '\n';
    switch (c) {
    case '\n':
    case '\r': col = 0; break;
    case '\b': col -= col > 0 ? 1 : 0; break;
    case '\t': col = (col + 8) & ~7u; break;
    default: col++; break;
    }
}

static void
emit_str(const char *s, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        emit(s[i]);
}

static void
flush_held(void)
{
    emit_str(KERNEL_MARK, held);
    held = 0;
}

// The other writer takes over: end the line it left unfinished.
static void
switch_writer(bool user)
{
    if (user_writing == user)
        return;
    flush_held();
    if (mid_line) {
        emit('\r');
        emit('\n');
    }
    user_writing = user;
}

void
console_putc_kernel(char c)
{
    switch_writer(false);
    emit(c);
}

void
console_putc_user(char c)
{
    switch_writer(true);
    if (!((c >= ' ' && c < 0x7f) || c == '\n' || c == '\r' || c == '\t' || c == '\b'))
        c = '?';
    if (col == 0 || held) {
        if (c == KERNEL_MARK[held]) {
            if (++held == MARK_LEN) {
                emit_str(USER_MARK, sizeof(USER_MARK) - 1);
                flush_held();
            }
            return;
        }
        flush_held();
    }
    emit(c);
}
