// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Host tests of lib/libsvc's logic: the pool allocator and mapping with missing levels,
// against a small fake of the kernel's invocations (kozo_invoke below, which the generated
// stubs call). The fake follows the kernel's rules that the library relies on: Retype
// places each object aligned to its size at the Untyped's watermark and says
// NOT_ENOUGH_MEMORY when it does not fit; a page-table level maps only under its parent
// (MISSING_LEVEL) and only once (ALREADY_MAPPED); a frame maps only below a page table.
#include <kozo/kozo.h>
#include <string.h>
#include <svc/pool.h>
#include <svc/vspace.h>
#include <proto/example.h> // tests/abi/golden/example.proto, generated
#include <svc/heap.h>

#include "test.h"

#define CNODE  2
#define DEPTH  KOZO_HANDLE_BITS
#define NSLOTS 4096

static struct {
    uint64_t type; // KOZO_OBJ_*, 0: empty
    unsigned bits; // Untyped: its size; else the object's
    uint64_t used; // Untyped: the watermark
} slot[NSLOTS];
static unsigned retypes[KOZO_OBJ_COUNT]; // successful retypes by type
static unsigned asids_assigned;

// The tables present: level k (0: the PDPT level) at index vaddr >> shift[k].
static const unsigned shift[3] = { 39, 30, 21 };
static uint64_t present[3][64];
static unsigned npresent[3];

static int
level_of(uint64_t type)
{
    for (unsigned k = 0; k < svc_paging_nlevels; k++)
        if (svc_paging_levels[k] == type)
            return (int)k;
    return -1;
}

static bool
has_table(unsigned k, uint64_t vaddr)
{
    for (unsigned i = 0; i < npresent[k]; i++)
        if (present[k][i] == vaddr >> shift[k])
            return true;
    return false;
}

static uint64_t
fake_retype(uint64_t ut, const uint64_t *a)
{
    uint64_t type = a[0], size_bits = a[1], dest = a[5];
    if (ut >= NSLOTS || slot[ut].type != KOZO_OBJ_UNTYPED || dest >= NSLOTS)
        return KOZO_ERR_INVALID_HANDLE;
    if (slot[dest].type)
        return KOZO_ERR_SLOT_OCCUPIED;
    unsigned bits = kozo_object_bits(type, size_bits);
    uint64_t size = 1ULL << bits, start = (slot[ut].used + size - 1) & ~(size - 1);
    if (bits > slot[ut].bits || start + size > (1ULL << slot[ut].bits))
        return KOZO_ERR_NOT_ENOUGH_MEMORY;
    slot[ut].used = start + size;
    slot[dest].type = type;
    slot[dest].bits = bits;
    retypes[type]++;
    return KOZO_ERR_OK;
}

static uint64_t
fake_table_map(uint64_t table, uint64_t vaddr)
{
    int k = level_of(slot[table].type);
    if (k < 0)
        return KOZO_ERR_WRONG_TYPE;
    if (k > 0 && !has_table((unsigned)k - 1, vaddr))
        return KOZO_ERR_MISSING_LEVEL;
    if (has_table((unsigned)k, vaddr))
        return KOZO_ERR_ALREADY_MAPPED;
    present[k][npresent[k]++] = vaddr >> shift[k];
    return KOZO_ERR_OK;
}

uint64_t
kozo_invoke(uint64_t cap, uint64_t label, unsigned nargs, const uint64_t *args, unsigned nres, uint64_t *res)
{
    (void)nargs, (void)nres, (void)res;
    switch (label) {
    case KOZO_INV_UNTYPED_RETYPE: return fake_retype(cap, args);
    case KOZO_INV_ASID_POOL_ASSIGN: asids_assigned++; return KOZO_ERR_OK;
    case KOZO_INV_PAGE_TABLE_MAP: return fake_table_map(cap, args[1]);
    case KOZO_INV_FRAME_MAP:
        return has_table(svc_paging_nlevels - 1, args[1]) ? KOZO_ERR_OK : KOZO_ERR_MISSING_LEVEL;
    default: return KOZO_ERR_ILLEGAL_OPERATION;
    }
}

static void
reset(void)
{
    for (unsigned i = 0; i < NSLOTS; i++)
        slot[i].type = slot[i].bits = slot[i].used = 0;
    for (unsigned t = 0; t < KOZO_OBJ_COUNT; t++)
        retypes[t] = 0;
    for (unsigned k = 0; k < 3; k++)
        npresent[k] = 0;
    asids_assigned = 0;
}

