// SPDX-License-Identifier: MIT OR Apache-2.0
//
// test_cpio.c - host tests for lib/common/cpio.c.
//
// Archives are built in memory by a small newc writer, then copied into a
// heap block of exactly their size, so AddressSanitizer flags any read past
// the end. Every error code is provoked by patching one field of a valid
// archive; a truncation sweep and a byte-mutation fuzz loop check that no
// input makes the parser read out of bounds. If the cpio(1) tool is installed
// the parser is also run on an archive it wrote.

#define _POSIX_C_SOURCE 200809L // mkdtemp, symlink

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cpio.h"
#include "test.h"

// --- a newc writer ---------------------------------------------------------------

struct ar {
    unsigned char buf[16384];
    size_t len;
};

#define S_REG 0100644u
#define S_DIR 0040755u
#define S_LNK 0120777u

static void
put_bytes(struct ar *a, const void *p, size_t n)
{
    const unsigned char *s = p;
    if (a->len + n > sizeof(a->buf)) {
        fprintf(stderr, "test archive buffer too small\n");
        exit(2);
    }
    for (size_t i = 0; i < n; i++)
        a->buf[a->len++] = s[i];
}

static void
put_hex8(struct ar *a, uint32_t v)
{
    char s[9];
    snprintf(s, sizeof(s), "%08X", (unsigned)v);
    put_bytes(a, s, 8);
}

static void
put_pad4(struct ar *a)
{
    static const unsigned char zero[4];
    put_bytes(a, zero, (4 - (a->len & 3)) & 3);
}

static size_t
c_strlen(const char *s)
{
    size_t n = 0;
    while (s[n] != '\0')
        n++;
    return n;
}

// Append one entry; returns the offset of its header so tests can patch it.
static size_t
ar_add(struct ar *a, const char *name, uint32_t mode, const void *data, size_t size)
{
    size_t hdr = a->len;
    uint32_t namesize = (uint32_t)c_strlen(name) + 1;
    uint32_t fields[13] = {
        0x1000u + (uint32_t)hdr, mode, 0, 0, 1, 0x5f000000u, (uint32_t)size, 0, 0, 0, 0, namesize, 0
    };

    put_bytes(a, "070701", 6);
    for (unsigned i = 0; i < 13; i++)
        put_hex8(a, fields[i]);
    put_bytes(a, name, namesize);
    put_pad4(a);
    put_bytes(a, data, size);
    put_pad4(a);
    return hdr;
}

static size_t
ar_trailer(struct ar *a)
{
    return ar_add(a, "TRAILER!!!", 0, NULL, 0);
}

enum {
    F_INO,
    F_MODE,
    F_UID,
    F_GID,
    F_NLINK,
    F_MTIME,
    F_FILESIZE,
    F_DEVMAJOR,
    F_DEVMINOR,
    F_RDEVMAJOR,
    F_RDEVMINOR,
    F_NAMESIZE,
    F_CHECK
};

// Overwrite field idx of the header at hdr with the given 8 characters.
static void
patch_field_raw(struct ar *a, size_t hdr, unsigned idx, const char *eight)
{
    for (unsigned i = 0; i < 8; i++)
        a->buf[hdr + 6 + idx * 8 + i] = (unsigned char)eight[i];
}

static void
patch_field(struct ar *a, size_t hdr, unsigned idx, uint32_t v)
{
    char s[9];
    snprintf(s, sizeof(s), "%08x", (unsigned)v);
    patch_field_raw(a, hdr, idx, s);
}

// Heap copy of exactly n bytes (at least 1 byte allocated) for ASan.
static unsigned char *
exact_copy(const void *p, size_t n)
{
    unsigned char *q = malloc(n ? n : 1);
    if (q == NULL) {
        perror("malloc");
        exit(2);
    }
    for (size_t i = 0; i < n; i++)
        q[i] = ((const unsigned char *)p)[i];
    return q;
}

