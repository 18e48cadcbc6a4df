// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The ELF machine lib/common/elf.c accepts on x86_64 (each architecture has its own file
// of this name, chosen by include path, as the kernel's <arch.h> is).
#ifndef ELF_MACHINE_H
#define ELF_MACHINE_H

#define ELF_MACHINE 62u // EM_X86_64

#endif
