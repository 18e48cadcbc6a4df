// SPDX-License-Identifier: MIT OR Apache-2.0
//
// elf.c - ELF64 x86-64 static-executable validator (see elf.h for the rules).
//
// All range checks take the form "off <= size && len <= size - off" so that
// 64-bit fields chosen by an attacker cannot wrap an addition past the check.
// On a 32-bit size_t a 64-bit offset is first compared against size as a
// uint64_t, so no field is ever truncated before it has been checked.

#include <stddef.h>
#include <stdint.h>

#include "elf.h"
#include <elf_machine.h> // the architecture's e_machine: lib/common/arch/<arch>/

static uint16_t
rd16(const unsigned char *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t
rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint64_t
rd64(const unsigned char *p)
{
    return (uint64_t)rd32(p) | ((uint64_t)rd32(p + 4) << 32);
}

// Decode the fixed 64-byte header; the caller has checked that it is present.
static void
decode_ehdr(const unsigned char *p, struct elf64_ehdr *h)
{
    for (unsigned i = 0; i < ELF_EI_NIDENT; i++)
        h->e_ident[i] = p[i];
    h->e_type = rd16(p + 16);
    h->e_machine = rd16(p + 18);
    h->e_version = rd32(p + 20);
    h->e_entry = rd64(p + 24);
    h->e_phoff = rd64(p + 32);
    h->e_shoff = rd64(p + 40);
    h->e_flags = rd32(p + 48);
    h->e_ehsize = rd16(p + 52);
    h->e_phentsize = rd16(p + 54);
    h->e_phnum = rd16(p + 56);
    h->e_shentsize = rd16(p + 58);
    h->e_shnum = rd16(p + 60);
    h->e_shstrndx = rd16(p + 62);
}

static void
decode_phdr(const unsigned char *p, struct elf64_phdr *ph)
{
    ph->p_type = rd32(p + 0);
    ph->p_flags = rd32(p + 4);
    ph->p_offset = rd64(p + 8);
    ph->p_vaddr = rd64(p + 16);
    ph->p_paddr = rd64(p + 24);
    ph->p_filesz = rd64(p + 32);
    ph->p_memsz = rd64(p + 40);
    ph->p_align = rd64(p + 48);
}

// Is [off, off + len) inside an object of size bytes?
static int
range_ok(uint64_t off, uint64_t len, size_t size)
{
    return off <= (uint64_t)size && len <= (uint64_t)size - off;
}

// Validate the ELF header and the location of the program-header table. On
// success *phdrs points at the first program header and *h is decoded.
static int
parse_header(const void *image, size_t size, struct elf64_ehdr *h, const unsigned char **phdrs)
{
    const unsigned char *p = image;

    if (p == NULL)
        return size == 0 ? ELF_ETRUNC : ELF_EINVAL;
    // Check the magic before the length, so that a short non-ELF file is
    // reported as "not ELF" rather than as a truncated ELF file.
    if (size < 4)
        return ELF_ETRUNC;
    if (p[0] != 0x7f || p[1] != 'E' || p[2] != 'L' || p[3] != 'F')
        return ELF_EBADMAGIC;
    if (size < sizeof(struct elf64_ehdr))
        return ELF_ETRUNC;

    decode_ehdr(p, h);
    if (h->e_ident[ELF_EI_CLASS] != ELF_ELFCLASS64)
        return ELF_EBADCLASS;
    if (h->e_ident[ELF_EI_DATA] != ELF_ELFDATA2LSB)
        return ELF_EBADENCODING;
    if (h->e_ident[ELF_EI_VERSION] != ELF_EV_CURRENT || h->e_version != ELF_EV_CURRENT)
        return ELF_EBADVERSION;
    // EI_OSABI is deliberately not checked: static glibc binaries say
    // "GNU/Linux", ours say "System V", and nothing here depends on it.
    if (h->e_ehsize != sizeof(struct elf64_ehdr))
        return ELF_EBADCLASS;
    if (h->e_machine != ELF_MACHINE)
        return ELF_EBADMACHINE;
    if (h->e_type != ELF_ET_EXEC)
        return ELF_EBADTYPE;

    if (h->e_phnum == 0)
        return ELF_ENOLOAD;
    if (h->e_phentsize != sizeof(struct elf64_phdr) || h->e_phnum == ELF_PN_XNUM)
        return ELF_EBADPHDR;
    // e_phnum < 0xffff, so the product cannot overflow.
    uint64_t table_len = (uint64_t)h->e_phnum * sizeof(struct elf64_phdr);
    if (!range_ok(h->e_phoff, table_len, size))
        return ELF_EBADPHDR;

    *phdrs = p + (size_t)h->e_phoff;
    return ELF_OK;
}

// The checks elf_load_segment() also relies on: the bytes it hands out exist.
static int
check_segment_file(const struct elf64_phdr *ph, size_t size)
{
    if (ph->p_filesz > ph->p_memsz)
        return ELF_EBADSEGMENT;
    // A segment with no file bytes (pure .bss) reads nothing, so its
    // offset need not point into the image.
    if (ph->p_filesz != 0 && !range_ok(ph->p_offset, ph->p_filesz, size))
        return ELF_EBADSEGMENT;
    return ELF_OK;
}

int
elf_check(const void *image, size_t size, uint64_t user_top, struct elf_info *info)
{
    struct elf64_ehdr h;
    const unsigned char *phdrs;
    int rc = parse_header(image, size, &h, &phdrs);
    if (rc != ELF_OK)
        return rc;

    unsigned nload = 0;
    uint64_t prev_last_page = 0; // page number of the last byte of the previous PT_LOAD
    int entry_ok = 0;

    for (unsigned i = 0; i < h.e_phnum; i++) {
        struct elf64_phdr ph;
        decode_phdr(phdrs + (size_t)i * sizeof(struct elf64_phdr), &ph);

        if (ph.p_type == ELF_PT_INTERP || ph.p_type == ELF_PT_DYNAMIC)
            return ELF_EDYNAMIC;
        if (ph.p_type != ELF_PT_LOAD)
            continue;

        rc = check_segment_file(&ph, size);
        if (rc != ELF_OK)
            return rc;
        // An empty PT_LOAD maps nothing and has no last page, which
        // would only complicate the overlap rule; linkers don't emit them.
        if (ph.p_memsz == 0)
            return ELF_EBADSEGMENT;
        if (ph.p_memsz > UINT64_MAX - ph.p_vaddr)
            return ELF_EBADSEGMENT;
        uint64_t end = ph.p_vaddr + ph.p_memsz; // exclusive
        if (end > user_top)
            return ELF_EBADSEGMENT;
        if (ph.p_align > 1) {
            if ((ph.p_align & (ph.p_align - 1)) != 0)
                return ELF_EBADSEGMENT;
            if ((ph.p_vaddr & (ph.p_align - 1)) != (ph.p_offset & (ph.p_align - 1)))
                return ELF_EBADSEGMENT;
        }

        // Sorted and not sharing a page: the first page of this segment
        // must come after the last page of the previous one. Comparing
        // page numbers of the last byte avoids rounding "end" up, which
        // could wrap for a segment ending near 2^64.
        uint64_t first_page = ph.p_vaddr / ELF_PAGE_SIZE;
        uint64_t last_page = (end - 1) / ELF_PAGE_SIZE;
        if (nload > 0 && first_page <= prev_last_page)
            return ELF_EBADSEGMENT;
        prev_last_page = last_page;

        if ((ph.p_flags & ELF_PF_X) != 0 && h.e_entry >= ph.p_vaddr && h.e_entry - ph.p_vaddr < ph.p_filesz)
            entry_ok = 1;
        nload++;
    }

    if (nload == 0)
        return ELF_ENOLOAD;
    if (!entry_ok)
        return ELF_EBADENTRY;

    if (info != NULL) {
        info->entry = h.e_entry;
        info->nload = nload;
    }
    return ELF_OK;
}

int
elf_load_segment(const void *image, size_t size, unsigned idx, struct elf_segment *seg)
{
    if (seg == NULL)
        return ELF_EINVAL;

    struct elf64_ehdr h;
    const unsigned char *phdrs;
    int rc = parse_header(image, size, &h, &phdrs);
    if (rc != ELF_OK)
        return rc;

    unsigned n = 0;
    for (unsigned i = 0; i < h.e_phnum; i++) {
        struct elf64_phdr ph;
        decode_phdr(phdrs + (size_t)i * sizeof(struct elf64_phdr), &ph);
        if (ph.p_type != ELF_PT_LOAD)
            continue;
        if (n++ != idx)
            continue;

        rc = check_segment_file(&ph, size);
        if (rc != ELF_OK)
            return rc;
        seg->vaddr = ph.p_vaddr;
        seg->memsz = ph.p_memsz;
        seg->filesz = ph.p_filesz;
        seg->offset = ph.p_offset;
        // No pointer for a .bss-only segment: its offset was never checked.
        seg->data = NULL;
        if (ph.p_filesz != 0)
            seg->data = (const unsigned char *)image + (size_t)ph.p_offset;
        seg->flags = ((ph.p_flags & ELF_PF_R) ? ELF_SEG_R : 0u) | ((ph.p_flags & ELF_PF_W) ? ELF_SEG_W : 0u) |
                     ((ph.p_flags & ELF_PF_X) ? ELF_SEG_X : 0u);
        return ELF_OK;
    }
    return ELF_EINVAL;
}

const char *
elf_strerror(int err)
{
    switch (err) {
    case ELF_OK: return "success";
    case ELF_EBADMAGIC: return "not an ELF file (bad magic)";
    case ELF_EBADCLASS: return "not an ELF64 file";
    case ELF_EBADENCODING: return "not a little-endian ELF file";
    case ELF_EBADVERSION: return "unsupported ELF version";
    case ELF_EBADMACHINE: return "not an x86-64 ELF file";
    case ELF_EBADTYPE: return "not a static executable (ET_EXEC)";
    case ELF_ETRUNC: return "ELF file truncated";
    case ELF_EBADPHDR: return "bad ELF program header table";
    case ELF_EBADSEGMENT: return "bad ELF loadable segment";
    case ELF_EDYNAMIC: return "dynamically linked ELF file (PT_INTERP/PT_DYNAMIC)";
    case ELF_ENOLOAD: return "ELF file has no loadable segment";
    case ELF_EBADENTRY: return "ELF entry point outside executable code";
    case ELF_EINVAL: return "invalid argument";
    default: return "unknown ELF error";
    }
}
