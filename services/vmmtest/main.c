// SPDX-License-Identifier: MIT OR Apache-2.0
//
// vmmtest: the VMM's in-guest cases (system/ktest.sys). It is a client of the VMM like
// any other (its page faults go there, its memory is carved from its quota) and tries
// every request of the protocol, good and bad: memory at the first touch is zero and
// keeps what is written, a bad request changes nothing and gets its status, unmapped
// frames come back zeroed, protection changes keep the contents, the heap grows through
// the VMM and ends in NULL, not a fault, when the quota is used up, and the stack grows.
// One line per case ("VMMTEST PASS name" or "VMMTEST FAIL name: why"), then a report to
// init: passed, failed, 0.
#include <proto/vmm.h>
#include <string.h>
#include <svc/heap.h>
#include <system.h>

int main(void);

#define PAGE      VMM_PAGE_SIZE
#define FIXED     (VMM_MAP_LOW + (1ULL << 30)) // a place no other case uses
#define HEAP_BASE (VMM_MAP_LOW + (2ULL << 30))

static unsigned npass, nfail;
static const char *failure; // the current case's first failure

#define CHECK(cond)              \
    do {                         \
        if (!(cond) && !failure) \
            failure = #cond;     \
    } while (0)

static void
run(const char *name, void (*fn)(void))
{
    failure = NULL;
    fn();
    if (failure) {
        nfail++;
        kozo_printf("VMMTEST FAIL %s: %s\n", name, failure);
    } else {
        npass++;
        kozo_printf("VMMTEST PASS %s\n", name);
    }
}

// The status of a request (the IPC's own error counts as a failure).
static uint64_t
map(uint64_t addr, uint64_t size, uint64_t prot, uint64_t flags, uint64_t *where)
{
    uint64_t status;
    struct vmm_map_res r = { 0 };
    if (vmm_map(SYS_SLOT_VMM, addr, size, prot, flags, &status, &r))
        return ~0ULL;
    if (where)
        *where = r.addr;
    return status;
}

static uint64_t
unmap(uint64_t addr, uint64_t size)
{
    uint64_t status;
    return vmm_unmap(SYS_SLOT_VMM, addr, size, &status) ? ~0ULL : status;
}

static uint64_t
protect(uint64_t addr, uint64_t size, uint64_t prot)
{
    uint64_t status;
    return vmm_protect(SYS_SLOT_VMM, addr, size, prot, &status) ? ~0ULL : status;
}

static struct vmm_stat_res
stat(void)
{
    uint64_t status;
    struct vmm_stat_res r = { 0 };
    if (vmm_stat(SYS_SLOT_VMM, &status, &r) || status != VMM_OK)
        failure = failure ? failure : "STAT failed";
    return r;
}

#define RW (VMM_PROT_READ | VMM_PROT_WRITE)

static void
first_touch(void)
{
    uint64_t at = 0;
    struct vmm_stat_res before = stat();
    CHECK(map(0, 16 * PAGE, RW, 0, &at) == VMM_OK);
    CHECK(at >= VMM_MAP_LOW && at % PAGE == 0);
    CHECK(stat().pages == before.pages); // nothing backed yet
    volatile uint64_t *w = (volatile uint64_t *)at;
    for (unsigned i = 0; i < 16; i++)
        CHECK(w[i * PAGE / 8] == 0);
    for (unsigned i = 0; i < 16; i++)
        w[i * PAGE / 8 + 1] = 0x5a5a0000 + i;
    for (unsigned i = 0; i < 16; i++)
        CHECK(w[i * PAGE / 8 + 1] == 0x5a5a0000 + i);
    CHECK(stat().pages == before.pages + 16);
    CHECK(unmap(at, 16 * PAGE) == VMM_OK);
    CHECK(stat().pages == before.pages);
}

