// SPDX-License-Identifier: MIT OR Apache-2.0
// parse.c: the lines of a system description become struct services:
//
//   system NAME "doc"                           first: the system's name (an included
//                                               file's gives way to the including one's)
//   budget BITS                                 the services' quotas add up to at most 2^BITS
//                                               (an included file's gives way)
//   include "FILE.sys"                          its services first (one level, same folder)
//   service NAME "doc"  ...  end                one service; inside it:
//     priority N                                1..254 (init is 255)
//     cnode BITS                                its root CNode has 2^BITS slots
//     memory BITS                               its quota: an Untyped of 2^BITS for all it has
//     restart always | on_failure N | never     what init does when it dies
//     liveness SECONDS                          it must block at least that often, or it hangs
//     await report                              init waits for its report before going on
//     pager SERVICE BITS                        SERVICE (the VMM) handles its page faults and
//                                               backs it on demand with 2^BITS of its quota
//     cap SLOT NAME endpoint | copy BOOTSLOT | self cnode|vspace|tcb | untyped MAXBITS
//                   | device min BITS | device at PADDR | asid_pool | call SERVICE [badge N]
//                   | ioport FIRST LAST | irq LINE | notification | pager  "doc"
//     slots NAME FIRST LAST "doc"               slots it manages itself
#include "sysgen.h"

char system_name[NAMELEN], system_doc[DOCLEN];
uint64_t system_budget_bits;
const char *system_budget_file;
int system_budget_line;
struct service services[MAXSERVICES];
int nservices;
static struct service *cur; // between 'service' and 'end'
static int depth;           // 0: the file make names; 1: a file it includes

static void
end_of_line(void)
{
    if (pos < ntok)
        die("unexpected %s at end of line", found());
}

static struct service *
find_service(const char *name)
{
    for (int i = 0; i < nservices; i++)
        if (!strcmp(services[i].name, name))
            return &services[i];
    return NULL;
}

static void
parse_service(void)
{
    const char *name = ident("service name", 0);
    const struct service *o = find_service(name);
    if (o)
        die("service %s is already declared (%s)", name, where(o->file, o->line));
    if (!strcmp(name, "init"))
        die("init is the root task, not a service of the description");
    if (nservices == MAXSERVICES)
        die("more than %d services", MAXSERVICES);
    cur = &services[nservices++];
    memset(cur, 0, sizeof *cur);
    cur->file = src_name;
    cur->line = lineno;
    strcpy(cur->name, name);
    doc_and_end(cur->doc);
}

