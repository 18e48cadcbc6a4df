// SPDX-License-Identifier: MIT OR Apache-2.0
//
// test.h - minimal host unit-test harness (header only).
//
// Checks never abort: every CHECK counts a pass or a failure and the test
// carries on, so one run reports all broken expectations at once. A failure
// prints "FAIL file:line expr" (plus the values for the _EQ forms) to stderr.
//
// Two ways to use it:
//   - call CHECK* from plain functions and end main() with
//     `return test_summary("suite");`
//   - or declare tests with TEST(name) { ... } (registered automatically via a
//     GCC/clang constructor) and write `int main(int argc, char **argv)
//     { return test_main("suite", argc, argv); }`. test_main runs every
//     registered test, or only those whose name contains argv[1].
// test_summary() prints "<suite>: N passed, M failed" and returns the process
// exit status: 0 if nothing failed, 1 otherwise. N and M count test cases when the
// program ran any (TEST()s, or cases it marked with test_case_end()), checks otherwise;
// a check failing outside every case counts as one more failure.
//
// State is file-static, so a test program has one translation unit that
// includes this header (the code under test can be any number of objects), unless
// it defines TEST_SHARED_STATE everywhere and TEST_MAIN in one file (below).
// The header deliberately avoids <string.h>, so that it works whether or not
// lib/common (which has its own string.h) is on the include path.

#ifndef KOZO_TESTS_HOST_TEST_H
#define KOZO_TESTS_HOST_TEST_H

#include <stddef.h>
#include <stdio.h>

#define TEST_MAX_TESTS 512

struct test_case {
    const char *name;
    void (*fn)(void);
};

struct test_state {
    unsigned long passed;
    unsigned long failed;
    unsigned long skipped;
    unsigned long cases_passed, cases_failed;
    unsigned long failed_in_cases; // check failures inside a case
    const char *current;           // name of the running TEST, for failure messages
    struct test_case tests[TEST_MAX_TESTS];
    unsigned ntests;
    unsigned overflow; // TEST()s that did not fit in tests[]
};
// One program of several files defines TEST_SHARED_STATE in each and TEST_MAIN in the one
// that holds the state; a program of one file needs neither.
#if defined(TEST_SHARED_STATE) && !defined(TEST_MAIN)
extern struct test_state test_state;
#elif defined(TEST_SHARED_STATE)
struct test_state test_state;
#else
static struct test_state test_state;
#endif

// Record one check. Returns ok so callers can bail out of a test early with
// `if (!CHECK(p != NULL)) return;`.
static inline int
test_record(int ok, const char *file, int line, const char *expr)
{
    if (ok) {
        test_state.passed++;
    } else {
        test_state.failed++;
        fprintf(stderr, "FAIL %s:%d %s%s%s%s\n", file, line, expr, test_state.current ? " [in " : "",
                test_state.current ? test_state.current : "", test_state.current ? "]" : "");
    }
    return ok;
}

static inline int
test_record_eq(unsigned long long a, unsigned long long b, const char *file, int line, const char *expr)
{
    int ok = test_record(a == b, file, line, expr);
    if (!ok)
        fprintf(stderr, "     got %lld (0x%llx), expected %lld (0x%llx)\n", (long long)a, a, (long long)b, b);
    return ok;
}

static inline int
test_record_ne(unsigned long long a, unsigned long long b, const char *file, int line, const char *expr)
{
    int ok = test_record(a != b, file, line, expr);
    if (!ok)
        fprintf(stderr, "     both are %lld (0x%llx)\n", (long long)a, a);
    return ok;
}

static inline int
test_record_str(const char *a, const char *b, const char *file, int line, const char *expr)
{
    int same = (a == NULL || b == NULL) ? a == b : 1;
    if (a != NULL && b != NULL) {
        size_t i = 0;
        while (a[i] != '\0' && a[i] == b[i])
            i++;
        same = a[i] == b[i];
    }
    int ok = test_record(same, file, line, expr);
    if (!ok)
        fprintf(stderr, "     got \"%s\", expected \"%s\"\n", a ? a : "(null)", b ? b : "(null)");
    return ok;
}

static inline int
test_record_mem(const void *a, const void *b, size_t n, const char *file, int line, const char *expr)
{
    const unsigned char *p = a, *q = b;
    size_t i = 0;
    while (i < n && p[i] == q[i])
        i++;
    int ok = test_record(i == n, file, line, expr);
    if (!ok)
        fprintf(stderr, "     first difference at byte %zu: 0x%02x vs 0x%02x\n", i, p[i], q[i]);
    return ok;
}