static void
add_untyped(struct svc_pool *p, kozo_handle_t s, unsigned bits)
{
    slot[s].type = KOZO_OBJ_UNTYPED;
    slot[s].bits = bits;
    CHECK_EQ(svc_pool_add(p, s, 0x100000ULL * s, bits, false, 0), KOZO_ERR_OK);
}

TEST(pool_places_first_fit_and_counts_what_the_kernel_holds)
{
    struct svc_pool p;
    struct svc_pool_stats st;
    kozo_handle_t a, b, c;
    reset();
    svc_pool_init(&p, CNODE, DEPTH, 100, 110, 0);
    add_untyped(&p, 16, 12); // one page
    add_untyped(&p, 17, 16);
    CHECK_EQ(svc_object_new(&p.alloc, KOZO_OBJ_FRAME, 0, &a), KOZO_ERR_OK);    // fills region 16
    CHECK_EQ(svc_object_new(&p.alloc, KOZO_OBJ_ENDPOINT, 0, &b), KOZO_ERR_OK); // region 17
    CHECK_EQ(svc_object_new(&p.alloc, KOZO_OBJ_FRAME, 0, &c), KOZO_ERR_OK);    // aligned after it
    CHECK_EQ(a, 100);
    CHECK_EQ(b, 101);
    CHECK_EQ(slot[16].used, 4096);
    CHECK_EQ(slot[17].used, 8192); // the endpoint, then the frame at its own alignment
    svc_pool_stats(&p, &st);
    CHECK_EQ(st.total, 4096 + 65536);
    CHECK_EQ(st.used, 4096 + 8192);
    CHECK_EQ(st.slots_used, 3);
    CHECK_EQ(st.slots_free, 7);
    CHECK_EQ(svc_pool_max_bits(&p), 15); // 32 KiB at 32 KiB in region 17
}

TEST(pool_reports_what_runs_out)
{
    struct svc_pool p;
    kozo_handle_t s;
    reset();
    svc_pool_init(&p, CNODE, DEPTH, 100, 102, 0);
    add_untyped(&p, 16, 13);
    CHECK_EQ(svc_object_new(&p.alloc, KOZO_OBJ_LARGE_FRAME, 0, &s), KOZO_ERR_NOT_ENOUGH_MEMORY);
    CHECK_EQ(svc_object_new(&p.alloc, KOZO_OBJ_FRAME, 0, &s), KOZO_ERR_OK);
    CHECK_EQ(s, 100); // the failed retype gave its slot back
    CHECK_EQ(svc_object_new(&p.alloc, KOZO_OBJ_FRAME, 0, &s), KOZO_ERR_OK);
    CHECK_EQ(svc_object_new(&p.alloc, KOZO_OBJ_ENDPOINT, 0, &s), KOZO_ERR_RANGE); // no slot left
    svc_pool_init(&p, CNODE, DEPTH, 100, 102, 0);
    CHECK_EQ(svc_object_new(&p.alloc, KOZO_OBJ_FRAME, 0, &s), KOZO_ERR_NOT_ENOUGH_MEMORY); // no Untyped
}

TEST(pool_asks_the_kernel_when_its_mirror_is_behind)
{
    struct svc_pool p;
    kozo_handle_t s;
    reset();
    svc_pool_init(&p, CNODE, DEPTH, 100, 200, 0);
    add_untyped(&p, 16, 13); // two pages
    add_untyped(&p, 17, 13);
    slot[16].used = 8192; // someone else filled region 16: the kernel refuses, 17 is used
    CHECK_EQ(svc_object_new(&p.alloc, KOZO_OBJ_FRAME, 0, &s), KOZO_ERR_OK);
    CHECK_EQ(slot[17].used, 4096);
    CHECK_EQ(svc_object_new(&p.alloc, KOZO_OBJ_FRAME, 0, &s), KOZO_ERR_OK);
    CHECK_EQ(slot[17].used, 8192);
    slot[16].used = 0; // ... and revoked it again: the pool finds out from the kernel
    CHECK_EQ(svc_object_new(&p.alloc, KOZO_OBJ_FRAME, 0, &s), KOZO_ERR_OK);
    CHECK_EQ(slot[16].used, 4096);
}

TEST(pool_gives_new_vspaces_an_asid)
{
    struct svc_pool p;
    kozo_handle_t s;
    reset();
    svc_pool_init(&p, CNODE, DEPTH, 100, 200, 10);
    add_untyped(&p, 16, 16);
    CHECK_EQ(svc_object_new(&p.alloc, KOZO_OBJ_VSPACE, 0, &s), KOZO_ERR_OK);
    CHECK_EQ(svc_object_new(&p.alloc, KOZO_OBJ_FRAME, 0, &s), KOZO_ERR_OK);
    CHECK_EQ(asids_assigned, 1);
}

