// SPDX-License-Identifier: MIT OR Apache-2.0
//
// crashtest: a service that dies as soon as it starts (it loads from address 0), for the
// supervisor's tests (system/faults.sys): its restart policy, on_failure, must restart it
// as many times as it says and then mark it failed, and the system must go on.
#include <kozo/kozo.h>

int main(void);

int
main(void)
{
    kozo_printf("crashtest: started, and about to fault\n");
    return (int)*(volatile uint64_t *)0; // a page fault: no page at 0
}
