// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Formatted output to the console driver (abi/proto/console.proto): a thread that attaches
// prints with kozo_printf as before, and its text goes to the console driver instead of the
// kernel debug console, in Writes of up to a line's worth. While the driver restarts a
// Write waits for it; if a Write fails, the kernel debug console has that text.
#ifndef SVC_CONSOLE_H
#define SVC_CONSOLE_H

#include <kozo/kozo.h>

// Send the calling thread's output to the console driver at `ep` (0: back to the kernel's).
void svc_console_attach(kozo_handle_t ep);
// Write n bytes to the console driver at `ep` (in Writes of up to CONSOLE_CHUNK bytes).
void svc_console_write(kozo_handle_t ep, const char *s, size_t n);

#endif
