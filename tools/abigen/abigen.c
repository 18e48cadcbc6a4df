// SPDX-License-Identifier: MIT OR Apache-2.0
// abigen: turn abi/kozo.abi, the one definition of the KOZO kernel ABI, into a C header
// (kernel, libkozo, C services) and a Rust module, both stamped with the ABI fingerprint.
//
// Every number that crosses the kernel boundary has to agree between the kernel and all
// of userspace. Deriving them from one file, and embedding that file's hash, makes a
// mismatch impossible within one build and detectable at boot across builds.
//
// Host tool: C11 + libc only. The whole input is validated before any output is
// written, and the output depends only on the input (byte-for-byte reproducible).
//
//   abigen --in abi/kozo.abi --fingerprint <16 hex> --c kozo_abi.h --rs kozo_abi.rs

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAMELEN    64
#define DOCLEN     512
#define LINELEN    4096
#define MAXTOK     64
#define MAXLIST    16   // arguments or results of one method
#define MAXDECLS   1024
#define MAXMEMBERS 1024
#define MAXCLAIMS  (MAXDECLS * 8)

enum kind { K_CONST, K_SYSCALL, K_ERROR, K_OBJECT, K_RIGHT, K_SLOT, K_FIELD, K_METHOD, K_STRUCT };
static const char *const keyword[] = {
    "const", "syscall", "error", "object", "right", "slot", "field", "method", "struct",
};
static const char *const title[] = {
    "Constants", "System calls", "Error codes", "Object types", "Rights",
    "Initial capability slots", "Bit fields", "Invocations", "Shared structures",
};
static const char *const prefix[] = {"", "SYS_", "ERR_", "OBJ_", "RIGHT_", "SLOT_"}; // of names

struct member {
    char type[NAMELEN];   // "u8".."u64", or a struct name if is_struct
    int is_struct;
    char name[NAMELEN];
    char count[NAMELEN];  // array count as written ("" if not an array)
    uint64_t n;           // element count (1 if not an array)
    uint64_t size, align; // of one element
    uint64_t offset;
    char doc[DOCLEN];
};

struct decl {
    enum kind kind;
    int line;
    char name[NAMELEN];
    char scope[NAMELEN];  // field: WORD; method: OBJ
    char spell[NAMELEN];  // const: the value as written, so hex stays hex
    uint64_t num;         // value, number, bit, shift or label
    uint64_t num2;        // object size bits, field width
    char doc[DOCLEN];
    int nargs, nres;
    char args[MAXLIST][NAMELEN], res[MAXLIST][NAMELEN];
    int first, nmembers;  // struct: members[first .. first + nmembers)
    uint64_t size, align;
};

static const char *src_name = "?"; // basename of --in: the only path that reaches output
static int lineno;                 // 0 outside the input (command-line errors)
static struct decl decls[MAXDECLS];
static int ndecls;
static struct member members[MAXMEMBERS];
static int nmembers;
static struct decl *cur_struct; // between 'struct' and 'end'
static int nmethods, max_args, max_res;
static char fp[17];             // fingerprint, lower-case hex
static FILE *out;

typedef unsigned long long ull; // printf needs a type with a fixed conversion

static _Noreturn void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (lineno > 0)
        fprintf(stderr, "abigen: %s:%d: ", src_name, lineno);
    else
        fprintf(stderr, "abigen: ");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

// Small rotating buffers so several derived names can appear in one printf.
static char *rot(void)
{
    static char bufs[16][NAMELEN * 4];
    static unsigned i;
    return bufs[i++ % 16];
}

static const char *fmt(const char *f, ...)
{
    char *b = rot();
    va_list ap;
    va_start(ap, f);
    vsnprintf(b, NAMELEN * 4, f, ap);
    va_end(ap);
    return b;
}

// mode 'U': UPPER, 'L': lower, 'C': CamelCase (untyped_desc -> UntypedDesc)
static const char *recase(const char *s, char mode)
{
    char *b = rot(), *o = b;
    for (int start = 1; *s; s++) {
        int c = (unsigned char)*s;
        if (mode == 'C' && c == '_') { start = 1; continue; }
        *o++ = (char)(mode == 'L' ? tolower(c) : mode == 'U' || start ? toupper(c) : c);
        start = 0;
    }
    *o = 0;
    return b;
}
static const char *up(const char *s) { return recase(s, 'U'); }
static const char *low(const char *s) { return recase(s, 'L'); }
static const char *camel(const char *s) { return recase(s, 'C'); }

static int in_words(const char *s, const char *words) // words: " a b c "
{
    char pat[NAMELEN + 2];
    snprintf(pat, sizeof pat, " %s ", s);
    return strstr(words, pat) != NULL;
}

static const char keywords[] = " const syscall error object right slot field method struct end ";
// Lower-case names become bare C identifiers (members, parameters) and Rust fields; the last
// three are Rust keywords that cannot be written as raw identifiers.
static const char c_words[] =
    " auto bool break case char const continue default do double else enum extern false float"
    " for goto if inline int long register restrict return short signed sizeof static struct"
    " switch true typedef union unsigned void volatile while self super crate ";
static const char rust_words[] =
    " abstract as async await become box break const continue do dyn else enum extern false"
    " final fn for gen if impl in let loop macro match mod move mut override priv pub ref return"
    " static struct trait true try type typeof unsafe unsized use virtual where while yield ";

