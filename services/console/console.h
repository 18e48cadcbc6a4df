// SPDX-License-Identifier: MIT OR Apache-2.0
//
// What the console driver's threads share: the screen (several writers, screen.c), the
// line being typed (line.c), and the lock that keeps them (and the UART) to one thread at
// a time. main.c serves the protocol; input.c owns the UART's receive side.
#ifndef CONSOLE_CONSOLE_H
#define CONSOLE_CONSOLE_H

#include <kozo/kozo.h>
#include <svc/alloc.h>
#include <svc/lock.h>
#include "line.h"
#include "screen.h"

extern struct svc_lock console_lock;
extern struct screen console_screen;
extern struct line_editor console_editor;

// Start the input thread: it edits what is typed and queues finished lines.
uint64_t input_start(struct svc_alloc *a);
// Wait for the next finished line (CONSOLE_OK, or CONSOLE_INTERRUPTED for Ctrl-C);
// CONSOLE_BUSY while another Read waits.
uint64_t input_take_line(char *line, unsigned *len);

#endif