static void
bad_requests(void)
{
    struct vmm_stat_res before = stat();
    CHECK(map(FIXED, 4 * PAGE, RW, 0, NULL) == VMM_OK);
    CHECK(map(FIXED + 1, PAGE, RW, 0, NULL) == VMM_ALIGNMENT);
    CHECK(map(FIXED + 8 * PAGE, 0, RW, 0, NULL) == VMM_ALIGNMENT);
    CHECK(map(FIXED + 8 * PAGE, PAGE + 1, RW, 0, NULL) == VMM_ALIGNMENT);
    CHECK(map(0xffff800000000000ULL, PAGE, RW, 0, NULL) == VMM_RANGE); // the kernel half
    CHECK(map(0x400000, PAGE, RW, 0, NULL) == VMM_RANGE);              // its own image
    CHECK(map(VMM_MAP_HIGH - PAGE, 2 * PAGE, RW, 0, NULL) == VMM_RANGE);
    CHECK(map(FIXED + 8 * PAGE, ~0ULL << 12, RW, 0, NULL) == VMM_RANGE); // wraps around
    CHECK(map(FIXED + 2 * PAGE, 4 * PAGE, RW, 0, NULL) == VMM_OVERLAP);
    CHECK(map(FIXED - PAGE, 2 * PAGE, RW, 0, NULL) == VMM_OVERLAP);
    CHECK(map(FIXED + 8 * PAGE, PAGE, 8, 0, NULL) == VMM_BAD_PROT);
    CHECK(map(FIXED + 8 * PAGE, PAGE, RW, 2, NULL) == VMM_BAD_PROT);
    CHECK(unmap(FIXED + 64 * PAGE, PAGE) == VMM_NOT_MAPPED);
    CHECK(unmap(FIXED, PAGE + 7) == VMM_ALIGNMENT);
    CHECK(protect(FIXED, 8 * PAGE, VMM_PROT_READ) == VMM_NOT_MAPPED); // a gap after 4 pages
    CHECK(protect(FIXED, PAGE, 16) == VMM_BAD_PROT);
    uint64_t status = 0;
    CHECK(vmm_attach(SYS_SLOT_VMM, 1, 0, 0, 0, &status) == 0 && status == VMM_NOT_ALLOWED);
    CHECK(vmm_detach(SYS_SLOT_VMM, 1, &status) == 0 && status == VMM_NOT_ALLOWED);
    struct kozo_msg m = { kozo_msginfo_make(0, 0, 0, 99), 0, { 0 } }; // no such operation
    CHECK(kozo_call(SYS_SLOT_VMM, &m) == 0 && kozo_msginfo_get_label(m.info) == VMM_BAD_REQUEST);
    m = (struct kozo_msg){ kozo_msginfo_make(1, 0, 0, VMM_MAP), 0, { FIXED } }; // too few words
    CHECK(kozo_call(SYS_SLOT_VMM, &m) == 0 && kozo_msginfo_get_label(m.info) == VMM_BAD_REQUEST);
    CHECK(stat().regions == before.regions + 1); // only the good one is there
    CHECK(unmap(FIXED, 4 * PAGE) == VMM_OK);
    CHECK(stat().regions == before.regions);
}

static void
frames_reused_zeroed(void)
{
    CHECK(map(FIXED, 8 * PAGE, RW, VMM_MAP_POPULATE, NULL) == VMM_OK);
    struct vmm_stat_res full = stat();
    memset((void *)FIXED, 0xa5, 8 * PAGE);
    CHECK(unmap(FIXED, 8 * PAGE) == VMM_OK);
    CHECK(map(FIXED, 8 * PAGE, RW, VMM_MAP_POPULATE, NULL) == VMM_OK);
    const volatile uint8_t *b = (const volatile uint8_t *)FIXED;
    for (unsigned i = 0; i < 8 * PAGE; i += 511)
        CHECK(b[i] == 0);
    CHECK(stat().used == full.used); // the same frames again: nothing new retyped
    CHECK(unmap(FIXED, 8 * PAGE) == VMM_OK);
}

static void
protect_keeps_contents(void)
{
    volatile uint64_t *w = (volatile uint64_t *)FIXED;
    CHECK(map(FIXED, 2 * PAGE, RW, 0, NULL) == VMM_OK);
    w[0] = 42;
    CHECK(protect(FIXED, 2 * PAGE, VMM_PROT_READ) == VMM_OK);
    CHECK(w[0] == 42);
    CHECK(w[PAGE / 8] == 0); // a first touch in a read-only region: a zero page
    CHECK(protect(FIXED, 2 * PAGE, 0) == VMM_OK);
    CHECK(protect(FIXED, 2 * PAGE, RW) == VMM_OK);
    CHECK(w[0] == 42);
    w[1] = 43;
    CHECK(w[1] == 43);
    CHECK(unmap(FIXED, 2 * PAGE) == VMM_OK);
}

