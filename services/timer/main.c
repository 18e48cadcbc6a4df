// SPDX-License-Identifier: MIT OR Apache-2.0
//
// timer: the timer driver. It owns the HPET (its registers and an interrupt line, granted
// by the system description: hpet.c) and serves the timer protocol (abi/proto/timer.proto):
// the time since boot, and sleeps. One thread: a Sleep holds the driver, and the next call
// waits behind it; that is right for its one client today, the Init> prompt.
#include <kozo/kozo.h>
#include <proto/timer.h>
#include <system.h>
#include "hpet.h"

int main(void);

static uint64_t
do_now(void *ctx, uint64_t badge, struct timer_now_res *r)
{
    (void)ctx, (void)badge;
    r->ns = hpet_now_ns();
    return TIMER_OK;
}

static uint64_t
do_sleep(void *ctx, uint64_t badge, const struct timer_sleep_args *a)
{
    (void)ctx, (void)badge;
    if (a->ms > TIMER_MAX_SLEEP_MS)
        return TIMER_TOO_LONG;
    hpet_sleep_ms(a->ms);
    return TIMER_OK;
}

int
main(void)
{
    static struct timer_server server = { .now = do_now, .sleep = do_sleep };
    if (hpet_open())
        return 1; // said why; the system goes on without a timer
    uint64_t err = svc_serve(SYS_SLOT_EP, timer_dispatch, &server);
    kozo_printf("timer: receive failed: %s\n", kozo_error_name(err));
    return 1;
}
