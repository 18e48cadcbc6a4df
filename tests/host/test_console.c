// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Host tests of the console driver's line editor (services/console/line.c): what is echoed
// and what line comes out for what is typed; and of its screen (screen.c): what goes out
// when several writers write at once and a line is being typed.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../services/console/line.h"
#include "../../services/console/screen.h"
#include "test.h"

// Type `in` into a fresh editor; the echo of it all goes to `echo`, the last event is
// returned, and the finished line (if any) is in `line`.
static enum line_event
type(struct line_editor *e, const char *in, char *echo, char *line)
{
    enum line_event ev = LINE_NONE;
    size_t total = 0;
    line[0] = 0;
    for (const char *p = in; *p; p++) {
        size_t n;
        ev = line_feed(e, *p, echo + total, &n);
        total += n;
        if (ev == LINE_DONE) {
            unsigned len = line_take(e, line);
            line[len] = 0;
        }
    }
    echo[total] = 0;
    return ev;
}

TEST(printable_bytes_echo_and_enter_ends_the_line)
{
    struct line_editor e = { .len = 0 };
    char echo[1024], line[LINE_MAX + 1];
    CHECK_EQ(type(&e, "mem\r", echo, line), LINE_DONE);
    CHECK_EQ(strcmp(echo, "mem\n"), 0);
    CHECK_EQ(strcmp(line, "mem"), 0);
    CHECK_EQ(type(&e, "ps\n", echo, line), LINE_DONE); // LF ends it too, and the editor is empty again
    CHECK_EQ(strcmp(line, "ps"), 0);
}

TEST(backspace_and_ctrl_u_erase_on_screen_and_in_the_line)
{
    struct line_editor e = { .len = 0 };
    char echo[1024], line[LINE_MAX + 1];
    CHECK_EQ(type(&e, "caps\b\x7fx\r", echo, line), LINE_DONE);
    CHECK_EQ(strcmp(line, "cax"), 0);
    CHECK_EQ(strcmp(echo, "caps\b \b\b \bx\n"), 0);
    CHECK_EQ(type(&e, "\bhello\x15ok\r", echo, line), LINE_DONE); // backspace on nothing: nothing
    CHECK_EQ(strcmp(line, "ok"), 0);
    CHECK_EQ(strcmp(echo, "hello\b \b\b \b\b \b\b \b\b \bok\n"), 0);
}

TEST(ctrl_c_abandons_the_line)
{
    struct line_editor e = { .len = 0 };
    char echo[1024], line[LINE_MAX + 1];
    CHECK_EQ(type(&e, "kill fsd\x03", echo, line), LINE_INTERRUPTED);
    CHECK_EQ(strcmp(echo, "kill fsd^C\n"), 0);
    CHECK_EQ(type(&e, "\r", echo, line), LINE_DONE);
    CHECK_EQ(strcmp(line, ""), 0); // nothing of the abandoned line is left
}

TEST(control_bytes_are_ignored_and_a_full_line_takes_no_more)
{
    struct line_editor e = { .len = 0 };
    char echo[4096], line[LINE_MAX + 1], in[LINE_MAX + 20];
    CHECK_EQ(type(&e,
                  "a\x1b\x01\x7f\x7f"
                  "b\tc\r",
                  echo, line),
             LINE_DONE);
    CHECK_EQ(strcmp(line, "bc"), 0);
    memset(in, 'x', LINE_MAX + 10);
    in[LINE_MAX + 10] = '\r';
    in[LINE_MAX + 11] = 0;
    CHECK_EQ(type(&e, in, echo, line), LINE_DONE);
    CHECK_EQ(strlen(line), LINE_MAX);
    CHECK_EQ(strlen(echo), LINE_MAX + 1); // what did not fit was not echoed
}

// What the screen sends to the UART, collected.
static char out[1 << 16];
static size_t out_len;

static void
collect(void *ctx, const char *p, size_t n)
{
    (void)ctx;
    if (out_len + n < sizeof out) {
        memcpy(out + out_len, p, n);
        out_len += n;
    }
    out[out_len] = 0;
}

static void
fresh_screen(struct screen *s, struct line_editor *e)
{
    e->len = 0;
    out_len = 0;
    out[0] = 0;
    screen_init(s, e, collect, NULL);
}

static void
say(struct screen *s, uint64_t badge, const char *text)
{
    screen_write(s, badge, text, strlen(text));
}

