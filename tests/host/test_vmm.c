// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Host tests of the VMM's region logic (services/vmm/space.c) and of the map it keeps its
// pages in (lib/libsvc/map.c): what is accepted and refused, that a refusal changes
// nothing, how regions split and merge, what a fault deserves; and that the map stays
// right under a long random run of puts and removes, checked against a plain array.
#include <stdlib.h>
#include <string.h>
#include <svc/map.h>
#include "../../services/vmm/space.h"
#include "test.h"

#define PAGE VMM_PAGE_SIZE
#define A    (VMM_MAP_LOW + 0x100000)
#define RW   (VMM_PROT_READ | VMM_PROT_WRITE)

TEST(ranges_are_checked_before_anything)
{
    CHECK_EQ(space_check_range(A, PAGE), VMM_OK);
    CHECK_EQ(space_check_range(A + 1, PAGE), VMM_ALIGNMENT);
    CHECK_EQ(space_check_range(A, 0), VMM_ALIGNMENT);
    CHECK_EQ(space_check_range(A, PAGE + 8), VMM_ALIGNMENT);
    CHECK_EQ(space_check_range(0x400000, PAGE), VMM_RANGE);              // below MAP_LOW
    CHECK_EQ(space_check_range(0xffff800000000000ULL, PAGE), VMM_RANGE); // the kernel half
    CHECK_EQ(space_check_range(VMM_MAP_HIGH - PAGE, 2 * PAGE), VMM_RANGE);
    CHECK_EQ(space_check_range(VMM_MAP_HIGH - PAGE, PAGE), VMM_OK);
    CHECK_EQ(space_check_range(A, ~0ULL << 12), VMM_RANGE); // would wrap around
}

TEST(add_refuses_overlaps_and_bad_protection_and_changes_nothing)
{
    struct space s;
    space_init(&s);
    CHECK_EQ(space_add(&s, A, 4 * PAGE, RW, REGION_ANON), VMM_OK);
    struct space before = s;
    CHECK_EQ(space_add(&s, A + 3 * PAGE, 2 * PAGE, RW, REGION_ANON), VMM_OVERLAP);
    CHECK_EQ(space_add(&s, A - PAGE, 2 * PAGE, RW, REGION_ANON), VMM_OVERLAP);
    CHECK_EQ(space_add(&s, A - PAGE, 8 * PAGE, RW, REGION_ANON), VMM_OVERLAP); // around it
    CHECK_EQ(space_add(&s, A + PAGE, PAGE, RW, REGION_ANON), VMM_OVERLAP);     // inside it
    CHECK_EQ(space_add(&s, A + 8 * PAGE, PAGE, 8, REGION_ANON), VMM_BAD_PROT);
    CHECK_EQ(memcmp(&s, &before, sizeof(s)), 0);
}

TEST(touching_alike_regions_merge_and_unlike_ones_do_not)
{
    struct space s;
    space_init(&s);
    CHECK_EQ(space_add(&s, A, PAGE, RW, REGION_ANON), VMM_OK);
    CHECK_EQ(space_add(&s, A + 2 * PAGE, PAGE, RW, REGION_ANON), VMM_OK);
    CHECK_EQ(s.n, 2u);
    CHECK_EQ(space_add(&s, A + PAGE, PAGE, RW, REGION_ANON), VMM_OK); // fills the gap: one region
    CHECK_EQ(s.n, 1u);
    CHECK_EQ(s.r[0].base, A);
    CHECK_EQ(s.r[0].end, A + 3 * PAGE);
    CHECK_EQ(space_add(&s, A + 3 * PAGE, PAGE, VMM_PROT_READ, REGION_ANON), VMM_OK); // other protection
    CHECK_EQ(s.n, 2u);
}

TEST(remove_splits_and_refuses_when_there_is_no_room)
{
    struct space s;
    space_init(&s);
    CHECK_EQ(space_remove(&s, A, PAGE), VMM_NOT_MAPPED);
    CHECK_EQ(space_add(&s, A, 8 * PAGE, RW, REGION_ANON), VMM_OK);
    CHECK_EQ(space_remove(&s, A + 2 * PAGE, 2 * PAGE), VMM_OK);
    CHECK_EQ(s.n, 2u);
    CHECK_EQ(s.r[0].end, A + 2 * PAGE);
    CHECK_EQ(s.r[1].base, A + 4 * PAGE);
    CHECK(space_find(&s, A + 3 * PAGE) == NULL);
    CHECK(space_find(&s, A + 4 * PAGE) == &s.r[1]);
    CHECK_EQ(space_remove(&s, A, 16 * PAGE), VMM_OK); // both, and the gaps around them
    CHECK_EQ(s.n, 0u);
    // A full table: splitting one in two needs a region more.
    for (unsigned i = 0; i < VMM_MAX_REGIONS; i++)
        CHECK_EQ(space_add(&s, A + 4 * i * PAGE, 2 * PAGE, RW, REGION_ANON), VMM_OK);
    CHECK_EQ(space_add(&s, A + 4 * VMM_MAX_REGIONS * PAGE, PAGE, RW, REGION_ANON), VMM_FULL);
    struct space before = s;
    CHECK_EQ(space_remove(&s, A + PAGE, 0), VMM_NOT_MAPPED); // an empty range touches nothing
    CHECK_EQ(memcmp(&s, &before, sizeof(s)), 0);
    CHECK_EQ(space_remove(&s, A, PAGE), VMM_OK); // the front of one: no split
    CHECK_EQ(s.n, (unsigned)VMM_MAX_REGIONS);
}