static const char *rs_id(const char *s) // `type` is a fine C member but needs r# in Rust
{
    return in_words(s, rust_words) ? fmt("r#%s", s) : s;
}

// ---- Tokenizer: words, "strings", ( ) , [ ] and ->; '#' starts a comment ----------------

enum ttype { T_WORD, T_STR, T_PUNCT };
static struct tok { enum ttype type; char s[DOCLEN]; } toks[MAXTOK];
static int ntok, pos;

static void tokenize(const char *p)
{
    ntok = pos = 0;
    while (*p && *p != '#') {
        if (isspace((unsigned char)*p)) { p++; continue; }
        if (ntok == MAXTOK) die("too many tokens on one line");
        struct tok *t = &toks[ntok++];
        const char *start = p, *end;
        if (*p == '"') {
            t->type = T_STR;
            start = p + 1;
            end = strchr(start, '"');
            if (!end) die("unterminated string");
            p = end + 1;
        } else if (p[0] == '-' && p[1] == '>') {
            t->type = T_PUNCT;
            end = p += 2;
        } else if (strchr("(),[]", *p)) {
            t->type = T_PUNCT;
            end = ++p;
        } else if (isalnum((unsigned char)*p) || *p == '_') {
            t->type = T_WORD;
            while (isalnum((unsigned char)*p) || *p == '_') p++;
            end = p;
        } else {
            die("unexpected character '%c'", *p);
        }
        if ((size_t)(end - start) >= (t->type == T_STR ? DOCLEN : NAMELEN))
            die("%s too long", t->type == T_STR ? "string" : "word");
        memcpy(t->s, start, (size_t)(end - start));
        t->s[end - start] = 0;
    }
}

static const char *found(void)
{
    if (pos >= ntok) return "end of line";
    return fmt("'%.*s'", NAMELEN, toks[pos].s);
}

static const char *word(const char *what)
{
    if (pos >= ntok || toks[pos].type != T_WORD) die("expected %s, found %s", what, found());
    return toks[pos++].s;
}

static int accept(const char *punct)
{
    if (pos < ntok && toks[pos].type == T_PUNCT && !strcmp(toks[pos].s, punct)) {
        pos++;
        return 1;
    }
    return 0;
}

static void expect(const char *punct)
{
    if (!accept(punct)) die("expected '%s', found %s", punct, found());
}

// Names are UPPER_SNAKE (become macros / Rust consts) or lower_snake (become members, fields,
// functions). Single underscores only, so the Rust case lints can never fire.
static const char *ident(const char *what, int upper)
{
    const char *s = word(what);
    int ok = isalpha((unsigned char)s[0]);
    for (const char *p = s; *p && ok; p++)
        ok = *p == '_' ? p[1] && p[1] != '_'
                       : isdigit((unsigned char)*p) || (upper ? isupper((unsigned char)*p)
                                                              : islower((unsigned char)*p));
    if (!ok) die("%s '%s' must be %s", what, s, upper ? "UPPER_SNAKE_CASE" : "lower_snake_case");
    if (in_words(low(s), c_words) && (!upper || !strcmp(what, "field name")))
        die("%s '%s' is a reserved word in C or Rust", what, s); // field names become parameters
    return s;
}

static uint64_t number(const char *what, char *spell)
{
    const char *s = word(what), *d = s;
    unsigned base = 10;
    uint64_t v = 0;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) { base = 16; d += 2; }
    if (!*d) die("%s '%s' is not a number", what, s);
    for (; *d; d++) {
        int c = tolower((unsigned char)*d);
        unsigned x = isdigit(c) ? (unsigned)(c - '0') : base == 16 && isxdigit(c) ? (unsigned)(c - 'a' + 10) : 99;
        if (x >= base) die("%s '%s' is not a number", what, s);
        if (v > (UINT64_MAX - x) / base) die("%s '%s' does not fit in 64 bits", what, s);
        v = v * base + x;
    }
    // Hex stays hex; "010" would be octal in C but ten in Rust, and Rust rejects "0X".
    if (spell) strcpy(spell, base == 16 ? fmt("0x%s", s + 2) : fmt("%llu", (ull)v));
    return v;
}

static void doc_and_end(char *doc)
{
    doc[0] = 0;
    if (pos < ntok && toks[pos].type == T_STR) {
        if (strstr(toks[pos].s, "*/")) die("doc string must not contain '*/'");
        strcpy(doc, toks[pos++].s);
    }
    if (pos < ntok) die("unexpected %s at end of line", found());
}

// ---- Declarations ----------------------------------------------------------------------

static struct decl *find(enum kind k, const char *scope, const char *name)
{
    for (int i = 0; i < ndecls; i++)
        if (decls[i].kind == k && !strcmp(decls[i].name, name) && !strcmp(decls[i].scope, scope))
            return &decls[i];
    return NULL;
}

static struct decl *find_num(enum kind k, uint64_t num)
{
    for (int i = 0; i < ndecls; i++)
        if (decls[i].kind == k && decls[i].num == num) return &decls[i];
    return NULL;
}

