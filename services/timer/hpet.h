// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The HPET as the timer driver uses it: its counter for the time, its timer 0 routed to the
// IRQ line the description grants for sleeps.
#ifndef TIMER_HPET_H
#define TIMER_HPET_H

#include <stdint.h>

uint64_t hpet_open(void);        // map it, start it, route timer 0: a KOZO_ERR_* (said why)
uint64_t hpet_now_ns(void);      // since the HPET started counting (the first hpet_open)
void hpet_sleep_ms(uint64_t ms); // until then (the comparator's interrupt)

#endif