static void
split_and_merge(void)
{
    unsigned regions = (unsigned)stat().regions;
    CHECK(map(FIXED, 8 * PAGE, RW, 0, NULL) == VMM_OK);
    CHECK(unmap(FIXED + 3 * PAGE, 2 * PAGE) == VMM_OK); // a hole in the middle
    CHECK(stat().regions == regions + 2);
    *(volatile uint64_t *)(FIXED + 2 * PAGE) = 1;
    *(volatile uint64_t *)(FIXED + 5 * PAGE) = 2;
    CHECK(map(FIXED + 3 * PAGE, 2 * PAGE, RW, 0, NULL) == VMM_OK); // filled: one region again
    CHECK(stat().regions == regions + 1);
    CHECK(protect(FIXED + PAGE, PAGE, VMM_PROT_READ) == VMM_OK);
    CHECK(stat().regions == regions + 3);
    CHECK(protect(FIXED + PAGE, PAGE, RW) == VMM_OK);
    CHECK(stat().regions == regions + 1);
    CHECK(unmap(FIXED, 8 * PAGE) == VMM_OK);
}

static void
regions_full(void)
{
    unsigned made = 0, regions = (unsigned)stat().regions;
    uint64_t status = VMM_OK;
    while (made < VMM_MAX_REGIONS + 1 && (status = map(FIXED + 2 * made * PAGE, PAGE, RW, 0, NULL)) == VMM_OK)
        made++;
    CHECK(status == VMM_FULL);
    CHECK(made + regions == VMM_MAX_REGIONS);
    for (unsigned i = 0; i < made; i++)
        CHECK(unmap(FIXED + 2 * i * PAGE, PAGE) == VMM_OK);
    CHECK(stat().regions == regions);
}

static void
populate_beyond_quota(void)
{
    struct vmm_stat_res before = stat();
    CHECK(map(FIXED, 4ULL << 20, RW, VMM_MAP_POPULATE, NULL) == VMM_NO_MEMORY); // over its 1 MiB
    struct vmm_stat_res after = stat();
    CHECK(after.regions == before.regions && after.pages == before.pages); // all or nothing
    CHECK(map(FIXED, 4 * PAGE, RW, VMM_MAP_POPULATE, NULL) == VMM_OK);     // and it goes on
    CHECK(unmap(FIXED, 4 * PAGE) == VMM_OK);
}

static void
heap(void)
{
    enum { N = 48 };
    void *blocks[N];
    CHECK(svc_heap_init_paged(SYS_SLOT_VMM, HEAP_BASE, HEAP_BASE + (64ULL << 20)) == KOZO_ERR_OK);
    for (unsigned i = 0; i < N; i++) {
        blocks[i] = svc_malloc(8192);
        CHECK(blocks[i] != NULL);
        if (blocks[i])
            memset(blocks[i], (int)i, 8192);
    }
    for (unsigned i = 0; i < N; i++)
        CHECK(!blocks[i] || ((unsigned char *)blocks[i])[8191] == i);
    for (unsigned i = 0; i < N; i++)
        svc_free(blocks[i]);
    CHECK(svc_malloc(8ULL << 20) == NULL); // more than its quota: NULL, not a fault
    void *again = svc_malloc(100000);      // the freed blocks serve again
    CHECK(again != NULL);
    svc_free(again);
}

static unsigned
deep(unsigned n)
{
    volatile char frame[1024];
    frame[0] = (char)n;
    return n ? deep(n - 1) + (unsigned)frame[0] % 2 : 0;
}

static void
stack_grows(void)
{
    uint64_t pages = stat().pages;
    CHECK(deep(96) == 48); // 96 KiB of stack, three times what init maps
    CHECK(stat().pages > pages);
}

int
main(void)
{
    run("vmm_first_touch", first_touch);
    run("vmm_bad_requests", bad_requests);
    run("vmm_frames_reused_zeroed", frames_reused_zeroed);
    run("vmm_protect_keeps_contents", protect_keeps_contents);
    run("vmm_split_and_merge", split_and_merge);
    run("vmm_regions_full", regions_full);
    run("vmm_heap", heap); // first: the page tables of its range need memory the cases below use up
    run("vmm_populate_beyond_quota", populate_beyond_quota);
    run("vmm_stack_grows", stack_grows);
    struct kozo_msg m = { kozo_msginfo_make(3, 0, 0, 0), 0, { npass, nfail, 0, 0 } };
    kozo_send(SYS_SLOT_EP, &m);
    for (;;) { // init has its result; it stays for a look, blocked
        struct kozo_msg idle = { 0, 0, { 0 } };
        kozo_recv(SYS_SLOT_EP, &idle);
    }
}
