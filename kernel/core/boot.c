// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Boot: from the boot loader's hand-off to the first instruction of init.
//
// The kernel builds exactly one task itself, init (the root task), from the ELF named
// "init" in the initrd. It gets a root CNode of 4096 slots, a TCB, an address space with
// its image, stack, IPC buffer, the boot-info frame and the initrd mapped, caps to IRQ and
// I/O-port control and to the debug console, and every remaining byte of RAM as Untyped
// caps. The memory for init's
// own objects is carved from free RAM here, before the rest becomes Untyped: after this
// function the kernel never allocates again.
#include <cpio.h>
#include <elf.h>
#include <fmt.h>
#include <kern/arch_api.h>
#include <kern/asid.h>
#include <kern/boot.h>
#include <kern/cte.h>
#include <kern/printk.h>
#include <kern/sched.h>
#include <string.h>

static struct kozo_bootinfo *init_bootinfo; // create_init() fills it; kernel_main() adds the cycle rate

#ifndef KOZO_ABI_SKEW
#define KOZO_ABI_SKEW 0 // nonzero only in the ABI-mismatch test build
#endif
#ifndef KOZO_BUILD_ID
#define KOZO_BUILD_ID "0.0.1-dev-unknown"
#endif

static struct boot_mem bm;
static word_t boot_objects_bytes;

// Carve an aligned block from the top of the largest free region. Boot only.
static paddr_t
boot_alloc(word_t size, word_t align)
{
    struct boot_region *best = NULL;
    for (unsigned i = 0; i < bm.nfree; i++)
        if (!best || bm.free[i].end - bm.free[i].base > best->end - best->base)
            best = &bm.free[i];
    if (!best || best->end - best->base < size + align)
        panic("boot: out of memory while building init (%lu bytes wanted)", (unsigned long)size);
    paddr_t pa = ALIGN_DOWN(best->end - size, align);
    best->end = pa;
    boot_objects_bytes += size;
    memset(arch_kva(pa), 0, size);
    return pa;
}

static paddr_t
boot_alloc_page(void)
{
    return boot_alloc(BIT(KOZO_PAGE_BITS), BIT(KOZO_PAGE_BITS));
}

// Copy one ELF segment of init into fresh frames mapped at its address.
static void
load_segment(void *vspace, const struct elf_segment *seg)
{
    word_t first = ALIGN_DOWN(seg->vaddr, BIT(KOZO_PAGE_BITS));
    word_t last = ALIGN_UP(seg->vaddr + seg->memsz, BIT(KOZO_PAGE_BITS));
    for (word_t va = first; va < last; va += BIT(KOZO_PAGE_BITS)) {
        paddr_t pa = boot_alloc_page();
        // Bytes of the file that land in this page.
        word_t lo = MAX(va, seg->vaddr), hi = MIN(va + BIT(KOZO_PAGE_BITS), seg->vaddr + seg->filesz);
        if (lo < hi)
            memcpy((char *)arch_kva(pa) + (lo - va), (const char *)seg->data + (lo - seg->vaddr), hi - lo);
        arch_boot_map_page(vspace, va, pa, seg->flags & ELF_SEG_W, seg->flags & ELF_SEG_X, boot_alloc_page);
    }
}

// Give init a frame at `vaddr` with a cap in `slot` (or no cap if slot is 0).
static paddr_t
init_frame(cte_t *cnode, word_t slot, void *vspace, unsigned asid, word_t vaddr, bool writable)
{
    paddr_t pa = boot_alloc_page();
    arch_boot_map_page(vspace, vaddr, pa, writable, false, boot_alloc_page);
    if (slot) {
        cap_t c = cap_make(KOZO_OBJ_FRAME, writable ? KOZO_RIGHTS_ALL : KOZO_RIGHT_READ, arch_kva(pa), 0);
        mdb_insert(NULL, &cnode[slot], map_set(c, asid, vaddr), MDB_REVOCABLE);
    }
    return pa;
}

