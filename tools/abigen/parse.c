// SPDX-License-Identifier: MIT OR Apache-2.0
// parse.c: the lines of the .abi files become declarations (struct decl), checked as they
// are read: numbers in range and unique per kind, fields that do not overlap, methods on
// declared objects with unique labels, struct layouts computed with natural alignment.
#include "abigen.h"

const char *const keyword[] = {
    "const", "syscall", "error", "object", "right", "slot", "field", "method", "struct",
};
const char *const title[] = {
    "Constants",  "System calls", "Error codes",       "Object types", "Rights", "Initial capability slots",
    "Bit fields", "Invocations",  "Shared structures",
};
const char *const prefix[] = { "", "SYS_", "ERR_", "OBJ_", "RIGHT_", "SLOT_" }; // of names

const char *src_name = "?";
char src_names[LINELEN];
int lineno;
struct decl decls[MAXDECLS];
int ndecls;
struct member members[MAXMEMBERS];
int nmembers;
static struct decl *cur_struct; // between 'struct' and 'end'
int nmethods, max_args, max_res;

// ---- Declarations ----------------------------------------------------------------------

struct decl *
find(enum kind k, const char *scope, const char *name)
{
    for (int i = 0; i < ndecls; i++)
        if (decls[i].kind == k && !strcmp(decls[i].name, name) && !strcmp(decls[i].scope, scope))
            return &decls[i];
    return NULL;
}

struct decl *
find_num(enum kind k, uint64_t num)
{
    for (int i = 0; i < ndecls; i++)
        if (decls[i].kind == k && decls[i].num == num)
            return &decls[i];
    return NULL;
}

static struct decl *
new_decl(enum kind k, const char *scope, const char *name)
{
    struct decl *o = find(k, scope, name);
    if (o)
        die("duplicate %s %s%s%s (first declared on %s)", keyword[k], scope, *scope ? "." : "", name,
            where(o->file, o->line));
    if (ndecls == MAXDECLS)
        die("too many declarations");
    struct decl *d = &decls[ndecls++];
    d->kind = k;
    d->file = src_name;
    d->line = lineno;
    strcpy(d->scope, scope);
    strcpy(d->name, name);
    return d;
}

// NAME NUM: the common shape of syscall/error/object/right/slot; NUM unique per kind.
static struct decl *
numbered(enum kind k, const char *what, uint64_t max, const char *why)
{
    const char *name = ident("name", 1);
    uint64_t num = number(what, NULL);
    if (num > max)
        die("%s %s %llu is out of range (max %llu: %s)", keyword[k], what, (ull)num, (ull)max, why);
    struct decl *o = find_num(k, num);
    if (o)
        die("%s %s: %s %llu is already used by %s (%s)", keyword[k], name, what, (ull)num, o->name,
            where(o->file, o->line));
    struct decl *d = new_decl(k, "", name);
    d->num = num;
    return d;
}

static void
parse_const(void)
{
    struct decl *d = new_decl(K_CONST, "", ident("const name", 1));
    d->num = number("const value", d->spell);
    doc_and_end(d->doc);
}

static void
parse_syscall(void)
{
    doc_and_end(numbered(K_SYSCALL, "number", 15, "the syscall number is a 4-bit field")->doc);
}

static void
parse_error(void)
{
    doc_and_end(numbered(K_ERROR, "number", 255, "size of the name table")->doc);
}

static void
parse_object(void)
{
    struct decl *d = numbered(K_OBJECT, "number", 255, "size of the name table");
    d->num2 = number("size bits", NULL);
    if (d->num2 > 63)
        die("object %s: size bits %llu > 63", d->name, (ull)d->num2);
    if (pos < ntok && !at_string()) {
        const char *w = word("'sized' or the doc string");
        if (strcmp(w, "sized"))
            die("object %s: expected 'sized' or the doc string, found '%s'", d->name, w);
        d->sized = 1;
    }
    doc_and_end(d->doc);
}

static void
parse_right(void)
{
    doc_and_end(numbered(K_RIGHT, "bit", 63, "rights are a 64-bit mask")->doc);
}

static void
parse_slot(void)
{
    doc_and_end(numbered(K_SLOT, "number", UINT64_MAX, "")->doc);
}

uint64_t
mask(uint64_t width)
{
    return width >= 64 ? UINT64_MAX : (1ULL << width) - 1;
}

