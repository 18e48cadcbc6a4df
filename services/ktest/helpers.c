// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Bodies for helper threads that several cases share. Each does one blocking thing with
// the handles in arg[], records what it saw in res[], and returns (the helper then
// suspends itself). The case that started it checks the results.
#include "ktest.h"

void
kt_recv_once(struct kt_thread *t)
{
    struct kozo_msg m = { 0, 0, { 0 } };
    t->res[0] = kozo_recv(t->arg[0], &m);
    t->res[1] = m.mr[0], t->res[2] = m.info;
}

void
kt_send_once(struct kt_thread *t)
{
    struct kozo_msg m = { kozo_msginfo_make(t->arg[2], 0, 0, 0), 0, { t->arg[1], 0, 0, 0 } };
    t->res[0] = kozo_send(t->arg[0], &m);
}

void
kt_call_once(struct kt_thread *t)
{
    struct kozo_msg m = { 0, 0, { 0 } };
    t->res[0] = kozo_call(t->arg[0], &m);
}

void
kt_recv_and_hold(struct kt_thread *t)
{
    struct kozo_msg m = { 0, 0, { 0 } };
    t->res[0] = kozo_recv(t->arg[0], &m);
    t->res[1] = kozo_wait(t->arg[1], NULL);
}

void
kt_wait_once(struct kt_thread *t)
{
    uint64_t bits = 0;
    t->res[0] = kozo_wait(t->arg[0], &bits);
    t->res[1] = bits;
    t->res[2] = 1;
}

void
kt_signal_once(struct kt_thread *t)
{
    kozo_signal(t->arg[0]);
}

void
kt_count_and_signal(struct kt_thread *t)
{
    for (;;) {
        t->res[0]++;
        kozo_signal(t->arg[0]);
    }
}