TEST(remove_of_the_middle_of_a_region_in_a_full_table_is_full)
{
    struct space s;
    space_init(&s);
    for (unsigned i = 0; i < VMM_MAX_REGIONS; i++)
        CHECK_EQ(space_add(&s, A + 4 * i * PAGE, 3 * PAGE, RW, REGION_ANON), VMM_OK);
    struct space before = s;
    CHECK_EQ(space_remove(&s, A + PAGE, PAGE), VMM_FULL);
    CHECK_EQ(memcmp(&s, &before, sizeof(s)), 0);
}

TEST(protect_needs_regions_all_along_and_merges_back)
{
    struct space s;
    space_init(&s);
    CHECK_EQ(space_add(&s, A, 4 * PAGE, RW, REGION_ANON), VMM_OK);
    CHECK_EQ(space_add(&s, A + 5 * PAGE, 2 * PAGE, RW, REGION_ANON), VMM_OK);
    struct space before = s;
    CHECK_EQ(space_protect(&s, A, 7 * PAGE, VMM_PROT_READ), VMM_NOT_MAPPED); // the gap at page 4
    CHECK_EQ(space_protect(&s, A - PAGE, 2 * PAGE, VMM_PROT_READ), VMM_NOT_MAPPED);
    CHECK_EQ(space_protect(&s, A, PAGE, 32), VMM_BAD_PROT);
    CHECK_EQ(memcmp(&s, &before, sizeof(s)), 0);
    CHECK_EQ(space_protect(&s, A + PAGE, 2 * PAGE, VMM_PROT_READ), VMM_OK); // the middle: three pieces
    CHECK_EQ(s.n, 4u);
    CHECK_EQ(space_find(&s, A + PAGE)->prot, VMM_PROT_READ);
    CHECK_EQ(space_find(&s, A)->prot, RW);
    CHECK_EQ(space_find(&s, A + 3 * PAGE)->prot, RW);
    CHECK_EQ(space_protect(&s, A + PAGE, 2 * PAGE, RW), VMM_OK); // and back: one again
    CHECK_EQ(s.n, 2u);
    CHECK_EQ(space_add(&s, A + 4 * PAGE, PAGE, RW, REGION_ANON), VMM_OK); // the gap filled: all one
    CHECK_EQ(s.n, 1u);
    CHECK_EQ(space_protect(&s, A, 7 * PAGE, 0), VMM_OK); // contiguous now: all of it
    CHECK_EQ(s.n, 1u);
    CHECK_EQ(s.r[0].prot, 0u);
}

TEST(pick_finds_the_lowest_gap_that_fits)
{
    struct space s;
    uint64_t at = 0;
    space_init(&s);
    CHECK_EQ(space_pick(&s, PAGE, &at), VMM_OK);
    CHECK_EQ(at, (uint64_t)VMM_MAP_LOW);
    CHECK_EQ(space_add(&s, VMM_MAP_LOW, 2 * PAGE, RW, REGION_ANON), VMM_OK);
    CHECK_EQ(space_add(&s, VMM_MAP_LOW + 3 * PAGE, PAGE, VMM_PROT_READ, REGION_ANON), VMM_OK);
    CHECK_EQ(space_pick(&s, PAGE, &at), VMM_OK);
    CHECK_EQ(at, (uint64_t)VMM_MAP_LOW + 2 * PAGE); // the one-page gap
    CHECK_EQ(space_pick(&s, 2 * PAGE, &at), VMM_OK);
    CHECK_EQ(at, (uint64_t)VMM_MAP_LOW + 4 * PAGE); // after the last
    CHECK_EQ(space_pick(&s, VMM_MAP_HIGH, &at), VMM_NO_MEMORY);
    // A stack region below MAP_LOW (init's) does not confuse it.
    CHECK_EQ(space_add(&s, 0x7f003000, 0xf5000, RW, REGION_STACK), VMM_OK);
    CHECK_EQ(space_pick(&s, PAGE, &at), VMM_OK);
    CHECK_EQ(at, (uint64_t)VMM_MAP_LOW + 2 * PAGE);
}

