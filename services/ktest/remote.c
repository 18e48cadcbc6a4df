// SPDX-License-Identifier: MIT OR Apache-2.0
//
// A second address space: ktest builds a fresh VSpace, copies a small position-independent
// server (assembly below, no stack, no data) into a frame mapped there executable, and
// runs a thread in it. IPC between the two spaces, memory shared through one frame mapped
// in both, and the isolation of everything else.
#include <string.h>
#include "ktest.h"

#define STR_(x) #x
#define STR(x)  STR_(x)

#define CODE_VA   0x10000000 // in the remote VSpace (unmapped in ktest's)
#define IPC_VA    0x20000000
#define SHARED_VA 0x30000000
_Static_assert(__builtin_offsetof(struct kozo_ipc_buffer, msg) == 0,
               "the server adds 1 to msg[63] at IPC_VA + 8 * 63");

// remote_echo(rdi = endpoint, rsi = shared page): receive; then forever: count the message
// in the shared page, reply with word 0 + 1, word 1 = the badge seen and word 63 + 1 (same
// length and label: the other IPC buffer words go back as they came), receive the next.
// remote_read(rdi = address): load from it (a fault, when it is not mapped there).
// clang-format off
__asm__(".pushsection .rodata\n"
        ".globl remote_echo, remote_echo_end, remote_read, remote_read_end\n"
        "remote_echo:\n"
        "    movq %rdi, %r12\n"
        "    movq %rsi, %r13\n"
        "    xorl %esi, %esi\n"
        "    movl $" STR(KOZO_SYS_RECV) ", %eax\n"
        "    syscall\n"
        "1:  incq (%r13)\n"
        "    addq $1, %rdx\n"
        "    incq " STR(IPC_VA) " + 8 * 63\n"
        "    movq %rdi, %r10\n"
        "    movq %r12, %rdi\n"
        "    movl $" STR(KOZO_SYS_REPLY_RECV) ", %eax\n"
        "    syscall\n"
        "    jmp 1b\n"
        "remote_echo_end:\n"
        "remote_read:\n"
        "    movq (%rdi), %rax\n"
        "    ud2\n"
        "remote_read_end:\n"
        ".popsection\n");
// clang-format on
extern const char remote_echo[], remote_echo_end[], remote_read[], remote_read_end[];

struct remote {
    kozo_handle_t vspace, tcb;
    volatile uint64_t *shared; // the shared page as ktest sees it
};

// A thread in the VSpace r->vspace (ready to use: it has an ASID) running the code
// [code, end) with RDI = a0 and RSI = SHARED_VA.
static uint64_t
remote_start_in(const struct ktest_env *env, const char *code, const char *end, uint64_t a0,
                kozo_handle_t fault_ep, struct remote *r)
{
    kozo_handle_t text, text_x, ipc, shared, shared2;
    volatile uint64_t *fill;
    uint64_t err;

    // The code: written through ktest's window, mapped there read-only and executable.
    if ((err = kt_frame_mapped(&text, &fill)))
        return err;
    memcpy((void *)fill, code, (size_t)(end - code));
    if ((err = kt_copy(text, KOZO_RIGHT_READ, &text_x)) ||
        (err = kt_map_in(r->vspace, text_x, CODE_VA, KOZO_RIGHT_READ, KOZO_FRAME_ATTR_EXEC)))
        return err;
    if ((err = kt_alloc(KOZO_OBJ_FRAME, 0, &ipc)) || (err = kt_map_in(r->vspace, ipc, IPC_VA, KT_RW, 0)))
        return err;
    if ((err = kt_frame_mapped(&shared, &r->shared)) || (err = kt_copy(shared, KOZO_RIGHTS_ALL, &shared2)) ||
        (err = kt_map_in(r->vspace, shared2, SHARED_VA, KT_RW, 0)))
        return err;
    if ((err = kt_thread_foreign(r->vspace, ipc, IPC_VA, fault_ep, env->priority, &r->tcb)))
        return err;
    return svc_thread_start_at(r->tcb, CODE_VA, 0, a0, SHARED_VA, 0);
}