static int
find_in(const struct ar *a, size_t n, const char *name, const void **data, size_t *len)
{
    unsigned char *copy = exact_copy(a->buf, n);
    int rc = cpio_find(copy, n, name, data, len);
    // Data pointers into the copy would dangle: callers that need data
    // use find_keep().
    free(copy);
    return rc;
}

static int
find_rc(const struct ar *a, const char *name)
{
    return find_in(a, a->len, name, NULL, NULL);
}

// --- the standard archive ------------------------------------------------------------

static const char init_data[] = "\x7f"
                                "ELF init binary";
static const char sh_data[] = "#!sh";   // 4 bytes: no data padding
static const char odd_data[] = "abcde"; // 5 bytes: 3 bytes of padding

static void
build_std(struct ar *a)
{
    a->len = 0;
    ar_add(a, ".", S_DIR, NULL, 0);
    ar_add(a, "./init", S_REG, init_data, sizeof(init_data) - 1);
    ar_add(a, "bin", S_DIR, NULL, 0);
    ar_add(a, "./bin/sh", S_REG, sh_data, 4);
    ar_add(a, "odd", S_REG, odd_data, 5);
    ar_add(a, "./empty", S_REG, NULL, 0);
    ar_add(a, "lnk", S_LNK, "init", 4);
    ar_trailer(a);
}

TEST(find_happy_path)
{
    struct ar a;
    build_std(&a);
    unsigned char *img = exact_copy(a.buf, a.len);
    const void *data = NULL;
    size_t len = 0;

    CHECK_EQ(cpio_find(img, a.len, "init", &data, &len), CPIO_OK);
    CHECK_EQ(len, sizeof(init_data) - 1);
    if (len == sizeof(init_data) - 1)
        CHECK_MEM_EQ(data, init_data, len);

    // Both spellings of the query and of the stored name match.
    CHECK_EQ(cpio_find(img, a.len, "./init", &data, &len), CPIO_OK);
    CHECK_EQ(cpio_find(img, a.len, "/init", &data, &len), CPIO_OK);
    CHECK_EQ(cpio_find(img, a.len, "odd", &data, &len), CPIO_OK);
    CHECK_EQ(cpio_find(img, a.len, "./odd", &data, &len), CPIO_OK);
    CHECK_EQ(len, 5);
    CHECK_MEM_EQ(data, "abcde", 5);
    // Header offsets are 4-aligned relative to the archive.
    CHECK_EQ(((const unsigned char *)data - img) % 4, 0);

    CHECK_EQ(cpio_find(img, a.len, "bin/sh", &data, &len), CPIO_OK);
    CHECK_EQ(len, 4);
    CHECK_MEM_EQ(data, "#!sh", 4);

    len = 99;
    CHECK_EQ(cpio_find(img, a.len, "empty", &data, &len), CPIO_OK);
    CHECK_EQ(len, 0);

    // data and len are optional.
    CHECK_EQ(cpio_find(img, a.len, "init", NULL, NULL), CPIO_OK);

    // Only regular files are found; names must match exactly.
    CHECK_EQ(cpio_find(img, a.len, "bin", &data, &len), CPIO_ENOENT);
    CHECK_EQ(cpio_find(img, a.len, "lnk", &data, &len), CPIO_ENOENT);
    CHECK_EQ(cpio_find(img, a.len, "ini", &data, &len), CPIO_ENOENT);
    CHECK_EQ(cpio_find(img, a.len, "init2", &data, &len), CPIO_ENOENT);
    CHECK_EQ(cpio_find(img, a.len, "sh", &data, &len), CPIO_ENOENT);
    CHECK_EQ(cpio_find(img, a.len, "TRAILER!!!", &data, &len), CPIO_ENOENT);
    CHECK_EQ(cpio_find(img, a.len, "", &data, &len), CPIO_ENOENT);
    CHECK_EQ(cpio_find(img, a.len, "./", &data, &len), CPIO_ENOENT);
    CHECK_EQ(cpio_find(img, a.len, ".", &data, &len), CPIO_ENOENT);
    free(img);
}