static struct decl *new_decl(enum kind k, const char *scope, const char *name)
{
    struct decl *o = find(k, scope, name);
    if (o) die("duplicate %s %s%s%s (first declared on line %d)", keyword[k], scope, *scope ? "." : "", name, o->line);
    if (ndecls == MAXDECLS) die("too many declarations");
    struct decl *d = &decls[ndecls++];
    d->kind = k;
    d->line = lineno;
    strcpy(d->scope, scope);
    strcpy(d->name, name);
    return d;
}

// NAME NUM: the common shape of syscall/error/object/right/slot; NUM unique per kind.
static struct decl *numbered(enum kind k, const char *what, uint64_t max, const char *why)
{
    const char *name = ident("name", 1);
    uint64_t num = number(what, NULL);
    if (num > max) die("%s %s %llu is out of range (max %llu: %s)", keyword[k], what, (ull)num, (ull)max, why);
    struct decl *o = find_num(k, num);
    if (o) die("%s %s: %s %llu is already used by %s (line %d)", keyword[k], name, what, (ull)num, o->name, o->line);
    struct decl *d = new_decl(k, "", name);
    d->num = num;
    return d;
}

static void parse_const(void)
{
    struct decl *d = new_decl(K_CONST, "", ident("const name", 1));
    d->num = number("const value", d->spell);
    doc_and_end(d->doc);
}

static void parse_syscall(void)
{
    doc_and_end(numbered(K_SYSCALL, "number", 15, "the syscall number is a 4-bit field")->doc);
}

static void parse_error(void)
{
    doc_and_end(numbered(K_ERROR, "number", 255, "size of the name table")->doc);
}

static void parse_object(void)
{
    struct decl *d = numbered(K_OBJECT, "number", 255, "size of the name table");
    d->num2 = number("size bits", NULL);
    if (d->num2 > 63) die("object %s: size bits %llu > 63", d->name, (ull)d->num2);
    doc_and_end(d->doc);
}

static void parse_right(void)
{
    doc_and_end(numbered(K_RIGHT, "bit", 63, "rights are a 64-bit mask")->doc);
}

static void parse_slot(void)
{
    doc_and_end(numbered(K_SLOT, "number", UINT64_MAX, "")->doc);
}

static uint64_t mask(uint64_t width) { return width >= 64 ? UINT64_MAX : (1ULL << width) - 1; }

static void parse_field(void)
{
    const char *w = ident("word name", 0);
    struct decl *d = new_decl(K_FIELD, w, ident("field name", 1));
    d->num = number("shift", NULL);
    d->num2 = number("width", NULL);
    if (d->num2 == 0) die("field %s.%s has width 0", w, d->name);
    if (d->num > 64 || d->num2 > 64 || d->num + d->num2 > 64)
        die("field %s.%s: shift %llu + width %llu exceeds 64 bits", w, d->name, (ull)d->num, (ull)d->num2);
    for (struct decl *o = decls; o < d; o++)
        if (o->kind == K_FIELD && !strcmp(o->scope, w) && (mask(o->num2) << o->num & mask(d->num2) << d->num))
            die("field %s.%s (bits %llu..%llu) overlaps %s.%s (bits %llu..%llu, line %d)", w, d->name,
                (ull)d->num, (ull)(d->num + d->num2 - 1), w, o->name, (ull)o->num,
                (ull)(o->num + o->num2 - 1), o->line);
    doc_and_end(d->doc);
}

// "(a, b, c)": the stub's own parameter and local names are off limits for arguments.
static int name_list(char (*names)[NAMELEN], const char *what, int is_arg)
{
    int n = 0;
    expect("(");
    if (accept(")")) return 0;
    do {
        const char *s = ident(what, 0);
        if (n == MAXLIST) die("more than %d %ss", MAXLIST, what);
        for (int i = 0; i < n; i++)
            if (!strcmp(names[i], s)) die("duplicate %s '%s'", what, s);
        if (is_arg && in_words(s, " cap out args ")) die("%s name '%s' is reserved for the user stub", what, s);
        strcpy(names[n++], s);
    } while (accept(","));
    expect(")");
    return n;
}

static void parse_method(void)
{
    const char *obj = ident("object name", 1);
    if (!find(K_OBJECT, "", obj)) die("method on unknown object '%s' (declare it with 'object' first)", obj);
    struct decl *d = new_decl(K_METHOD, obj, ident("method name", 1));
    d->num = number("label", NULL);
    for (struct decl *o = decls; o < d; o++)
        if (o->kind == K_METHOD && o->num == d->num)
            die("method %s.%s: label %llu is already used by %s.%s (line %d)", obj, d->name, (ull)d->num,
                o->scope, o->name, o->line);
    d->nargs = name_list(d->args, "argument", 1);
    expect("->");
    d->nres = name_list(d->res, "result", 0);
    doc_and_end(d->doc);
    nmethods++;
    max_args = d->nargs > max_args ? d->nargs : max_args;
    max_res = d->nres > max_res ? d->nres : max_res;
}

static void parse_struct(void)
{
    struct decl *d = new_decl(K_STRUCT, "", ident("struct name", 0));
    doc_and_end(d->doc);
    d->first = nmembers;
    cur_struct = d;
}

static uint64_t align_up(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }

