// SPDX-License-Identifier: MIT OR Apache-2.0
//
// elf.h - validator and segment iterator for static ELF64 x86-64 executables
// held in memory.
//
// Services are loaded from the boot archive into fresh address spaces. The
// image is untrusted input, so elf_check() verifies everything a loader relies
// on before a single page is mapped: the header identifies a little-endian
// x86-64 ET_EXEC, the program-header table and all loadable bytes lie inside
// the image, every PT_LOAD lies below the caller's user_top without address
// wrap-around, the PT_LOADs are sorted and do not share a 4 KiB page, and the
// entry point is inside an executable segment. Dynamic linking (PT_INTERP,
// PT_DYNAMIC) and position-independent executables (ET_DYN) are refused.
//
// The image need not be aligned in memory: fields are decoded byte by byte
// (little endian), never through a cast pointer.

#ifndef KOZO_LIB_COMMON_ELF_H
#define KOZO_LIB_COMMON_ELF_H

#include <stddef.h>
#include <stdint.h>

// --- ELF64 on-disk structures (System V gABI) ---------------------------------

#define ELF_EI_NIDENT 16u

struct elf64_ehdr {
    unsigned char e_ident[ELF_EI_NIDENT];
    uint16_t e_type;
    uint16_t e_machine;
    uint32_t e_version;
    uint64_t e_entry;
    uint64_t e_phoff;
    uint64_t e_shoff;
    uint32_t e_flags;
    uint16_t e_ehsize;
    uint16_t e_phentsize;
    uint16_t e_phnum;
    uint16_t e_shentsize;
    uint16_t e_shnum;
    uint16_t e_shstrndx;
};

struct elf64_phdr {
    uint32_t p_type;
    uint32_t p_flags;
    uint64_t p_offset;
    uint64_t p_vaddr;
    uint64_t p_paddr;
    uint64_t p_filesz;
    uint64_t p_memsz;
    uint64_t p_align;
};

_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF64 header is 64 bytes");
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 program header is 56 bytes");

// e_ident
#define ELF_EI_CLASS    4u
#define ELF_EI_DATA     5u
#define ELF_EI_VERSION  6u
#define ELF_ELFCLASS64  2u
#define ELF_ELFDATA2LSB 1u
#define ELF_EV_CURRENT  1u
// e_type (e_machine is the architecture's: ELF_MACHINE, lib/common/arch/<arch>/elf_machine.h)
#define ELF_ET_EXEC 2u
#define ELF_ET_DYN  3u
// e_phnum escape: the real count is in section header 0 (not supported)
#define ELF_PN_XNUM 0xffffu
// p_type
#define ELF_PT_NULL    0u
#define ELF_PT_LOAD    1u
#define ELF_PT_DYNAMIC 2u
#define ELF_PT_INTERP  3u
#define ELF_PT_NOTE    4u
#define ELF_PT_PHDR    6u
#define ELF_PT_TLS     7u
// p_flags
#define ELF_PF_X 1u
#define ELF_PF_W 2u
#define ELF_PF_R 4u

// The granularity at which segments may not overlap.
#define ELF_PAGE_SIZE 4096u

// --- API -----------------------------------------------------------------------

enum elf_error {
    ELF_OK = 0,
    ELF_EBADMAGIC = -1,    // not "\x7fELF"
    ELF_EBADCLASS = -2,    // not ELFCLASS64 (or e_ehsize is not 64)
    ELF_EBADENCODING = -3, // not little endian
    ELF_EBADVERSION = -4,  // e_ident version or e_version is not 1
    ELF_EBADMACHINE = -5,  // not x86-64
    ELF_EBADTYPE = -6,     // not ET_EXEC (PIEs are ET_DYN)
    ELF_ETRUNC = -7,       // image smaller than the ELF header
    ELF_EBADPHDR = -8,     // bad e_phentsize/e_phnum, or table outside the image
    ELF_EBADSEGMENT = -9,  // a PT_LOAD is malformed, out of range, unsorted or overlapping
    ELF_EDYNAMIC = -10,    // PT_INTERP or PT_DYNAMIC present
    ELF_ENOLOAD = -11,     // no PT_LOAD at all
    ELF_EBADENTRY = -12,   // entry point not in the file-backed part of an executable PT_LOAD
    ELF_EINVAL = -13,      // NULL argument or segment index out of range
};

struct elf_info {
    uint64_t entry; // e_entry
    unsigned nload; // number of PT_LOAD segments, >= 1
};

// Segment permission bits of elf_segment.flags.
#define ELF_SEG_R 4u
#define ELF_SEG_W 2u
#define ELF_SEG_X 1u

struct elf_segment {
    uint64_t vaddr;   // first virtual address
    uint64_t memsz;   // bytes in memory; bytes past filesz are zero
    uint64_t filesz;  // bytes taken from the image
    uint64_t offset;  // file offset of those bytes
    const void *data; // image + offset
    unsigned flags;   // ELF_SEG_R | ELF_SEG_W | ELF_SEG_X
};

// Validate the size bytes at image as a loadable static executable whose
// segments all end at or below user_top (an exclusive bound: vaddr + memsz <=
// user_top). Returns ELF_OK and, if info is non-NULL, fills *info; otherwise
// a negative ELF_E* code and *info is untouched.
//
// Rules beyond the header checks: each PT_LOAD has filesz <= memsz, memsz > 0,
// its file bytes inside the image, vaddr + memsz neither wrapping nor above
// user_top, and p_align 0, 1 or a power of two with vaddr == offset modulo
// p_align. PT_LOADs appear in ascending vaddr order and no two of them touch
// the same 4 KiB page. The entry point lies in [vaddr, vaddr + filesz) of a
// PT_LOAD with PF_X: code in the zero-filled tail would be zeros. Other
// program headers (PT_NOTE, PT_TLS, PT_GNU_STACK, ...) are ignored.
int elf_check(const void *image, size_t size, uint64_t user_top, struct elf_info *info);

// Describe the idx-th PT_LOAD (0-based, in program-header order) in *seg.
// Meant to be called after elf_check() succeeded, for idx < info.nload. It
// re-validates only what keeps itself memory safe (header, table bounds, the
// segment's file range and filesz <= memsz) - not user_top, order or overlap.
// Returns ELF_OK, ELF_EINVAL if idx is out of range, or another ELF_E* code.
int elf_load_segment(const void *image, size_t size, unsigned idx, struct elf_segment *seg);

// A constant, human-readable description of an ELF_* code.
const char *elf_strerror(int err);

#endif // KOZO_LIB_COMMON_ELF_H