TEST(find_bad_arguments)
{
    struct ar a;
    build_std(&a);
    CHECK_EQ(cpio_find(a.buf, a.len, NULL, NULL, NULL), CPIO_EINVAL);
    CHECK_EQ(cpio_find(NULL, 10, "init", NULL, NULL), CPIO_EINVAL);
    CHECK_EQ(cpio_find(NULL, 0, "init", NULL, NULL), CPIO_ETRUNC);

    struct cpio_iter it;
    struct cpio_entry e;
    cpio_iter_init(NULL, a.buf, a.len); // must not crash
    cpio_iter_init(&it, a.buf, a.len);
    CHECK_EQ(cpio_next(&it, NULL), CPIO_EINVAL);
    CHECK_EQ(cpio_next(NULL, &e), CPIO_EINVAL);
}

TEST(iterate_all_entries)
{
    struct ar a;
    build_std(&a);
    unsigned char *img = exact_copy(a.buf, a.len);
    struct cpio_iter it;
    struct cpio_entry e;
    static const struct {
        const char *name;
        size_t size;
        uint32_t mode;
    } want[] = {
        { ".", 0, S_DIR },   { "./init", sizeof(init_data) - 1, S_REG },
        { "bin", 0, S_DIR }, { "./bin/sh", 4, S_REG },
        { "odd", 5, S_REG }, { "./empty", 0, S_REG },
        { "lnk", 4, S_LNK },
    };

    cpio_iter_init(&it, img, a.len);
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        if (!CHECK_EQ(cpio_next(&it, &e), 1))
            break;
        CHECK_STR_EQ(e.name, want[i].name);
        CHECK_EQ(e.name_len, c_strlen(want[i].name));
        CHECK_EQ(e.size, want[i].size);
        CHECK_EQ(e.mode, want[i].mode);
        CHECK(e.name[e.name_len] == '\0');
        CHECK((const unsigned char *)e.data >= img && (const unsigned char *)e.data + e.size <= img + a.len);
    }
    CHECK_EQ(cpio_next(&it, &e), 0);
    CHECK_EQ(cpio_next(&it, &e), 0); // stays at the end
    free(img);
}

TEST(trailer_handling)
{
    struct ar a;
    build_std(&a);
    size_t end = a.len;

    // Anything after the trailer is ignored: block padding, even entries.
    for (int i = 0; i < 500; i++)
        a.buf[a.len++] = 0;
    CHECK_EQ(find_rc(&a, "init"), CPIO_OK);
    CHECK_EQ(find_rc(&a, "zzz"), CPIO_ENOENT);
    a.len = end;
    ar_add(&a, "after", S_REG, "x", 1);
    CHECK_EQ(find_rc(&a, "after"), CPIO_ENOENT);

    // No trailer at all: the archive is truncated.
    a.len = 0;
    ar_add(&a, "init", S_REG, "abc", 3);
    CHECK_EQ(find_rc(&a, "init"), CPIO_OK); // found before the end
    CHECK_EQ(find_rc(&a, "nope"), CPIO_ETRUNC);

    // Empty input, and an archive that is only a trailer.
    CHECK_EQ(find_in(&a, 0, "init", NULL, NULL), CPIO_ETRUNC);
    a.len = 0;
    ar_trailer(&a);
    CHECK_EQ(find_rc(&a, "init"), CPIO_ENOENT);
    // The trailer's own padding may be cut off.
    CHECK_EQ(find_in(&a, 110 + 11, "init", NULL, NULL), CPIO_ENOENT);
    CHECK_EQ(find_in(&a, 110 + 10, "init", NULL, NULL), CPIO_ETRUNC);
}