// Note a check that could not run (missing tool or file); not a failure.
static inline void
test_skip(const char *what)
{
    test_state.skipped++;
    fprintf(stderr, "SKIP %s\n", what);
}

#define CHECK(cond) test_record((cond) ? 1 : 0, __FILE__, __LINE__, #cond)
// Integers (any width or signedness) and pointers; each side is evaluated once.
#define CHECK_EQ(a, b)                                                                   \
    test_record_eq((unsigned long long)(a), (unsigned long long)(b), __FILE__, __LINE__, \
                   "CHECK_EQ(" #a ", " #b ")")
#define CHECK_NE(a, b)                                                                   \
    test_record_ne((unsigned long long)(a), (unsigned long long)(b), __FILE__, __LINE__, \
                   "CHECK_NE(" #a ", " #b ")")
// NUL-terminated strings (NULL equals only NULL).
#define CHECK_STR_EQ(a, b) test_record_str((a), (b), __FILE__, __LINE__, "CHECK_STR_EQ(" #a ", " #b ")")
// n bytes of memory.
#define CHECK_MEM_EQ(a, b, n) \
    test_record_mem((a), (b), (n), __FILE__, __LINE__, "CHECK_MEM_EQ(" #a ", " #b ", " #n ")")

static inline void
test_register(const char *name, void (*fn)(void))
{
    if (test_state.ntests < TEST_MAX_TESTS)
        test_state.tests[test_state.ntests++] = (struct test_case){ name, fn };
    else
        test_state.overflow++;
}

// Define a test function and register it before main() runs.
#define TEST(name)                                                      \
    static void name(void);                                             \
    __attribute__((constructor)) static void test_register_##name(void) \
    {                                                                   \
        test_register(#name, name);                                     \
    }                                                                   \
    static void name(void)

// Print "<suite>: N passed, M failed" and return the exit status.
// End of one test case that began when test_state.failed was `failed_before`.
static inline void
test_case_end(unsigned long failed_before)
{
    unsigned long failed = test_state.failed - failed_before;
    test_state.failed_in_cases += failed;
    if (failed)
        test_state.cases_failed++;
    else
        test_state.cases_passed++;
}

static inline int
test_summary(const char *suite)
{
    if (test_state.overflow > 0) {
        fprintf(stderr, "FAIL %u tests not registered: raise TEST_MAX_TESTS\n", test_state.overflow);
        test_state.failed += test_state.overflow;
        test_state.overflow = 0;
    }
    if (test_state.skipped > 0)
        printf("%s: %lu skipped\n", suite, test_state.skipped);
    if (test_state.cases_passed + test_state.cases_failed == 0) {
        printf("%s: %lu passed, %lu failed\n", suite, test_state.passed, test_state.failed);
    } else {
        unsigned long outside = test_state.failed - test_state.failed_in_cases;
        printf("%s: %lu passed, %lu failed (%lu checks)\n", suite, test_state.cases_passed,
               test_state.cases_failed + outside, test_state.passed + test_state.failed);
    }
    return test_state.failed == 0 ? 0 : 1;
}

static inline int
test_name_matches(const char *name, const char *filter)
{
    if (filter == NULL)
        return 1;
    for (const char *s = name;; s++) {
        size_t i = 0;
        while (filter[i] != '\0' && s[i] == filter[i])
            i++;
        if (filter[i] == '\0')
            return 1;
        if (*s == '\0')
            return 0;
    }
}

// Run the registered tests (those whose name contains argv[1], if given).
static inline int
test_main(const char *suite, int argc, char **argv)
{
    const char *filter = argc > 1 ? argv[1] : NULL;

    for (unsigned i = 0; i < test_state.ntests; i++) {
        if (!test_name_matches(test_state.tests[i].name, filter))
            continue;
        test_state.current = test_state.tests[i].name;
        unsigned long before = test_state.failed;
        test_state.tests[i].fn();
        if (test_state.failed != before)
            fprintf(stderr, "---- %s: %lu failed\n", test_state.current, test_state.failed - before);
        test_case_end(before);
        test_state.current = NULL;
    }
    return test_summary(suite);
}

#endif // KOZO_TESTS_HOST_TEST_H
