// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Host tests of the console driver's line editor (services/console/line.c): what is echoed
// and what line comes out for what is typed.
#include <string.h>
#include "../../services/console/line.h"
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

int
main(int argc, char **argv)
{
    return test_main("console", argc, argv);
}