TEST(duplicates_first_wins)
{
    struct ar a;
    a.len = 0;
    ar_add(&a, "./x", S_REG, "one", 3);
    ar_add(&a, "x", S_REG, "second", 6);
    ar_trailer(&a);
    const void *data;
    size_t len;
    CHECK_EQ(cpio_find(a.buf, a.len, "x", &data, &len), CPIO_OK);
    CHECK_EQ(len, 3);
    CHECK_MEM_EQ(data, "one", 3);
}

TEST(unaligned_archive_base)
{
    // Padding is relative to the archive start, not to memory addresses.
    struct ar a;
    build_std(&a);
    unsigned char *mem = malloc(a.len + 3);
    if (!CHECK(mem != NULL))
        return;
    for (size_t shift = 1; shift <= 3; shift++) {
        for (size_t i = 0; i < a.len; i++)
            mem[shift + i] = a.buf[i];
        const void *data;
        size_t len;
        CHECK_EQ(cpio_find(mem + shift, a.len, "odd", &data, &len), CPIO_OK);
        CHECK_EQ(len, 5);
        CHECK_MEM_EQ(data, "abcde", 5);
    }
    free(mem);
}

TEST(bad_magic)
{
    static const char *const magics[] = { "070702", "070707", "070700", "170701", "07070", "\0\0\0\0\0\0" };
    for (size_t m = 0; m < sizeof(magics) / sizeof(magics[0]); m++) {
        struct ar a;
        build_std(&a);
        for (int i = 0; i < 6; i++)
            a.buf[i] = (unsigned char)magics[m][i];
        CHECK_EQ(find_rc(&a, "init"), CPIO_EBADMAGIC);
    }

    // A bad magic in a later header (e.g. a writer that forgot padding).
    struct ar a;
    build_std(&a);
    a.len = 0;
    ar_add(&a, "a", S_REG, "1", 1);
    size_t second = ar_add(&a, "b", S_REG, "2", 1);
    ar_trailer(&a);
    a.buf[second + 5] = '7';
    CHECK_EQ(find_rc(&a, "a"), CPIO_OK);
    CHECK_EQ(find_rc(&a, "b"), CPIO_EBADMAGIC);

    // The iterator error is sticky.
    struct cpio_iter it;
    struct cpio_entry e;
    cpio_iter_init(&it, a.buf, a.len);
    CHECK_EQ(cpio_next(&it, &e), 1);
    CHECK_EQ(cpio_next(&it, &e), CPIO_EBADMAGIC);
    CHECK_EQ(cpio_next(&it, &e), CPIO_EBADMAGIC);
}

TEST(bad_hex_fields)
{
    static const char *const bad[] = { "0000000g",  " 0000001", "+0000001", "0x000001",
                                       "0000000\0", "-0000001", "00000 01" };
    for (unsigned field = 0; field < 13; field++) {
        for (size_t b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
            struct ar a;
            a.len = 0;
            size_t h = ar_add(&a, "init", S_REG, "abc", 3);
            ar_trailer(&a);
            patch_field_raw(&a, h, field, bad[b]);
            CHECK_EQ(find_rc(&a, "init"), CPIO_EBADHDR);
        }
    }

    // Upper- and lower-case hex are both fine.
    struct ar a;
    a.len = 0;
    size_t h = ar_add(&a, "init", S_REG, "abcdefghijk", 11);
    ar_trailer(&a);
    patch_field_raw(&a, h, F_FILESIZE, "0000000b");
    CHECK_EQ(find_rc(&a, "init"), CPIO_OK);
    patch_field_raw(&a, h, F_FILESIZE, "0000000B");
    CHECK_EQ(find_rc(&a, "init"), CPIO_OK);
    patch_field_raw(&a, h, F_MODE, "000081A4");
    CHECK_EQ(find_rc(&a, "init"), CPIO_OK);
    patch_field_raw(&a, h, F_MODE, "000081a4");
    CHECK_EQ(find_rc(&a, "init"), CPIO_OK);
}

