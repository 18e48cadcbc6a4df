// SPDX-License-Identifier: MIT OR Apache-2.0
//
// test_elf.c - host tests for lib/common/elf.c: hand-made images (this file) and real
// linker output and a mutation fuzz (test_elf_real.c).
//
// A valid two-segment executable is built byte by byte in a buffer; each
// test patches one field and checks the error code. Images are passed in heap
// blocks of exactly their size so AddressSanitizer catches over-reads, and a
// mutation fuzz loop checks that whatever elf_check() accepts really has the
// properties it promises. Real linker output is checked too: the test links
// small programs with $CC (default cc) - static, static glibc, dynamic, PIE -
// and skips that part if no compiler works. Files named on the command line
// must validate.
//
// Usage: test_elf [static-executable ...]

#define TEST_SHARED_STATE // with test_elf_real.c (test.h)
#define TEST_MAIN
#include "elf_image.h"

// --- happy path ------------------------------------------------------------------------

TEST(valid_image)
{
    struct img im;
    build_std(&im);
    unsigned char *img = exact_copy(im.buf, im.size);
    struct elf_info info = { 0, 0 };

    CHECK_EQ(elf_check(img, im.size, USER_TOP, &info), ELF_OK);
    CHECK_EQ(info.entry, ENTRY);
    CHECK_EQ(info.nload, 2);
    CHECK_EQ(elf_check(img, im.size, USER_TOP, NULL), ELF_OK); // info optional

    struct elf_segment s;
    CHECK_EQ(elf_load_segment(img, im.size, 0, &s), ELF_OK);
    CHECK_EQ(s.vaddr, TEXT_VADDR);
    CHECK_EQ(s.memsz, 0x800);
    CHECK_EQ(s.filesz, 0x800);
    CHECK_EQ(s.offset, 0x1000);
    CHECK(s.data == img + 0x1000);
    CHECK_EQ(s.flags, ELF_SEG_R | ELF_SEG_X);

    CHECK_EQ(elf_load_segment(img, im.size, 1, &s), ELF_OK);
    CHECK_EQ(s.vaddr, DATA_VADDR);
    CHECK_EQ(s.memsz, 0x3000);
    CHECK_EQ(s.filesz, 0x100);
    CHECK_EQ(s.offset, 0x2000);
    CHECK(s.data == img + 0x2000);
    CHECK_EQ(s.flags, ELF_SEG_R | ELF_SEG_W);

    CHECK_EQ(elf_load_segment(img, im.size, 2, &s), ELF_EINVAL);
    CHECK_EQ(elf_load_segment(img, im.size, 0, NULL), ELF_EINVAL);
    free(img);
}

TEST(valid_boundaries)
{
    struct img im;

    // user_top is exclusive: a segment may end exactly there.
    build_std(&im);
    CHECK_EQ(check_n(&im, im.size, DATA_VADDR + 0x3000, NULL), ELF_OK);
    CHECK_EQ(check_n(&im, im.size, DATA_VADDR + 0x2fff, NULL), ELF_EBADSEGMENT);
    CHECK_EQ(check_n(&im, im.size, 0, NULL), ELF_EBADSEGMENT);

    // Entry on the first and on the last file byte of the text.
    w64(&im, E_ENTRY, TEXT_VADDR);
    CHECK_EQ(check(&im), ELF_OK);
    w64(&im, E_ENTRY, TEXT_VADDR + 0x7ff);
    CHECK_EQ(check(&im), ELF_OK);

    // Segments on adjacent pages are fine: text ends at 0x402000 exactly.
    build_std(&im);
    w64(&im, PH(0) + P_FILESZ, 0x1000);
    w64(&im, PH(0) + P_MEMSZ, 0x1000);
    CHECK_EQ(check(&im), ELF_OK);

    // A .bss-only segment reads no file bytes, so its offset is not checked.
    build_std(&im);
    w64(&im, PH(2) + P_FILESZ, 0);
    w64(&im, PH(2) + P_OFFSET, 0x7fff2000);
    CHECK_EQ(check(&im), ELF_OK);
    struct elf_segment s;
    CHECK_EQ(elf_load_segment(im.buf, im.size, 1, &s), ELF_OK);
    CHECK(s.data == NULL);
    CHECK_EQ(s.filesz, 0);

    // p_align 0 and 1 mean "no constraint"; a file size of exactly the
    // rest of the image is fine.
    build_std(&im);
    w64(&im, PH(0) + P_ALIGN, 0);
    w64(&im, PH(2) + P_ALIGN, 1);
    CHECK_EQ(check(&im), ELF_OK);

    // Program headers at the very end of the file.
    build_std(&im);
    for (unsigned i = 0; i < 4 * 56; i++)
        im.buf[0x1900 + i] = im.buf[PH(0) + i];
    w64(&im, E_PHOFF, 0x1900);
    w64(&im, PH(0) + P_FILESZ, 0x100); // text no longer covers the copy
    w64(&im, PH(0) + P_MEMSZ, 0x100);
    CHECK_EQ(check(&im), ELF_OK);
    w64(&im, PH(0) + P_FILESZ, 0x800);
    w64(&im, PH(0) + P_MEMSZ, 0x800);
    CHECK_EQ(check(&im), ELF_OK); // headers are read from 0x1900, unchanged there
}

