// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Debug serial output: COM1 is the console, COM2 the crash channel. Output only, polled:
// the kernel has no serial driver. Console input belongs to user space (init reads COM1
// through an I/O-port capability and its IRQ).
#include <kern/arch_api.h>
#include "cpu.h"

#define COM1 0x3f8
#define COM2 0x2f8

static void
uart_init(uint16_t port)
{
    outb(port + 1, 0x00); // no interrupts (user space enables RX interrupts if it wants)
    outb(port + 3, 0x80); // DLAB: set the divisor
    outb(port + 0, 0x01); // 115200 baud
    outb(port + 1, 0x00);
    outb(port + 3, 0x03); // 8N1
    outb(port + 2, 0xc7); // FIFO on, cleared
    outb(port + 4, 0x0b); // DTR, RTS, OUT2 (OUT2 gates the IRQ line on PC UARTs)
}

static void
uart_putc(uint16_t port, char c)
{
    for (int spin = 0; spin < 100000 && !(inb(port + 5) & 0x20); spin++)
        ;
    outb(port, (uint8_t)c);
}

void
serial_init(void)
{
    uart_init(COM1);
    uart_init(COM2);
}

void
arch_putchar(char c)
{
    uart_putc(COM1, c);
}

void
arch_crash_putchar(char c)
{
    uart_putc(COM2, c);
}
