// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Untyped.Retype: every object type and its size limits, the watermark and alignment,
// running out of memory (all or nothing), slot and CNode checks, and the memory being
// whole again once the children are gone. Addresses come from Frame.GetAddress.
#include "ktest.h"

#define RETYPE(ut, type, bits, slot, n) kozo_untyped_retype(ut, type, bits, SYS_SLOT_CNODE, 0, 0, slot, n)

static uint64_t
paddr(kozo_handle_t frame)
{
    struct kozo_res_frame_get_address r = { 0 };
    kozo_frame_get_address(frame, &r);
    return r.paddr;
}

// A child Untyped of 2^bits bytes, to run out of memory quickly.
static uint64_t
small_untyped(unsigned bits, kozo_handle_t *ut)
{
    return kt_alloc(KOZO_OBJ_UNTYPED, bits, ut);
}

KTEST(untyped_retype_every_type, "Retype makes each object type; Describe reports the type")
{
    static const uint64_t types[] = {
        KOZO_OBJ_TCB,         KOZO_OBJ_ENDPOINT,   KOZO_OBJ_NOTIFICATION,   KOZO_OBJ_FRAME,
        KOZO_OBJ_LARGE_FRAME, KOZO_OBJ_PAGE_TABLE, KOZO_OBJ_PAGE_DIRECTORY, KOZO_OBJ_PDPT,
        KOZO_OBJ_VSPACE
    };
    for (unsigned i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        kozo_handle_t s;
        KT_OK(kt_alloc(types[i], 0, &s));
        KT_EQ(kt_type(s), types[i]);
    }
}

KTEST(untyped_retype_sized_objects, "CNode and Untyped take their size; Describe reports it")
{
    kozo_handle_t c, u;
    struct kozo_res_cnode_describe d;
    KT_OK(kt_alloc(KOZO_OBJ_CNODE, 5, &c));
    KT_OK(kozo_cnode_describe(SYS_SLOT_CNODE, c, KT_DEPTH, &d));
    KT_EQ(d.type, KOZO_OBJ_CNODE);
    KT_EQ(d.data, 5);
    KT_OK(kt_alloc(KOZO_OBJ_UNTYPED, 14, &u));
    KT_OK(kozo_cnode_describe(SYS_SLOT_CNODE, u, KT_DEPTH, &d));
    KT_EQ(d.type, KOZO_OBJ_UNTYPED);
    KT_EQ(d.data, 14);
    KT_EQ(d.rights, KOZO_RIGHTS_ALL);
}

KTEST(untyped_retype_null_type, "Retype of type NULL is INVALID_ARGUMENT")
{
    KT_ERR(RETYPE(env->untyped, KOZO_OBJ_NULL, 0, kt_slot(), 1), KOZO_ERR_INVALID_ARGUMENT);
}

KTEST(untyped_retype_non_retypable_types, "IRQ/I-O port control and handler types cannot be retyped")
{
    for (uint64_t t = KOZO_OBJ_RETYPE_MAX + 1; t < KOZO_OBJ_COUNT + 3; t++)
        KT_ERR(RETYPE(env->untyped, t, 0, kt_slot(), 1), KOZO_ERR_INVALID_ARGUMENT);
    KT_ERR(RETYPE(env->untyped, ~0ULL, 0, kt_slot(), 1), KOZO_ERR_INVALID_ARGUMENT);
}

KTEST(untyped_retype_untyped_size_limits, "An Untyped child must be 2^4 .. 2^47 bytes")
{
    kozo_handle_t s = kt_slot();
    KT_ERR(RETYPE(env->untyped, KOZO_OBJ_UNTYPED, KOZO_UNTYPED_MIN_BITS - 1, s, 1),
           KOZO_ERR_INVALID_ARGUMENT);
    KT_ERR(RETYPE(env->untyped, KOZO_OBJ_UNTYPED, KOZO_UNTYPED_MAX_BITS + 1, s, 1),
           KOZO_ERR_INVALID_ARGUMENT);
    KT_OK(RETYPE(env->untyped, KOZO_OBJ_UNTYPED, KOZO_UNTYPED_MIN_BITS, s, 1));
}

