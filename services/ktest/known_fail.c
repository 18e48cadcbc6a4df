// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Cases that fail because of a known kernel problem, for the lead to review. Each entry
// names a case and says why; the case still runs and prints KTEST KNOWN-FAIL (counted
// apart from real failures) until the kernel is fixed, when it prints KTEST PASS with a
// note to remove it from here. KTEST_KNOWN_CRASH entries are not run at all: they would
// take the kernel (and every later case) down with them.
#include "ktest.h"

const struct ktest_known ktest_known[] = {
    KTEST_KNOWN_FAIL(cnode_unknown_label_checked_first,
                     "decode_cnode_invocation checks the argument count (and resolves the slot) before the "
                     "label, so an unknown label with < 2 words is INVALID_ARGUMENT, not ILLEGAL_OPERATION"),
    KTEST_KNOWN_FAIL(tcb_resume_after_suspend_in_recv,
                     "tcb_suspend() cancels a blocked Recv without touching the thread's registers; on "
                     "Resume the syscall returns with RAX still holding the syscall number (4 = RECV, "
                     "read as INVALID_ARGUMENT) and stale message registers. Expected: restart the call "
                     "(seL4) or return a real error"),
    KTEST_KNOWN_FAIL(fault_handler_endpoint_deleted,
                     "ep_cancel_all() wakes a thread blocked sending its fault message with "
                     "arch_set_error(ABORTED): its user RAX becomes 15 and it retries the faulting "
                     "instruction with RAX clobbered; fault_type stays set, so its next Call is sent as "
                     "a stale FAULT_VM message and the reply is taken as a fault reply (label != 0: "
                     "thread stopped)"),
    KTEST_KNOWN_FAIL(fault_handler_thread_deleted,
                     "tcb_suspend() of a fault handler that owes a reply wakes the faulted thread with "
                     "arch_set_error(ABORTED) (user RAX clobbered) and leaves its fault_type set: same "
                     "corruption as fault_handler_endpoint_deleted"),
    KTEST_KNOWN_CRASH(remote_vspace_revoked_under_thread,
                      "HANGS THE MACHINE: revoking a VSpace cap empties the VSPACE slot of TCBs using it; "
                      "arch_switch_to() then does write_cr3(arch_pa(cap_ptr(null cap))) = "
                      "write_cr3(0x800000000000) and the CPU never returns (seen in gdb at "
                      "arch_switch_to+49). Fix idea: load the kernel root when the slot holds no live "
                      "VSpace, so the thread faults in user mode instead"),
    { NULL, NULL, false }, // keeps the array non-empty
};
const unsigned ktest_nknown = sizeof(ktest_known) / sizeof(ktest_known[0]) - 1;
