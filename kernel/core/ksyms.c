// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Symbol lookup over the generated table (see kern/ksyms.h): a binary search for the
// last function starting at or below an address.
#include <kern/ksyms.h>

// Generated (build/ksyms.S): sorted start addresses, and offsets into a string block.
extern const word_t ksyms_count;
extern const word_t ksyms_addr[];
extern const uint32_t ksyms_name_off[];
extern const char ksyms_names[];

bool
ksyms_lookup(word_t pc, const char **name, word_t *offset)
{
    word_t lo = 0, hi = ksyms_count;
    if (hi == 0 || pc < ksyms_addr[0])
        return false;
    while (hi - lo > 1) { // invariant: ksyms_addr[lo] <= pc < ksyms_addr[hi] (or hi = count)
        word_t mid = lo + (hi - lo) / 2;
        if (ksyms_addr[mid] <= pc)
            lo = mid;
        else
            hi = mid;
    }
    *name = &ksyms_names[ksyms_name_off[lo]];
    *offset = pc - ksyms_addr[lo];
    return true;
}
