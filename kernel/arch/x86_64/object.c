// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The x86_64 object types' decoders, as core/object.c is the portable ones': frames and
// page-table levels (vspace.c), I/O ports (ioport.c).
#include <kern/arch_api.h>
#include <kern/invocation.h>
#include "cpu.h"
#include "mmu.h"

word_t
arch_decode_invocation(const struct invocation *inv, struct inv_reply *reply)
{
    switch (cap_type(inv->cap)) {
    case KOZO_OBJ_IOPORT_CONTROL:
    case KOZO_OBJ_IOPORT: return decode_ioport_invocation(inv, reply);
    default: return decode_vspace_invocation(inv, reply);
    }
}