KTEST(untyped_retype_cnode_size_limits, "A CNode must have 2^1 .. 2^16 slots")
{
    kozo_handle_t s = kt_slot();
    KT_ERR(RETYPE(env->untyped, KOZO_OBJ_CNODE, KOZO_CNODE_MIN_BITS - 1, s, 1), KOZO_ERR_INVALID_ARGUMENT);
    KT_ERR(RETYPE(env->untyped, KOZO_OBJ_CNODE, KOZO_CNODE_MAX_BITS + 1, s, 1), KOZO_ERR_INVALID_ARGUMENT);
    KT_OK(RETYPE(env->untyped, KOZO_OBJ_CNODE, KOZO_CNODE_MIN_BITS, s, 1));
    KT_OK(RETYPE(env->untyped, KOZO_OBJ_CNODE, KOZO_CNODE_MAX_BITS, kt_slot(), 1)); // 2 MiB
}

KTEST(untyped_retype_count_zero, "Retype of zero objects is RANGE")
{
    KT_ERR(RETYPE(env->untyped, KOZO_OBJ_ENDPOINT, 0, kt_slot(), 0), KOZO_ERR_RANGE);
}

KTEST(untyped_retype_count_limit, "256 objects in one Retype are fine, 257 are RANGE")
{
    kozo_handle_t first = kt_slots(257);
    KT_ERR(RETYPE(env->untyped, KOZO_OBJ_ENDPOINT, 0, first, KOZO_RETYPE_MAX_COUNT + 1), KOZO_ERR_RANGE);
    KT_EQ(kt_type(first), KOZO_OBJ_NULL);
    KT_OK(RETYPE(env->untyped, KOZO_OBJ_ENDPOINT, 0, first, KOZO_RETYPE_MAX_COUNT));
    KT_EQ(kt_type(first), KOZO_OBJ_ENDPOINT);
    KT_EQ(kt_type(first + KOZO_RETYPE_MAX_COUNT - 1), KOZO_OBJ_ENDPOINT);
    KT_EQ(kt_type(first + KOZO_RETYPE_MAX_COUNT), KOZO_OBJ_NULL);
}

KTEST(untyped_retype_object_larger_than_untyped, "An object bigger than the whole Untyped is RANGE")
{
    kozo_handle_t u;
    KT_OK(small_untyped(12, &u));
    KT_ERR(RETYPE(u, KOZO_OBJ_LARGE_FRAME, 0, kt_slot(), 1), KOZO_ERR_RANGE);
    KT_ERR(RETYPE(u, KOZO_OBJ_UNTYPED, 13, kt_slot(), 1), KOZO_ERR_RANGE);
    KT_ERR(RETYPE(u, KOZO_OBJ_CNODE, 8, kt_slot(), 1), KOZO_ERR_RANGE); // 8 KiB
}

KTEST(untyped_retype_not_enough_memory, "Two TCBs fill 4 KiB; the third is NOT_ENOUGH_MEMORY")
{
    kozo_handle_t u, a, b;
    KT_OK(small_untyped(12, &u));
    KT_OK(kt_alloc_from(u, KOZO_OBJ_TCB, 0, &a));
    KT_OK(kt_alloc_from(u, KOZO_OBJ_TCB, 0, &b));
    KT_ERR(RETYPE(u, KOZO_OBJ_TCB, 0, kt_slot(), 1), KOZO_ERR_NOT_ENOUGH_MEMORY);
    KT_ERR(RETYPE(u, KOZO_OBJ_ENDPOINT, 0, kt_slot(), 1), KOZO_ERR_NOT_ENOUGH_MEMORY);
}

KTEST(untyped_retype_all_or_nothing, "Three TCBs do not fit in 4 KiB: none is made, two then fit")
{
    kozo_handle_t u, first;
    KT_OK(small_untyped(12, &u));
    first = kt_slots(3);
    KT_ERR(RETYPE(u, KOZO_OBJ_TCB, 0, first, 3), KOZO_ERR_NOT_ENOUGH_MEMORY);
    KT_EQ(kt_type(first), KOZO_OBJ_NULL);
    KT_EQ(kt_type(first + 1), KOZO_OBJ_NULL);
    KT_OK(RETYPE(u, KOZO_OBJ_TCB, 0, first, 2));
    KT_EQ(kt_type(first + 1), KOZO_OBJ_TCB);
}

