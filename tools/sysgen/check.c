// SPDX-License-Identifier: MIT OR Apache-2.0
// check.c: what makes a description wrong even though each line parsed. Every service has
// exactly one endpoint; slots are in its CNode, not 0, and used once (by a cap or a slot
// range); names are unique within a service; a service may only call services declared
// before it, so the call graph has no cycle and a server runs before its clients.
#include "sysgen.h"

static void
at(const char *file, int line)
{
    src_name = file;
    lineno = line;
}

// Slots first..last of s: in its CNode, not 0, and not those of the caps before `ncaps`
// or of the ranges before `nranges` (each clash is reported at the later line).
static void
check_slot(const struct service *s, uint64_t first, uint64_t last, int ncaps, int nranges, const char *what)
{
    if (first == 0)
        die("%s: slot 0 is the null slot", what);
    if (last >= 1ULL << s->cnode_bits)
        die("%s: slot %llu is outside %s's CNode (2^%llu slots)", what, (ull)last, s->name,
            (ull)s->cnode_bits);
    for (int i = 0; i < ncaps; i++) {
        const struct cap *c = &s->caps[i];
        if (c->slot >= first && c->slot <= last)
            die("%s: slot %llu is already cap %s's (%s)", what, (ull)c->slot, c->name,
                where(c->file, c->line));
    }
    for (int i = 0; i < nranges; i++) {
        const struct range *r = &s->ranges[i];
        if (first <= r->last && r->first <= last)
            die("%s: slots %llu..%llu overlap slots %s (%s)", what, (ull)first, (ull)last, r->name,
                where(r->file, r->line));
    }
}

static int
index_of(const char *name)
{
    for (int i = 0; i < nservices; i++)
        if (!strcmp(services[i].name, name))
            return i;
    return -1;
}

static void
check_cap(struct service *s, int self, struct cap *c)
{
    const char *what = fmt("cap %s", c->name);
    at(c->file, c->line);
    check_slot(s, c->slot, c->slot, (int)(c - s->caps), 0, what);
    for (const struct cap *o = s->caps; o < c; o++)
        if (!strcmp(o->name, c->name))
            die("%s: the name is already used (%s)", what, where(o->file, o->line));
    switch (c->kind) {
    case CAP_UNTYPED:
    case CAP_DEVICE_MIN:
        if (c->num < 12 || c->num > 47)
            die("%s: 2^%llu bytes: Untyped sizes are 2^12..2^47 here", what, (ull)c->num);
        break;
    case CAP_PAGER:
        if (!*s->pager)
            die("%s: %s has no pager to call (pager SERVICE BITS)", what, s->name);
        break;
    case CAP_CALL:
        c->target = index_of(c->arg);
        if (c->target < 0)
            die("%s: no service %s in the description", what, c->arg);
        if (c->target == self)
            die("%s: a service does not call itself", what);
        if (c->target > self)
            die("%s: %s is declared after %s: a service only calls services declared before it (so "
                "servers start first and calls cannot form a cycle)",
                what, c->arg, s->name);
        break;
    default: break;
    }
}

// Its pager is a service declared before it (started first) that has no pager itself, and
// what it backs the service with is carved from the service's quota.
static void
check_pager(struct service *s, int self)
{
    s->pager_index = -1;
    if (!*s->pager)
        return;
    at(s->pager_file, s->pager_line);
    int p = index_of(s->pager);
    if (p < 0)
        die("pager %s: no service %s in the description", s->pager, s->pager);
    if (p >= self)
        die("pager %s: it must be declared before %s (a pager starts before its clients)", s->pager, s->name);
    if (*services[p].pager)
        die("pager %s: it has a pager itself (%s); a pager's own faults are init's", s->pager,
            services[p].pager);
    if (s->pager_bits < 12 || s->pager_bits >= s->memory_bits)
        die("pager %s %llu: 2^12 bytes or more, carved from %s's quota and smaller than it (memory %llu)",
            s->pager, (ull)s->pager_bits, s->name, (ull)s->memory_bits);
    s->pager_index = p;
}

void
check_system(void)
{
    for (int i = 0; i < nservices; i++) {
        struct service *s = &services[i];
        int endpoints = 0;
        for (int k = 0; k < s->ncaps; k++) {
            check_cap(s, i, &s->caps[k]);
            endpoints += s->caps[k].kind == CAP_ENDPOINT;
        }
        for (int k = 0; k < s->nranges; k++) {
            const struct range *r = &s->ranges[k];
            at(r->file, r->line);
            check_slot(s, r->first, r->last, s->ncaps, k, fmt("slots %s", r->name));
            for (int j = 0; j < s->ncaps; j++)
                if (!strcmp(s->caps[j].name, r->name))
                    die("slots %s: the name is cap %s's too", r->name, r->name);
            for (const struct range *o = s->ranges; o < r; o++)
                if (!strcmp(o->name, r->name))
                    die("slots %s: the name is already used (%s)", r->name, where(o->file, o->line));
        }
        check_pager(s, i);
        at(s->file, s->line);
        if (endpoints != 1)
            die("service %s has %d endpoint caps: every service has exactly one", s->name, endpoints);
    }
    if (!nservices)
        die("the description has no services");
    // Hardware has one owner: no port in two ioport caps, no IRQ line in two irq caps.
    for (int i = 0; i < nservices; i++)
        for (int k = 0; k < services[i].ncaps; k++) {
            const struct cap *c = &services[i].caps[k];
            if (c->kind != CAP_IOPORT && c->kind != CAP_IRQ)
                continue;
            for (int j = 0; j <= i; j++)
                for (int l = 0; l < services[j].ncaps && (j < i || l < k); l++) {
                    const struct cap *o = &services[j].caps[l];
                    at(c->file, c->line);
                    if (c->kind == CAP_IOPORT && o->kind == CAP_IOPORT && c->num <= o->num2 &&
                        o->num <= c->num2)
                        die("cap %s: ports %#llx..%#llx are also %s's %s (%s)", c->name, (ull)c->num,
                            (ull)c->num2, services[j].name, o->name, where(o->file, o->line));
                    if (c->kind == CAP_IRQ && o->kind == CAP_IRQ && c->num == o->num)
                        die("cap %s: IRQ %llu is also %s's %s (%s)", c->name, (ull)c->num, services[j].name,
                            o->name, where(o->file, o->line));
                }
        }
    // Quotas: each holds what is carved from it; together they fit the budget.
    uint64_t total = 0;
    for (int i = 0; i < nservices; i++) {
        const struct service *s = &services[i];
        for (int k = 0; k < s->ncaps; k++) {
            const struct cap *c = &s->caps[k];
            at(c->file, c->line);
            if (c->kind == CAP_UNTYPED && c->num >= s->memory_bits)
                die("cap %s (2^%llu bytes) is carved from %s's quota and must be smaller than it (memory %llu)",
                    c->name, (ull)c->num, s->name, (ull)s->memory_bits);
        }
        total += 1ULL << s->memory_bits;
    }
    if (system_budget_bits && total > 1ULL << system_budget_bits) {
        at(system_budget_file, system_budget_line);
        die("the services' quotas add up to %llu KiB, over the budget of %llu KiB", (ull)(total >> 10),
            (ull)(1ULL << system_budget_bits >> 10));
    }
    lineno = 0;
}