// Type `in` at the console beside the screen, as the console's input thread does.
static void
type_on(struct screen *s, struct line_editor *e, const char *in)
{
    char echo[3 * LINE_MAX + 4], line[LINE_MAX];
    for (const char *p = in; *p; p++) {
        size_t n;
        enum line_event ev = line_feed(e, *p, echo, &n);
        if (ev == LINE_DONE)
            line_take(e, line);
        screen_echo(s, echo, n, ev != LINE_NONE);
    }
}

TEST(one_writer_goes_out_as_written)
{
    struct screen s;
    struct line_editor e;
    fresh_screen(&s, &e);
    say(&s, 0, "Init> ");
    type_on(&s, &e, "mem\r");
    say(&s, 0, "total 1 MiB\nused ");
    say(&s, 0, "12 KiB\nInit> ");
    CHECK_STR_EQ(out, "Init> mem\ntotal 1 MiB\nused 12 KiB\nInit> ");
}

TEST(a_line_split_over_writes_is_not_broken_by_another_writer)
{
    struct screen s;
    struct line_editor e;
    fresh_screen(&s, &e);
    say(&s, 1, "hello ");
    say(&s, 2, "world\n");
    say(&s, 1, "there\n");
    CHECK_STR_EQ(out, "hello " SCREEN_ERASE "world\nhello there\n");
}

TEST(another_writers_line_goes_above_the_prompt_and_what_is_typed)
{
    struct screen s;
    struct line_editor e;
    fresh_screen(&s, &e);
    say(&s, 0, "Init> ");
    type_on(&s, &e, "ki");
    say(&s, 7, "init: fsd restarted\n");
    type_on(&s, &e, "ll\r");
    CHECK_STR_EQ(out, "Init> ki" SCREEN_ERASE "init: fsd restarted\nInit> kill\n");
}

TEST(an_unfinished_line_waits_for_the_owners_to_end)
{
    struct screen s;
    struct line_editor e;
    fresh_screen(&s, &e);
    say(&s, 0, "Init> ");
    say(&s, 3, "loading");
    CHECK_STR_EQ(out, "Init> ");
    type_on(&s, &e, "ps\r");
    CHECK_STR_EQ(out, "Init> ps\nloading");
    say(&s, 0, "ps output\n"); // its line goes above the one now on screen
    say(&s, 3, " done\n");
    CHECK_STR_EQ(out, "Init> ps\nloading" SCREEN_ERASE "ps output\nloading done\n");
}

TEST(typing_with_no_prompt_stays_after_a_writers_unfinished_text)
{
    struct screen s;
    struct line_editor e;
    fresh_screen(&s, &e);
    type_on(&s, &e, "ab");
    say(&s, 5, "x> ");
    CHECK_STR_EQ(out, "ab" SCREEN_ERASE "x> ab");
    type_on(&s, &e, "\x03");
    CHECK_STR_EQ(out, "ab" SCREEN_ERASE "x> ab^C\n");
    CHECK_EQ(s.owner, -1);
}

TEST(an_overlong_unfinished_line_is_ended_where_it_is_kept_no_longer)
{
    struct screen s;
    struct line_editor e;
    char big[SCREEN_PARTIAL + 11];
    fresh_screen(&s, &e);
    memset(big, 'y', sizeof big - 1);
    big[sizeof big - 1] = 0;
    say(&s, 1, big);
    CHECK_EQ(out_len, (size_t)SCREEN_PARTIAL + 11); // all of it, and a newline
    CHECK_EQ(out[SCREEN_PARTIAL], '\n');
    CHECK_EQ(s.owner >= 0 && s.w[s.owner].len == 10, true); // the rest is the next line
}

TEST(more_writers_than_slots_end_the_oldest_held_line_and_lose_nothing)
{
    struct screen s;
    struct line_editor e;
    char text[16];
    fresh_screen(&s, &e);
    for (int i = 0; i <= SCREEN_WRITERS; i++) {
        snprintf(text, sizeof text, "w%d", i);
        say(&s, (uint64_t)i + 1, text);
    }
    for (int i = 0; i <= SCREEN_WRITERS; i++) {
        snprintf(text, sizeof text, "w%d", i);
        CHECK(strstr(out, text) != NULL || (s.owner >= 0 && strstr(s.w[s.owner].buf, text)) ||
              i > 1); // the first is on screen, the second was ended; the rest are held
    }
    CHECK(strstr(out, "w1\n") != NULL);
}