// Describe [base, end) to init as naturally aligned power-of-two Untyped blocks, in slots
// from *slot on. Returns the bytes that did not fit in the boot-info frame or the CNode.
static word_t
add_untyped(cte_t *cnode, struct kozo_bootinfo *bi, word_t *slot, paddr_t base, paddr_t end, bool device)
{
    word_t lost = 0;
    base = ALIGN_UP(base, BIT(KOZO_UNTYPED_MIN_BITS));
    end = ALIGN_DOWN(end, BIT(KOZO_UNTYPED_MIN_BITS));
    while (base < end) {
        unsigned bits = 63 - (unsigned)__builtin_clzll(end - base);
        if (base && (unsigned)__builtin_ctzll(base) < bits)
            bits = (unsigned)__builtin_ctzll(base);
        bits = MIN(bits, (unsigned)KOZO_UNTYPED_MAX_BITS);
        if (bi->untyped_count == KOZO_BOOTINFO_MAX_UNTYPED || *slot >= BIT(KOZO_ROOT_CNODE_BITS)) {
            lost += BIT(bits);
        } else {
            struct kozo_untyped_desc *d = &bi->untyped[bi->untyped_count++];
            d->paddr = base;
            d->size_bits = (uint8_t)bits;
            d->is_device = device;
            d->slot = (uint32_t)*slot;
            mdb_insert(NULL, &cnode[(*slot)++], cap_untyped(arch_kva(base), bits, device), MDB_REVOCABLE);
        }
        base += BIT(bits);
    }
    return lost;
}

// All remaining RAM, then the device regions, as Untyped caps.
static void
create_untyped(cte_t *cnode, struct kozo_bootinfo *bi)
{
    word_t slot = KOZO_SLOT_FIRST_UNTYPED, lost = 0;
    for (unsigned r = 0; r < bm.nfree; r++)
        lost += add_untyped(cnode, bi, &slot, bm.free[r].base, bm.free[r].end, false);
    for (unsigned r = 0; r < bm.ndevice; r++)
        lost += add_untyped(cnode, bi, &slot, bm.device[r].base, bm.device[r].end, true);
    if (lost)
        printk("[kernel] warning: %lu KiB of memory not described (too many regions)\n",
               (unsigned long)(lost >> 10));
}

