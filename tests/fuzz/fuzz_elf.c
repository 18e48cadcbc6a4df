// SPDX-License-Identifier: MIT OR Apache-2.0
//
// libFuzzer target: the ELF loader's checks (kernel boot and init's spawn). An image that
// passes elf_check must describe only segments inside the file and below the user limit,
// with an entry point inside an executable segment.
#include <stdint.h>
#include <stdlib.h>
#include "elf.h"

#define USER_TOP 0x800000000000ULL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct elf_info info;
    int err = elf_check(data, size, USER_TOP, &info);
    (void)elf_strerror(err);
    if (err)
        return 0;
    int entry_ok = 0;
    for (unsigned i = 0; i < info.nload; i++) {
        struct elf_segment s;
        if (elf_load_segment(data, size, i, &s) != 0)
            abort(); // elf_check accepted the image: every segment must load
        if (s.filesz > s.memsz || s.vaddr + s.memsz < s.vaddr || s.vaddr + s.memsz > USER_TOP)
            abort();
        if (s.filesz && ((const uint8_t *)s.data < data || s.offset > size || s.filesz > size - s.offset))
            abort();
        if ((s.flags & ELF_SEG_X) && info.entry >= s.vaddr && info.entry < s.vaddr + s.memsz)
            entry_ok = 1;
    }
    if (!entry_ok)
        abort();
    return 0;
}
