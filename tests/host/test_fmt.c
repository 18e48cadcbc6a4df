// SPDX-License-Identifier: MIT OR Apache-2.0
//
// test_fmt.c - host tests for lib/common/fmt.c and lib/common/string.c.
//
// fmt: the host C library's snprintf is the oracle for everything standard;
// KOZO-specific behaviour (%p width, unknown conversions, argument errors) is
// checked against literal strings.
//
// string: string.c is linked in as a separate object compiled with
// KOZO_STRING_PREFIXED=1, so its functions are kz_memcpy, kz_strlen, ... and
// do not clash with libc. Defining the same macro before including the lib's
// string.h below makes `memcpy` in this file mean kz_memcpy; libc's memcpy is
// still what the compiler and the sanitizer runtime use behind the scenes.

#define KOZO_STRING_PREFIXED 1
#include "string.h" // lib/common/string.h: memcpy here is kz_memcpy

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fmt.h"
#include "test.h"

// --- fmt against the libc oracle ---------------------------------------------------

// Format with both engines and compare text and return value. The format
// text itself is the failure message.
#define SAME(...)                                                                            \
    do {                                                                                     \
        char mine_[256], libc_[256];                                                         \
        int rm_ = fmt_snprintf(mine_, sizeof(mine_), __VA_ARGS__);                           \
        int rl_ = snprintf(libc_, sizeof(libc_), __VA_ARGS__);                               \
        test_record_str(mine_, libc_, __FILE__, __LINE__, "SAME(" #__VA_ARGS__ ")");         \
        test_record_eq((unsigned long long)rm_, (unsigned long long)rl_, __FILE__, __LINE__, \
                       "return value of SAME(" #__VA_ARGS__ ")");                            \
    } while (0)

// SAME for valid formats that -Wformat nevertheless warns about (redundant
// flags, empty format, certain truncation, out-of-range h/hh arguments):
// the format goes through a non-literal so the compiler cannot check it.
#define SAME_NL(fmt, ...)                                                                    \
    do {                                                                                     \
        const char *volatile f_ = (fmt);                                                     \
        char mine_[256], libc_[256];                                                         \
        int rm_ = fmt_snprintf(mine_, sizeof(mine_), f_, __VA_ARGS__);                       \
        int rl_ = snprintf(libc_, sizeof(libc_), f_, __VA_ARGS__);                           \
        test_record_str(mine_, libc_, __FILE__, __LINE__, "SAME_NL(" #fmt ")");              \
        test_record_eq((unsigned long long)rm_, (unsigned long long)rl_, __FILE__, __LINE__, \
                       "return value of SAME_NL(" #fmt ")");                                 \
    } while (0)

// Format with fmt_snprintf and compare with a literal.
#define EXPECT(want, ...)                                                                             \
    do {                                                                                              \
        char mine_[256];                                                                              \
        int rm_ = fmt_snprintf(mine_, sizeof(mine_), __VA_ARGS__);                                    \
        test_record_str(mine_, (want), __FILE__, __LINE__, "EXPECT(" #__VA_ARGS__ ")");               \
        test_record_eq((unsigned long long)rm_, (unsigned long long)strlen(want), __FILE__, __LINE__, \
                       "return value of EXPECT(" #__VA_ARGS__ ")");                                   \
    } while (0)

TEST(fmt_plain_text)
{
    SAME_NL("", 0);
    SAME("hello, world");
    SAME("100%% sure, %%d");
    SAME("tab\tnewline\n");
}

TEST(fmt_signed)
{
    SAME("%d", 0);
    SAME("%d", 1);
    SAME("%d", -1);
    SAME("%d %i", INT_MAX, INT_MIN);
    SAME("%ld %ld", LONG_MAX, LONG_MIN);
    SAME("%lld %lld", LLONG_MAX, LLONG_MIN);
    SAME("%hd %hd", (short)-32768, (short)12345);
    SAME_NL("%hd", 70000); // converted to short (clang -Wformat objects)
    SAME_NL("%hhd", 300);  // converted to signed char: 44
    SAME_NL("%hhd", -129);
    SAME("%zd", (ptrdiff_t)-5);
    SAME("%jd %jd", INTMAX_MAX, INTMAX_MIN);
    SAME("%td", (ptrdiff_t)-123456789);
}

TEST(fmt_unsigned)
{
    SAME("%u", 0u);
    SAME("%u", UINT_MAX);
    SAME("%lu", ULONG_MAX);
    SAME("%llu", ULLONG_MAX);
    SAME("%zu", SIZE_MAX);
    SAME_NL("%hu", 70000);
    SAME_NL("%hhu", 511);
    SAME("%x %X", 0xdeadbeefu, 0xdeadbeefu);
    SAME("%lx", 0x0123456789abcdefUL);
    SAME("%llX", 0xfedcba9876543210ULL);
    SAME("%o", 8u);
    SAME("%o %lo", 0u, ULONG_MAX);
    SAME("%jx", UINTMAX_MAX);
    SAME_NL("%hhx", 0x1ff);
    SAME_NL("%hx", 0x12345);
}

TEST(fmt_flags_width_precision)
{
    // width, '-' and '0'
    SAME("[%5d]", 42);
    SAME("[%-5d]", 42);
    SAME("[%05d]", 42);
    SAME("[%05d]", -42);
    SAME_NL("[%-05d]", 42); // '-' wins over '0'
    SAME("[%1d]", 12345);   // width smaller than the number
    SAME("[%08x]", 0xbeefu);
    SAME("[%-8X]", 0xbeefu);
    SAME_NL("[%300d]", 7); // longer than the buffer: truncated, full length returned

    // '+', ' ' and '#'
    SAME("[%+d] [%+d] [%+d]", 5, -5, 0);
    SAME("[% d] [% d]", 5, -5);
    SAME("[% 05d] [%+05d]", 42, 42);
    SAME("[%#x] [%#X] [%#o]", 255u, 255u, 8u);
    SAME("[%#x] [%#o]", 0u, 0u);
    SAME("[%#10x] [%#-10x] [%#010x]", 0xabcu, 0xabcu, 0xabcu);

    // integer precision
    SAME("[%.3d] [%.3d] [%.0d] [%.0d]", 7, -7, 0, 1);
    SAME("[%5.3d] [%-5.3d]", 7, 7);
    SAME_NL("[%05.3d] [%08.3x]", 7, 0x2au); // '0' ignored with a precision
    SAME("[%.0x] [%#.0x] [%#.0o] [%.0u]", 0u, 0u, 0u, 0u);
    SAME("[%#.3o] [%#.5x]", 8u, 0x1fu);
    SAME("[%.20d]", INT_MIN);

    // '*'
    SAME("[%*d]", 6, 42);
    SAME("[%*d]", -6, 42); // negative width: left-justify
    SAME("[%-*d]", 6, 42);
    SAME("[%.*d]", 4, 42);
    SAME("[%.*d]", -1, 42); // negative precision: as if none
    SAME("[%*.*d]", 8, 4, -42);
    SAME("[%0*d]", 7, -42);
}

TEST(fmt_strings_and_chars)
{
    SAME("[%s]", "text");
    SAME("[%s]", "");
    SAME("[%10s] [%-10s]", "right", "left");
    SAME("[%2s]", "longer than width");
    SAME("[%.3s] [%.0s] [%.10s]", "abcdef", "abcdef", "abc");
    SAME("[%8.3s] [%-8.3s]", "abcdef", "abcdef");
    SAME("[%.*s]", 2, "xyz");
    SAME("[%.*s]", -1, "xyz"); // negative precision: whole string
    SAME("[%*s]", -5, "ab");
    SAME("[%c%c%c]", 'k', 'z', 'o');
    SAME("[%3c] [%-3c]", 'a', 'b');
    SAME("[%c]", 0x141); // converted to unsigned char: 'A'

    // A precision bounds the read: the bytes need no terminator.
    char *raw = malloc(4);
    if (CHECK(raw != NULL)) {
        raw[0] = 'k';
        raw[1] = 'o';
        raw[2] = 'z';
        raw[3] = 'o'; // no NUL: ASan traps any read beyond
        EXPECT("kozo", "%.4s", raw);
        EXPECT("ko", "%.*s", 2, raw);
        free(raw);
    }

    // NULL string.
    const char *volatile null_str = NULL;
    EXPECT("(null)", "%s", null_str);
    EXPECT("[  (null)]", "[%8s]", null_str);
    EXPECT("(nu", "%.3s", null_str);
}

TEST(fmt_pointers)
{
    EXPECT("0x0000000000000000", "%p", (void *)0);
    EXPECT("0x00000000deadbeef", "%p", (void *)(uintptr_t)0xdeadbeef);
    EXPECT("0xffff800000001000", "%p", (void *)(uintptr_t)0xffff800000001000ull);
    EXPECT("0xffffffffffffffff", "%p", (void *)UINTPTR_MAX);
    EXPECT("[  0x0000000000001234]", "[%20p]", (void *)0x1234);
    EXPECT("[0x0000000000001234  ]", "[%-20p]", (void *)0x1234);
    EXPECT("[0x0000000000001234]", "[%5p]", (void *)0x1234);
    int x;
    char want[32];
    snprintf(want, sizeof(want), "0x%016llx", (unsigned long long)(uintptr_t)&x);
    EXPECT(want, "%p", (void *)&x);
}

// Formats that -Wformat would (rightly) reject at compile time are passed
// through a non-literal.
TEST(fmt_malformed_formats)
{
    static const struct {
        const char *fmt;
        const char *want;
    } cases[] = {
        { "a%qb%d", "a%qb5" }, // unknown conversion: echoed, no argument used
        { "%-08.3y|%d", "%-08.3y|5" },
        { "%lq%d", "%lq5" },
        { "abc%", "abc%" }, // format ends inside a conversion
        { "abc%-5", "abc%-5" },
        { "abc%.", "abc%." },
        { "x%ll", "x%ll" },
        { "%5%", "%" }, // "%%" with flags: still one '%'
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *volatile f = cases[i].fmt;
        char buf[64];
        int rc = fmt_snprintf(buf, sizeof(buf), f, 5);
        if (!CHECK_STR_EQ(buf, cases[i].want))
            fprintf(stderr, "     format \"%s\"\n", cases[i].fmt);
        CHECK_EQ(rc, strlen(cases[i].want));
    }

    // Huge numbers in the format saturate instead of overflowing (UBSan).
    const char *volatile f = "%.99999999999999999999s|";
    char buf[16];
    CHECK_EQ(fmt_snprintf(buf, sizeof(buf), f, "ab"), 3);
    CHECK_STR_EQ(buf, "ab|");
}

TEST(fmt_snprintf_truncation)
{
    char buf[16];

    memset(buf, 'X', sizeof(buf));
    CHECK_EQ(fmt_snprintf(buf, 5, "hello %s", "world"), 11);
    CHECK_STR_EQ(buf, "hell");
    for (size_t i = 5; i < sizeof(buf); i++)
        CHECK_EQ(buf[i], 'X'); // nothing written past n

    memset(buf, 'X', sizeof(buf));
    CHECK_EQ(fmt_snprintf(buf, 1, "hello"), 5);
    CHECK_EQ(buf[0], '\0');
    CHECK_EQ(buf[1], 'X');

    memset(buf, 'X', sizeof(buf));
    CHECK_EQ(fmt_snprintf(buf, 0, "hello"), 5); // n == 0: buf untouched
    CHECK_EQ(buf[0], 'X');
    CHECK_EQ(fmt_snprintf(NULL, 0, "%d", 12345), 5); // measuring

    // Exactly fitting, and one short.
    CHECK_EQ(fmt_snprintf(buf, 6, "%s", "12345"), 5);
    CHECK_STR_EQ(buf, "12345");
    CHECK_EQ(fmt_snprintf(buf, 5, "%s", "12345"), 5);
    CHECK_STR_EQ(buf, "1234");

    // Bad arguments: -1, and still a terminated buffer when possible.
    CHECK_EQ(fmt_snprintf(NULL, 5, "x"), -1);
    const char *volatile null_fmt = NULL;
    memset(buf, 'X', sizeof(buf));
    CHECK_EQ(fmt_snprintf(buf, sizeof(buf), null_fmt, 0), -1);
    CHECK_EQ(buf[0], '\0');
}

struct sink {
    char buf[64];
    size_t n;
};

static void
sink_putc(void *ctx, char c)
{
    struct sink *s = ctx;
    if (s->n < sizeof(s->buf))
        s->buf[s->n] = c;
    s->n++;
}

static int sink_format(struct sink *s, const char *fmt, ...) KZ_PRINTF_FORMAT(2, 3);

static int
sink_format(struct sink *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = fmt_vformat(sink_putc, s, fmt, ap);
    va_end(ap);
    return rc;
}

static int count_only(const char *fmt, ...) KZ_PRINTF_FORMAT(1, 2);

static int
count_only(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = fmt_vformat(NULL, NULL, fmt, ap);
    va_end(ap);
    return rc;
}

TEST(fmt_vformat_callback)
{
    struct sink s = { { 0 }, 0 };

    CHECK_EQ(sink_format(&s, "%c", 0), 1); // a NUL character is output too
    CHECK_EQ(s.n, 1);
    CHECK_EQ(s.buf[0], '\0');

    s.n = 0;
    CHECK_EQ(sink_format(&s, "%s=%d;", "x", -3), 5);
    CHECK_EQ(s.n, 5);
    CHECK_MEM_EQ(s.buf, "x=-3;", 5);

    s.n = 0;
    CHECK_EQ(sink_format(&s, "%1000d", 1), 1000); // wide output, not buffered
    CHECK_EQ(s.n, 1000);

    CHECK_EQ(count_only("abc"), -1); // NULL callback
    const char *volatile null_fmt = NULL;
    CHECK_EQ(sink_format(&s, null_fmt, 0), -1);
}

// --- string.c ------------------------------------------------------------------------

TEST(string_mem)
{
    unsigned char a[64], b[64];
    for (int i = 0; i < 64; i++) {
        a[i] = (unsigned char)(i * 3 + 1);
        b[i] = 0;
    }

    CHECK(memcpy(b, a, 64) == b);
    CHECK_MEM_EQ(b, a, 64);
    b[0] = 0xee;
    CHECK(memcpy(b, a, 0) == b); // n == 0 touches nothing
    CHECK_EQ(b[0], 0xee);

    // memmove, both directions of overlap.
    unsigned char m[16];
    for (int i = 0; i < 16; i++)
        m[i] = (unsigned char)i;
    CHECK(memmove(m + 4, m, 10) == m + 4); // dst above src
    static const unsigned char fwd[16] = { 0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 14, 15 };
    CHECK_MEM_EQ(m, fwd, 16);
    for (int i = 0; i < 16; i++)
        m[i] = (unsigned char)i;
    CHECK(memmove(m, m + 3, 13) == m); // dst below src
    static const unsigned char bwd[16] = { 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 13, 14, 15 };
    CHECK_MEM_EQ(m, bwd, 16);
    CHECK(memmove(m, m, 16) == m);
    CHECK_MEM_EQ(m, bwd, 16);
    CHECK(memmove(m + 1, m, 0) == m + 1);

    // memset uses only the low byte of c.
    CHECK(memset(b, 0x1ab, 10) == b);
    for (int i = 0; i < 10; i++)
        CHECK_EQ(b[i], 0xab);
    CHECK_EQ(b[10], a[10]);
    memset(b + 10, 0, 0);
    CHECK_EQ(b[10], a[10]);

    // memcmp compares as unsigned char.
    CHECK_EQ(memcmp(a, a, 64), 0);
    CHECK_EQ(memcmp("abc", "abd", 2), 0);
    CHECK(memcmp("abc", "abd", 3) < 0);
    CHECK(memcmp("abd", "abc", 3) > 0);
    CHECK(memcmp("\x80", "\x01", 1) > 0);
    CHECK(memcmp("\x01", "\xff", 1) < 0);
    CHECK_EQ(memcmp("x", "y", 0), 0);
    CHECK_EQ(memcmp(NULL, NULL, 0), 0);
}

// memcpy and memset move whole words when the pointers are aligned: every alignment and
// length around the word size gives the bytes a byte loop would, and nothing outside.
TEST(string_mem_words)
{
    _Alignas(8) unsigned char src[80], dst[80], want[80];
    for (int i = 0; i < 80; i++)
        src[i] = (unsigned char)(i * 7 + 3);
    for (size_t soff = 0; soff < 9; soff++)
        for (size_t doff = 0; doff < 9; doff++)
            for (size_t n = 0; n <= 40; n++) {
                for (int i = 0; i < 80; i++)
                    dst[i] = want[i] = 0xcc;
                for (size_t i = 0; i < n; i++)
                    want[doff + i] = src[soff + i];
                CHECK(memcpy(dst + doff, src + soff, n) == dst + doff);
                CHECK_MEM_EQ(dst, want, 80);
            }
    for (size_t off = 0; off < 9; off++)
        for (size_t n = 0; n <= 40; n++) {
            for (int i = 0; i < 80; i++)
                dst[i] = want[i] = 0xcc;
            for (size_t i = 0; i < n; i++)
                want[off + i] = 0x5a;
            CHECK(memset(dst + off, 0x35a, n) == dst + off);
            CHECK_MEM_EQ(dst, want, 80);
        }
}

TEST(string_str)
{
    CHECK_EQ(strlen(""), 0);
    CHECK_EQ(strlen("kozo"), 4);
    CHECK_EQ(strlen("a\0b"), 1);

    CHECK_EQ(strnlen("kozo", 10), 4);
    CHECK_EQ(strnlen("kozo", 4), 4);
    CHECK_EQ(strnlen("kozo", 2), 2);
    CHECK_EQ(strnlen("kozo", 0), 0);
    char *raw = malloc(3); // unterminated: ASan traps a read of raw[3]
    if (CHECK(raw != NULL)) {
        raw[0] = 'a';
        raw[1] = 'b';
        raw[2] = 'c';
        CHECK_EQ(strnlen(raw, 3), 3);
        CHECK_EQ(strncmp(raw, "abcd", 3), 0);
        CHECK(strncmp(raw, "abd", 3) < 0);
        free(raw);
    }

    CHECK_EQ(strcmp("", ""), 0);
    CHECK_EQ(strcmp("kozo", "kozo"), 0);
    CHECK(strcmp("koz", "kozo") < 0); // a prefix sorts first
    CHECK(strcmp("kozo", "koz") > 0);
    CHECK(strcmp("a", "b") < 0);
    CHECK(strcmp("\xff", "a") > 0); // unsigned char comparison
    CHECK(strcmp("a", "\xff") < 0);

    CHECK_EQ(strncmp("abcd", "abcx", 3), 0);
    CHECK(strncmp("abcd", "abcx", 4) < 0);
    CHECK_EQ(strncmp("x", "y", 0), 0);
    CHECK_EQ(strncmp("ab\0x", "ab\0y", 4), 0); // stops at the terminator
    CHECK(strncmp("ab", "abc", 5) < 0);
    CHECK(strncmp("\x80", "\x7f", 1) > 0);

    const char *s = "kozo kernel";
    CHECK(strchr(s, 'k') == s);
    CHECK(strchr(s, 'z') == s + 2);
    CHECK(strchr(s, 'e') == s + 6);
    CHECK(strchr(s, 'q') == NULL);
    CHECK(strchr(s, '\0') == s + 11);     // the terminator is part of the string
    CHECK(strchr(s, 'o' + 256) == s + 1); // c is converted to char
    CHECK(strchr("a\xff", 0xff) != NULL);
    CHECK(strchr("", 'a') == NULL);
}

int
main(int argc, char **argv)
{
    return test_main("fmt", argc, argv);
}
