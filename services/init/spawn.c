// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Starting one service of the boot table: its process from its ELF image (lib/libsvc's
// svc_process, from init's pool), then each capability its entry lists, made or chosen
// here and put into its CNode, then its thread. What a service holds is exactly what the
// system description grants it; its start arguments are empty (its own system.h says
// where everything is).
#include <elf.h>
#include <string.h>
#include "init.h"

struct proc procs[MAX_PROCS];
unsigned nprocs;

static bool device_taken[SVC_POOL_MAX_UNTYPED]; // moved to a service already

// A device Untyped of init's pool: the smallest of at least 2^bits bytes, or the one
// holding `paddr` (bits 0). Returns its pool index, or -1.
static int
pick_device(unsigned bits, uint64_t paddr)
{
    int best = -1;
    for (unsigned i = 0; i < init_pool.nuntyped; i++) {
        const struct svc_pool_untyped *u = &init_pool.untyped[i];
        if (!u->device || device_taken[i])
            continue;
        if (bits ? u->bits >= bits && (best < 0 || u->bits < init_pool.untyped[best].bits)
                 : paddr >= u->paddr && paddr - u->paddr < (1ULL << u->bits))
            best = (int)i;
    }
    return best;
}

static uint64_t
make_untyped(const struct boot_service *s, unsigned max_bits, kozo_handle_t *out)
{
    unsigned bits = svc_pool_max_bits(&init_pool);
    if (bits > max_bits)
        bits = max_bits;
    if (bits < KOZO_UNTYPED_MIN_BITS) {
        kozo_printf("init: no Untyped memory left for %s\n", s->name);
        return KOZO_ERR_NOT_ENOUGH_MEMORY;
    }
    uint64_t err = obj_alloc(KOZO_OBJ_UNTYPED, bits, out);
    if (!err)
        kozo_printf("init: %s gets 2^%u bytes of Untyped memory\n", s->name, bits);
    return err;
}

static const struct proc *
proc_of(const struct boot_service *s)
{
    for (unsigned i = 0; i < nprocs; i++)
        if (procs[i].svc == s)
            return &procs[i];
    return NULL;
}

// One capability of the entry into the service's CNode.
static uint64_t
grant(const struct boot_service *s, const struct boot_cap *c, const struct svc_process *sp, struct proc *p)
{
    struct svc_alloc *a = &init_pool.alloc;
    kozo_handle_t src;
    uint64_t err;
    int d;

    switch (c->kind) {
    case BOOT_CAP_ENDPOINT:
        if ((err = obj_alloc(KOZO_OBJ_ENDPOINT, 0, &p->ep)))
            return err;
        return svc_process_give(a, sp, c->slot, p->ep, KOZO_RIGHTS_ALL, false);
    case BOOT_CAP_COPY: return svc_process_give(a, sp, c->slot, c->arg, KOZO_RIGHTS_ALL, false);
    case BOOT_CAP_SELF:
        src = c->arg == BOOT_SELF_CNODE    ? sp->cnode_guarded
              : c->arg == BOOT_SELF_VSPACE ? sp->vspace
                                           : sp->tcb;
        return svc_process_give(a, sp, c->slot, src, KOZO_RIGHTS_ALL, false);
    case BOOT_CAP_UNTYPED:
        if ((err = make_untyped(s, (unsigned)c->arg, &src)))
            return err;
        return svc_process_give(a, sp, c->slot, src, 0, true);
    case BOOT_CAP_DEVICE_MIN:
    case BOOT_CAP_DEVICE_AT:
        d = c->kind == BOOT_CAP_DEVICE_MIN ? pick_device((unsigned)c->arg, 0) : pick_device(0, c->arg);
        if (d < 0) { // not every machine has it: the service finds the slot empty
            kozo_printf("init: no device memory for %s's %s\n", s->name, c->name);
            return KOZO_ERR_OK;
        }
        device_taken[d] = true;
        return svc_process_give(a, sp, c->slot, init_pool.untyped[d].slot, 0, true);
    case BOOT_CAP_ASID_POOL:
        src = slot_alloc();
        if ((err = kozo_asid_control_make_pool(KOZO_SLOT_ASID_CONTROL, ROOT_CNODE, src, ROOT_DEPTH, NULL)))
            return err;
        return svc_process_give(a, sp, c->slot, src, 0, true);
    case BOOT_CAP_CALL: {
        const struct proc *server = proc_of(boot_service((unsigned)c->arg));
        if (!server) // sysgen put it first; it did not start
            return KOZO_ERR_INVALID_HANDLE;
        return svc_process_give_badged(a, sp, c->slot, server->ep, KOZO_RIGHTS_ALL, c->badge);
    }
    }
    return KOZO_ERR_INVALID_ARGUMENT;
}

static uint64_t
build(const struct boot_service *s, const void *image, size_t size, struct proc *p)
{
    const struct svc_process_config config = {
        .image = image,
        .size = size,
        .cnode_bits = s->cnode_bits,
        .stack_top = SVC_PROCESS_STACK_TOP,
        .stack_pages = SVC_PROCESS_STACK_PAGES,
        .ipc_vaddr = SVC_PROCESS_IPC_VADDR,
    };
    struct svc_process sp;
    int elf_err = 0;
    uint64_t err = svc_process_new(&init_pool.alloc, &init_window, &config, &sp, &elf_err);

    if (elf_err) {
        kozo_printf("init: %s is not a valid ELF executable: %s\n", s->name, elf_strerror(elf_err));
        return err;
    }
    p->tcb = sp.tcb;
    p->cnode = sp.cnode;
    p->vspace = sp.vspace;
    for (unsigned i = 0; !err && i < s->ncaps; i++)
        if ((err = grant(s, &s->caps[i], &sp, p)))
            kozo_printf("init: %s's %s (slot %lu): %s\n", s->name, s->caps[i].name,
                        (unsigned long)s->caps[i].slot, kozo_error_name(err));
    return err ? err : svc_process_start(&sp, s->priority, 0, 0, 0);
}

uint64_t
spawn(const struct boot_service *s, const void *image, size_t size, struct proc **out)
{
    if (nprocs == MAX_PROCS)
        return KOZO_ERR_RANGE;
    struct proc *p = &procs[nprocs];
    memset(p, 0, sizeof(*p));
    p->svc = s;
    uint64_t err = build(s, image, size, p);
    if (err) {
        kozo_printf("init: starting %s failed: %s\n", s->name, kozo_error_name(err));
        return err;
    }
    nprocs++;
    *out = p;
    return KOZO_ERR_OK;
}
