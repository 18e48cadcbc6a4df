// SPDX-License-Identifier: MIT OR Apache-2.0
// proto.c: the lines of a .proto file become a struct proto, checked as they are read:
//
//   protocol name "doc"                                 first, once: the names' prefix
//   status   NAME NUM "doc"                             a reply status (NUM 3..63)
//   const    NAME VALUE "doc"                           a number of the protocol
//   method   NAME LABEL (args) -> (results) [statuses] "doc"
//
// Every protocol has the statuses OK (0), BAD_REQUEST (1: an unknown label, too few words)
// and BAD_REPLY (2: the client's stub found too few words in the reply); a method lists
// the others it may answer with. Labels are unique and not 0.
#include "proto.h"

struct proto proto;

// The names the generated stubs and dispatch use themselves.
#define PROTO_RESERVED " ep status res args server ctx badge m "

static struct proto_item *
find_item(struct proto_item *items, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(items[i].name, name))
            return &items[i];
    return NULL;
}

// A new item of a list; its name unique across every list (they share one name space).
static struct proto_item *
new_item(struct proto_item *items, int *n, const char *what)
{
    const char *name = ident(fmt("%s name", what), 1);
    struct proto_item *o = find_item(proto.status, proto.nstatus, name);
    if (!o)
        o = find_item(proto.cnst, proto.nconst, name);
    if (!o)
        o = find_item(proto.method, proto.nmethod, name);
    if (o || in_words(name, " OK BAD_REQUEST BAD_REPLY PROTO STATUS "))
        die("%s %s: the name is %s", what, name,
            o ? fmt("already used (%s)", where(o->file, o->line)) : "reserved");
    if (*n == MAXPROTO)
        die("too many %ss", what);
    struct proto_item *d = &items[(*n)++];
    memset(d, 0, sizeof *d);
    d->file = src_name;
    d->line = lineno;
    strcpy(d->name, name);
    return d;
}

static void
parse_protocol(void)
{
    if (*proto.name)
        die("a second 'protocol' line (one protocol per file)");
    strcpy(proto.name, ident("protocol name", 0));
    doc_and_end(proto.doc);
}

static void
parse_status(void)
{
    struct proto_item *d = new_item(proto.status, &proto.nstatus, "status");
    d->num = number("status number", NULL);
    if (d->num < PROTO_FIRST_STATUS || d->num > 63)
        die("status %s is %llu: statuses are 3..63 (0 is OK, 1 BAD_REQUEST, 2 BAD_REPLY)", d->name,
            (ull)d->num);
    for (struct proto_item *o = proto.status; o < d; o++)
        if (o->num == d->num)
            die("status %s: number %llu is already %s (%s)", d->name, (ull)d->num, o->name,
                where(o->file, o->line));
    doc_and_end(d->doc);
}

static void
parse_const(void)
{
    struct proto_item *d = new_item(proto.cnst, &proto.nconst, "const");
    d->num = number("const value", d->spell);
    doc_and_end(d->doc);
}

static void
parse_method(void)
{
    struct proto_item *d = new_item(proto.method, &proto.nmethod, "method");
    d->num = number("label", NULL);
    if (d->num == 0 || d->num > mask(52))
        die("method %s: label %llu is not in 1..2^52-1 (the msginfo label)", d->name, (ull)d->num);
    for (struct proto_item *o = proto.method; o < d; o++)
        if (o->num == d->num)
            die("method %s: label %llu is already %s's (%s)", d->name, (ull)d->num, o->name,
                where(o->file, o->line));
    d->nargs = name_list(d->args, "argument", PROTO_RESERVED);
    expect("->");
    d->nres = name_list(d->res, "result", PROTO_RESERVED);
    if (!accept("["))
        die("method %s: expected its status list '[...]' after the results, found %s", d->name, found());
    d->statuses = 1ULL << PROTO_OK | 1ULL << PROTO_BAD_REQUEST | (d->nres ? 1ULL << PROTO_BAD_REPLY : 0);
    if (!accept("]")) {
        do {
            const char *n = ident("status name", 1);
            struct proto_item *s = find_item(proto.status, proto.nstatus, n);
            if (!s)
                die("method %s: unknown status '%s' (declare it with 'status' first)", d->name, n);
            if (d->statuses & 1ULL << s->num)
                die("method %s: status %s listed twice", d->name, n);
            d->statuses |= 1ULL << s->num;
        } while (accept(","));
        expect("]");
    }
    doc_and_end(d->doc);
}

const char *
status_names(uint64_t m)
{
    static char buf[DOCLEN];
    strcpy(buf, (m >> PROTO_BAD_REPLY & 1) ? "OK, BAD_REQUEST, BAD_REPLY" : "OK, BAD_REQUEST");
    for (unsigned e = PROTO_FIRST_STATUS; e < 64; e++)
        for (int i = 0; i < proto.nstatus; i++)
            if ((m >> e & 1) && proto.status[i].num == e &&
                strlen(buf) + strlen(proto.status[i].name) + 3 < sizeof buf)
                strcat(strcat(buf, ", "), proto.status[i].name);
    return buf;
}

void
parse_proto(const char *path)
{
    static void (*const parse[])(void) = { parse_protocol, parse_status, parse_const, parse_method };
    static const char *const kw[] = { "protocol", "status", "const", "method" };
    char line[LINELEN];
    src_name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    strcpy(src_names, src_name);
    FILE *f = fopen(path, "r");
    if (!f)
        die("cannot open %s: %s", path, strerror(errno));
    for (lineno = 1; fgets(line, sizeof line, f); lineno++) {
        if (!strchr(line, '\n') && !feof(f))
            die("line longer than %d characters", LINELEN - 2);
        tokenize(line);
        if (!ntok)
            continue;
        const char *w = word("a keyword");
        size_t k = 0;
        while (k < sizeof kw / sizeof kw[0] && strcmp(w, kw[k]))
            k++;
        if (k == sizeof kw / sizeof kw[0])
            die("unknown keyword '%s' (a .proto file has protocol, status, const, method)", w);
        if (k && !*proto.name)
            die("the first declaration must be 'protocol NAME \"doc\"'");
        parse[k]();
    }
    if (ferror(f))
        die("read error: %s", strerror(errno));
    fclose(f);
    lineno = 0;
    if (!*proto.name)
        die("%s declares no protocol", src_name);
    if (!proto.nmethod)
        die("protocol %s has no methods", proto.name);
}