static void
create_init(const void *image, size_t size)
{
    struct elf_info info;
    int err = elf_check(image, size, KOZO_USER_TOP, &info);
    if (err)
        panic("boot: init is not a valid ELF executable: %s", elf_strerror(err));

    // Objects first, then the address space, then the caps that name them.
    cte_t *cnode = arch_kva(boot_alloc(BIT(KOZO_ROOT_CNODE_BITS + KOZO_OBJ_CNODE_BITS),
                                       BIT(KOZO_ROOT_CNODE_BITS + KOZO_OBJ_CNODE_BITS)));
    struct tcb *tcb = arch_kva(boot_alloc(BIT(KOZO_OBJ_TCB_BITS), BIT(KOZO_OBJ_TCB_BITS)));
    void *vspace = arch_kva(boot_alloc_page());
    arch_vspace_init(vspace);
    // The VSpace's cap first: its ASID, from the first pool, is recorded in the frame caps.
    mdb_insert(NULL, &cnode[KOZO_SLOT_INIT_VSPACE], cap_make(KOZO_OBJ_VSPACE, KOZO_RIGHTS_ALL, vspace, 0),
               MDB_REVOCABLE);
    asid_boot(&cnode[KOZO_SLOT_ASID_CONTROL], &cnode[KOZO_SLOT_INIT_ASID_POOL],
              &cnode[KOZO_SLOT_INIT_VSPACE]);
    unsigned asid = vspace_asid(cnode[KOZO_SLOT_INIT_VSPACE].cap);

    for (unsigned i = 0; i < info.nload; i++) {
        struct elf_segment seg;
        elf_load_segment(image, size, i, &seg);
        load_segment(vspace, &seg);
    }
    for (word_t p = 1; p <= KOZO_INIT_STACK_PAGES; p++)
        init_frame(cnode, 0, vspace, asid, KOZO_INIT_STACK_TOP - p * BIT(KOZO_PAGE_BITS), true);
    init_frame(cnode, KOZO_SLOT_INIT_IPC_BUFFER, vspace, asid, KOZO_INIT_IPC_BUFFER_VADDR, true);
    struct kozo_bootinfo *bi =
        arch_kva(init_frame(cnode, KOZO_SLOT_BOOTINFO_FRAME, vspace, asid, KOZO_INIT_BOOTINFO_VADDR, false));
    paddr_t rd = ALIGN_DOWN(bm.initrd_base, BIT(KOZO_PAGE_BITS));
    for (paddr_t pa = rd; pa < bm.initrd_end; pa += BIT(KOZO_PAGE_BITS))
        arch_boot_map_page(vspace, KOZO_INIT_INITRD_VADDR + (pa - rd), pa, false, false, boot_alloc_page);

    mdb_insert(NULL, &cnode[KOZO_SLOT_INIT_TCB], cap_make(KOZO_OBJ_TCB, KOZO_RIGHTS_ALL, tcb, 0),
               MDB_REVOCABLE);
    mdb_insert(NULL, &cnode[KOZO_SLOT_INIT_CNODE],
               cap_cnode(cnode, KOZO_ROOT_CNODE_BITS, KOZO_HANDLE_BITS - KOZO_ROOT_CNODE_BITS, 0),
               MDB_REVOCABLE);
    mdb_insert(NULL, &cnode[KOZO_SLOT_IRQ_CONTROL], cap_make(KOZO_OBJ_IRQ_CONTROL, KOZO_RIGHTS_ALL, NULL, 0),
               MDB_REVOCABLE);
    arch_boot_caps(cnode); // the architecture's own control caps (x86_64: I/O ports)
    mdb_insert(NULL, &cnode[KOZO_SLOT_DEBUG_CONSOLE],
               cap_make(KOZO_OBJ_DEBUG_CONSOLE, KOZO_RIGHTS_ALL, NULL, 0), MDB_REVOCABLE);

    // The thread: its configuration slots are copies of the caps above.
    tcb_init(tcb);
    tcb->priority = SCHED_PRIORITIES - 1;
    static const word_t from[TCB_SLOT_COUNT - 1] = { KOZO_SLOT_INIT_CNODE, KOZO_SLOT_INIT_VSPACE,
                                                     KOZO_SLOT_INIT_IPC_BUFFER };
    for (int k = 0; k < TCB_SLOT_COUNT - 1; k++) {
        cap_t c = cnode[from[k]].cap;
        mdb_insert(&cnode[from[k]], &tcb->slots[k], k == TCB_SLOT_IPC_BUFFER ? map_clear(c) : c, 0);
    }
    tcb->ipc_buffer_vaddr = KOZO_INIT_IPC_BUFFER_VADDR;
    arch_ctx_set_user(&tcb->ctx, info.entry, KOZO_INIT_STACK_TOP, 0, KOZO_INIT_BOOTINFO_VADDR, 0, 0);

    // What init needs to know, in the boot-info frame.
    bi->magic = KOZO_BOOTINFO_MAGIC;
    bi->abi_fingerprint = KOZO_ABI_FINGERPRINT ^ KOZO_ABI_SKEW; // skew: mismatch test only
    fmt_snprintf((char *)bi->build_id, sizeof(bi->build_id), "%s", KOZO_BUILD_ID);
    bi->root_cnode_bits = KOZO_ROOT_CNODE_BITS;
    bi->untyped_first_slot = KOZO_SLOT_FIRST_UNTYPED;
    bi->initrd_vaddr = KOZO_INIT_INITRD_VADDR + (bm.initrd_base - rd);
    bi->initrd_paddr = bm.initrd_base;
    bi->initrd_size = bm.initrd_end - bm.initrd_base;
    bi->ipc_buffer_vaddr = KOZO_INIT_IPC_BUFFER_VADDR;
    bi->kernel_reserved_bytes = bm.kernel_bytes;
    create_untyped(cnode, bi);
    bi->first_free_slot = bi->untyped_first_slot + bi->untyped_count;
    bi->boot_objects_bytes = boot_objects_bytes;

    printk("[kernel] init: entry %#lx, %u segments, %lu Untyped regions, %lu KiB for boot objects\n",
           (unsigned long)info.entry, info.nload, (unsigned long)bi->untyped_count,
           (unsigned long)(boot_objects_bytes >> 10));
    sched_wake(tcb);
    init_bootinfo = bi;
}

void
kernel_main(word_t magic, word_t info)
{
    arch_early_init(); // console, CPU tables, kernel window
    printk("\nKOZO microkernel %s (" ARCH_NAME "), ABI %s\n", KOZO_BUILD_ID, KOZO_ABI_FINGERPRINT_STR);
    arch_boot_memory(magic, info, &bm); // memory map, initrd module
    sched_init();                       // ready queues, idle thread

    if (bm.initrd_end <= bm.initrd_base)
        panic("boot: no initrd module was loaded (expected a newc cpio holding 'init')");
    const void *rd = arch_kva(bm.initrd_base), *init;
    size_t init_size;
    int err = cpio_find(rd, bm.initrd_end - bm.initrd_base, "init", &init, &init_size);
    if (err == CPIO_ENOENT)
        panic("boot: the initrd has no file named 'init'");
    if (err)
        panic("boot: the initrd is not a valid newc cpio archive: %s", cpio_strerror(err));
    create_init(init, init_size); // the root task and all Untyped memory

    arch_late_init();                            // interrupt controller, timer
    init_bootinfo->cycle_khz = arch_cycle_khz(); // measured just now
    kernel_exit();                               // run init
}