TEST(map_adds_only_the_missing_levels_and_wastes_no_table)
{
    struct svc_pool p;
    kozo_handle_t frame = 50, vs = 51;
    reset();
    svc_pool_init(&p, CNODE, DEPTH, 100, 400, 0);
    add_untyped(&p, 16, 20);
    // A fresh space: all three levels.
    CHECK_EQ(svc_map(&p.alloc, vs, frame, 0x400000, KOZO_RIGHT_READ, 0), KOZO_ERR_OK);
    CHECK_EQ(npresent[0] + npresent[1] + npresent[2], 3);
    // The same 2 MiB: nothing new.
    CHECK_EQ(svc_map(&p.alloc, vs, frame, 0x401000, KOZO_RIGHT_READ, 0), KOZO_ERR_OK);
    CHECK_EQ(npresent[2], 1);
    // Another 2 MiB of the same GiB: one page table; the PDPT and PD probed from spares.
    CHECK_EQ(svc_map(&p.alloc, vs, frame, 0x800000, KOZO_RIGHT_READ, 0), KOZO_ERR_OK);
    CHECK_EQ(npresent[2], 2);
    CHECK_EQ(npresent[1], 1);
    // Another GiB: the spare PDPT waits on, the spare PD is taken.
    CHECK_EQ(svc_map(&p.alloc, vs, frame, 0x40000000, KOZO_RIGHT_READ, 0), KOZO_ERR_OK);
    CHECK_EQ(npresent[1], 2);
    CHECK_EQ(npresent[0], 1);
    // Every table retyped is in the space or waiting as the one spare of its level.
    unsigned made =
        retypes[svc_paging_levels[0]] + retypes[svc_paging_levels[1]] + retypes[svc_paging_levels[2]];
    unsigned spares = 0;
    for (unsigned k = 0; k < SVC_MAX_LEVELS; k++)
        spares += p.alloc.spare_table[k] != 0;
    CHECK_EQ(made, npresent[0] + npresent[1] + npresent[2] + spares);
    CHECK(spares <= svc_paging_nlevels);
}

TEST(map_reports_what_the_kernel_refuses)
{
    struct svc_pool p;
    reset();
    svc_pool_init(&p, CNODE, DEPTH, 100, 400, 0);
    add_untyped(&p, 16, 12); // room for one table only
    CHECK_EQ(svc_map(&p.alloc, 51, 50, 0x400000, KOZO_RIGHT_READ, 0), KOZO_ERR_NOT_ENOUGH_MEMORY);
}

// --- The generated server dispatch (short messages: no IPC buffer on the host) -------------

static unsigned dropped;

static uint64_t
drop(void *ctx, uint64_t badge, const struct example_drop_args *args)
{
    (void)ctx;
    dropped++;
    return args->key == 7 && badge == 0x42 ? EXAMPLE_OK : EXAMPLE_NOT_FOUND;
}

static uint64_t
stat(void *ctx, uint64_t badge, struct example_stat_res *res)
{
    (void)badge;
    res->count = 3;
    res->free = *(uint64_t *)ctx;
    return res->free ? EXAMPLE_OK : EXAMPLE_NO_SPACE;
}

static struct kozo_msg
request(uint64_t label, unsigned len, uint64_t w0)
{
    struct kozo_msg m = { kozo_msginfo_make(len, 0, 0, label), 0x42, { w0, 0, 0, 0 } };
    return m;
}

TEST(dispatch_calls_the_operation_and_replies_with_its_status_and_results)
{
    uint64_t room = 9;
    struct example_server s = { .ctx = &room, .drop = drop, .stat = stat };
    struct kozo_msg m = request(EXAMPLE_DROP, 1, 7);
    example_dispatch(&s, &m);
    CHECK_EQ(kozo_msginfo_get_label(m.info), EXAMPLE_OK);
    CHECK_EQ(kozo_msginfo_get_length(m.info), 0);
    m = request(EXAMPLE_DROP, 1, 8);
    example_dispatch(&s, &m);
    CHECK_EQ(kozo_msginfo_get_label(m.info), EXAMPLE_NOT_FOUND);
    m = request(EXAMPLE_STAT, 0, 0);
    example_dispatch(&s, &m);
    CHECK_EQ(kozo_msginfo_get_label(m.info), EXAMPLE_OK);
    CHECK_EQ(kozo_msginfo_get_length(m.info), 2);
    CHECK_EQ(m.mr[0], 3);
    CHECK_EQ(m.mr[1], 9);
    room = 0; // a status that is not OK carries no results
    m = request(EXAMPLE_STAT, 0, 0);
    example_dispatch(&s, &m);
    CHECK_EQ(kozo_msginfo_get_label(m.info), EXAMPLE_NO_SPACE);
    CHECK_EQ(kozo_msginfo_get_length(m.info), 0);
}

