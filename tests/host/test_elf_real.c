// SPDX-License-Identifier: MIT OR Apache-2.0
//
// test_elf_real.c - lib/common/elf.c against a mutation fuzz (whatever elf_check() accepts
// really has the properties it promises) and against real linker output: small programs
// linked with $CC - static, static glibc, dynamic, PIE - and system binaries; the part that
// needs a compiler is skipped if none works (tests/host/test_elf.c has the rest).

#define _POSIX_C_SOURCE 200809L // mkdtemp

#define TEST_SHARED_STATE // with test_elf.c (test.h)
#include "elf_image.h"

static uint32_t rng_state = 0x9e3779b9u;

static uint32_t
rng(void)
{
    uint32_t x = rng_state; // xorshift32: deterministic, failures reproduce
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

// Check that an accepted image really has every property elf_check()
// promises, using only elf_load_segment()'s view of it.
static void
check_promises(const unsigned char *img, size_t n, uint64_t top, const struct elf_info *info)
{
    struct elf_segment s;
    uint64_t prev_end = 0;
    int entry_ok = 0;

    CHECK(info->nload >= 1);
    for (unsigned i = 0; i < info->nload; i++) {
        if (!CHECK_EQ(elf_load_segment(img, n, i, &s), ELF_OK))
            return;
        CHECK(s.filesz <= s.memsz && s.memsz > 0);
        CHECK(s.memsz <= UINT64_MAX - s.vaddr && s.vaddr + s.memsz <= top);
        if (s.filesz > 0) {
            const unsigned char *d = s.data;
            CHECK(d == img + s.offset);
            CHECK(s.offset <= n && s.filesz <= n - s.offset);
        }
        // Page-disjoint and ascending.
        if (i > 0)
            CHECK(s.vaddr / ELF_PAGE_SIZE > (prev_end - 1) / ELF_PAGE_SIZE);
        prev_end = s.vaddr + s.memsz;
        if ((s.flags & ELF_SEG_X) && info->entry >= s.vaddr && info->entry - s.vaddr < s.filesz)
            entry_ok = 1;
    }
    CHECK(entry_ok);
    CHECK_EQ(elf_load_segment(img, n, info->nload, &s), ELF_EINVAL);
}

TEST(mutation_fuzz)
{
    struct img im;
    build_std(&im);
    static const uint64_t interesting[] = { 0,
                                            1,
                                            0xfff,
                                            0x1000,
                                            0x1001,
                                            0x2000,
                                            0x2100,
                                            0x401000,
                                            0x402000,
                                            0x7fffffffffffull,
                                            0x800000000000ull,
                                            UINT64_MAX,
                                            UINT64_MAX - 0xfff,
                                            1ull << 63 };
    unsigned accepted = 0;

    for (int iter = 0; iter < 50000; iter++) {
        struct img m = im;
        int nmut = 1 + (int)(rng() % 3);
        for (int k = 0; k < nmut; k++) {
            // Hit the headers: 64 + 4 * 56 bytes.
            size_t pos = rng() % PH(4);
            switch (rng() % 3) {
            case 0: m.buf[pos] = (unsigned char)rng(); break;
            case 1: m.buf[pos] ^= (unsigned char)(1u << (rng() % 8)); break;
            default:
                // An interesting 64-bit value at an 8-aligned field.
                pos &= ~(size_t)7;
                if (pos + 8 <= PH(4))
                    w64(&m, pos, interesting[rng() % (sizeof(interesting) / sizeof(interesting[0]))]);
                break;
            }
        }
        size_t n = (rng() % 16 == 0) ? rng() % (m.size + 1) : m.size;
        uint64_t top = (rng() % 4 == 0) ? UINT64_MAX : USER_TOP;
        unsigned char *img = exact_copy(m.buf, n);
        struct elf_info info;
        int rc = elf_check(img, n, top, &info);
        CHECK(rc <= 0 && rc >= ELF_EINVAL);
        if (rc == ELF_OK) {
            accepted++;
            check_promises(img, n, top, &info);
        }
        struct elf_segment s;
        for (unsigned i = 0; i < 4; i++)
            (void)elf_load_segment(img, n, i, &s);
        free(img);
    }
    // The mutations must leave enough valid images for the promises to
    // have been checked at all.
    CHECK(accepted > 1000);
}

// --- real linker output ---------------------------------------------------------

static unsigned char *
read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, len = 0, r;
    unsigned char *buf = malloc(cap);
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
    unsigned char *exact = exact_copy(buf, len); // exact size for ASan
    free(buf);
    *n = len;
    return exact;
}

// Validate a real static executable and compare elf_load_segment() with an
// independent decoding (host structs; the host is little-endian x86-64).
void check_real_static(const char *path);

