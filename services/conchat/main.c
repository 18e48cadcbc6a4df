// SPDX-License-Identifier: MIT OR Apache-2.0
//
// conchat: the console under two writers (system/faults.sys). It holds two caps to the
// console driver with badges of their own, two clients as far as the driver knows, and
// writes LINES long lines through each, in pieces of changing sizes, the two clients'
// pieces one after the other: every Write of one falls inside a line of the other. The
// driver must put out each line whole (tests/boot/faults.checks looks for every line and
// for any that two writers share).
#include <fmt.h>
#include <string.h>
#include <svc/console.h>
#include <system.h>

int main(void);

#define LINES 40
#define FILL  180 // a line is longer than one Write (CONSOLE_CHUNK) can carry

struct writer {
    kozo_handle_t console;
    char name, fill;
    char line[FILL + 32];
    size_t len, at; // the line being written, and how much of it is out
    unsigned number;
};

static void
next_line(struct writer *w)
{
    size_t n = (size_t)(fmt_snprintf(w->line, sizeof w->line, "conchat %c %02u ", w->name, w->number));
    for (unsigned i = 0; i < FILL; i++)
        w->line[n++] = w->fill;
    memcpy(w->line + n, " end\n", 5);
    w->len = n + 5;
    w->at = 0;
}

// Write the next piece of w's line; false once all its lines are out.
static bool
write_piece(struct writer *w, size_t piece)
{
    if (w->number == LINES)
        return false;
    if (piece > w->len - w->at)
        piece = w->len - w->at;
    svc_console_write(w->console, w->line + w->at, piece);
    w->at += piece;
    if (w->at == w->len && ++w->number < LINES)
        next_line(w);
    return true;
}

int
main(void)
{
    struct writer a = { .console = SYS_SLOT_CONSOLE_A, .name = 'A', .fill = 'a' };
    struct writer b = { .console = SYS_SLOT_CONSOLE_B, .name = 'B', .fill = 'b' };
    next_line(&a);
    next_line(&b);
    for (size_t step = 0;; step++) {
        bool more = write_piece(&a, 7 + step * 37 % 113);
        more |= write_piece(&b, 11 + step * 53 % 109);
        if (!more)
            break;
    }
    kozo_printf("conchat: %u lines through each of two console clients\n", LINES);
    return 0;
}