KTEST(untyped_retype_aligns_objects, "Objects are placed at the watermark, aligned to their own size")
{
    kozo_handle_t u, f, e;
    KT_OK(small_untyped(13, &u));
    KT_OK(kt_alloc_from(u, KOZO_OBJ_FRAME, 0, &f));
    uint64_t base = paddr(f);
    KT_EQ(base & (KT_PAGE - 1), 0);
    KT_OK(kozo_cnode_delete(SYS_SLOT_CNODE, f, KT_DEPTH)); // no children: back to the bottom
    KT_OK(kt_alloc_from(u, KOZO_OBJ_ENDPOINT, 0, &e));     // 16 bytes at 0
    KT_OK(kt_alloc_from(u, KOZO_OBJ_FRAME, 0, &f));        // so the frame goes to 4096
    KT_EQ(paddr(f), base + KT_PAGE);
    KT_ERR(RETYPE(u, KOZO_OBJ_FRAME, 0, kt_slot(), 1), KOZO_ERR_NOT_ENOUGH_MEMORY);
    KT_ERR(RETYPE(u, KOZO_OBJ_UNTYPED, KOZO_UNTYPED_MIN_BITS, kt_slot(), 1), KOZO_ERR_NOT_ENOUGH_MEMORY);
}

KTEST(untyped_watermark_resets_when_empty, "Deleting one child keeps the watermark; deleting all resets it")
{
    kozo_handle_t u, a, b, c;
    KT_OK(small_untyped(14, &u));
    KT_OK(kt_alloc_from(u, KOZO_OBJ_FRAME, 0, &a));
    KT_OK(kt_alloc_from(u, KOZO_OBJ_FRAME, 0, &b));
    uint64_t base = paddr(a);
    KT_EQ(paddr(b), base + KT_PAGE);
    KT_OK(kozo_cnode_delete(SYS_SLOT_CNODE, a, KT_DEPTH));
    KT_OK(kt_alloc_from(u, KOZO_OBJ_FRAME, 0, &c));
    KT_EQ(paddr(c), base + 2 * KT_PAGE); // a's space is not reused while b lives
    KT_OK(kozo_cnode_delete(SYS_SLOT_CNODE, b, KT_DEPTH));
    KT_OK(kozo_cnode_delete(SYS_SLOT_CNODE, c, KT_DEPTH));
    KT_OK(kt_alloc_from(u, KOZO_OBJ_FRAME, 0, &a));
    KT_EQ(paddr(a), base);
}

KTEST(untyped_revoke_makes_whole, "A full Untyped is whole again after Revoke: a full-size child fits")
{
    kozo_handle_t u, f;
    KT_OK(small_untyped(14, &u));
    for (int i = 0; i < 4; i++)
        KT_OK(kt_alloc_from(u, KOZO_OBJ_FRAME, 0, &f));
    KT_ERR(RETYPE(u, KOZO_OBJ_ENDPOINT, 0, kt_slot(), 1), KOZO_ERR_NOT_ENOUGH_MEMORY);
    KT_OK(kozo_cnode_revoke(SYS_SLOT_CNODE, u, KT_DEPTH));
    KT_EQ(kt_type(f), KOZO_OBJ_NULL);
    KT_OK(RETYPE(u, KOZO_OBJ_UNTYPED, 14, kt_slot(), 1));
}

KTEST(untyped_retype_zeroes_memory, "A retyped frame reads as zero even where an old one was written")
{
    kozo_handle_t u, f;
    uint64_t va = kt_window_vaddr();
    KT_OK(small_untyped(12, &u));
    KT_OK(kt_alloc_from(u, KOZO_OBJ_FRAME, 0, &f));
    KT_OK(kt_map(f, va, KT_RW, 0));
    for (int i = 0; i < 512; i++)
        ((volatile uint64_t *)va)[i] = 0xdeadbeef00000000ULL | (uint64_t)i;
    KT_OK(kozo_cnode_revoke(SYS_SLOT_CNODE, u, KT_DEPTH)); // unmaps and frees it
    KT_OK(kt_alloc_from(u, KOZO_OBJ_FRAME, 0, &f));
    KT_OK(kt_map(f, va, KT_RW, 0));
    for (int i = 0; i < 512; i++)
        KT_EQ(((volatile uint64_t *)va)[i], 0);
}

