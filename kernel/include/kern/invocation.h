// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Invocations: a CALL on a capability to a kernel object.
//
// Every object file splits its invocations in two (seL4's rule): decode_<obj>_<op>() only
// checks (arguments, rights, lookups, space) and changes nothing: it sees the invocation
// as const; invoke_<obj>_<op>() only acts and cannot fail: it returns nothing, or, for the
// preemptible operations (Retype, Delete, Revoke), ERR_RESTART when it stopped for an
// interrupt, which is not an error. An error therefore never leaves half-done work behind.
//
// Names: decode_<obj>_invocation() is an object type's entry, called from core/object.c
// (or, for the architecture's types, from arch_decode_invocation()); decode_<obj>_<op>()
// checks one method, with <obj>_<op> as the ABI spells it (KOZO_INV_ASID_POOL_ASSIGN is
// decode_asid_pool_assign(), its arguments struct kozo_args_asid_pool_assign).
#ifndef KERN_INVOCATION_H
#define KERN_INVOCATION_H

#include <kern/cte.h>
#include <kern/printk.h>
#include <kern/tcb.h>

// What was called: decoders read it and never write it.
struct invocation {
    struct tcb *caller;
    cte_t *slot; // the slot of the invoked cap
    cap_t cap;
    word_t label;
    unsigned nargs; // message words present
    union {
        word_t args[KOZO_MSG_MAX_WORDS]; // the message words, as syscall.c copies them in
        union kozo_inv_args a;           // the same, as decoders read them: by method, by name
    };
};

// What comes back: the invoke_*() of a method with results writes them.
struct inv_reply {
    unsigned nres; // results written to res[] (at most MSG_REG_WORDS)
    word_t res[KOZO_MSG_REG_WORDS];
};

// Not an ABI error: the operation stopped at a preemption point with an interrupt
// pending; the system call is restarted (and continues where it stopped) after it.
#define ERR_RESTART ((word_t)-1)

// Argument count check shared by every decoder.
#define INV_NEED_ARGS(inv, n)                                                                              \
    do {                                                                                                   \
        if (unlikely((inv)->nargs < (n))) {                                                                \
            user_error("label %lu needs %u arguments, got %u", (unsigned long)(inv)->label, (unsigned)(n), \
                       (inv)->nargs);                                                                      \
            return KOZO_ERR_INVALID_ARGUMENT;                                                              \
        }                                                                                                  \
    } while (0)

// The answer to a label the invoked object does not have (`what` names the object).
#define INV_NO_METHOD(inv, what) \
    user_reject(KOZO_ERR_ILLEGAL_OPERATION, "%s has no method %lu", what, (unsigned long)(inv)->label)

// Per-type decoders (core/object.c dispatches on the cap type).
word_t decode_untyped_invocation(const struct invocation *inv, struct inv_reply *reply);
word_t decode_cnode_invocation(const struct invocation *inv, struct inv_reply *reply);
word_t decode_tcb_invocation(const struct invocation *inv, struct inv_reply *reply);
word_t decode_irq_invocation(const struct invocation *inv, struct inv_reply *reply);
word_t decode_asid_invocation(const struct invocation *inv, struct inv_reply *reply);
word_t decode_invocation(const struct invocation *inv, struct inv_reply *reply); // by the cap's type

#endif