void
check_real_static(const char *path)
{
    size_t n = 0;
    unsigned char *img = read_file(path, &n);
    if (!CHECK(img != NULL)) {
        fprintf(stderr, "     cannot read %s\n", path);
        return;
    }
    struct elf_info info;
    int rc = elf_check(img, n, USER_TOP, &info);
    if (!CHECK_EQ(rc, ELF_OK)) {
        fprintf(stderr, "     %s: %s\n", path, elf_strerror(rc));
        free(img);
        return;
    }
    check_promises(img, n, USER_TOP, &info);

    struct elf64_ehdr eh;
    unsigned char *dst = (unsigned char *)&eh;
    for (size_t i = 0; i < sizeof(eh); i++)
        dst[i] = img[i];
    CHECK_EQ(info.entry, eh.e_entry);
    unsigned nload = 0;
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        struct elf64_phdr ph;
        dst = (unsigned char *)&ph;
        for (size_t b = 0; b < sizeof(ph); b++)
            dst[b] = img[eh.e_phoff + i * sizeof(ph) + b];
        if (ph.p_type != ELF_PT_LOAD)
            continue;
        struct elf_segment s;
        if (CHECK_EQ(elf_load_segment(img, n, nload, &s), ELF_OK)) {
            CHECK_EQ(s.vaddr, ph.p_vaddr);
            CHECK_EQ(s.memsz, ph.p_memsz);
            CHECK_EQ(s.filesz, ph.p_filesz);
            CHECK_EQ(s.offset, ph.p_offset);
            CHECK_EQ(s.flags, ph.p_flags & 7u);
        }
        nload++;
    }
    CHECK_EQ(info.nload, nload);
    printf("elf: %s: ok, entry 0x%llx, %u PT_LOAD\n", path, (unsigned long long)info.entry, info.nload);
    free(img);
}

// A real file that must be rejected with one of two codes.
static void
check_real_reject(const char *path, int want1, int want2)
{
    size_t n = 0;
    unsigned char *img = read_file(path, &n);
    if (!CHECK(img != NULL))
        return;
    int rc = elf_check(img, n, USER_TOP, NULL);
    if (!CHECK(rc == want1 || rc == want2))
        fprintf(stderr, "     %s: got %d (%s)\n", path, rc, elf_strerror(rc));
    free(img);
}

static int
file_exists(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f != NULL)
        fclose(f);
    return f != NULL;
}

TEST(real_linker_output)
{
    const char *cc = getenv("CC");
    if (cc == NULL || cc[0] == '\0')
        cc = "cc";
    char dir[] = "/tmp/kozo-elf-XXXXXX";
    if (system(NULL) == 0 || mkdtemp(dir) == NULL) {
        test_skip("real_linker_output: no shell or no temp dir");
        return;
    }

    char path[256], cmd[1024];
    snprintf(path, sizeof(path), "%s/bare.c", dir);
    FILE *f = fopen(path, "w");
    if (f != NULL) {
        // Freestanding program with text, rodata, data and bss, like a service.
        fputs("static char bss[100000];\n"
              "static int data = 42;\n"
              "static const char ro[] = \"kozo\";\n"
              "void _start(void);\n"
              "void _start(void) {\n"
              "  bss[data] = ro[1];\n"
              "  for (;;) __asm__ volatile(\"pause\" ::: \"memory\");\n"
              "}\n",
              f);
        fclose(f);
    }
    snprintf(path, sizeof(path), "%s/hello.c", dir);
    f = fopen(path, "w");
    if (f != NULL) {
        fputs("#include <stdio.h>\nint main(void) { puts(\"hi\"); return 0; }\n", f);
        fclose(f);
    }

#define BARE "-static -nostdlib -ffreestanding -fno-pie -no-pie -O2"
    static const struct {
        const char *out, *src, *flags;
        int want; // ELF_OK: must validate; otherwise the rejection expected
    } builds[] = {
        { "bare", "bare.c", BARE, ELF_OK },
        { "bare4k", "bare.c", BARE " -Wl,-z,max-page-size=4096", ELF_OK },
        { "bare_lld", "bare.c", BARE " -fuse-ld=lld", ELF_OK },
        { "hello_static", "hello.c", "-static -fno-pie -no-pie -O2", ELF_OK },
        { "hello_dynamic", "hello.c", "-fno-pie -no-pie -O2", ELF_EDYNAMIC },
        { "hello_pie", "hello.c", "-fpie -pie -O2", ELF_EBADTYPE },
        { "hello_static_pie", "hello.c", "-static-pie -fpie -O2", ELF_EBADTYPE },
    };
#undef BARE
    unsigned built = 0;
    for (size_t i = 0; i < sizeof(builds) / sizeof(builds[0]); i++) {
        snprintf(cmd, sizeof(cmd), "%s %s -o '%s/%s' '%s/%s' >/dev/null 2>&1", cc, builds[i].flags, dir,
                 builds[i].out, dir, builds[i].src);
        if (system(cmd) != 0) {
            char msg[512];
            snprintf(msg, sizeof(msg), "real_linker_output: cannot build %s (%s %s)", builds[i].out, cc,
                     builds[i].flags);
            test_skip(msg);
            continue;
        }
        built++;
        snprintf(path, sizeof(path), "%s/%s", dir, builds[i].out);
        if (builds[i].want == ELF_OK)
            check_real_static(path);
        else
            check_real_reject(path, builds[i].want, builds[i].want);
    }
    if (built == 0)
        test_skip("real_linker_output: no compiler");

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "note: could not remove %s\n", dir);

    // System binaries are dynamic or (static-)PIE: both must be refused.
    static const char *const sys[] = { "/bin/true", "/usr/bin/true", "/sbin/ldconfig" };
    for (size_t i = 0; i < sizeof(sys) / sizeof(sys[0]); i++) {
        if (file_exists(sys[i]))
            check_real_reject(sys[i], ELF_EBADTYPE, ELF_EDYNAMIC);
    }
}