KTEST(untyped_retype_occupied_slot, "Retype into an occupied slot is SLOT_OCCUPIED")
{
    kozo_handle_t e;
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &e));
    KT_ERR(RETYPE(env->untyped, KOZO_OBJ_ENDPOINT, 0, e, 1), KOZO_ERR_SLOT_OCCUPIED);
    KT_EQ(kt_type(e), KOZO_OBJ_ENDPOINT);
}

KTEST(untyped_retype_occupied_later_slot, "One occupied slot among several: nothing is made")
{
    kozo_handle_t first = kt_slots(3);
    KT_OK(RETYPE(env->untyped, KOZO_OBJ_NOTIFICATION, 0, first + 2, 1));
    KT_ERR(RETYPE(env->untyped, KOZO_OBJ_ENDPOINT, 0, first, 3), KOZO_ERR_SLOT_OCCUPIED);
    KT_EQ(kt_type(first), KOZO_OBJ_NULL);
    KT_EQ(kt_type(first + 1), KOZO_OBJ_NULL);
    KT_EQ(kt_type(first + 2), KOZO_OBJ_NOTIFICATION);
}

KTEST(untyped_retype_offset_range, "node_offset and count must stay inside the CNode")
{
    uint64_t slots = 1ULL << SYS_CNODE_BITS;
    KT_ERR(RETYPE(env->untyped, KOZO_OBJ_ENDPOINT, 0, slots, 1), KOZO_ERR_RANGE);
    KT_ERR(RETYPE(env->untyped, KOZO_OBJ_ENDPOINT, 0, slots - 1, 2), KOZO_ERR_RANGE);
    KT_ERR(RETYPE(env->untyped, KOZO_OBJ_ENDPOINT, 0, ~0ULL, 1), KOZO_ERR_RANGE);
}

KTEST(untyped_retype_root_not_cnode, "A root that is not a CNode is WRONG_TYPE, with or without depth")
{
    kozo_handle_t e;
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &e));
    KT_ERR(kozo_untyped_retype(env->untyped, KOZO_OBJ_ENDPOINT, 0, e, 0, 0, 0, 1), KOZO_ERR_WRONG_TYPE);
    KT_ERR(kozo_untyped_retype(env->untyped, KOZO_OBJ_ENDPOINT, 0, e, 1, 4, 0, 1), KOZO_ERR_WRONG_TYPE);
}

KTEST(untyped_retype_root_invalid, "A root handle naming an empty slot is INVALID_HANDLE")
{
    KT_ERR(kozo_untyped_retype(env->untyped, KOZO_OBJ_ENDPOINT, 0, kt_slot(), 0, 0, 0, 1),
           KOZO_ERR_INVALID_HANDLE);
}

KTEST(untyped_retype_into_nested_cnode, "(node_index, node_depth) selects a CNode inside the root")
{
    kozo_handle_t sub;
    struct kozo_res_cnode_describe d;
    KT_OK(kt_alloc(KOZO_OBJ_CNODE, 4, &sub));
    KT_OK(kozo_untyped_retype(env->untyped, KOZO_OBJ_NOTIFICATION, 0, SYS_SLOT_CNODE, sub, KT_DEPTH, 3, 2));
    KT_OK(kozo_cnode_describe(sub, 3, 4, &d)); // sub's own slots, 4 bits deep
    KT_EQ(d.type, KOZO_OBJ_NOTIFICATION);
    KT_OK(kozo_cnode_describe(sub, 4, 4, &d));
    KT_EQ(d.type, KOZO_OBJ_NOTIFICATION);
    KT_ERR(kozo_untyped_retype(env->untyped, KOZO_OBJ_NOTIFICATION, 0, SYS_SLOT_CNODE, sub, KT_DEPTH, 15, 2),
           KOZO_ERR_RANGE); // 16 slots: 15 and 16 do not both exist
}

KTEST(untyped_retype_node_not_cnode, "A node slot that holds something else is WRONG_TYPE")
{
    kozo_handle_t e;
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &e));
    KT_ERR(kozo_untyped_retype(env->untyped, KOZO_OBJ_TCB, 0, SYS_SLOT_CNODE, e, KT_DEPTH, 0, 1),
           KOZO_ERR_WRONG_TYPE);
}