static void
parse_field(void)
{
    const char *w = ident("word name", 0);
    struct decl *d = new_decl(K_FIELD, w, ident("field name", 1));
    d->num = number("shift", NULL);
    d->num2 = number("width", NULL);
    if (d->num2 == 0)
        die("field %s.%s has width 0", w, d->name);
    if (d->num > 64 || d->num2 > 64 || d->num + d->num2 > 64)
        die("field %s.%s: shift %llu + width %llu exceeds 64 bits", w, d->name, (ull)d->num, (ull)d->num2);
    for (struct decl *o = decls; o < d; o++)
        if (o->kind == K_FIELD && !strcmp(o->scope, w) && (mask(o->num2) << o->num & mask(d->num2) << d->num))
            die("field %s.%s (bits %llu..%llu) overlaps %s.%s (bits %llu..%llu, %s)", w, d->name, (ull)d->num,
                (ull)(d->num + d->num2 - 1), w, o->name, (ull)o->num, (ull)(o->num + o->num2 - 1),
                where(o->file, o->line));
    doc_and_end(d->doc);
}

// "(a, b, c)": unique names; `reserved` (" a b ", or NULL) are the generated stub's own
// parameter and local names, off limits.
int
name_list(char (*names)[NAMELEN], const char *what, const char *reserved)
{
    int n = 0;
    expect("(");
    if (accept(")"))
        return 0;
    do {
        const char *s = ident(what, 0);
        if (n == MAXLIST)
            die("more than %d %ss", MAXLIST, what);
        for (int i = 0; i < n; i++)
            if (!strcmp(names[i], s))
                die("duplicate %s '%s'", what, s);
        if (reserved && in_words(s, reserved))
            die("%s name '%s' is reserved for the stubs", what, s);
        strcpy(names[n++], s);
    } while (accept(","));
    expect(")");
    return n;
}

uint64_t
implicit_errors(const struct decl *m)
{
    const struct decl *e = find(K_ERROR, "", IMPLICIT_ERROR), *a = find(K_ERROR, "", IMPLICIT_ARG_ERROR);
    return (e ? 1ULL << e->num : 0) | (a && m->nargs ? 1ULL << a->num : 0);
}

uint64_t
method_errors(const struct decl *m)
{
    return m->errors | implicit_errors(m);
}

const char *
error_names(uint64_t mask)
{
    static char buf[DOCLEN];
    buf[0] = 0;
    for (unsigned e = 0; e < 64; e++) {
        const struct decl *d = (mask >> e & 1) ? find_num(K_ERROR, e) : NULL;
        if (d && strlen(buf) + strlen(d->name) + 3 < sizeof buf) {
            if (*buf)
                strcat(buf, ", ");
            strcat(buf, d->name);
        }
    }
    return buf;
}

// "[A, B]": the errors a method may return (declared errors, below 64), besides the implicit
// ones; "[]" if only those. Every method has the list, so none is undocumented.
static void
parse_errors(struct decl *d)
{
    if (!accept("["))
        die("method %s.%s: expected its error list '[...]' after the results, found %s", d->scope, d->name,
            found());
    if (accept("]"))
        return;
    do {
        const char *n = ident("error name", 1);
        const struct decl *e = find(K_ERROR, "", n);
        if (!e)
            die("method %s.%s: unknown error '%s' (declare it with 'error' first)", d->scope, d->name, n);
        if (e->num >= 64)
            die("method %s.%s: error %s is %llu: error lists hold numbers below 64", d->scope, d->name, n,
                (ull)e->num);
        if (d->errors & 1ULL << e->num)
            die("method %s.%s: error %s listed twice", d->scope, d->name, n);
        d->errors |= 1ULL << e->num;
    } while (accept(","));
    expect("]");
}

static void
parse_method(void)
{
    const char *obj = ident("object name", 1);
    if (!find(K_OBJECT, "", obj))
        die("method on unknown object '%s' (declare it with 'object' first)", obj);
    struct decl *d = new_decl(K_METHOD, obj, ident("method name", 1));
    d->num = number("label", NULL);
    for (struct decl *o = decls; o < d; o++)
        if (o->kind == K_METHOD && o->num == d->num)
            die("method %s.%s: label %llu is already used by %s.%s (%s)", obj, d->name, (ull)d->num, o->scope,
                o->name, where(o->file, o->line));
    d->nargs = name_list(d->args, "argument", " cap out args ");
    expect("->");
    d->nres = name_list(d->res, "result", NULL);
    parse_errors(d);
    doc_and_end(d->doc);
    nmethods++;
    max_args = d->nargs > max_args ? d->nargs : max_args;
    max_res = d->nres > max_res ? d->nres : max_res;
}

static void
parse_struct(void)
{
    struct decl *d = new_decl(K_STRUCT, "", ident("struct name", 0));
    doc_and_end(d->doc);
    d->first = nmembers;
    cur_struct = d;
}

static uint64_t
align_up(uint64_t x, uint64_t a)
{
    return (x + a - 1) / a * a;
}