static void
parse_cap(void)
{
    if (cur->ncaps == MAXCAPS)
        die("service %s: more than %d caps", cur->name, MAXCAPS);
    struct cap *c = &cur->caps[cur->ncaps++];
    memset(c, 0, sizeof *c);
    c->file = src_name;
    c->line = lineno;
    c->slot = number("slot", NULL);
    strcpy(c->name, ident("cap name", 1));
    const char *k = word("what the cap is");
    if (!strcmp(k, "endpoint")) {
        c->kind = CAP_ENDPOINT;
    } else if (!strcmp(k, "copy")) {
        c->kind = CAP_COPY;
        strcpy(c->arg, ident("boot slot name (KOZO_SLOT_<NAME>)", 1));
    } else if (!strcmp(k, "self")) {
        c->kind = CAP_SELF;
        strcpy(c->arg, word("cnode, vspace or tcb"));
        if (!in_words(c->arg, " cnode vspace tcb "))
            die("self %s: expected cnode, vspace or tcb", c->arg);
    } else if (!strcmp(k, "untyped")) {
        c->kind = CAP_UNTYPED;
        c->num = number("most size bits", NULL);
    } else if (!strcmp(k, "device")) {
        const char *how = word("'min' or 'at'");
        if (!strcmp(how, "min"))
            c->kind = CAP_DEVICE_MIN;
        else if (!strcmp(how, "at"))
            c->kind = CAP_DEVICE_AT;
        else
            die("device %s: expected 'min BITS' or 'at PADDR'", how);
        c->num = number(c->kind == CAP_DEVICE_MIN ? "size bits" : "physical address", NULL);
    } else if (!strcmp(k, "asid_pool")) {
        c->kind = CAP_ASID_POOL;
    } else if (!strcmp(k, "call")) {
        c->kind = CAP_CALL;
        strcpy(c->arg, ident("service name", 0));
        if (pos < ntok && !at_string()) {
            const char *b = word("'badge' or the doc string");
            if (strcmp(b, "badge"))
                die("call %s: expected 'badge N' or the doc string, found '%s'", c->arg, b);
            c->badge = number("badge", NULL);
        }
    } else if (!strcmp(k, "ioport")) {
        c->kind = CAP_IOPORT;
        c->num = number("first port", NULL);
        c->num2 = number("last port", NULL);
        if (c->num > c->num2 || c->num2 > 0xffff)
            die("cap %s: ports %#llx..%#llx are not a range of ports", c->name, (ull)c->num, (ull)c->num2);
    } else if (!strcmp(k, "irq")) {
        c->kind = CAP_IRQ;
        c->num = number("IRQ line", NULL);
        if (c->num > 255)
            die("cap %s: IRQ %llu: lines are 0..255", c->name, (ull)c->num);
    } else if (!strcmp(k, "notification")) {
        c->kind = CAP_NOTIFICATION;
    } else if (!strcmp(k, "pager")) {
        c->kind = CAP_PAGER;
    } else {
        die("cap %s: unknown kind '%s' (endpoint, copy, self, untyped, device, asid_pool, call, ioport, irq, "
            "notification, pager)",
            c->name, k);
    }
    doc_and_end(c->doc);
}

static void
parse_slots(void)
{
    if (cur->nranges == MAXRANGES)
        die("service %s: more than %d slot ranges", cur->name, MAXRANGES);
    struct range *r = &cur->ranges[cur->nranges++];
    r->file = src_name;
    r->line = lineno;
    strcpy(r->name, ident("range name", 1));
    r->first = number("first slot", NULL);
    r->last = number("last slot", NULL);
    if (r->last < r->first)
        die("slots %s: %llu..%llu is empty", r->name, (ull)r->first, (ull)r->last);
    doc_and_end(r->doc);
}

static void
parse_in_service(const char *kw)
{
    if (!strcmp(kw, "end")) {
        end_of_line();
        if (!cur->priority)
            die("service %s has no priority", cur->name);
        if (!cur->cnode_bits)
            die("service %s has no cnode size", cur->name);
        if (!cur->memory_bits)
            die("service %s has no memory quota (memory BITS)", cur->name);
        if (!cur->restart_set)
            die("service %s has no restart policy (restart always|on_failure N|never)", cur->name);
        cur = NULL;
    } else if (!strcmp(kw, "priority")) {
        cur->priority = number("priority", NULL);
        if (cur->priority < 1 || cur->priority > 254)
            die("priority %llu: services run at 1..254 (init has 255)", (ull)cur->priority);
        end_of_line();
    } else if (!strcmp(kw, "cnode")) {
        cur->cnode_bits = number("cnode size bits", NULL);
        if (cur->cnode_bits < 4 || cur->cnode_bits > 16)
            die("cnode %llu: 2^4 to 2^16 slots", (ull)cur->cnode_bits);
        end_of_line();
    } else if (!strcmp(kw, "memory")) {
        cur->memory_bits = number("memory size bits", NULL);
        if (cur->memory_bits < 16 || cur->memory_bits > 30)
            die("memory %llu: a quota is 2^16 (64 KiB) to 2^30 (1 GiB)", (ull)cur->memory_bits);
        end_of_line();
    } else if (!strcmp(kw, "restart")) {
        const char *p = word("always, on_failure or never");
        if (!strcmp(p, "always")) {
            cur->restart = RESTART_ALWAYS;
        } else if (!strcmp(p, "never")) {
            cur->restart = RESTART_NEVER;
        } else if (!strcmp(p, "on_failure")) {
            cur->restart = RESTART_ON_FAILURE;
            cur->restart_limit = number("the most restarts", NULL);
        } else {
            die("restart %s: expected always, on_failure N or never", p);
        }
        cur->restart_set = 1;
        end_of_line();
    } else if (!strcmp(kw, "liveness")) {
        cur->liveness = number("seconds", NULL);
        if (cur->liveness < 1 || cur->liveness > 3600)
            die("liveness %llu: 1 to 3600 seconds", (ull)cur->liveness);
        end_of_line();
    } else if (!strcmp(kw, "await")) {
        if (strcmp(word("'report'"), "report"))
            die("await: the only thing to wait for is 'report'");
        cur->await_report = 1;
        end_of_line();
    } else if (!strcmp(kw, "pager")) {
        if (*cur->pager)
            die("service %s has a pager already", cur->name);
        strcpy(cur->pager, ident("pager service name", 0));
        cur->pager_bits = number("memory size bits for the pager", NULL);
        cur->pager_file = src_name;
        cur->pager_line = lineno;
        end_of_line();
    } else if (!strcmp(kw, "cap")) {
        parse_cap();
    } else if (!strcmp(kw, "slots")) {
        parse_slots();
    } else {
        die("unknown keyword '%s' in service %s (priority, cnode, memory, restart, liveness, await, pager, cap, slots, end)",
            kw, cur->name);
    }
}

