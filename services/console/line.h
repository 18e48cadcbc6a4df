// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The console's line editor: bytes typed at the console in, the echo and finished lines
// out. Pure logic, no hardware: tests/host/test_console.c runs it on the host.
#ifndef CONSOLE_LINE_H
#define CONSOLE_LINE_H

#include <stdbool.h>
#include <stddef.h>

#define LINE_MAX 120 // a line's bytes, without its end (the protocol's CHUNK)

enum line_event { LINE_NONE, LINE_DONE, LINE_INTERRUPTED };

struct line_editor {
    char buf[LINE_MAX];
    unsigned len;
};

// Take one typed byte. The bytes to echo go to `echo` (at most 3 * LINE_MAX + 4; returns
// how many in *echo_len). LINE_DONE: buf[0..len) is a finished line (take it with
// line_take); LINE_INTERRUPTED: Ctrl-C, the line is gone.
enum line_event line_feed(struct line_editor *e, char c, char *echo, size_t *echo_len);
// Copy the finished line out and start a new one; returns its length.
unsigned line_take(struct line_editor *e, char *out);

#endif