KTEST(untyped_retype_bad_node_depth, "A node depth that does not resolve is INVALID_HANDLE")
{
    kozo_handle_t sub;
    KT_OK(kt_alloc(KOZO_OBJ_CNODE, 4, &sub));
    KT_ERR(kozo_untyped_retype(env->untyped, KOZO_OBJ_TCB, 0, SYS_SLOT_CNODE, sub, KT_DEPTH + 1, 0, 1),
           KOZO_ERR_INVALID_HANDLE);
    KT_ERR(kozo_untyped_retype(env->untyped, KOZO_OBJ_TCB, 0, SYS_SLOT_CNODE, sub, 12, 0, 1),
           KOZO_ERR_INVALID_HANDLE); // the root's guard takes 52 bits
    KT_ERR(kozo_untyped_retype(env->untyped, KOZO_OBJ_TCB, 0, SYS_SLOT_CNODE, sub, 1000, 0, 1),
           KOZO_ERR_INVALID_HANDLE);
}

KTEST(untyped_copy_with_children_refused, "An Untyped with children cannot be copied: REVOKE_FIRST")
{
    kozo_handle_t u, e, c;
    KT_OK(small_untyped(12, &u));
    KT_OK(kt_alloc_from(u, KOZO_OBJ_ENDPOINT, 0, &e));
    KT_ERR(kt_copy(u, KOZO_RIGHTS_ALL, &c), KOZO_ERR_REVOKE_FIRST);
    KT_EQ(kt_type(c), KOZO_OBJ_NULL);
}

KTEST(untyped_copy_owns_the_memory, "After Copy only the copy retypes; deleting it frees the original")
{
    kozo_handle_t u, c, e;
    KT_OK(small_untyped(12, &u));
    KT_OK(kt_copy(u, KOZO_RIGHTS_ALL, &c));
    KT_ERR(RETYPE(u, KOZO_OBJ_ENDPOINT, 0, kt_slot(), 1), KOZO_ERR_NOT_ENOUGH_MEMORY);
    KT_OK(kt_alloc_from(c, KOZO_OBJ_ENDPOINT, 0, &e));
    KT_OK(kozo_cnode_revoke(SYS_SLOT_CNODE, u, KT_DEPTH)); // the copy and its endpoint go
    KT_EQ(kt_type(c), KOZO_OBJ_NULL);
    KT_EQ(kt_type(e), KOZO_OBJ_NULL);
    KT_OK(RETYPE(u, KOZO_OBJ_UNTYPED, 12, kt_slot(), 1));
}

KTEST(untyped_nested_revoke, "Revoking an Untyped deletes its grandchildren too")
{
    kozo_handle_t u, v, e;
    KT_OK(small_untyped(16, &u));
    KT_OK(kt_alloc_from(u, KOZO_OBJ_UNTYPED, 14, &v));
    KT_OK(kt_alloc_from(v, KOZO_OBJ_ENDPOINT, 0, &e));
    KT_OK(kozo_cnode_revoke(SYS_SLOT_CNODE, u, KT_DEPTH));
    KT_EQ(kt_type(v), KOZO_OBJ_NULL);
    KT_EQ(kt_type(e), KOZO_OBJ_NULL);
    KT_OK(RETYPE(u, KOZO_OBJ_UNTYPED, 16, kt_slot(), 1));
}

KTEST(untyped_revoke_many_children, "Revoke of 4096 children (preemptible) finishes and frees all")
{
    kozo_handle_t u, sub;
    KT_OK(small_untyped(18, &u));
    KT_OK(kt_alloc(KOZO_OBJ_CNODE, 12, &sub)); // from the case's Untyped, not from u
    for (uint64_t off = 0; off < 4096; off += KOZO_RETYPE_MAX_COUNT)
        KT_OK(kozo_untyped_retype(u, KOZO_OBJ_ENDPOINT, 0, SYS_SLOT_CNODE, sub, KT_DEPTH, off,
                                  KOZO_RETYPE_MAX_COUNT));
    KT_OK(kozo_cnode_revoke(SYS_SLOT_CNODE, u, KT_DEPTH));
    struct kozo_res_cnode_describe d;
    KT_OK(kozo_cnode_describe(sub, 4095, 12, &d));
    KT_EQ(d.type, KOZO_OBJ_NULL);
    KT_OK(RETYPE(u, KOZO_OBJ_UNTYPED, 18, kt_slot(), 1));
}