// Natural C alignment, which is also what Rust's #[repr(C)] uses.
static void end_struct(void)
{
    struct decl *d = cur_struct;
    uint64_t off = 0;
    d->nmembers = nmembers - d->first;
    if (!d->nmembers) die("struct %s has no members", d->name);
    d->align = 1;
    for (struct member *m = &members[d->first]; m < &members[nmembers]; m++) {
        m->offset = off = align_up(off, m->align);
        off += m->size * m->n;
        if (m->align > d->align) d->align = m->align;
    }
    d->size = align_up(off, d->align);
    cur_struct = NULL;
}

static void parse_member(void)
{
    const char *t = word("member type or 'end'");
    if (!strcmp(t, "end")) {
        if (pos < ntok) die("unexpected %s after 'end'", found());
        end_struct();
        return;
    }
    if (nmembers == MAXMEMBERS) die("too many struct members");
    struct member *m = &members[nmembers];
    if (!strcmp(t, "struct")) {
        const char *sn = ident("struct name", 0);
        struct decl *s = find(K_STRUCT, "", sn);
        if (s == cur_struct) die("struct %s cannot contain itself", sn);
        if (!s) die("member of unknown type 'struct %s' (not declared before; or is struct %s from line %d"
                    " missing 'end'?)", sn, cur_struct->name, cur_struct->line);
        m->is_struct = 1;
        strcpy(m->type, sn);
        m->size = s->size;
        m->align = s->align;
    } else if (!strcmp(t, "u8") || !strcmp(t, "u16") || !strcmp(t, "u32") || !strcmp(t, "u64")) {
        strcpy(m->type, t);
        m->size = m->align = strtoull(t + 1, NULL, 10) / 8;
    } else {
        die("member of unknown type '%s'%s", t, in_words(t, keywords) ? fmt(" (struct %s from line %d is missing 'end'?)", cur_struct->name, cur_struct->line) : "");
    }
    strcpy(m->name, ident("member name", 0));
    for (struct member *o = &members[cur_struct->first]; o < m; o++)
        if (!strcmp(o->name, m->name)) die("duplicate member '%s' in struct %s", m->name, cur_struct->name);
    m->n = 1;
    if (accept("[")) {
        const char *c = word("array count");
        if (isdigit((unsigned char)c[0])) {
            pos--;
            m->n = number("array count", m->count);
        } else {
            struct decl *k = find(K_CONST, "", c);
            if (!k) die("array count '%s' is neither a number nor a previously declared const", c);
            strcpy(m->count, c);
            m->n = k->num;
        }
        expect("]");
        if (m->n == 0) die("array '%s' has no elements", m->name);
        if (m->n > (1ULL << 32) / m->size) die("array '%s' is too large", m->name);
    }
    doc_and_end(m->doc);
    nmembers++;
}

static void parse_line(void)
{
    static void (*const parse[])(void) = {
        parse_const, parse_syscall, parse_error, parse_object, parse_right,
        parse_slot, parse_field, parse_method, parse_struct,
    };
    if (ntok == 0) return;
    if (cur_struct) { parse_member(); return; }
    const char *kw = word("a keyword");
    for (size_t k = 0; k < sizeof parse / sizeof parse[0]; k++)
        if (!strcmp(kw, keyword[k])) { parse[k](); return; }
    if (!strcmp(kw, "end")) die("'end' without 'struct'");
    die("unknown keyword '%s'", kw);
}

static void parse_file(const char *path)
{
    char line[LINELEN];
    FILE *f = fopen(path, "r");
    if (!f) die("cannot open %s: %s", path, strerror(errno));
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f)) die("line longer than %d characters", LINELEN - 2);
        tokenize(line);
        parse_line();
    }
    if (ferror(f)) die("read error: %s", strerror(errno));
    fclose(f);
    if (cur_struct) {
        lineno = cur_struct->line;
        die("struct %s is not terminated by 'end'", cur_struct->name);
    }
}

// ---- Name collisions across kinds (e.g. const SYS_CALL vs syscall CALL) ----------------

static struct { char name[NAMELEN * 3]; int line; } claims[MAXCLAIMS];
static int nclaims;

static void claim(const char *fmt, ...)
{
    char buf[NAMELEN * 3];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    for (int i = 0; i < nclaims; i++)
        if (!strcmp(claims[i].name, buf)) {
            if (claims[i].line) die("generated name %s is also generated for line %d", buf, claims[i].line);
            die("generated name %s is reserved by abigen", buf);
        }
    if (nclaims == MAXCLAIMS) die("too many generated names");
    strcpy(claims[nclaims].name, buf);
    claims[nclaims++].line = lineno;
}

// Fields of one word may be interleaved with other declarations; the word's accessors and
// make() are emitted together at its first field.
static int first_of_word(const struct decl *d)
{
    for (const struct decl *o = decls; o < d; o++)
        if (o->kind == K_FIELD && !strcmp(o->scope, d->scope)) return 0;
    return 1;
}

