// SPDX-License-Identifier: MIT OR Apache-2.0
// abigen.h: what the parts of abigen share: the declarations read from the .abi files, the
// token layer's helpers, and the output stream. lex.c reads tokens, parse.c turns lines into
// declarations, check.c refuses ambiguous names, emit_c.c and emit_rs.c write the outputs,
// main.c drives them.
#ifndef ABIGEN_H
#define ABIGEN_H

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
#define MAXLIST    16 // arguments or results of one method
#define MAXDECLS   1024
#define MAXMEMBERS 1024
#define MAXCLAIMS  (MAXDECLS * 8)

enum kind { K_CONST, K_SYSCALL, K_ERROR, K_OBJECT, K_RIGHT, K_SLOT, K_FIELD, K_METHOD, K_STRUCT };
extern const char *const keyword[]; // of each kind, as written in the .abi file
extern const char *const title[];   // of each kind's section in the outputs
extern const char *const prefix[];  // of the generated names of each numbered kind

struct member {
    char type[NAMELEN]; // "u8".."u64", or a struct name if is_struct
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
    const char *file; // where it was declared (basename), and on which line
    int line;
    char name[NAMELEN];
    char scope[NAMELEN]; // field: WORD; method: OBJ
    char spell[NAMELEN]; // const: the value as written, so hex stays hex
    uint64_t num;        // value, number, bit, shift or label
    uint64_t num2;       // object size bits, field width
    char doc[DOCLEN];
    int nargs, nres;
    char args[MAXLIST][NAMELEN], res[MAXLIST][NAMELEN];
    uint64_t errors;     // method: the errors it may return, a mask of error numbers (< 64)
    int sized;           // object: Retype's size_bits adds to its size bits (Untyped, CNode)
    int first, nmembers; // struct: members[first .. first + nmembers)
    uint64_t size, align;
};

// The input (parse.c) and the output stream (main.c).
extern const char *src_name; // basename of the file being read: the only path that reaches output
extern char src_names[];     // all inputs, for the outputs' headers: "kernel.abi, x86_64.abi"
extern int lineno;           // 0 outside the input (command-line errors)
extern struct decl decls[MAXDECLS];
extern int ndecls;
extern struct member members[MAXMEMBERS];
extern int nmembers;
extern int nmethods, max_args, max_res;
extern char fp[17]; // fingerprint, lower-case hex
extern FILE *out;

typedef unsigned long long ull; // printf needs a type with a fixed conversion

// lex.c: errors, formatting into rotating buffers, names, and the tokens of one line.
extern const char *tool_name; // what die() calls the program
_Noreturn void die(const char *fmt, ...);
// "line N" for a line of the file being read, "FILE:N" for one of another input.
const char *where(const char *file, int line);
const char *fmt(const char *f, ...);
const char *up(const char *s);
const char *low(const char *s);
const char *camel(const char *s);
int in_words(const char *s, const char *words);
extern const char keywords[], c_words[], rust_words[];
const char *rs_id(const char *s);
void tokenize(const char *p);
extern int ntok, pos;
int at_string(void);
const char *found(void);
const char *word(const char *what);
int accept(const char *punct);
void expect(const char *punct);
const char *ident(const char *what, int upper);
uint64_t number(const char *what, char *spell);
const char *string(const char *what); // a "string" token
void doc_and_end(char *doc);

// parse.c: declarations and queries on them.
struct decl *find(enum kind k, const char *scope, const char *name);
struct decl *find_num(enum kind k, uint64_t num);
void parse_file(const char *path);
int name_list(char (*names)[NAMELEN], const char *what, const char *reserved); // "(a, b)"
uint64_t mask(uint64_t width);
uint64_t count_of(enum kind k); // max + 1: name tables and *_COUNT
int first_of_word(const struct decl *d);

// The errors every method may return besides its list, if the ABI declares them: the label
// is not one of the invoked object's, and (methods with arguments) too few message words.
#define IMPLICIT_ERROR     "ILLEGAL_OPERATION"
#define IMPLICIT_ARG_ERROR "INVALID_ARGUMENT"
uint64_t implicit_errors(const struct decl *method);
uint64_t method_errors(const struct decl *method); // its list and the implicit ones
const char *error_names(uint64_t mask);            // "INVALID_HANDLE, RANGE", in number order

// check.c
void check_names(void);

// emit_c.c, emit_rs.c
void emit_c(void);
void emit_rust(void);

#define P(...) fprintf(out, __VA_ARGS__)
const char *dec(uint64_t v);
#define EACH(d, k)                                        \
    for (struct decl *d = decls; d < decls + ndecls; d++) \
        if (d->kind == (k))
#define EACH_FIELD_OF(f, w)                           \
    for (struct decl *f = w; f < decls + ndecls; f++) \
        if (f->kind == K_FIELD && !strcmp(f->scope, w->scope))

#endif