// A terminal: it keeps the finished lines (without the blanks at their end) and the last
// one, and obeys SCREEN_ERASE and backspace (the cursor moves back; what follows overwrites).
struct terminal {
    char lines[1024][4 * SCREEN_PARTIAL];
    unsigned nlines;
    char last[4 * SCREEN_PARTIAL];
    size_t last_len, cursor;
};

static void
terminal_end_line(struct terminal *t)
{
    while (t->last_len && t->last[t->last_len - 1] == ' ')
        t->last_len--;
    t->last[t->last_len] = 0;
}

static void
terminal_run(struct terminal *t, const char *p, size_t n)
{
    const size_t erase_len = sizeof SCREEN_ERASE - 1;
    for (size_t i = 0; i < n; i++) {
        if (n - i >= erase_len && !memcmp(p + i, SCREEN_ERASE, erase_len)) {
            t->last_len = t->cursor = 0;
            i += erase_len - 1;
        } else if (p[i] == '\n') {
            terminal_end_line(t);
            snprintf(t->lines[t->nlines++], sizeof t->lines[0], "%s", t->last);
            t->last_len = t->cursor = 0;
        } else if (p[i] == '\b') {
            t->cursor -= t->cursor > 0;
        } else {
            t->last[t->cursor++] = p[i];
            if (t->cursor > t->last_len)
                t->last_len = t->cursor;
        }
    }
    terminal_end_line(t);
}

// Five writers write numbered lines in random pieces while a line is typed and erased
// (Enter would end the owner's line: the cases above): every line a writer finishes
// appears once, whole, and in its order, and the last line is the owner's unfinished text
// and then what is being typed.
TEST(many_writers_in_random_pieces_each_line_whole_and_in_order)
{
    static struct terminal t;
    struct screen s;
    struct line_editor e;
    enum { WRITERS = 5, LINES = 120 };
    char text[WRITERS][LINES][80];
    unsigned at[WRITERS] = { 0 }, line[WRITERS] = { 0 }, next[WRITERS] = { 0 };
    srand(12345);
    fresh_screen(&s, &e);
    memset(&t, 0, sizeof t);
    for (int w = 0; w < WRITERS; w++)
        for (int i = 0; i < LINES; i++)
            snprintf(text[w][i], sizeof text[w][i], "writer %d line %03d %.*s\n", w, i, 1 + rand() % 29,
                     "................................");
    for (;;) {
        int w = rand() % (WRITERS + 1);
        if (w == WRITERS) { // someone types
            type_on(&s, &e, rand() % 8 ? "x" : rand() % 2 ? "\b" : "\x15");
            continue;
        }
        if (line[w] == LINES) {
            int left = 0;
            for (int i = 0; i < WRITERS; i++)
                left |= line[i] < LINES;
            if (!left)
                break;
            continue;
        }
        const char *l = text[w][line[w]];
        size_t rest = strlen(l) - at[w], k = 1 + (size_t)rand() % rest;
        screen_write(&s, (uint64_t)w * 1000, l + at[w], k);
        at[w] += (unsigned)k;
        if (!l[at[w]])
            at[w] = 0, line[w]++;
    }
    terminal_run(&t, out, out_len);
    for (unsigned i = 0; i < t.nlines; i++) {
        int w, n;
        const char *l = t.lines[i];
        if (sscanf(l, "writer %d line %d", &w, &n) != 2 || w < 0 || w >= WRITERS) {
            CHECK(!"a line of the screen is no writer's");
            break;
        }
        CHECK(strlen(l) + 1 == strlen(text[w][n]) && strncmp(l, text[w][n], strlen(l)) == 0);
        CHECK_EQ((unsigned)n, next[w]);
        next[w] = (unsigned)n + 1;
    }
    for (int w = 0; w < WRITERS; w++)
        CHECK_EQ(next[w], (unsigned)LINES);
    t.last[t.last_len] = 0;
    char want[4 * SCREEN_PARTIAL] = "";
    if (s.owner >= 0)
        snprintf(want, sizeof want, "%.*s", (int)s.w[s.owner].len, s.w[s.owner].buf);
    snprintf(want + strlen(want), sizeof want - strlen(want), "%.*s", (int)e.len, e.buf);
    CHECK_STR_EQ(t.last, want);
}

int
main(int argc, char **argv)
{
    return test_main("console", argc, argv);
}
