// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Kernel symbol table, for symbolised backtraces in panic reports. The table is generated
// at build time from the kernel's own first link (scripts/mkksyms.sh) and placed last in
// the image, so adding it moves no code: the addresses it lists are the final ones.
#ifndef KERN_KSYMS_H
#define KERN_KSYMS_H

#include <kern/types.h>

// The function containing `pc` and the offset into it; false if none is known.
bool ksyms_lookup(word_t pc, const char **name, word_t *offset);

#endif