// More than 255 program headers: 16-bit fields are decoded in full.
TEST(many_phdrs)
{
    struct img im;
    build_std(&im);
    const unsigned nph = 300;
    const size_t text_off = 0x5000, data_off = 0x6000;
    im.size = data_off + 0x100;
    for (size_t i = IMG_SIZE; i < im.size; i++)
        im.buf[i] = (unsigned char)i;

    const struct ph note = { ELF_PT_NOTE, ELF_PF_R, 0x200, 0x400200, 0x20, 0x20, 4 };
    const struct ph text = { ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, text_off, 0x405000, 0x800, 0x800, 0x1000 };
    const struct ph data = { ELF_PT_LOAD, ELF_PF_R | ELF_PF_W, data_off, 0x406000, 0x100, 0x3000, 0x1000 };
    for (unsigned i = 0; i < nph; i++)
        set_ph(&im, i, &note);
    set_ph(&im, 7, &text);
    set_ph(&im, nph - 1, &data); // the last one is only seen with all 300
    w16(&im, E_PHNUM, (uint16_t)nph);
    w64(&im, E_ENTRY, 0x405000);
    if (!CHECK(PH(nph) <= text_off))
        return;

    struct elf_info info;
    unsigned char *img = exact_copy(im.buf, im.size);
    CHECK_EQ(elf_check(img, im.size, USER_TOP, &info), ELF_OK);
    CHECK_EQ(info.nload, 2);
    struct elf_segment s;
    CHECK_EQ(elf_load_segment(img, im.size, 1, &s), ELF_OK);
    CHECK_EQ(s.vaddr, 0x406000);
    CHECK(s.data == img + data_off);
    free(img);
}

TEST(unaligned_image)
{
    // Fields are decoded bytewise: any address works (UBSan checks this).
    struct img im;
    build_std(&im);
    unsigned char *mem = malloc(im.size + 7);
    if (!CHECK(mem != NULL))
        return;
    for (size_t shift = 1; shift < 8; shift++) {
        for (size_t i = 0; i < im.size; i++)
            mem[shift + i] = im.buf[i];
        struct elf_info info;
        struct elf_segment s;
        CHECK_EQ(elf_check(mem + shift, im.size, USER_TOP, &info), ELF_OK);
        CHECK_EQ(elf_load_segment(mem + shift, im.size, 1, &s), ELF_OK);
        CHECK_EQ(s.memsz, 0x3000);
    }
    free(mem);
}

// --- header errors ---------------------------------------------------------------------