static void check_names(void)
{
    static const char *const fixed[] = {
        "KOZO_ABI_H", "KOZO_ABI_FINGERPRINT", "KOZO_ABI_FINGERPRINT_STR", "KOZO_ABI_UNUSED",
        "KOZO_SYS_COUNT", "KOZO_ERR_COUNT", "KOZO_OBJ_COUNT", "KOZO_INV_MAX_ARGS",
        "KOZO_INV_MAX_RES", "KOZO_METHOD_COUNT", "kozo_invoke", "kozo_syscall_names",
        "kozo_error_names", "kozo_object_names", "kozo_method_names", "struct kozo_method_name",
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) claim("%s", fixed[i]);
    for (struct decl *d = decls; d < decls + ndecls; d++) {
        lineno = d->line;
        const char *n = d->name, *s = d->scope;
        switch (d->kind) {
        case K_FIELD:
            claim("KOZO_%s_%s_SHIFT", up(s), n);
            claim("KOZO_%s_%s_WIDTH", up(s), n);
            claim("KOZO_%s_%s_MASK", up(s), n);
            claim("kozo_%s_get_%s", s, low(n));
            claim("kozo_%s_set_%s", s, low(n));
            if (first_of_word(d)) claim("kozo_%s_make", s);
            break;
        case K_METHOD:
            claim("KOZO_INV_%s_%s", s, n);
            claim("KOZO_INV_%s_%s_NARGS", s, n);
            claim("KOZO_INV_%s_%s_NRES", s, n);
            claim("struct kozo_args_%s_%s", low(s), low(n));
            claim("struct kozo_res_%s_%s", low(s), low(n));
            claim("kozo_%s_%s", low(s), low(n));
            break;
        case K_STRUCT:
            claim("struct kozo_%s", n);
            claim("rust type %s", camel(n));
            break;
        default:
            claim("KOZO_%s%s", prefix[d->kind], n);
            if (d->kind == K_OBJECT) claim("KOZO_OBJ_%s_BITS", n);
        }
    }
    lineno = 0;
}

// ---- Output helpers ----------------------------------------------------------------------

#define P(...) fprintf(out, __VA_ARGS__)

static const char *dec(uint64_t v) { return fmt("%llu", (ull)v); }

// C: without a suffix a large literal's type depends on its spelling and the target.
static const char *cnum(uint64_t v, const char *spell)
{
    return fmt("%s%s", spell, v > 0x7fffffff ? "ULL" : "");
}

static uint64_t count_of(enum kind k) // max + 1: name tables and *_COUNT
{
    uint64_t n = 0;
    for (struct decl *d = decls; d < decls + ndecls; d++)
        if (d->kind == k && d->num + 1 > n) n = d->num + 1;
    return n;
}

#define EACH(d, k) for (struct decl *d = decls; d < decls + ndecls; d++) if (d->kind == (k))
#define EACH_FIELD_OF(f, w) for (struct decl *f = w; f < decls + ndecls; f++) \
    if (f->kind == K_FIELD && !strcmp(f->scope, w->scope))

// ---- C header ------------------------------------------------------------------------------

static void c_define(const char *name, const char *val, const char *doc)
{
    P("#define %-40s %s", name, val);
    if (*doc) P(" /* %s */", doc);
    P("\n");
}

static void c_names(enum kind k, const char *table, const char *count, uint64_t n)
{
    if (!n) return;
    P("#ifdef KOZO_ABI_WANT_NAMES\nstatic const char *const %s[%s] KOZO_ABI_UNUSED = {\n", table, count);
    for (uint64_t i = 0; i < n; i++) {
        struct decl *d = find_num(k, i);
        P("    %s, /* %llu */\n", d ? fmt("\"%s\"", d->name) : "NULL", (ull)i);
    }
    P("};\n#endif\n");
}

static void c_words_struct(const struct decl *d, int res)
{
    int n = res ? d->nres : d->nargs;
    const char *tag = fmt("kozo_%s_%s_%s", res ? "res" : "args", low(d->scope), low(d->name));
    if (!n) return;
    P("struct %s {\n", tag);
    for (int i = 0; i < n; i++) P("    uint64_t %s;\n", res ? d->res[i] : d->args[i]);
    P("};\n_Static_assert(sizeof(struct %s) == %d, \"struct %s: one word each\");\n", tag, 8 * n, tag);
}

static void c_stub(const struct decl *d)
{
    char o[NAMELEN], n[NAMELEN];
    strcpy(o, low(d->scope));
    strcpy(n, low(d->name));
    P("\n/* %s.%s: %s */\nstatic inline uint64_t kozo_%s_%s(uint64_t cap", d->scope, d->name, d->doc, o, n);
    for (int i = 0; i < d->nargs; i++) P(", uint64_t %s", d->args[i]);
    if (d->nres) P(", struct kozo_res_%s_%s *out", o, n);
    P(")\n{\n");
    if (d->nargs) {
        P("    uint64_t args[%d] = {", d->nargs);
        for (int i = 0; i < d->nargs; i++) P("%s%s", i ? ", " : "", d->args[i]);
        P("};\n");
    }
    P("    return kozo_invoke(cap, KOZO_INV_%s_%s, %d, %s, %d, %s);\n}\n", d->scope, d->name, d->nargs,
      d->nargs ? "args" : "NULL", d->nres, d->nres ? "out ? (uint64_t *)out : NULL" : "NULL");
}

