// SPDX-License-Identifier: MIT OR Apache-2.0
//
// test_elf.c - host tests for lib/common/elf.c.
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

#define _POSIX_C_SOURCE 200809L // mkdtemp

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "elf.h"
#include "test.h"

#define USER_TOP 0x0000800000000000ull // end of the lower canonical half

// --- image builder -------------------------------------------------------------------

#define IMG_SIZE 0x2100u

struct img {
    unsigned char buf[0x8000]; // room for the many_phdrs test
    size_t size;               // bytes of buf that form the image
};

// Header field offsets.
enum {
    E_TYPE = 16,
    E_MACHINE = 18,
    E_VERSION = 20,
    E_ENTRY = 24,
    E_PHOFF = 32,
    E_EHSIZE = 52,
    E_PHENTSIZE = 54,
    E_PHNUM = 56
};
// Program-header field offsets, relative to the entry.
enum { P_TYPE = 0, P_FLAGS = 4, P_OFFSET = 8, P_VADDR = 16, P_FILESZ = 32, P_MEMSZ = 40, P_ALIGN = 48 };
#define PH(i) (64u + 56u * (unsigned)(i))

#define PT_GNU_STACK 0x6474e551u

static void
w16(struct img *im, size_t off, uint16_t v)
{
    im->buf[off] = (unsigned char)v;
    im->buf[off + 1] = (unsigned char)(v >> 8);
}

static void
w32(struct img *im, size_t off, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        im->buf[off + (size_t)i] = (unsigned char)(v >> (8 * i));
}

static void
w64(struct img *im, size_t off, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        im->buf[off + (size_t)i] = (unsigned char)(v >> (8 * i));
}

struct ph {
    uint32_t type, flags;
    uint64_t offset, vaddr, filesz, memsz, align;
};

static void
set_ph(struct img *im, unsigned i, const struct ph *p)
{
    w32(im, PH(i) + P_TYPE, p->type);
    w32(im, PH(i) + P_FLAGS, p->flags);
    w64(im, PH(i) + P_OFFSET, p->offset);
    w64(im, PH(i) + P_VADDR, p->vaddr);
    w64(im, PH(i) + 24, p->vaddr); // p_paddr
    w64(im, PH(i) + P_FILESZ, p->filesz);
    w64(im, PH(i) + P_MEMSZ, p->memsz);
    w64(im, PH(i) + P_ALIGN, p->align);
}

#define TEXT_VADDR 0x401000u
#define DATA_VADDR 0x402000u
#define ENTRY      (TEXT_VADDR + 0x10u)

// The standard image: text (R X) at file 0x1000, a note, data+bss (R W) at
// file 0x2000 ending the file, and a GNU_STACK header.
static void
build_std(struct img *im)
{
    for (size_t i = 0; i < IMG_SIZE; i++)
        im->buf[i] = (unsigned char)(i * 13 + 1);
    im->size = IMG_SIZE;

    static const unsigned char ident[16] = { 0x7f, 'E', 'L', 'F', 2, 1, 1, 0 };
    for (int i = 0; i < 16; i++)
        im->buf[i] = ident[i];
    w16(im, E_TYPE, ELF_ET_EXEC);
    w16(im, E_MACHINE, ELF_EM_X86_64);
    w32(im, E_VERSION, 1);
    w64(im, E_ENTRY, ENTRY);
    w64(im, E_PHOFF, 64);
    w64(im, 40, 0); // e_shoff
    w32(im, 48, 0); // e_flags
    w16(im, E_EHSIZE, 64);
    w16(im, E_PHENTSIZE, 56);
    w16(im, E_PHNUM, 4);
    w16(im, 58, 64); // e_shentsize
    w16(im, 60, 0);  // e_shnum
    w16(im, 62, 0);  // e_shstrndx

    const struct ph text = { ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, 0x1000, TEXT_VADDR, 0x800, 0x800, 0x1000 };
    const struct ph note = { ELF_PT_NOTE, ELF_PF_R, 0x200, 0x400200, 0x20, 0x20, 4 };
    const struct ph data = { ELF_PT_LOAD, ELF_PF_R | ELF_PF_W, 0x2000, DATA_VADDR, 0x100, 0x3000, 0x1000 };
    const struct ph stack = { PT_GNU_STACK, ELF_PF_R | ELF_PF_W, 0, 0, 0, 0, 16 };
    set_ph(im, 0, &text);
    set_ph(im, 1, &note);
    set_ph(im, 2, &data);
    set_ph(im, 3, &stack);
}

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
check_n(const struct img *im, size_t n, uint64_t top, struct elf_info *info)
{
    unsigned char *copy = exact_copy(im->buf, n);
    int rc = elf_check(copy, n, top, info);
    free(copy);
    return rc;
}

static int
check(const struct img *im)
{
    return check_n(im, im->size, USER_TOP, NULL);
}

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
static void
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

int
main(int argc, char **argv)
{
    // Extra arguments are static executables that must validate.
    for (int i = 1; i < argc; i++)
        check_real_static(argv[i]);
    return test_main("elf", 1, argv);
}