TEST(a_fault_deserves_a_page_only_where_its_region_allows_the_access)
{
    struct space s;
    uint64_t prot = 99;
    space_init(&s);
    CHECK_EQ(space_add(&s, A, PAGE, RW, REGION_ANON), VMM_OK);
    CHECK_EQ(space_add(&s, A + PAGE, PAGE, VMM_PROT_READ, REGION_ANON), VMM_OK);
    CHECK_EQ(space_add(&s, A + 2 * PAGE, PAGE, 0, REGION_ANON), VMM_OK);
    CHECK_EQ(space_add(&s, A + 3 * PAGE, PAGE, VMM_PROT_READ | VMM_PROT_EXEC, REGION_ANON), VMM_OK);
    CHECK_EQ(space_fault(&s, A + 8, VMM_PROT_WRITE, false, &prot), FAULT_MAP);
    CHECK_EQ(prot, (uint64_t)RW);
    CHECK_EQ(space_fault(&s, A + 8, VMM_PROT_READ, false, &prot), FAULT_MAP);
    CHECK_EQ(space_fault(&s, A + 8, VMM_PROT_EXEC, false, &prot), FAULT_DENIED);
    CHECK_EQ(space_fault(&s, A + 8, VMM_PROT_WRITE, true, &prot), FAULT_DENIED); // a page is there
    CHECK_EQ(space_fault(&s, A + PAGE, VMM_PROT_READ, false, &prot), FAULT_MAP);
    CHECK_EQ(space_fault(&s, A + PAGE, VMM_PROT_WRITE, false, &prot), FAULT_DENIED);
    CHECK_EQ(space_fault(&s, A + 2 * PAGE, VMM_PROT_READ, false, &prot), FAULT_DENIED); // PROT none
    CHECK_EQ(space_fault(&s, A + 3 * PAGE, VMM_PROT_EXEC, false, &prot), FAULT_MAP);
    CHECK_EQ(space_fault(&s, A + 4 * PAGE, VMM_PROT_READ, false, &prot), FAULT_OUTSIDE);
    CHECK_EQ(space_fault(&s, 0, VMM_PROT_READ, false, &prot), FAULT_OUTSIDE);
}

TEST(map_put_get_remove)
{
    struct svc_map_entry storage[16];
    struct svc_map m;
    uint64_t v = 0;
    svc_map_init(&m, storage, 16);
    CHECK(!svc_map_put(&m, 0, 1)); // key 0 is the empty mark
    CHECK(svc_map_put(&m, 0x1000, 7));
    CHECK(svc_map_get(&m, 0x1000, &v));
    CHECK_EQ(v, 7u);
    CHECK(svc_map_put(&m, 0x1000, 8)); // replaced, not added
    CHECK_EQ(m.count, 1u);
    CHECK(svc_map_get(&m, 0x1000, &v) && v == 8);
    CHECK(!svc_map_get(&m, 0x2000, &v));
    for (uint64_t k = 2; k <= 12; k++) // three quarters of 16 at most, with 0x1000
        CHECK(svc_map_put(&m, k << 12, k));
    CHECK_EQ(m.count, 12u);
    CHECK(!svc_map_put(&m, 99 << 12, 1));
    CHECK(svc_map_remove(&m, 0x1000));
    CHECK(!svc_map_remove(&m, 0x1000));
    CHECK(svc_map_put(&m, 99 << 12, 1));
}

// Random puts and removes against a plain array of the truth; every key is looked up
// after every step, so a run broken by a wrong back-shift shows at once.
TEST(map_stays_right_under_random_puts_and_removes)
{
    enum { CAP = 256, KEYS = 180, STEPS = 20000 };
    static struct svc_map_entry storage[CAP];
    static uint64_t truth[KEYS]; // 0: absent
    struct svc_map m;
    unsigned seed = 12345, bad = 0;
    svc_map_init(&m, storage, CAP);
    memset(truth, 0, sizeof(truth));
    for (unsigned step = 0; step < STEPS; step++) {
        seed = seed * 1103515245u + 12345u;
        unsigned k = (seed >> 8) % KEYS;
        uint64_t key = (uint64_t)(k + 1) << 12; // pages, as the VMM keys them
        if ((seed >> 20) & 1) {
            if (svc_map_put(&m, key, step + 1))
                truth[k] = step + 1;
        } else {
            bool had = truth[k] != 0;
            bad += svc_map_remove(&m, key) != had;
            truth[k] = 0;
        }
        if (step % 97 == 0)
            for (unsigned j = 0; j < KEYS; j++) {
                uint64_t v = 0;
                bool got = svc_map_get(&m, (uint64_t)(j + 1) << 12, &v);
                bad += got != (truth[j] != 0) || (got && v != truth[j]);
            }
    }
    CHECK_EQ(bad, 0u);
    // A visit that removes what it meets as it goes (the VMM's unmap) leaves the rest.
    size_t kept = 0;
    for (size_t i = 0; i < m.capacity;) {
        if (m.e[i].key && (m.e[i].key >> 12) % 2 == 0) {
            svc_map_remove_at(&m, i);
            continue;
        }
        i++;
    }
    for (unsigned j = 0; j < KEYS; j++) {
        uint64_t v;
        bool even = (j + 1) % 2 == 0, got = svc_map_get(&m, (uint64_t)(j + 1) << 12, &v);
        CHECK(!(even && got));
        kept += got;
        CHECK(even || got == (truth[j] != 0));
    }
    CHECK_EQ(m.count, kept);
}

int
main(int argc, char **argv)
{
    return test_main("vmm", argc, argv);
}