static void emit_c(void)
{
    P("/* SPDX-License-Identifier: MIT OR Apache-2.0 */\n"
      "/*\n * kozo_abi.h: the KOZO kernel ABI for C (kernel, libkozo, services).\n *\n"
      " * GENERATED by tools/abigen from %s -- DO NOT EDIT; change %s instead.\n"
      " * ABI fingerprint: %s\n *\n"
      " * -DKOZO_KERNEL drops the user invocation stubs; -DKOZO_ABI_WANT_NAMES adds name tables.\n"
      " */\n#ifndef KOZO_ABI_H\n#define KOZO_ABI_H\n\n#include <stddef.h>\n#include <stdint.h>\n\n",
      src_name, src_name, fp);
    c_define("KOZO_ABI_FINGERPRINT", fmt("0x%sULL", fp), fmt("BLAKE3 of %s, first 64 bits", src_name));
    c_define("KOZO_ABI_FINGERPRINT_STR", fmt("\"%s\"", fp), "");
    P("\n#ifdef __GNUC__\n#define KOZO_ABI_UNUSED __attribute__((unused))\n#else\n#define KOZO_ABI_UNUSED\n#endif\n");

    for (enum kind k = K_CONST; k <= K_SLOT; k++) {
        P("\n/* ---- %s ---- */\n\n", title[k]);
        EACH(d, k) {
            const char *v = k == K_CONST ? cnum(d->num, d->spell)
                          : k == K_RIGHT ? fmt("(1ULL << %llu)", (ull)d->num) : cnum(d->num, dec(d->num));
            c_define(fmt("KOZO_%s%s", prefix[k], d->name), v, d->doc);
            if (k == K_OBJECT) c_define(fmt("KOZO_OBJ_%s_BITS", d->name), dec(d->num2), "");
        }
        if (k == K_SYSCALL) c_define("KOZO_SYS_COUNT", "16", "the syscall number is 4 bits");
        if (k == K_ERROR) c_define("KOZO_ERR_COUNT", dec(count_of(k)), "");
        if (k == K_OBJECT) c_define("KOZO_OBJ_COUNT", dec(count_of(k)), "");
        if (k == K_SYSCALL) c_names(k, "kozo_syscall_names", "KOZO_SYS_COUNT", 16);
        if (k == K_ERROR) c_names(k, "kozo_error_names", "KOZO_ERR_COUNT", count_of(k));
        if (k == K_OBJECT) c_names(k, "kozo_object_names", "KOZO_OBJ_COUNT", count_of(k));
    }

    P("\n/* ---- %s ---- */\n", title[K_FIELD]);
    EACH(w, K_FIELD) {
        if (!first_of_word(w)) continue;
        const char *s = w->scope;
        char W[NAMELEN], l[NAMELEN]; // held across fmt() calls, which reuse their buffers
        strcpy(W, up(s));
        P("\n");
        EACH_FIELD_OF(f, w) {
            const char *n = f->name;
            strcpy(l, low(n));
            c_define(fmt("KOZO_%s_%s_SHIFT", W, n), dec(f->num), f->doc);
            c_define(fmt("KOZO_%s_%s_WIDTH", W, n), dec(f->num2), "");
            c_define(fmt("KOZO_%s_%s_MASK", W, n), fmt("0x%llxULL", (ull)mask(f->num2)), "");
            P("static inline uint64_t kozo_%s_get_%s(uint64_t w)\n{\n"
              "    return (w >> KOZO_%s_%s_SHIFT) & KOZO_%s_%s_MASK;\n}\n", s, l, W, n, W, n);
            P("static inline uint64_t kozo_%s_set_%s(uint64_t w, uint64_t v)\n{\n"
              "    return (w & ~(KOZO_%s_%s_MASK << KOZO_%s_%s_SHIFT)) | ((v & KOZO_%s_%s_MASK) << KOZO_%s_%s_SHIFT);\n}\n",
              s, l, W, n, W, n, W, n, W, n);
        }
        P("static inline uint64_t kozo_%s_make(", s);
        const char *sep = "";
        EACH_FIELD_OF(f, w) { P("%suint64_t %s", sep, low(f->name)); sep = ", "; }
        P(")\n{\n    return ");
        sep = "";
        EACH_FIELD_OF(f, w) {
            P("%s((%s & KOZO_%s_%s_MASK) << KOZO_%s_%s_SHIFT)", sep, low(f->name), W, f->name, W, f->name);
            sep = "\n         | ";
        }
        P(";\n}\n");
    }

    P("\n/* ---- %s: CALL on a kernel object capability, label in the message info ---- */\n\n", title[K_METHOD]);
    EACH(d, K_METHOD) {
        c_define(fmt("KOZO_INV_%s_%s", d->scope, d->name), cnum(d->num, dec(d->num)), d->doc);
        c_define(fmt("KOZO_INV_%s_%s_NARGS", d->scope, d->name), dec((uint64_t)d->nargs), "");
        c_define(fmt("KOZO_INV_%s_%s_NRES", d->scope, d->name), dec((uint64_t)d->nres), "");
    }
    c_define("KOZO_INV_MAX_ARGS", dec((uint64_t)max_args), "most arguments of any method");
    c_define("KOZO_INV_MAX_RES", dec((uint64_t)max_res), "most results of any method");
    c_define("KOZO_METHOD_COUNT", dec((uint64_t)nmethods), "");
    P("\n/* Argument and result words of each method, in message-word order. */\n");
    EACH(d, K_METHOD) { c_words_struct(d, 0); c_words_struct(d, 1); }
    if (nmethods) {
        P("\n#ifdef KOZO_ABI_WANT_NAMES\nstruct kozo_method_name {\n    uint64_t label;\n    const char *name;\n};\n"
          "static const struct kozo_method_name kozo_method_names[KOZO_METHOD_COUNT] KOZO_ABI_UNUSED = {\n");
        EACH(d, K_METHOD) P("    {%llu, \"%s.%s\"},\n", (ull)d->num, d->scope, d->name);
        P("};\n#endif\n\n#ifndef KOZO_KERNEL\n"
          "/* libkozo: CALL on CAP with LABEL and NARGS words; copies up to NRES result words to RES. */\n"
          "uint64_t kozo_invoke(uint64_t cap, uint64_t label, unsigned nargs, const uint64_t *args,\n"
          "                     unsigned nres, uint64_t *res);\n");
        EACH(d, K_METHOD) c_stub(d);
        P("#endif /* !KOZO_KERNEL */\n");
    }

    P("\n/* ---- %s (layout computed by abigen, checked by the compiler) ---- */\n", title[K_STRUCT]);
    EACH(d, K_STRUCT) {
        const char *n = d->name;
        P("\n");
        if (*d->doc) P("/* %s */\n", d->doc);
        P("struct kozo_%s {\n", n);
        for (struct member *m = &members[d->first]; m < &members[d->first + d->nmembers]; m++) {
            P("    %s %s", m->is_struct ? fmt("struct kozo_%s", m->type) : fmt("uint%s_t", m->type + 1), m->name);
            if (*m->count) P("[%s]", isdigit((unsigned char)*m->count) ? m->count : fmt("KOZO_%s", m->count));
            P(";%s\n", *m->doc ? fmt(" /* %s */", m->doc) : "");
        }
        P("};\n_Static_assert(sizeof(struct kozo_%s) == %llu, \"struct kozo_%s: size\");\n", n, (ull)d->size, n);
        P("_Static_assert(_Alignof(struct kozo_%s) == %llu, \"struct kozo_%s: alignment\");\n", n, (ull)d->align, n);
        for (struct member *m = &members[d->first]; m < &members[d->first + d->nmembers]; m++)
            P("_Static_assert(offsetof(struct kozo_%s, %s) == %llu, \"struct kozo_%s: offset of %s\");\n",
              n, m->name, (ull)m->offset, n, m->name);
    }
    P("\n#endif /* KOZO_ABI_H */\n");
}