TEST(header_errors)
{
    struct img im;
    struct elf_info info = { 0x1234, 77 };

    build_std(&im);
    CHECK_EQ(elf_check(NULL, 0, USER_TOP, &info), ELF_ETRUNC);
    CHECK_EQ(elf_check(NULL, 100, USER_TOP, &info), ELF_EINVAL);
    struct elf_segment s;
    CHECK_EQ(elf_load_segment(NULL, 100, 0, &s), ELF_EINVAL);
    CHECK_EQ(check_n(&im, 0, USER_TOP, &info), ELF_ETRUNC);
    CHECK_EQ(check_n(&im, 3, USER_TOP, &info), ELF_ETRUNC);
    CHECK_EQ(check_n(&im, 4, USER_TOP, &info), ELF_ETRUNC);
    CHECK_EQ(check_n(&im, 63, USER_TOP, &info), ELF_ETRUNC);
    CHECK_EQ(info.entry, 0x1234); // untouched on failure
    CHECK_EQ(info.nload, 77);

    im.buf[3] = 'G';
    CHECK_EQ(check(&im), ELF_EBADMAGIC);
    CHECK_EQ(check_n(&im, 10, USER_TOP, NULL), ELF_EBADMAGIC); // short non-ELF
    build_std(&im);
    im.buf[0] = 0;
    CHECK_EQ(check(&im), ELF_EBADMAGIC);

    build_std(&im);
    im.buf[ELF_EI_CLASS] = 1; // ELFCLASS32
    CHECK_EQ(check(&im), ELF_EBADCLASS);
    im.buf[ELF_EI_CLASS] = 0;
    CHECK_EQ(check(&im), ELF_EBADCLASS);
    build_std(&im);
    w16(&im, E_EHSIZE, 52);
    CHECK_EQ(check(&im), ELF_EBADCLASS);

    build_std(&im);
    im.buf[ELF_EI_DATA] = 2; // big endian
    CHECK_EQ(check(&im), ELF_EBADENCODING);
    im.buf[ELF_EI_DATA] = 0;
    CHECK_EQ(check(&im), ELF_EBADENCODING);

    build_std(&im);
    im.buf[ELF_EI_VERSION] = 0;
    CHECK_EQ(check(&im), ELF_EBADVERSION);
    build_std(&im);
    w32(&im, E_VERSION, 2);
    CHECK_EQ(check(&im), ELF_EBADVERSION);

    build_std(&im);
    w16(&im, E_MACHINE, 3); // i386
    CHECK_EQ(check(&im), ELF_EBADMACHINE);
    w16(&im, E_MACHINE, 183); // aarch64
    CHECK_EQ(check(&im), ELF_EBADMACHINE);

    build_std(&im);
    w16(&im, E_TYPE, ELF_ET_DYN); // PIE / shared object
    CHECK_EQ(check(&im), ELF_EBADTYPE);
    w16(&im, E_TYPE, 1); // relocatable
    CHECK_EQ(check(&im), ELF_EBADTYPE);
    w16(&im, E_TYPE, 4); // core
    CHECK_EQ(check(&im), ELF_EBADTYPE);
    CHECK_EQ(elf_load_segment(im.buf, im.size, 0, &s), ELF_EBADTYPE);

    // OSABI is ignored (static glibc binaries say GNU/Linux).
    build_std(&im);
    im.buf[7] = 3;
    CHECK_EQ(check(&im), ELF_OK);
}

TEST(phdr_table_errors)
{
    struct img im;

    build_std(&im);
    w16(&im, E_PHENTSIZE, 32);
    CHECK_EQ(check(&im), ELF_EBADPHDR);
    w16(&im, E_PHENTSIZE, 64);
    CHECK_EQ(check(&im), ELF_EBADPHDR);

    build_std(&im);
    w16(&im, E_PHNUM, 0);
    CHECK_EQ(check(&im), ELF_ENOLOAD);
    w16(&im, E_PHNUM, ELF_PN_XNUM);
    CHECK_EQ(check(&im), ELF_EBADPHDR);
    w16(&im, E_PHNUM, 1000); // table would run past the end
    CHECK_EQ(check(&im), ELF_EBADPHDR);
    w16(&im, E_PHNUM, 0x104); // only fits if the high byte were dropped
    CHECK_EQ(check(&im), ELF_EBADPHDR);

    build_std(&im);
    w64(&im, E_PHOFF, IMG_SIZE); // starts at the end
    CHECK_EQ(check(&im), ELF_EBADPHDR);
    w64(&im, E_PHOFF, IMG_SIZE - 4 * 56 + 1); // last byte one past the end
    CHECK_EQ(check(&im), ELF_EBADPHDR);
    w64(&im, E_PHOFF, UINT64_MAX - 8); // phoff + table wraps around
    CHECK_EQ(check(&im), ELF_EBADPHDR);
    w64(&im, E_PHOFF, 1ull << 63);
    CHECK_EQ(check(&im), ELF_EBADPHDR);
    struct elf_segment s;
    CHECK_EQ(elf_load_segment(im.buf, im.size, 0, &s), ELF_EBADPHDR);

    // PN_XNUM is an escape (count in section header 0), not 65535 headers,
    // even when the image is big enough to hold that many.
    build_std(&im);
    size_t big_size = PH(ELF_PN_XNUM);
    unsigned char *big = calloc(1, big_size);
    if (CHECK(big != NULL)) {
        for (size_t i = 0; i < 64; i++)
            big[i] = im.buf[i];
        big[E_PHNUM] = 0xff;
        big[E_PHNUM + 1] = 0xff;
        CHECK_EQ(elf_check(big, big_size, USER_TOP, NULL), ELF_EBADPHDR);
        free(big);
    }
}

// --- segment errors ---------------------------------------------------------------------