// The same in a new VSpace with an ASID from ktest's pool.
static uint64_t
remote_start(const struct ktest_env *env, const char *code, const char *end, uint64_t a0,
             kozo_handle_t fault_ep, struct remote *r)
{
    uint64_t err = kt_alloc(KOZO_OBJ_VSPACE, 0, &r->vspace);
    return err ? err : remote_start_in(env, code, end, a0, fault_ep, r);
}

// A new VSpace with an ASID from `pool`.
static uint64_t
vspace_from(const struct ktest_env *env, kozo_handle_t pool, kozo_handle_t *vs)
{
    *vs = kt_slot();
    uint64_t err = kozo_untyped_retype(env->untyped, KOZO_OBJ_VSPACE, 0, SYS_SLOT_CNODE, 0, 0, *vs, 1);
    return err ? err : kozo_asid_pool_assign(pool, *vs, NULL);
}

KTEST(remote_call_between_vspaces, "Call a server running in another VSpace; it counts in a shared frame")
{
    kozo_handle_t ep, b;
    struct remote r;
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &ep));
    KT_OK(kt_mint(ep, KOZO_RIGHTS_ALL, 0x99, &b));
    KT_OK(remote_start(env, remote_echo, remote_echo_end, ep, 0, &r));
    for (uint64_t i = 1; i <= 3; i++) {
        struct kozo_msg m = { kozo_msginfo_make(2, 0, 0, 4), 0, { 40 + i, 0, 0, 0 } };
        KT_OK(kozo_call(b, &m));
        KT_EQ(m.mr[0], 41 + i);
        KT_EQ(m.mr[1], 0x99);
        KT_EQ(kozo_msginfo_get_label(m.info), 4);
        KT_EQ(r.shared[0], i);
    }
}

KTEST(remote_long_message, "64 words go to another VSpace's IPC buffer and come back")
{
    kozo_handle_t ep;
    struct remote r;
    struct kozo_ipc_buffer *buf = kozo_ipc_buffer();
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &ep));
    KT_OK(remote_start(env, remote_echo, remote_echo_end, ep, 0, &r));
    for (unsigned i = 0; i < KOZO_MSG_MAX_WORDS; i++)
        buf->msg[i] = 0x1000 + i;
    struct kozo_msg m = { kozo_msginfo_make(KOZO_MSG_MAX_WORDS, 0, 0, 0), 0, { 1, 2, 3, 4 } };
    KT_OK(kozo_call(ep, &m));
    KT_EQ(kozo_msginfo_get_length(m.info), KOZO_MSG_MAX_WORDS);
    KT_EQ(m.mr[0], 2);
    KT_EQ(buf->msg[10], 0x1000 + 10);
    KT_EQ(buf->msg[KOZO_MSG_MAX_WORDS - 1], 0x1000 + KOZO_MSG_MAX_WORDS); // changed over there
}

KTEST(remote_vspace_isolated, "A thread in another VSpace faults on ktest's addresses")
{
    static volatile uint64_t secret = 0x5ec2e7;
    kozo_handle_t ep;
    struct remote r;
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &ep));
    KT_OK(remote_start(env, remote_read, remote_read_end, (uint64_t)&secret, ep, &r));
    struct kozo_msg m = { 0, 0, { 0 } };
    KT_OK(kozo_recv(ep, &m));
    KT_EQ(kozo_msginfo_get_label(m.info), KOZO_FAULT_VM);
    KT_EQ(m.mr[0], CODE_VA);
    KT_EQ(m.mr[1], (uint64_t)&secret);
    KT_EQ(secret, 0x5ec2e7);
}