TEST(dispatch_answers_bad_requests_without_calling_anything)
{
    uint64_t room = 1;
    struct example_server s = { .ctx = &room, .drop = drop, .stat = stat };
    struct kozo_msg m = request(99, 0, 0); // no such operation
    dropped = 0;
    example_dispatch(&s, &m);
    CHECK_EQ(kozo_msginfo_get_label(m.info), EXAMPLE_BAD_REQUEST);
    m = request(EXAMPLE_DROP, 0, 7); // too few words
    example_dispatch(&s, &m);
    CHECK_EQ(kozo_msginfo_get_label(m.info), EXAMPLE_BAD_REQUEST);
    m = request(EXAMPLE_GET, 1, 7); // an operation the server does not offer
    example_dispatch(&s, &m);
    CHECK_EQ(kozo_msginfo_get_label(m.info), EXAMPLE_BAD_REQUEST);
    CHECK_EQ(kozo_msginfo_get_length(m.info), 0);
    CHECK_EQ(dropped, 0);
}

// --- The heap's arena, grown into a host buffer ------------------------------------------

static unsigned char arena_mem[1 << 20] __attribute__((aligned(4096)));
static unsigned grows;

static bool
grow_in_buffer(struct svc_arena *a, uintptr_t end, size_t n)
{
    (void)a;
    grows++;
    return end + n <= (uintptr_t)arena_mem + sizeof(arena_mem);
}

static struct svc_arena
fresh_arena(size_t limit)
{
    struct svc_arena a;
    grows = 0;
    svc_arena_init(&a, (uintptr_t)arena_mem, (uintptr_t)arena_mem + limit, grow_in_buffer, NULL);
    return a;
}

TEST(arena_gives_aligned_disjoint_blocks_and_grows_rarely)
{
    struct svc_arena a = fresh_arena(sizeof(arena_mem));
    unsigned char *p[100];
    for (int i = 0; i < 100; i++) {
        p[i] = svc_arena_alloc(&a, (size_t)(i * 7 + 1));
        CHECK(p[i] != NULL);
        CHECK_EQ((uintptr_t)p[i] % 16, 0);
        memset(p[i], i, (size_t)(i * 7 + 1));
    }
    for (int i = 0; i < 100; i++)
        for (int k = 0; k < i * 7 + 1; k++)
            if (p[i][k] != (unsigned char)i) {
                CHECK(!"a block was overwritten by another");
                return;
            }
    CHECK_EQ(grows, 1); // 64 KiB at once
    CHECK_EQ(svc_arena_alloc(&a, 0), NULL);
}

TEST(arena_reuses_and_merges_what_is_freed)
{
    struct svc_arena a = fresh_arena(sizeof(arena_mem));
    void *x = svc_arena_alloc(&a, 1000), *y = svc_arena_alloc(&a, 1000), *z = svc_arena_alloc(&a, 1000);
    size_t used = a.in_use;
    svc_arena_free(&a, y);
    CHECK_EQ(svc_arena_alloc(&a, 1000), y); // first fit: the hole
    svc_arena_free(&a, x);
    svc_arena_free(&a, y);
    svc_arena_free(&a, z);
    CHECK_EQ(a.in_use, 0);
    CHECK(a.free != NULL && a.free->next == NULL); // all merged back into one block
    CHECK_EQ(svc_arena_alloc(&a, 3000), x);        // which holds the three again
    CHECK(used > 3000);
    svc_arena_free(&a, NULL); // nothing
}

TEST(arena_refuses_what_does_not_fit)
{
    struct svc_arena a = fresh_arena(8192);
    CHECK(svc_arena_alloc(&a, 4000) != NULL); // it grows by what fits under the limit
    CHECK_EQ(svc_arena_alloc(&a, 8192), NULL);
    CHECK_EQ(svc_arena_alloc(&a, (size_t)-1), NULL);
    CHECK(svc_arena_alloc(&a, 3000) != NULL);
    CHECK_EQ(svc_arena_alloc(&a, 3000), NULL); // the limit is reached
}

int
main(int argc, char **argv)
{
    return test_main("libsvc", argc, argv);
}