// ---- Rust module -----------------------------------------------------------------------------
// No inner attributes (#![...]): they would break `include!`. Everything is `pub`, so a lib
// crate or a `pub mod` has no dead code, and names follow the Rust case conventions.

static void rs_const(const char *name, const char *val, const char *doc)
{
    if (*doc) P("/// %s\n", doc);
    P("pub const %s: u64 = %s;\n", name, val);
}

static void emit_rust(void)
{
    P("// SPDX-License-Identifier: MIT OR Apache-2.0\n"
      "// kozo_abi.rs: the KOZO kernel ABI for Rust (no_std: needs only `core`).\n//\n"
      "// GENERATED by tools/abigen from %s -- DO NOT EDIT; change %s instead.\n"
      "// ABI fingerprint: %s\n//\n"
      "// Use as a module (`mod kozo_abi;`) or with `include!`.\n\n", src_name, src_name, fp);
    rs_const("ABI_FINGERPRINT", fmt("0x%s", fp), fmt("BLAKE3 of %s, first 64 bits.", src_name));
    P("pub const ABI_FINGERPRINT_STR: &str = \"%s\";\n", fp);

    for (enum kind k = K_CONST; k <= K_SLOT; k++) {
        P("\n// ---- %s ----\n\n", title[k]);
        EACH(d, k) {
            rs_const(fmt("%s%s", prefix[k], d->name),
                     k == K_CONST ? d->spell : k == K_RIGHT ? fmt("1 << %llu", (ull)d->num) : dec(d->num), d->doc);
            if (k == K_OBJECT) rs_const(fmt("OBJ_%s_BITS", d->name), dec(d->num2), "");
        }
        if (k == K_SYSCALL) rs_const("SYS_COUNT", "16", "The syscall number is 4 bits.");
        if (k == K_ERROR) rs_const("ERR_COUNT", dec(count_of(k)), "");
        if (k == K_OBJECT) rs_const("OBJ_COUNT", dec(count_of(k)), "");
    }

    P("\n// ---- %s ----\n", title[K_FIELD]);
    EACH(w, K_FIELD) {
        if (!first_of_word(w)) continue;
        const char *s = w->scope;
        char W[NAMELEN], l[NAMELEN]; // held across fmt() calls, which reuse their buffers
        strcpy(W, up(s));
        P("\n");
        EACH_FIELD_OF(f, w) {
            const char *n = f->name;
            strcpy(l, low(n));
            rs_const(fmt("%s_%s_SHIFT", W, n), dec(f->num), f->doc);
            rs_const(fmt("%s_%s_WIDTH", W, n), dec(f->num2), "");
            rs_const(fmt("%s_%s_MASK", W, n), fmt("0x%llx", (ull)mask(f->num2)), "");
            P("pub const fn %s_get_%s(w: u64) -> u64 {\n    (w >> %s_%s_SHIFT) & %s_%s_MASK\n}\n", s, l, W, n, W, n);
            P("pub const fn %s_set_%s(w: u64, v: u64) -> u64 {\n"
              "    (w & !(%s_%s_MASK << %s_%s_SHIFT)) | ((v & %s_%s_MASK) << %s_%s_SHIFT)\n}\n",
              s, l, W, n, W, n, W, n, W, n);
        }
        P("pub const fn %s_make(", s);
        const char *sep = "";
        EACH_FIELD_OF(f, w) { P("%s%s: u64", sep, rs_id(low(f->name))); sep = ", "; }
        P(") -> u64 {\n    ");
        sep = "";
        EACH_FIELD_OF(f, w) {
            P("%s(%s & %s_%s_MASK) << %s_%s_SHIFT", sep, rs_id(low(f->name)), W, f->name, W, f->name);
            sep = "\n        | ";
        }
        P("\n}\n");
    }

    P("\n// ---- %s ----\n\n", title[K_METHOD]);
    EACH(d, K_METHOD) {
        rs_const(fmt("INV_%s_%s", d->scope, d->name), dec(d->num), d->doc);
        rs_const(fmt("INV_%s_%s_NARGS", d->scope, d->name), dec((uint64_t)d->nargs), "");
        rs_const(fmt("INV_%s_%s_NRES", d->scope, d->name), dec((uint64_t)d->nres), "");
    }
    rs_const("INV_MAX_ARGS", dec((uint64_t)max_args), "Most arguments of any method.");
    rs_const("INV_MAX_RES", dec((uint64_t)max_res), "Most results of any method.");
    rs_const("METHOD_COUNT", dec((uint64_t)nmethods), "");

    P("\n// ---- %s ----\n", title[K_STRUCT]);
    EACH(d, K_STRUCT) {
        char T[NAMELEN];
        strcpy(T, camel(d->name));
        P("\n");
        if (*d->doc) P("/// %s\n", d->doc);
        P("#[repr(C)]\n#[derive(Clone, Copy)]\npub struct %s {\n", T);
        for (struct member *m = &members[d->first]; m < &members[d->first + d->nmembers]; m++) {
            const char *t = m->is_struct ? camel(m->type) : m->type;
            if (*m->doc) P("    /// %s\n", m->doc);
            if (*m->count)
                P("    pub %s: [%s; %s],\n", rs_id(m->name), t,
                  isdigit((unsigned char)*m->count) ? dec(m->n) : fmt("%s as usize", m->count));
            else
                P("    pub %s: %s,\n", rs_id(m->name), t);
        }
        P("}\nconst _: () = assert!(core::mem::size_of::<%s>() == %llu);\n", T, (ull)d->size);
        P("const _: () = assert!(core::mem::align_of::<%s>() == %llu);\n", T, (ull)d->align);
    }
}

