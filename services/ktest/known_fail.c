// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Cases that fail because of a known kernel problem, for the lead to review. Each entry
// names a case and says why; the case still runs and prints KTEST KNOWN-FAIL (counted
// apart from real failures) until the kernel is fixed, when it prints KTEST PASS with a
// note to remove it from here. KTEST_KNOWN_CRASH entries are not run at all: they would
// take the kernel (and every later case) down with them.
#include "ktest.h"

const struct ktest_known ktest_known[] = {
    // (none at present)
    { NULL, NULL, false }, // keeps the array non-empty
};
const unsigned ktest_nknown = sizeof(ktest_known) / sizeof(ktest_known[0]) - 1;
