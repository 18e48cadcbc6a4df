// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The console's screen: the output of several writers, and the line being typed, kept
// apart. A writer's text goes out a line at a time, so two writers never meet inside a
// line. The screen's last line holds at most one writer's unfinished line (its "owner":
// the Init> prompt, say) followed by what is being typed; another writer's finished line
// is put above it (the last line is erased, the line written, the last line drawn again),
// and another writer's unfinished line waits until the owner's is finished. Pure logic,
// no hardware: the bytes go to `emit`; tests/host/test_console.c runs it on the host.
#ifndef CONSOLE_SCREEN_H
#define CONSOLE_SCREEN_H

#include <stdint.h>
#include "line.h"

#define SCREEN_WRITERS 8   // writers with an unfinished line at once (one more ends the oldest)
#define SCREEN_PARTIAL 256 // the longest unfinished line kept (a longer one is ended there)
#define SCREEN_ERASE   "\r\033[K"

struct screen_writer {
    uint64_t badge;
    uint64_t since; // when its unfinished line began (a counter), to find the oldest
    unsigned len;   // 0: the slot is free
    char buf[SCREEN_PARTIAL];
};

struct screen {
    void (*emit)(void *ctx, const char *s, size_t n);
    void *ctx;
    const struct line_editor *typing; // what is being typed, drawn after the owner's text
    struct screen_writer w[SCREEN_WRITERS];
    int owner; // the writer whose unfinished line is on the last line (-1: none)
    uint64_t clock;
};

void screen_init(struct screen *s, const struct line_editor *typing,
                 void (*emit)(void *ctx, const char *s, size_t n), void *ctx);
// Writer `badge` writes n bytes.
void screen_write(struct screen *s, uint64_t badge, const char *text, size_t n);
// The line editor echoed n bytes; `ended`: the typed line is finished (Enter or Ctrl-C),
// and with it the owner's.
void screen_echo(struct screen *s, const char *echo, size_t n, bool ended);

#endif