// ---- Driver ------------------------------------------------------------------------------------

// Both outputs go to PATH.tmp first and are renamed only when both are complete, so a failed
// or interrupted run never leaves a half-written header or a .h/.rs pair out of lockstep.
static char tmp[2][4096];
static void remove_tmp(void) { remove(tmp[0]); remove(tmp[1]); } // no-op once renamed

static void write_tmp(char *t, const char *path, void (*emit)(void))
{
    if (snprintf(t, sizeof tmp[0], "%s.tmp", path) >= (int)sizeof tmp[0]) die("path too long: %s", path);
    if (!(out = fopen(t, "w"))) die("cannot create %s: %s", t, strerror(errno));
    emit();
    int bad = ferror(out);
    if (fclose(out) || bad) die("cannot write %s", t);
}

static void commit(const char *t, const char *path)
{
    if (rename(t, path)) die("cannot rename %s to %s: %s", t, path, strerror(errno));
}

static _Noreturn void usage(void)
{
    fprintf(stderr, "usage: abigen --in FILE.abi --fingerprint <16 hex digits> [--c OUT.h] [--rs OUT.rs]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *in = NULL, *fpin = NULL, *c = NULL, *rs = NULL;
    for (int i = 1; i < argc; i++) {
        const char **opt = !strcmp(argv[i], "--in") ? &in : !strcmp(argv[i], "--fingerprint") ? &fpin
                         : !strcmp(argv[i], "--c") ? &c : !strcmp(argv[i], "--rs") ? &rs : NULL;
        if (!opt || i + 1 >= argc) usage();
        *opt = argv[++i];
    }
    if (!in || !fpin || (!c && !rs)) usage();
    int ok = strlen(fpin) == 16;
    for (int i = 0; ok && i < 16; i++) {
        ok = isxdigit((unsigned char)fpin[i]);
        fp[i] = (char)tolower((unsigned char)fpin[i]);
    }
    if (!ok) die("--fingerprint '%s' is not exactly 16 hex digits", fpin);
    src_name = strrchr(in, '/') ? strrchr(in, '/') + 1 : in;

    parse_file(in);
    check_names();
    atexit(remove_tmp);
    if (c) write_tmp(tmp[0], c, emit_c);
    if (rs) write_tmp(tmp[1], rs, emit_rust);
    if (c) commit(tmp[0], c);
    if (rs) commit(tmp[1], rs);
    return 0;
}