KTEST(remote_vspace_revoked_under_thread,
      "Revoking the VSpace a thread runs in stops the thread, not the kernel")
{
    kozo_handle_t ep;
    struct remote r;
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &ep));
    KT_OK(remote_start(env, remote_echo, remote_echo_end, ep, 0, &r));
    struct kozo_msg m = { kozo_msginfo_make(1, 0, 0, 0), 0, { 1, 0, 0, 0 } };
    KT_OK(kozo_call(ep, &m));                                     // it runs and waits for the next message
    KT_OK(kozo_cnode_revoke(SYS_SLOT_CNODE, r.vspace, KT_DEPTH)); // the TCB's copy goes
    // Sending to it must not switch to a thread without an address space.
    struct kozo_msg n = { kozo_msginfo_make(1, 0, 0, 0), 0, { 1, 0, 0, 0 } };
    uint64_t err = kozo_nb_send(ep, &n);
    kt_settle();
    KT_ASSERT(err == KOZO_ERR_OK || err == KOZO_ERR_WOULD_BLOCK);
    KT_NE(kt_thread_state(r.tcb), KOZO_THREAD_RUNNABLE);
}

// Deleting an ASID pool takes its ASIDs from their VSpaces (issue 10, defect 5). A thread in
// such a VSpace runs on the kernel's tables from then on: its next instruction faults. When
// the range is issued again and the same ASID goes to a new VSpace holding the same code,
// the old thread still faults instead of running in the new address space (where it would
// count in the shared page).
KTEST(remote_vspace_loses_asid_with_pool,
      "A thread whose VSpace's ASID pool is deleted faults, even once the ASID is another's")
{
    kozo_handle_t pool = kt_slot(), ep, fault_ep;
    struct remote r, r2;
    struct kozo_res_asid_control_make_pool mp;
    KT_OK(kozo_asid_control_make_pool(SYS_SLOT_ASID_CONTROL, SYS_SLOT_CNODE, pool, KT_DEPTH, &mp));
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &ep));
    KT_OK(kt_alloc(KOZO_OBJ_ENDPOINT, 0, &fault_ep));
    KT_OK(vspace_from(env, pool, &r.vspace));
    KT_OK(remote_start_in(env, remote_echo, remote_echo_end, ep, fault_ep, &r));
    struct kozo_msg m = { kozo_msginfo_make(1, 0, 0, 0), 0, { 1, 0, 0, 0 } };
    KT_OK(kozo_call(ep, &m));
    KT_EQ(m.mr[0], 2);
    KT_EQ(r.shared[0], 1);

    KT_OK(kozo_cnode_delete(SYS_SLOT_CNODE, pool, KT_DEPTH));
    // It waits in Recv: the message arrives, and its first instruction after it faults.
    m = (struct kozo_msg){ kozo_msginfo_make(1, 0, 0, 0), 0, { 5, 0, 0, 0 } };
    KT_OK(kozo_send(ep, &m));
    KT_OK(kozo_recv(fault_ep, &m));
    KT_EQ(kozo_msginfo_get_label(m.info), KOZO_FAULT_VM);
    uint64_t ip = m.mr[0];
    KT_ASSERT(ip > CODE_VA && ip < CODE_VA + 0x1000);
    KT_EQ(r.shared[0], 1);

    // The range again (the lowest free one is the same), its first ASID to a new VSpace.
    struct kozo_res_asid_control_make_pool mp2;
    KT_OK(kozo_asid_control_make_pool(SYS_SLOT_ASID_CONTROL, SYS_SLOT_CNODE, pool, KT_DEPTH, &mp2));
    KT_EQ(mp2.first, mp.first);
    KT_OK(vspace_from(env, pool, &r2.vspace));
    KT_OK(remote_start_in(env, remote_echo, remote_echo_end, ep, 0, &r2)); // the same layout
    r2.shared[0] = 0;
    // Resumed, the old thread retries the instruction: in its own (empty) address space.
    m.info = kozo_msginfo_make(0, 0, 0, 0);
    KT_OK(kozo_reply(&m));
    KT_OK(kozo_recv(fault_ep, &m));
    KT_EQ(kozo_msginfo_get_label(m.info), KOZO_FAULT_VM);
    KT_EQ(m.mr[0], ip);
    KT_EQ(r.shared[0], 1);
    KT_EQ(r2.shared[0], 0);
    KT_OK(kozo_tcb_suspend(r.tcb));
}
