// SPDX-License-Identifier: MIT OR Apache-2.0
//
// test_kernel.c - unit tests of the portable kernel core (kernel/core, kernel/object) on the
// host arch, under ASan/UBSan. Every test starts from a fresh hand-built root task
// (kernel_harness.h) and mostly acts through syscall_dispatch() exactly as user code does.
//
//   test_kernel [substring]     run the tests whose name contains substring (default: all)
//   KOZO_TEST_ECHO=1            also show the kernel console on stdout
//
// Prints "PASS: name" / "FAIL: name" per test, failure details on stderr, and last
// "kernel-core: N passed, M failed" (N, M count checks); exits 1 if anything failed.
//
// The tests themselves are in tests/host/kernel/, one file per object or mechanism.
#define TEST_MAIN // this file holds the test state (test.h)
#include "kernel_tests.h"

static const struct ktest *const tables[] = {
    kt_cspace_tests, kt_untyped_tests,  kt_asid_tests,          kt_cnode_tests,   kt_delete_tests,
    kt_ipc_tests,    kt_fastpath_tests, kt_tcb_irq_frame_tests, kt_syscall_tests,
};

int
main(int argc, char **argv)
{
    const char *filter = argc > 1 ? argv[1] : NULL;
    host_arch.echo = getenv("KOZO_TEST_ECHO") != NULL;

    for (unsigned f = 0; f < ARRAY_SIZE(tables); f++) {
        for (const struct ktest *t = tables[f]; t->name; t++) {
            if (!test_name_matches(t->name, filter))
                continue;
            unsigned long before = test_state.failed;
            test_state.current = t->name;
            kh_setup();
            t->fn();
            CHECK(kh_mdb_ok()); // every test leaves a well-formed derivation tree
            kh_teardown();
            test_state.current = NULL;
            printf("%s: %s\n", test_state.failed == before ? "PASS" : "FAIL", t->name);
            test_case_end(before);
            fflush(stdout);
        }
    }
    return test_summary("kernel-core");
}