TEST(bad_names)
{
    struct ar a;
    size_t h;

    // namesize 0: there is not even room for the NUL.
    a.len = 0;
    h = ar_add(&a, "init", S_REG, "abc", 3);
    ar_trailer(&a);
    patch_field(&a, h, F_NAMESIZE, 0);
    CHECK_EQ(find_rc(&a, "init"), CPIO_EBADHDR);

    // namesize one short: the last counted byte is 't', not NUL.
    patch_field(&a, h, F_NAMESIZE, 4);
    CHECK_EQ(find_rc(&a, "init"), CPIO_EBADHDR);

    // An embedded NUL would make the C string shorter than name_len.
    a.len = 0;
    h = ar_add(&a, "in?t", S_REG, "abc", 3);
    ar_trailer(&a);
    a.buf[h + 110 + 2] = '\0';
    CHECK_EQ(find_rc(&a, "in"), CPIO_EBADHDR);

    // Name runs past the end of the archive.
    a.len = 0;
    h = ar_add(&a, "init", S_REG, "abc", 3);
    ar_trailer(&a);
    patch_field(&a, h, F_NAMESIZE, 0x1000);
    CHECK_EQ(find_rc(&a, "init"), CPIO_ETRUNC);
    patch_field(&a, h, F_NAMESIZE, 0xffffffffu);
    CHECK_EQ(find_rc(&a, "init"), CPIO_ETRUNC);
    // Exactly to the end, but then there is no NUL where it should be.
    patch_field(&a, h, F_NAMESIZE, (uint32_t)(a.len - h - 110));
    CHECK_EQ(find_rc(&a, "init"), CPIO_EBADHDR);
}

TEST(bad_file_sizes)
{
    struct ar a;
    size_t h;

    a.len = 0;
    h = ar_add(&a, "init", S_REG, "abc", 3);
    ar_trailer(&a);
    // Layout: header 0..110, "init\0" 110..115, pad to 116, data
    // 116..119, pad to 120, trailer header at 120.
    size_t data_off = h + 116;

    patch_field(&a, h, F_FILESIZE, 0xffffffffu);
    CHECK_EQ(find_rc(&a, "init"), CPIO_ETRUNC);
    patch_field(&a, h, F_FILESIZE, 0x80000000u);
    CHECK_EQ(find_rc(&a, "init"), CPIO_ETRUNC);

    // One byte more than the archive holds.
    patch_field(&a, h, F_FILESIZE, (uint32_t)(a.len - data_off + 1));
    CHECK_EQ(find_rc(&a, "init"), CPIO_ETRUNC);
    // Exactly the rest of the archive: the file is found, the trailer is
    // swallowed, so looking for something else finds the end.
    patch_field(&a, h, F_FILESIZE, (uint32_t)(a.len - data_off));
    CHECK_EQ(find_rc(&a, "init"), CPIO_OK);
    CHECK_EQ(find_rc(&a, "other"), CPIO_ETRUNC);

    // Sizes 1..4 all pad to the same next header (the trailer) ...
    patch_field(&a, h, F_FILESIZE, 1);
    CHECK_EQ(find_rc(&a, "other"), CPIO_ENOENT);
    // ... size 5 lands the next header inside the trailer's: bad magic.
    patch_field(&a, h, F_FILESIZE, 5);
    CHECK_EQ(find_rc(&a, "other"), CPIO_EBADMAGIC);

    // The data padding is cut off right before the next header.
    a.len = 0;
    ar_add(&a, "f", S_REG, "abcde", 5);
    size_t cut = a.len - 3; // drop the 3 padding bytes
    CHECK_EQ(find_in(&a, cut, "f", NULL, NULL), CPIO_OK);
    CHECK_EQ(find_in(&a, cut, "g", NULL, NULL), CPIO_ETRUNC);
}

