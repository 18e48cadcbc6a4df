// SPDX-License-Identifier: MIT OR Apache-2.0
// check.c: name collisions across kinds. Each declaration claims the names it will generate
// (const SYS_CALL and syscall CALL would both be KOZO_SYS_CALL); a second claim is an error
// naming both lines.
#include "abigen.h"

static struct {
    char name[NAMELEN * 3];
    const char *file;
    int line;
} claims[MAXCLAIMS];
static int nclaims;

static void
claim(const char *fmt, ...)
{
    char buf[NAMELEN * 3];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    for (int i = 0; i < nclaims; i++)
        if (!strcmp(claims[i].name, buf)) {
            if (claims[i].line)
                die("generated name %s is also generated for %s", buf, where(claims[i].file, claims[i].line));
            die("generated name %s is reserved by abigen", buf);
        }
    if (nclaims == MAXCLAIMS)
        die("too many generated names");
    strcpy(claims[nclaims].name, buf);
    claims[nclaims].file = src_name;
    claims[nclaims++].line = lineno;
}

void
check_names(void)
{
    static const char *const fixed[] = {
        "KOZO_ABI_H",
        "KOZO_ABI_FINGERPRINT",
        "KOZO_ABI_FINGERPRINT_STR",
        "KOZO_ABI_UNUSED",
        "KOZO_SYS_COUNT",
        "KOZO_ERR_COUNT",
        "KOZO_OBJ_COUNT",
        "KOZO_INV_MAX_ARGS",
        "KOZO_INV_MAX_RES",
        "KOZO_METHOD_COUNT",
        "kozo_invoke",
        "kozo_syscall_names",
        "kozo_error_names",
        "kozo_object_names",
        "kozo_method_names",
        "struct kozo_method_name",
        "kozo_inv_errors",
        "kozo_object_bits",
        "union kozo_inv_args",
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        claim("%s", fixed[i]);
    for (struct decl *d = decls; d < decls + ndecls; d++) {
        src_name = d->file;
        lineno = d->line;
        const char *n = d->name, *s = d->scope;
        switch (d->kind) {
        case K_FIELD:
            claim("KOZO_%s_%s_SHIFT", up(s), n);
            claim("KOZO_%s_%s_WIDTH", up(s), n);
            claim("KOZO_%s_%s_MASK", up(s), n);
            claim("kozo_%s_get_%s", s, low(n));
            claim("kozo_%s_set_%s", s, low(n));
            if (first_of_word(d))
                claim("kozo_%s_make", s);
            break;
        case K_METHOD:
            claim("KOZO_INV_%s_%s", s, n);
            claim("KOZO_INV_%s_%s_NARGS", s, n);
            claim("KOZO_INV_%s_%s_NRES", s, n);
            claim("KOZO_INV_%s_%s_ERRORS", s, n);
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
            if (d->kind == K_OBJECT)
                claim("KOZO_OBJ_%s_BITS", n);
        }
    }
    lineno = 0;
}
