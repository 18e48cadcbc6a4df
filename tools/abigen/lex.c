// SPDX-License-Identifier: MIT OR Apache-2.0
// lex.c: abigen's token layer (tools/sysgen reads its files with it too). One line at a time
// becomes words, "strings", ( ) , [ ] and -> ('#' starts a comment); the helpers below take
// them in order and die with the file and line on anything unexpected. Also the small
// string helpers every part uses.
#include "abigen.h"

const char *tool_name = "abigen"; // tools/sysgen shares this file and says its own name

_Noreturn void
die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (lineno > 0)
        fprintf(stderr, "%s: %s:%d: ", tool_name, src_name, lineno);
    else
        fprintf(stderr, "%s: ", tool_name);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

const char *
where(const char *file, int line)
{
    return strcmp(file, src_name) ? fmt("%s:%d", file, line) : fmt("line %d", line);
}

// Small rotating buffers so several derived names can appear in one printf.
static char *
rot(void)
{
    static char bufs[16][NAMELEN * 4];
    static unsigned i;
    return bufs[i++ % 16];
}

const char *
fmt(const char *f, ...)
{
    char *b = rot();
    va_list ap;
    va_start(ap, f);
    vsnprintf(b, NAMELEN * 4, f, ap);
    va_end(ap);
    return b;
}

// mode 'U': UPPER, 'L': lower, 'C': CamelCase (untyped_desc -> UntypedDesc)
static const char *
recase(const char *s, char mode)
{
    char *b = rot(), *o = b;
    for (int start = 1; *s; s++) {
        int c = (unsigned char)*s;
        if (mode == 'C' && c == '_') {
            start = 1;
            continue;
        }
        *o++ = (char)(mode == 'L' ? tolower(c) : mode == 'U' || start ? toupper(c) : c);
        start = 0;
    }
    *o = 0;
    return b;
}
const char *
up(const char *s)
{
    return recase(s, 'U');
}
const char *
low(const char *s)
{
    return recase(s, 'L');
}
const char *
camel(const char *s)
{
    return recase(s, 'C');
}

int
in_words(const char *s, const char *words) // words: " a b c "
{
    char pat[NAMELEN + 2];
    snprintf(pat, sizeof pat, " %s ", s);
    return strstr(words, pat) != NULL;
}

const char keywords[] = " const syscall error object right slot field method struct end ";
// Lower-case names become bare C identifiers (members, parameters) and Rust fields; the last
// three are Rust keywords that cannot be written as raw identifiers.
const char c_words[] =
    " auto bool break case char const continue default do double else enum extern false float"
    " for goto if inline int long register restrict return short signed sizeof static struct"
    " switch true typedef union unsigned void volatile while self super crate ";
const char rust_words[] =
    " abstract as async await become box break const continue do dyn else enum extern false"
    " final fn for gen if impl in let loop macro match mod move mut override priv pub ref return"
    " static struct trait true try type typeof unsafe unsized use virtual where while yield ";

const char *
rs_id(const char *s) // `type` is a fine C member but needs r# in Rust
{
    return in_words(s, rust_words) ? fmt("r#%s", s) : s;
}

// ---- Tokenizer: words, "strings", ( ) , [ ] and ->; '#' starts a comment ----------------

enum ttype { T_WORD, T_STR, T_PUNCT };
static struct tok {
    enum ttype type;
    char s[DOCLEN];
} toks[MAXTOK];
int ntok, pos;

int
at_string(void)
{
    return pos < ntok && toks[pos].type == T_STR;
}

void
tokenize(const char *p)
{
    ntok = pos = 0;
    while (*p && *p != '#') {
        if (isspace((unsigned char)*p)) {
            p++;
            continue;
        }
        if (ntok == MAXTOK)
            die("too many tokens on one line");
        struct tok *t = &toks[ntok++];
        const char *start = p, *end;
        if (*p == '"') {
            t->type = T_STR;
            start = p + 1;
            end = strchr(start, '"');
            if (!end)
                die("unterminated string");
            p = end + 1;
        } else if (p[0] == '-' && p[1] == '>') {
            t->type = T_PUNCT;
            end = p += 2;
        } else if (strchr("(),[]", *p)) {
            t->type = T_PUNCT;
            end = ++p;
        } else if (isalnum((unsigned char)*p) || *p == '_') {
            t->type = T_WORD;
            while (isalnum((unsigned char)*p) || *p == '_')
                p++;
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

const char *
found(void)
{
    if (pos >= ntok)
        return "end of line";
    return fmt("'%.*s'", NAMELEN, toks[pos].s);
}

const char *
word(const char *what)
{
    if (pos >= ntok || toks[pos].type != T_WORD)
        die("expected %s, found %s", what, found());
    return toks[pos++].s;
}

int
accept(const char *punct)
{
    if (pos < ntok && toks[pos].type == T_PUNCT && !strcmp(toks[pos].s, punct)) {
        pos++;
        return 1;
    }
    return 0;
}

void
expect(const char *punct)
{
    if (!accept(punct))
        die("expected '%s', found %s", punct, found());
}

// Names are UPPER_SNAKE (become macros / Rust consts) or lower_snake (become members, fields,
// functions). Single underscores only, so the Rust case lints can never fire.
const char *
ident(const char *what, int upper)
{
    const char *s = word(what);
    int ok = isalpha((unsigned char)s[0]);
    for (const char *p = s; *p && ok; p++)
        ok = *p == '_' ? p[1] && p[1] != '_'
                       : isdigit((unsigned char)*p) ||
                             (upper ? isupper((unsigned char)*p) : islower((unsigned char)*p));
    if (!ok)
        die("%s '%s' must be %s", what, s, upper ? "UPPER_SNAKE_CASE" : "lower_snake_case");
    if (in_words(low(s), c_words) && (!upper || !strcmp(what, "field name")))
        die("%s '%s' is a reserved word in C or Rust", what, s); // field names become parameters
    return s;
}

uint64_t
number(const char *what, char *spell)
{
    const char *s = word(what), *d = s;
    unsigned base = 10;
    uint64_t v = 0;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        d += 2;
    }
    if (!*d)
        die("%s '%s' is not a number", what, s);
    for (; *d; d++) {
        int c = tolower((unsigned char)*d);
        unsigned x = isdigit(c)                  ? (unsigned)(c - '0')
                     : base == 16 && isxdigit(c) ? (unsigned)(c - 'a' + 10)
                                                 : 99;
        if (x >= base)
            die("%s '%s' is not a number", what, s);
        if (v > (UINT64_MAX - x) / base)
            die("%s '%s' does not fit in 64 bits", what, s);
        v = v * base + x;
    }
    // Hex stays hex; "010" would be octal in C but ten in Rust, and Rust rejects "0X".
    if (spell)
        strcpy(spell, base == 16 ? fmt("0x%s", s + 2) : fmt("%llu", (ull)v));
    return v;
}

const char *
string(const char *what)
{
    if (!at_string())
        die("expected %s in quotes, found %s", what, found());
    return toks[pos++].s;
}

void
doc_and_end(char *doc)
{
    doc[0] = 0;
    if (pos < ntok && toks[pos].type == T_STR) {
        if (strstr(toks[pos].s, "*/"))
            die("doc string must not contain '*/'");
        strcpy(doc, toks[pos++].s);
    }
    if (pos < ntok)
        die("unexpected %s at end of line", found());
}

const char *
dec(uint64_t v)
{
    return fmt("%llu", (ull)v);
}