static void read_file(const char *path);

static void
parse_line(const char *dir)
{
    if (!ntok)
        return;
    const char *kw = word("a keyword");
    if (cur) {
        parse_in_service(kw);
        return;
    }
    if (!strcmp(kw, "system")) {
        if (*system_name && !depth)
            die("a second 'system' line");
        char name[NAMELEN], doc[DOCLEN];
        strcpy(name, ident("system name", 0));
        doc_and_end(doc);
        if (!depth) { // an included file's own name gives way to the including one's
            strcpy(system_name, name);
            strcpy(system_doc, doc);
        }
    } else if (!strcmp(kw, "budget")) { // an included file's gives way to the including one's
        uint64_t bits = number("budget size bits", NULL);
        if (bits < 16 || bits > 40)
            die("budget %llu: 2^16 to 2^40", (ull)bits);
        end_of_line();
        if (!depth) {
            system_budget_bits = bits;
            system_budget_file = src_name;
            system_budget_line = lineno;
        }
    } else if (!strcmp(kw, "include")) {
        if (depth)
            die("an included description cannot include another");
        char inc[LINELEN];
        const char *f = string("the file name");
        if (strchr(f, '/'))
            die("include \"%s\": the file must be in the same folder", f);
        snprintf(inc, sizeof inc, "%s%s", dir, f);
        end_of_line();
        const char *saved = src_name;
        int saved_line = lineno;
        depth++;
        read_file(inc);
        depth--;
        src_name = saved;
        lineno = saved_line;
    } else if (!strcmp(kw, "service")) {
        if (!depth && !*system_name)
            die("the first declaration must be 'system NAME \"doc\"'");
        parse_service();
    } else {
        die("unknown keyword '%s' (system, budget, include, service)", kw);
    }
}

static void
read_file(const char *path)
{
    static char names[4][LINELEN];
    static int nnames;
    char line[LINELEN], dir[LINELEN];
    const char *slash = strrchr(path, '/');
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path + 1) : 0, path);
    if (nnames == 4)
        die("too many files");
    strcpy(names[nnames], slash ? slash + 1 : path);
    src_name = names[nnames++];
    FILE *f = fopen(path, "r");
    if (!f)
        die("cannot open %s: %s", path, strerror(errno));
    for (lineno = 1; fgets(line, sizeof line, f); lineno++) {
        if (!strchr(line, '\n') && !feof(f))
            die("line longer than %d characters", LINELEN - 2);
        tokenize(line);
        parse_line(dir);
    }
    if (ferror(f))
        die("read error: %s", strerror(errno));
    fclose(f);
    if (cur) {
        lineno = cur->line;
        die("service %s is not terminated by 'end'", cur->name);
    }
}

void
parse_system(const char *path)
{
    read_file(path);
    lineno = 0;
    if (!*system_name)
        die("%s does not name its system (system NAME \"doc\")", path);
}
