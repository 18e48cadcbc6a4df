// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The 16550 UART the console drives, through the I/O-port, IRQ and notification caps its
// system description grants (system.h).
#ifndef CONSOLE_UART_H
#define CONSOLE_UART_H

#include <stdbool.h>
#include <stddef.h>

bool uart_init(void); // receive interrupts on; false (said why) if the caps fail
void uart_write(const char *s, size_t n);
bool uart_rx_ready(void);
char uart_rx(void);
void uart_wait(void); // until the UART interrupts (acknowledged first)

#endif