// Natural C alignment, which is also what Rust's #[repr(C)] uses.
static void
end_struct(void)
{
    struct decl *d = cur_struct;
    uint64_t off = 0;
    d->nmembers = nmembers - d->first;
    if (!d->nmembers)
        die("struct %s has no members", d->name);
    d->align = 1;
    for (struct member *m = &members[d->first]; m < &members[nmembers]; m++) {
        m->offset = off = align_up(off, m->align);
        off += m->size * m->n;
        if (m->align > d->align)
            d->align = m->align;
    }
    d->size = align_up(off, d->align);
    cur_struct = NULL;
}

static void
parse_member(void)
{
    const char *t = word("member type or 'end'");
    if (!strcmp(t, "end")) {
        if (pos < ntok)
            die("unexpected %s after 'end'", found());
        end_struct();
        return;
    }
    if (nmembers == MAXMEMBERS)
        die("too many struct members");
    struct member *m = &members[nmembers];
    if (!strcmp(t, "struct")) {
        const char *sn = ident("struct name", 0);
        struct decl *s = find(K_STRUCT, "", sn);
        if (s == cur_struct)
            die("struct %s cannot contain itself", sn);
        if (!s)
            die("member of unknown type 'struct %s' (not declared before; or is struct %s from line %d"
                " missing 'end'?)",
                sn, cur_struct->name, cur_struct->line);
        m->is_struct = 1;
        strcpy(m->type, sn);
        m->size = s->size;
        m->align = s->align;
    } else if (!strcmp(t, "u8") || !strcmp(t, "u16") || !strcmp(t, "u32") || !strcmp(t, "u64")) {
        strcpy(m->type, t);
        m->size = m->align = strtoull(t + 1, NULL, 10) / 8;
    } else {
        die("member of unknown type '%s'%s", t,
            in_words(t, keywords)
                ? fmt(" (struct %s from line %d is missing 'end'?)", cur_struct->name, cur_struct->line)
                : "");
    }
    strcpy(m->name, ident("member name", 0));
    for (struct member *o = &members[cur_struct->first]; o < m; o++)
        if (!strcmp(o->name, m->name))
            die("duplicate member '%s' in struct %s", m->name, cur_struct->name);
    m->n = 1;
    if (accept("[")) {
        const char *c = word("array count");
        if (isdigit((unsigned char)c[0])) {
            pos--;
            m->n = number("array count", m->count);
        } else {
            struct decl *k = find(K_CONST, "", c);
            if (!k)
                die("array count '%s' is neither a number nor a previously declared const", c);
            strcpy(m->count, c);
            m->n = k->num;
        }
        expect("]");
        if (m->n == 0)
            die("array '%s' has no elements", m->name);
        if (m->n > (1ULL << 32) / m->size)
            die("array '%s' is too large", m->name);
    }
    doc_and_end(m->doc);
    nmembers++;
}

static void
parse_line(void)
{
    static void (*const parse[])(void) = {
        parse_const, parse_syscall, parse_error,  parse_object, parse_right,
        parse_slot,  parse_field,   parse_method, parse_struct,
    };
    if (ntok == 0)
        return;
    if (cur_struct) {
        parse_member();
        return;
    }
    const char *kw = word("a keyword");
    for (size_t k = 0; k < sizeof parse / sizeof parse[0]; k++)
        if (!strcmp(kw, keyword[k])) {
            parse[k]();
            return;
        }
    if (!strcmp(kw, "end"))
        die("'end' without 'struct'");
    die("unknown keyword '%s'", kw);
}

// Read one input. Several are read in order into one set of declarations (the portable ABI,
// then the architecture's part): names and numbers are unique across all of them.
void
parse_file(const char *path)
{
    char line[LINELEN];
    src_name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    lineno = 0;
    if (strlen(src_names) + strlen(src_name) + 3 >= sizeof src_names)
        die("too many input files");
    if (*src_names)
        strcat(src_names, ", ");
    strcat(src_names, src_name);
    FILE *f = fopen(path, "r");
    if (!f)
        die("cannot open %s: %s", path, strerror(errno));
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f))
            die("line longer than %d characters", LINELEN - 2);
        tokenize(line);
        parse_line();
    }
    if (ferror(f))
        die("read error: %s", strerror(errno));
    fclose(f);
    if (cur_struct) {
        lineno = cur_struct->line;
        die("struct %s is not terminated by 'end'", cur_struct->name);
    }
}

uint64_t
count_of(enum kind k)
{
    uint64_t n = 0;
    for (struct decl *d = decls; d < decls + ndecls; d++)
        if (d->kind == k && d->num + 1 > n)
            n = d->num + 1;
    return n;
}

// Fields of one word may be interleaved with other declarations; the word's accessors and
// make() are emitted together at its first field.
int
first_of_word(const struct decl *d)
{
    for (const struct decl *o = decls; o < d; o++)
        if (o->kind == K_FIELD && !strcmp(o->scope, d->scope))
            return 0;
    return 1;
}
