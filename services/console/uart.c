// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The 16550 UART: bytes out by polling the transmitter, bytes in when its receive
// interrupt (delivered to a notification) says there are some. The ports are the range
// the description grants (SYS_UART_FIRST onwards); nothing here knows a port number.
#include <kozo/kozo.h>
#include <system.h>
#include "uart.h"

#define RBR      0 // receive buffer (read)
#define THR      0 // transmit holding (write)
#define IER      1 // interrupt enable
#define LSR      5 // line status
#define IER_RX   0x01
#define LSR_DR   0x01 // data ready
#define LSR_THRE 0x20 // transmitter holding register empty

static uint64_t
in(unsigned reg)
{
    struct kozo_res_ioport_in8 r = { 0 };
    kozo_ioport_in8(SYS_SLOT_UART, SYS_UART_FIRST + reg, &r);
    return r.value;
}

static void
out(unsigned reg, uint8_t v)
{
    kozo_ioport_out8(SYS_SLOT_UART, SYS_UART_FIRST + reg, v);
}

bool
uart_init(void)
{
    uint64_t err;
    if ((err = kozo_irq_handler_set_notification(SYS_SLOT_UART_IRQ, SYS_SLOT_UART_NTFN)) ||
        (err = kozo_ioport_out8(SYS_SLOT_UART, SYS_UART_FIRST + IER, IER_RX))) {
        kozo_printf("console: the UART does not answer: %s\n", kozo_error_name(err));
        return false;
    }
    return true;
}

void
uart_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            uart_write("\r", 1);
        while (!(in(LSR)&LSR_THRE))
            ;
        out(THR, (uint8_t)s[i]);
    }
}

bool
uart_rx_ready(void)
{
    return in(LSR)&LSR_DR;
}

char
uart_rx(void)
{
    return (char)in(RBR);
}

void
uart_wait(void)
{
    kozo_irq_handler_ack(SYS_SLOT_UART_IRQ);
    kozo_wait(SYS_SLOT_UART_NTFN, NULL);
}