// Cut a valid archive at every length: no out-of-bounds read (ASan), and
// everything short of the trailer's name is reported as truncated.
TEST(truncation_sweep)
{
    struct ar a;
    build_std(&a);
    size_t trailer = a.len - 124; // trailer header: 110 + 11 name + 3 pad
    size_t trailer_name_end = trailer + 110 + 11;

    for (size_t n = 0; n <= a.len; n++) {
        int rc = find_in(&a, n, "missing", NULL, NULL);
        CHECK_EQ(rc, n < trailer_name_end ? CPIO_ETRUNC : CPIO_ENOENT);

        unsigned char *img = exact_copy(a.buf, n);
        struct cpio_iter it;
        struct cpio_entry e;
        int r;
        unsigned count = 0;
        cpio_iter_init(&it, img, n);
        while ((r = cpio_next(&it, &e)) == 1)
            count++;
        CHECK(r == (n < trailer_name_end ? CPIO_ETRUNC : 0));
        CHECK(count <= 7);
        free(img);
    }
}

static uint32_t rng_state = 0x12345678u;

static uint32_t
rng(void)
{
    // xorshift32: deterministic, so failures reproduce.
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

// Random byte mutations: the parser may reject, but must never read out of
// bounds, and what it returns must lie inside the archive.
TEST(mutation_fuzz)
{
    struct ar a;
    build_std(&a);
    static const char hexish[] = "0123456789abcdefABCDEFxg \0";

    for (int iter = 0; iter < 20000; iter++) {
        unsigned char *img = exact_copy(a.buf, a.len);
        int nmut = 1 + (int)(rng() % 4);
        for (int m = 0; m < nmut; m++) {
            size_t pos = rng() % a.len;
            // Mostly plausible hex digits, so the parse gets deep.
            img[pos] =
                (rng() & 1) ? (unsigned char)hexish[rng() % (sizeof(hexish) - 1)] : (unsigned char)rng();
        }
        size_t n = (rng() % 8 == 0) ? rng() % (a.len + 1) : a.len;

        struct cpio_iter it;
        struct cpio_entry e;
        int r;
        cpio_iter_init(&it, img, n);
        while ((r = cpio_next(&it, &e)) == 1) {
            const unsigned char *nm = (const unsigned char *)e.name;
            const unsigned char *d = e.data;
            if (!CHECK(nm >= img && nm + e.name_len < img + n && e.name[e.name_len] == '\0'))
                break;
            if (!CHECK(d >= img && e.size <= (size_t)(img + n - d)))
                break;
        }
        CHECK(r == 0 || r == CPIO_ETRUNC || r == CPIO_EBADMAGIC || r == CPIO_EBADHDR);
        (void)cpio_find(img, n, "init", NULL, NULL);
        free(img);
    }
}

TEST(strerror_strings)
{
    static const int codes[] = {
        CPIO_OK, CPIO_ENOENT, CPIO_EBADMAGIC, CPIO_ETRUNC, CPIO_EBADHDR, CPIO_EINVAL
    };
    const char *unknown = cpio_strerror(-1000);
    CHECK(unknown != NULL);
    CHECK(cpio_strerror(1) == unknown);
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        const char *s = cpio_strerror(codes[i]);
        CHECK(s != NULL && s != unknown && s[0] != '\0');
        for (size_t j = 0; j < i; j++)
            CHECK(s != cpio_strerror(codes[j]));
    }
}

// --- interoperability with cpio(1) -------------------------------------------------

static int
write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    size_t w = fwrite(data, 1, n, f);
    return (fclose(f) == 0 && w == n) ? 0 : -1;
}

static unsigned char *
read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 4096, len = 0;
    unsigned char *buf = malloc(cap);
    size_t r;
    while (buf != NULL && (r = fread(buf + len, 1, cap - len, f)) > 0) {
        len += r;
        if (len == cap) {
            unsigned char *nb = realloc(buf, cap *= 2);
            if (nb == NULL)
                free(buf);
            buf = nb;
        }
    }
    fclose(f);
    if (buf == NULL)
        return NULL;
    // Shrink to the exact size so ASan sees overreads.
    unsigned char *exact = exact_copy(buf, len);
    free(buf);
    *n = len;
    return exact;
}

