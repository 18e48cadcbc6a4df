// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Line editing as a terminal in cooked mode does it: printable bytes are kept and echoed,
// backspace (or DEL) erases the last one, Ctrl-U the whole line, Enter (CR or LF) ends it,
// Ctrl-C abandons it. Other control bytes are ignored, and a full line takes no more.
#include <string.h>
#include "line.h"

#define CTRL_C 0x03
#define CTRL_U 0x15

static size_t
erase(char *echo, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        memcpy(echo + 3 * i, "\b \b", 3);
    return 3 * (size_t)n;
}

enum line_event
line_feed(struct line_editor *e, char c, char *echo, size_t *echo_len)
{
    *echo_len = 0;
    if (c == '\r' || c == '\n') {
        memcpy(echo, "\n", 1);
        *echo_len = 1;
        return LINE_DONE;
    }
    if (c == CTRL_C) {
        memcpy(echo, "^C\n", 3);
        *echo_len = 3;
        e->len = 0;
        return LINE_INTERRUPTED;
    }
    if (c == CTRL_U) {
        *echo_len = erase(echo, e->len);
        e->len = 0;
    } else if ((c == '\b' || c == 0x7f) && e->len) {
        *echo_len = erase(echo, 1);
        e->len--;
    } else if ((unsigned char)c >= ' ' && (unsigned char)c < 0x7f && e->len < LINE_MAX) {
        e->buf[e->len++] = c;
        echo[0] = c;
        *echo_len = 1;
    }
    return LINE_NONE;
}

unsigned
line_take(struct line_editor *e, char *out)
{
    unsigned n = e->len;
    memcpy(out, e->buf, n);
    e->len = 0;
    return n;
}