TEST(segment_errors)
{
    struct img im;

    // filesz > memsz
    build_std(&im);
    w64(&im, PH(2) + P_FILESZ, 0x3001);
    CHECK_EQ(check(&im), ELF_EBADSEGMENT);
    struct elf_segment s;
    CHECK_EQ(elf_load_segment(im.buf, im.size, 1, &s), ELF_EBADSEGMENT);

    // File bytes past the end of the image, by one byte.
    build_std(&im);
    w64(&im, PH(2) + P_FILESZ, 0x101);
    CHECK_EQ(check(&im), ELF_EBADSEGMENT);
    CHECK_EQ(elf_load_segment(im.buf, im.size, 1, &s), ELF_EBADSEGMENT);
    // Offset beyond the end; offset + filesz wrapping around.
    build_std(&im);
    w64(&im, PH(0) + P_OFFSET, 0x10000);
    w64(&im, PH(0) + P_VADDR, 0x410000);
    w64(&im, E_ENTRY, 0x410010);
    CHECK_EQ(check(&im), ELF_EBADSEGMENT);
    build_std(&im);
    w64(&im, PH(0) + P_OFFSET, UINT64_MAX - 0x7ff);
    w64(&im, PH(0) + P_ALIGN, 0);
    CHECK_EQ(check(&im), ELF_EBADSEGMENT);
    CHECK_EQ(elf_load_segment(im.buf, im.size, 0, &s), ELF_EBADSEGMENT);

    // vaddr + memsz wraps around 2^64 (even with user_top = max).
    build_std(&im);
    w64(&im, PH(2) + P_VADDR, 0xfffffffffffff000ull);
    CHECK_EQ(check_n(&im, im.size, UINT64_MAX, NULL), ELF_EBADSEGMENT);
    w64(&im, PH(2) + P_MEMSZ, 0x1000); // ends exactly at 2^64: still wraps
    w64(&im, PH(2) + P_FILESZ, 0x100);
    CHECK_EQ(check_n(&im, im.size, UINT64_MAX, NULL), ELF_EBADSEGMENT);
    w64(&im, PH(2) + P_MEMSZ, 0xfff); // ends at 2^64 - 1: representable
    CHECK_EQ(check_n(&im, im.size, UINT64_MAX, NULL), ELF_OK);
    CHECK_EQ(check(&im), ELF_EBADSEGMENT); // but far above USER_TOP

    // Above user_top (kernel half).
    build_std(&im);
    w64(&im, PH(2) + P_VADDR, 0xffff800000002000ull);
    CHECK_EQ(check(&im), ELF_EBADSEGMENT);
    build_std(&im);
    w64(&im, PH(2) + P_VADDR, USER_TOP - 0x1000);
    CHECK_EQ(check(&im), ELF_EBADSEGMENT); // memsz 0x3000 crosses the top

    // Empty PT_LOAD.
    build_std(&im);
    w64(&im, PH(2) + P_MEMSZ, 0);
    w64(&im, PH(2) + P_FILESZ, 0);
    CHECK_EQ(check(&im), ELF_EBADSEGMENT);

    // p_align not a power of two; vaddr and offset not congruent.
    build_std(&im);
    w64(&im, PH(2) + P_ALIGN, 0x3000);
    CHECK_EQ(check(&im), ELF_EBADSEGMENT);
    build_std(&im);
    w64(&im, PH(2) + P_VADDR, DATA_VADDR + 0x10);
    CHECK_EQ(check(&im), ELF_EBADSEGMENT);
    w64(&im, PH(2) + P_ALIGN, 16); // congruent modulo 16: fine
    CHECK_EQ(check(&im), ELF_OK);
}

TEST(segment_order_and_overlap)
{
    struct img im;
    struct ph text = { ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, 0x1000, TEXT_VADDR, 0x800, 0x800, 0x1000 };
    struct ph data = { ELF_PT_LOAD, ELF_PF_R | ELF_PF_W, 0x2000, DATA_VADDR, 0x100, 0x3000, 0x1000 };

    // Unsorted: data before text.
    build_std(&im);
    set_ph(&im, 0, &data);
    set_ph(&im, 2, &text);
    CHECK_EQ(check(&im), ELF_EBADSEGMENT);

    // Data starting on the text's last page (byte ranges don't overlap).
    build_std(&im);
    w64(&im, PH(2) + P_VADDR, TEXT_VADDR + 0x800);
    w64(&im, PH(2) + P_ALIGN, 0);
    CHECK_EQ(check(&im), ELF_EBADSEGMENT);
    // Text ending one byte into the data's first page.
    build_std(&im);
    w64(&im, PH(0) + P_MEMSZ, 0x1001);
    CHECK_EQ(check(&im), ELF_EBADSEGMENT);
    // Identical segments.
    build_std(&im);
    set_ph(&im, 2, &text);
    CHECK_EQ(check(&im), ELF_EBADSEGMENT);
    // Fully contained.
    build_std(&im);
    w64(&im, PH(0) + P_MEMSZ, 0x10000);
    CHECK_EQ(check(&im), ELF_EBADSEGMENT);
}