// --- Device Untyped (MMIO ranges from the memory map, handed over by init) -------------------

#define NEED_DEVICE()                                                                             \
    do {                                                                                          \
        if (!env->device_untyped) {                                                               \
            ktest_fail(__FILE__, __LINE__, "init handed over no device Untyped (QEMU has MMIO)"); \
            return;                                                                               \
        }                                                                                         \
    } while (0)

KTEST(untyped_device_only_frames, "Device Untyped becomes frames or smaller device Untyped, no kernel object")
{
    static const struct {
        uint64_t type, bits;
    } kernel_objects[] = {
        { KOZO_OBJ_TCB, 0 },   { KOZO_OBJ_ENDPOINT, 0 },   { KOZO_OBJ_NOTIFICATION, 0 },
        { KOZO_OBJ_CNODE, 4 }, { KOZO_OBJ_PAGE_TABLE, 0 }, { KOZO_OBJ_PAGE_DIRECTORY, 0 },
        { KOZO_OBJ_PDPT, 0 },  { KOZO_OBJ_VSPACE, 0 },
    };
    kozo_handle_t f, lf, child;
    NEED_DEVICE();
    for (unsigned i = 0; i < sizeof(kernel_objects) / sizeof(kernel_objects[0]); i++)
        KT_ERR(RETYPE(env->device_untyped, kernel_objects[i].type, kernel_objects[i].bits, kt_slot(), 1),
               KOZO_ERR_INVALID_ARGUMENT);
    // A child Untyped carved from device memory is device memory too.
    KT_OK(kt_alloc_from(env->device_untyped, KOZO_OBJ_UNTYPED, 14, &child));
    KT_ERR(RETYPE(child, KOZO_OBJ_ENDPOINT, 0, kt_slot(), 1), KOZO_ERR_INVALID_ARGUMENT);
    KT_OK(kt_alloc_from(child, KOZO_OBJ_FRAME, 0, &f));
    KT_OK(kt_alloc_from(env->device_untyped, KOZO_OBJ_FRAME, 0, &f));
    KT_OK(kt_alloc_from(env->device_untyped, KOZO_OBJ_LARGE_FRAME, 0, &lf));
    KT_EQ(kt_type(lf), KOZO_OBJ_LARGE_FRAME);
}

KTEST(untyped_device_frame_addresses, "Device frames follow the watermark and alignment like RAM frames")
{
    kozo_handle_t f0, f1, lf;
    NEED_DEVICE();
    KT_OK(kt_alloc_from(env->device_untyped, KOZO_OBJ_FRAME, 0, &f0));
    KT_OK(kt_alloc_from(env->device_untyped, KOZO_OBJ_FRAME, 0, &f1));
    KT_OK(kt_alloc_from(env->device_untyped, KOZO_OBJ_LARGE_FRAME, 0, &lf));
    uint64_t base = paddr(f0);
    KT_EQ(base & ((1ULL << env->device_bits) - 1), 0); // the first object is at the region's start
    KT_ASSERT(base >= 0x100000);                       // not low memory
    KT_EQ(paddr(f1), base + KT_PAGE);
    KT_EQ(paddr(lf), base + (1ULL << 21)); // the next 2 MiB boundary
}

KTEST(untyped_device_frame_not_ipc_buffer, "A device frame cannot be an IPC buffer: INVALID_ARGUMENT")
{
    kozo_handle_t f, t;
    NEED_DEVICE();
    KT_OK(kt_alloc_from(env->device_untyped, KOZO_OBJ_FRAME, 0, &f));
    KT_OK(kt_alloc(KOZO_OBJ_TCB, 0, &t));
    KT_ERR(kozo_tcb_configure(t, SYS_SLOT_CNODE, SYS_SLOT_VSPACE, f, 0, 0), KOZO_ERR_INVALID_ARGUMENT);
}

KTEST(untyped_device_frame_maps, "A device frame maps into an address space and unmaps")
{
    kozo_handle_t f;
    NEED_DEVICE();
    KT_OK(kt_alloc_from(env->device_untyped, KOZO_OBJ_FRAME, 0, &f));
    KT_OK(kt_map(f, kt_window_vaddr(), KT_RW, 0));
    KT_OK(kozo_frame_unmap(f));
}
