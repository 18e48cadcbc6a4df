// SPDX-License-Identifier: MIT OR Apache-2.0
//
// looptest: a service that never blocks once started, for the supervisor's liveness check
// (system/faults.sys): a service that computes forever is as dead as one that faulted.
#include <kozo/kozo.h>

int main(void);

int
main(void)
{
    kozo_printf("looptest: started, and about to loop\n");
    for (volatile uint64_t n = 0;; n++)
        ;
}