TEST(real_cpio_tool)
{
    if (system(NULL) == 0 || system("command -v cpio >/dev/null 2>&1") != 0) {
        test_skip("real_cpio_tool: cpio(1) not installed");
        return;
    }
    char dir[] = "/tmp/kozo-cpio-XXXXXX";
    if (mkdtemp(dir) == NULL) {
        test_skip("real_cpio_tool: mkdtemp failed");
        return;
    }
    char path[256], cmd[512];
    static unsigned char big[5001];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (unsigned char)(i * 7 + 3);

    snprintf(path, sizeof(path), "%s/root/bin", dir);
    snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", path);
    int ok = system(cmd) == 0;
    snprintf(path, sizeof(path), "%s/root/init", dir);
    ok = ok && write_file(path, "hello from init\n", 16) == 0;
    snprintf(path, sizeof(path), "%s/root/bin/big", dir);
    ok = ok && write_file(path, big, sizeof(big)) == 0;
    snprintf(path, sizeof(path), "%s/root/empty", dir);
    ok = ok && write_file(path, "", 0) == 0;
    snprintf(path, sizeof(path), "%s/root/link", dir);
    ok = ok && symlink("init", path) == 0;
    // Once with "./" names (find .), once without (find * style).
    snprintf(cmd, sizeof(cmd),
             "cd '%s/root' && find . | LC_ALL=C sort | cpio -o -H newc --quiet > ../a.cpio && "
             "find init bin empty link | LC_ALL=C sort | cpio -o -H newc --quiet > ../b.cpio",
             dir);
    ok = ok && system(cmd) == 0;
    if (!CHECK(ok)) {
        fprintf(stderr, "     could not create test archives in %s\n", dir);
        return;
    }

    for (int which = 0; which < 2; which++) {
        snprintf(path, sizeof(path), "%s/%s", dir, which == 0 ? "a.cpio" : "b.cpio");
        size_t n = 0;
        unsigned char *img = read_file(path, &n);
        if (!CHECK(img != NULL))
            continue;
        const void *data;
        size_t len;
        CHECK_EQ(cpio_find(img, n, "init", &data, &len), CPIO_OK);
        CHECK_EQ(len, 16);
        CHECK_MEM_EQ(data, "hello from init\n", 16);
        CHECK_EQ(cpio_find(img, n, "./bin/big", &data, &len), CPIO_OK);
        CHECK_EQ(len, sizeof(big));
        CHECK_MEM_EQ(data, big, sizeof(big));
        CHECK_EQ(cpio_find(img, n, "empty", &data, &len), CPIO_OK);
        CHECK_EQ(len, 0);
        CHECK_EQ(cpio_find(img, n, "link", &data, &len), CPIO_ENOENT);
        CHECK_EQ(cpio_find(img, n, "bin", &data, &len), CPIO_ENOENT);
        CHECK_EQ(cpio_find(img, n, "nothing", &data, &len), CPIO_ENOENT);

        struct cpio_iter it;
        struct cpio_entry e;
        unsigned count = 0, links = 0;
        int r;
        cpio_iter_init(&it, img, n);
        while ((r = cpio_next(&it, &e)) == 1) {
            count++;
            if ((e.mode & CPIO_MODE_TYPE_MASK) == 0120000u) {
                links++;
                CHECK_EQ(e.size, 4);
                CHECK_MEM_EQ(e.data, "init", 4);
            }
        }
        CHECK_EQ(r, 0);
        CHECK_EQ(count, which == 0 ? 6 : 5); // a.cpio also has "."
        CHECK_EQ(links, 1);
        free(img);
    }

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "note: could not remove %s\n", dir);
}

int
main(int argc, char **argv)
{
    return test_main("cpio", argc, argv);
}
