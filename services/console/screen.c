// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The console's screen (screen.h). Invariant: the screen's last line shows exactly the
// owner's unfinished line and then the typed text; no writer but the owner holds
// unfinished text unless there is an owner (held text waits for the owner's line to end).
#include <string.h>
#include "screen.h"

static void
emit(struct screen *s, const char *p, size_t n)
{
    if (n)
        s->emit(s->ctx, p, n);
}

// The last line from its start: the owner's text, then what is being typed.
static void
draw_last_line(struct screen *s)
{
    if (s->owner >= 0)
        emit(s, s->w[s->owner].buf, s->w[s->owner].len);
    emit(s, s->typing->buf, s->typing->len);
}

static bool
nothing_typed(const struct screen *s)
{
    return s->typing->len == 0;
}

// The oldest held unfinished line becomes the owner's (-1: none held).
static void
pick_owner(struct screen *s)
{
    s->owner = -1;
    for (int i = 0; i < SCREEN_WRITERS; i++)
        if (s->w[i].len && (s->owner < 0 || s->w[i].since < s->w[s->owner].since))
            s->owner = i;
}

static void end_line(struct screen *s, struct screen_writer *w, const char *text, size_t n);

static struct screen_writer *
writer_of(struct screen *s, uint64_t badge)
{
    struct screen_writer *free = NULL, *oldest = NULL;
    for (int i = 0; i < SCREEN_WRITERS; i++) {
        struct screen_writer *w = &s->w[i];
        if (w->len && w->badge == badge)
            return w;
        if (!w->len && !free)
            free = w;
        if (w->len && i != s->owner && (!oldest || w->since < oldest->since))
            oldest = w;
    }
    if (!free) { // every slot holds a line: the oldest held one is ended where it is
        end_line(s, oldest, "\n", 1);
        free = oldest;
    }
    free->badge = badge;
    return free;
}

// w's unfinished line, then `text` (ending in a newline), go out as one line.
static void
end_line(struct screen *s, struct screen_writer *w, const char *text, size_t n)
{
    int me = (int)(w - s->w);
    bool on_last_line = (s->owner == me || s->owner < 0) && nothing_typed(s);
    if (on_last_line) { // its text is all there is on the last line: go on from it
        emit(s, text, n);
    } else { // put it above the last line, and draw that again
        emit(s, SCREEN_ERASE, sizeof SCREEN_ERASE - 1);
        emit(s, w->buf, w->len);
        emit(s, text, n);
    }
    w->len = 0;
    if (s->owner == me || s->owner < 0) {
        pick_owner(s);
        if (on_last_line && s->owner >= 0)
            emit(s, s->w[s->owner].buf, s->w[s->owner].len);
    }
    if (!on_last_line)
        draw_last_line(s);
}

static void
hold(struct screen *s, struct screen_writer *w, const char *text, size_t n)
{
    if (!w->len)
        w->since = ++s->clock;
    memcpy(w->buf + w->len, text, n);
    w->len += (unsigned)n;
}

// Unfinished text of w's (fits in its buffer).
static void
add_unfinished(struct screen *s, struct screen_writer *w, const char *text, size_t n)
{
    int me = (int)(w - s->w);
    if (s->owner >= 0 && s->owner != me) { // someone else's line is on screen: wait for it
        hold(s, w, text, n);
        return;
    }
    s->owner = me;
    if (nothing_typed(s)) {
        emit(s, text, n);
        hold(s, w, text, n);
    } else { // before what is being typed
        emit(s, SCREEN_ERASE, sizeof SCREEN_ERASE - 1);
        hold(s, w, text, n);
        draw_last_line(s);
    }
}

void
screen_init(struct screen *s, const struct line_editor *typing,
            void (*fn)(void *ctx, const char *p, size_t n), void *ctx)
{
    memset(s, 0, sizeof *s);
    s->typing = typing;
    s->emit = fn;
    s->ctx = ctx;
    s->owner = -1;
}

void
screen_write(struct screen *s, uint64_t badge, const char *text, size_t n)
{
    while (n) {
        struct screen_writer *w = writer_of(s, badge);
        const char *nl = memchr(text, '\n', n);
        size_t k = nl ? (size_t)(nl - text) + 1 : n;
        size_t room = SCREEN_PARTIAL - w->len;
        if (!nl && k < room) {
            add_unfinished(s, w, text, k);
        } else if (nl && k <= room) {
            end_line(s, w, text, k);
        } else { // longer than a kept line: it ends there
            k = room;
            add_unfinished(s, w, text, k);
            end_line(s, w, "\n", 1);
        }
        text += k;
        n -= k;
    }
}

void
screen_echo(struct screen *s, const char *echo, size_t n, bool ended)
{
    emit(s, echo, n);
    if (!ended)
        return;
    if (s->owner >= 0)
        s->w[s->owner].len = 0; // the typed line finished the owner's
    pick_owner(s);
    if (s->owner >= 0)
        emit(s, s->w[s->owner].buf, s->w[s->owner].len);
}
