// SPDX-License-Identifier: MIT OR Apache-2.0
//
// elf_image.h - the image builder the host tests of lib/common/elf.c share: a valid
// two-segment executable built byte by byte, and helpers to patch it and check it from a
// heap block of exactly its size (so AddressSanitizer catches over-reads).
#ifndef KOZO_TESTS_ELF_IMAGE_H
#define KOZO_TESTS_ELF_IMAGE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "elf.h"
#include <elf_machine.h>
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

static inline void
w16(struct img *im, size_t off, uint16_t v)
{
    im->buf[off] = (unsigned char)v;
    im->buf[off + 1] = (unsigned char)(v >> 8);
}

static inline void
w32(struct img *im, size_t off, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        im->buf[off + (size_t)i] = (unsigned char)(v >> (8 * i));
}

static inline void
w64(struct img *im, size_t off, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        im->buf[off + (size_t)i] = (unsigned char)(v >> (8 * i));
}

struct ph {
    uint32_t type, flags;
    uint64_t offset, vaddr, filesz, memsz, align;
};

static inline void
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
static inline void
build_std(struct img *im)
{
    for (size_t i = 0; i < IMG_SIZE; i++)
        im->buf[i] = (unsigned char)(i * 13 + 1);
    im->size = IMG_SIZE;

    static const unsigned char ident[16] = { 0x7f, 'E', 'L', 'F', 2, 1, 1, 0 };
    for (int i = 0; i < 16; i++)
        im->buf[i] = ident[i];
    w16(im, E_TYPE, ELF_ET_EXEC);
    w16(im, E_MACHINE, ELF_MACHINE);
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

static inline unsigned char *
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

static inline int
check_n(const struct img *im, size_t n, uint64_t top, struct elf_info *info)
{
    unsigned char *copy = exact_copy(im->buf, n);
    int rc = elf_check(copy, n, top, info);
    free(copy);
    return rc;
}

static inline int
check(const struct img *im)
{
    return check_n(im, im->size, USER_TOP, NULL);
}

#endif
