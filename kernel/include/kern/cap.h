// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Capabilities: two words naming an object and what may be done with it.
//
//   w0  [7:0] object type (KOZO_OBJ_*)   [11:8] rights (KOZO_RIGHT_*)
//       [63:16] object pointer: a kernel virtual address, bits 47..0, sign-extended on read
//   w1  type-specific, one accessor group per type below:
//       UNTYPED       [5:0] size bits  [6] device  [63:16] free index (bytes used, watermark)
//       CNODE         [5:0] radix bits [11:6] guard bits  [63:12] guard value
//       ENDPOINT/NOTIFICATION   the badge (0 = unbadged)
//       FRAME/LARGE_FRAME, PAGE_TABLE, PAGE_DIRECTORY, PDPT
//                     [0] mapped  [1] device  [47:12] mapped address  [63:48] ASID of the VSpace
//       VSPACE        [63:48] ASID (0: none assigned yet)
//       ASID_POOL     which range of ASIDs (0..ARCH_ASID_COUNT / ARCH_ASID_POOL_SIZE - 1)
//       IRQ_HANDLER   the IRQ line;   IOPORT  [15:0] first port  [31:16] last port
//       DELETING      (object/delete.c) w0[12:8] the CNode's radix, w0[13] a TCB;
//                     w1 a position of the walk: [62:21] container >> 6, [16] it is a TCB,
//                     [15:0] the slot; 0: not started
//
// No C bitfields: the layout is spelled out here and in one place only.
#ifndef KERN_CAP_H
#define KERN_CAP_H

#include <kern/types.h>
#include <kozo_abi.h>

typedef struct cap {
    word_t w0, w1;
} cap_t;

static inline cap_t
cap_make(word_t type, word_t rights, const void *obj, word_t w1)
{
    cap_t c = { (type & 0xff) | ((rights & 0xf) << 8) | ((word_t)(uintptr_t)obj << 16), w1 };
    return c;
}
static inline cap_t
cap_null(void)
{
    cap_t c = { 0, 0 };
    return c;
}
static inline word_t
cap_type(cap_t c)
{
    return c.w0 & 0xff;
}
static inline word_t
cap_rights(cap_t c)
{
    return (c.w0 >> 8) & 0xf;
}
static inline bool
cap_has(cap_t c, word_t right)
{
    return (cap_rights(c) & right) == right;
}
static inline void *
cap_ptr(cap_t c)
{
    return (void *)(uintptr_t)((int64_t)(c.w0 & ~0xffffULL) >> 16);
}
static inline cap_t
cap_with_rights(cap_t c, word_t rights)
{
    c.w0 = (c.w0 & ~0xf00ULL) | ((rights & 0xf) << 8);
    return c;
}

// Untyped
#define UT_DEVICE BIT(6)
static inline cap_t
cap_untyped(void *base, unsigned bits, bool device)
{
    return cap_make(KOZO_OBJ_UNTYPED, KOZO_RIGHTS_ALL, base, bits | (device ? UT_DEVICE : 0));
}
static inline unsigned
ut_bits(cap_t c)
{
    return c.w1 & 0x3f;
}
static inline bool
ut_device(cap_t c)
{
    return c.w1 & UT_DEVICE;
}
static inline word_t
ut_free_index(cap_t c)
{
    return c.w1 >> 16;
}
static inline cap_t
ut_set_free_index(cap_t c, word_t idx)
{
    c.w1 = (c.w1 & 0xffff) | (idx << 16);
    return c;
}

// CNode
static inline cap_t
cap_cnode(void *slots, unsigned radix, unsigned guard_bits, word_t guard)
{
    return cap_make(KOZO_OBJ_CNODE, KOZO_RIGHTS_ALL, slots,
                    radix | ((word_t)guard_bits << 6) | (guard << 12));
}
static inline unsigned
cnode_radix(cap_t c)
{
    return c.w1 & 0x3f;
}
static inline unsigned
cnode_guard_bits(cap_t c)
{
    return (c.w1 >> 6) & 0x3f;
}
static inline word_t
cnode_guard(cap_t c)
{
    return c.w1 >> 12;
}
#define CNODE_GUARD_MAX_BITS 52

// Endpoint and notification badges
static inline word_t
cap_badge(cap_t c)
{
    return c.w1;
}

// Frames and page-table levels: where (and whether) they are mapped
#define MAP_MAPPED BIT(0)
#define MAP_DEVICE BIT(1)
static inline bool
map_is_mapped(cap_t c)
{
    return c.w1 & MAP_MAPPED;
}
static inline bool
map_is_device(cap_t c)
{
    return c.w1 & MAP_DEVICE;
}
static inline word_t
map_vaddr(cap_t c)
{
    return c.w1 & 0x0000fffffffff000ULL;
}
static inline unsigned
map_asid(cap_t c)
{
    return (unsigned)(c.w1 >> 48);
}
static inline cap_t
map_set(cap_t c, unsigned asid, word_t vaddr)
{
    c.w1 = (c.w1 & MAP_DEVICE) | MAP_MAPPED | (vaddr & 0x0000fffffffff000ULL) | ((word_t)asid << 48);
    return c;
}
static inline cap_t
map_clear(cap_t c)
{
    c.w1 &= MAP_DEVICE;
    return c;
}
static inline unsigned
vspace_asid(cap_t c)
{
    return (unsigned)(c.w1 >> 48);
}
static inline cap_t
vspace_set_asid(cap_t c, unsigned asid)
{
    c.w1 = (word_t)asid << 48;
    return c;
}
static inline unsigned
asid_pool_index(cap_t c)
{
    return (unsigned)c.w1;
}
// A container being destroyed (object/delete.c)
#define DELETING_TCB BIT(13)
static inline cap_t
cap_deleting(void *obj, bool tcb, unsigned radix, word_t pos)
{
    cap_t c = cap_make(KOZO_OBJ_DELETING, 0, obj, pos);
    c.w0 |= tcb ? DELETING_TCB : (word_t)(radix & 0x1f) << 8;
    return c;
}
static inline bool
deleting_is_tcb(cap_t c)
{
    return c.w0 & DELETING_TCB;
}
static inline unsigned
deleting_radix(cap_t c)
{
    return (c.w0 >> 8) & 0x1f;
}
static inline word_t
deleting_position(const void *obj, bool tcb, word_t slot)
{
    return ((word_t)(uintptr_t)obj << 15) | (tcb ? BIT(16) : 0) | (slot & 0xffff);
}
static inline void *
deleting_position_obj(word_t pos)
{
    return (void *)(uintptr_t)((int64_t)(pos & ~MASK(21)) >> 15);
}
static inline bool
deleting_position_is_tcb(word_t pos)
{
    return pos & BIT(16);
}
static inline word_t
deleting_position_index(word_t pos)
{
    return pos & 0xffff;
}

// IRQs
static inline unsigned
irq_line(cap_t c)
{
    return (unsigned)c.w1;
}

#endif