TEST(dynamic_and_missing_load)
{
    struct img im;
    const struct ph interp = { ELF_PT_INTERP, ELF_PF_R, 0x300, 0x400300, 0x1c, 0x1c, 1 };
    const struct ph dyn = { ELF_PT_DYNAMIC, ELF_PF_R | ELF_PF_W, 0x2000, DATA_VADDR, 0x100, 0x100, 8 };

    build_std(&im);
    set_ph(&im, 1, &interp);
    CHECK_EQ(check(&im), ELF_EDYNAMIC);
    build_std(&im);
    set_ph(&im, 3, &dyn);
    CHECK_EQ(check(&im), ELF_EDYNAMIC);

    build_std(&im);
    w32(&im, PH(0) + P_TYPE, ELF_PT_NOTE);
    w32(&im, PH(2) + P_TYPE, ELF_PT_NULL);
    CHECK_EQ(check(&im), ELF_ENOLOAD);
    struct elf_segment s;
    CHECK_EQ(elf_load_segment(im.buf, im.size, 0, &s), ELF_EINVAL);
}

TEST(entry_errors)
{
    struct img im;

    build_std(&im);
    w64(&im, E_ENTRY, 0);
    CHECK_EQ(check(&im), ELF_EBADENTRY);
    w64(&im, E_ENTRY, TEXT_VADDR - 1);
    CHECK_EQ(check(&im), ELF_EBADENTRY);
    w64(&im, E_ENTRY, TEXT_VADDR + 0x800); // one past the text
    CHECK_EQ(check(&im), ELF_EBADENTRY);
    w64(&im, E_ENTRY, DATA_VADDR + 0x10); // in a non-executable segment
    CHECK_EQ(check(&im), ELF_EBADENTRY);
    w64(&im, E_ENTRY, UINT64_MAX);
    CHECK_EQ(check(&im), ELF_EBADENTRY);

    // In the zero-filled tail of an executable segment.
    build_std(&im);
    w64(&im, PH(0) + P_MEMSZ, 0x1000);
    w64(&im, E_ENTRY, TEXT_VADDR + 0x900);
    CHECK_EQ(check(&im), ELF_EBADENTRY);

    // Make the data segment executable instead: now its entry is fine.
    build_std(&im);
    w32(&im, PH(2) + P_FLAGS, ELF_PF_R | ELF_PF_W | ELF_PF_X);
    w64(&im, E_ENTRY, DATA_VADDR + 0x10);
    CHECK_EQ(check(&im), ELF_OK);
    struct elf_segment s;
    CHECK_EQ(elf_load_segment(im.buf, im.size, 1, &s), ELF_OK);
    CHECK_EQ(s.flags, ELF_SEG_R | ELF_SEG_W | ELF_SEG_X);
}

// Cut the image at every length: never an out-of-bounds read, never success
// (the data segment's file bytes run to the very end).
TEST(truncation_sweep)
{
    struct img im;
    build_std(&im);
    for (size_t n = 0; n < im.size; n++) {
        unsigned char *img = exact_copy(im.buf, n);
        int rc = elf_check(img, n, USER_TOP, NULL);
        CHECK(rc < 0);
        int want = n < 64 ? ELF_ETRUNC : n < PH(4) ? ELF_EBADPHDR : ELF_EBADSEGMENT;
        CHECK_EQ(rc, want);
        struct elf_segment s;
        for (unsigned i = 0; i < 3; i++)
            (void)elf_load_segment(img, n, i, &s);
        free(img);
    }
}

TEST(strerror_strings)
{
    const char *unknown = elf_strerror(-1000);
    CHECK(unknown != NULL);
    CHECK(elf_strerror(5) == unknown);
    for (int code = ELF_OK; code >= ELF_EINVAL; code--) {
        const char *s = elf_strerror(code);
        CHECK(s != NULL && s != unknown && s[0] != '\0');
        for (int j = ELF_OK; j > code; j--)
            CHECK(s != elf_strerror(j));
    }
}

void check_real_static(const char *path); // test_elf_real.c

int
main(int argc, char **argv)
{
    // Extra arguments are static executables that must validate.
    for (int i = 1; i < argc; i++)
        check_real_static(argv[i]);
    return test_main("elf", 1, argv);
}
