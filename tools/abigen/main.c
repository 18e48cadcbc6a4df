// SPDX-License-Identifier: MIT OR Apache-2.0
// abigen: turn the one definition of the KOZO kernel ABI (abi/kernel.abi, the portable part,
// and abi/arch/<arch>.abi, the architecture's) into a C header (kernel, libkozo, C services)
// and a Rust module, both stamped with the ABI fingerprint.
//
// Every number that crosses the kernel boundary has to agree between the kernel and all
// of userspace. Deriving them from one definition, and embedding its hash, makes a
// mismatch impossible within one build and detectable at boot across builds.
//
// Host tool: C11 + libc only. The whole input is validated before any output is
// written, and the output depends only on the input (byte-for-byte reproducible).
//
//   abigen --in abi/kernel.abi --in abi/arch/x86_64.abi --fingerprint <16 hex>
//          --c kozo_abi.h --rs kozo_abi.rs
//   abigen --proto abi/proto/fsd.proto --fingerprint <16 hex> --c proto/fsd.h --md fsd.md
//
// The fingerprint is that of the inputs concatenated in order (the Makefile hashes them).
// A service protocol (--proto) is read on its own: it is not part of the kernel ABI.
#include "proto.h"

char fp[17];
FILE *out;

// Both outputs go to PATH.tmp first and are renamed only when both are complete, so a failed
// or interrupted run never leaves a half-written header or a .h/.rs pair out of lockstep.
static char tmp[2][4096];
static void
remove_tmp(void)
{
    remove(tmp[0]);
    remove(tmp[1]);
} // no-op once renamed
static int proto_mode;
static void
emit_header(void)
{
    if (proto_mode)
        emit_proto_c();
    else
        emit_c();
}

static void
write_tmp(char *t, const char *path, void (*emit)(void))
{
    if (snprintf(t, sizeof tmp[0], "%s.tmp", path) >= (int)sizeof tmp[0])
        die("path too long: %s", path);
    if (!(out = fopen(t, "w")))
        die("cannot create %s: %s", t, strerror(errno));
    emit();
    int bad = ferror(out);
    if (fclose(out) || bad)
        die("cannot write %s", t);
}

static void
commit(const char *t, const char *path)
{
    if (rename(t, path))
        die("cannot rename %s to %s: %s", t, path, strerror(errno));
}

static _Noreturn void
usage(void)
{
    fprintf(
        stderr,
        "usage: abigen --in FILE.abi [--in FILE.abi ...] --fingerprint <16 hex digits> [--c OUT.h] [--rs OUT.rs]\n"
        "       abigen --proto FILE.proto --fingerprint <16 hex digits> [--c OUT.h] [--md OUT.md]\n");
    exit(2);
}

int
main(int argc, char **argv)
{
    const char *in[8], *fpin = NULL, *c = NULL, *rs = NULL, *pr = NULL, *md = NULL;
    int nin = 0;
    for (int i = 1; i < argc; i++) {
        const char *dummy, **opt = !strcmp(argv[i], "--in")            ? &dummy
                                   : !strcmp(argv[i], "--fingerprint") ? &fpin
                                   : !strcmp(argv[i], "--c")           ? &c
                                   : !strcmp(argv[i], "--rs")          ? &rs
                                   : !strcmp(argv[i], "--proto")       ? &pr
                                   : !strcmp(argv[i], "--md")          ? &md
                                                                       : NULL;
        if (!opt || i + 1 >= argc)
            usage();
        if (opt == &dummy) {
            if (nin == (int)(sizeof in / sizeof in[0]))
                usage();
            in[nin++] = argv[i + 1];
        }
        *opt = argv[++i];
    }
    proto_mode = pr != NULL;
    if (proto_mode ? nin || rs || (!c && !md) : !nin || md || (!c && !rs))
        usage();
    if (!fpin)
        usage();
    int ok = strlen(fpin) == 16;
    for (int i = 0; ok && i < 16; i++) {
        ok = isxdigit((unsigned char)fpin[i]);
        fp[i] = (char)tolower((unsigned char)fpin[i]);
    }
    if (!ok)
        die("--fingerprint '%s' is not exactly 16 hex digits", fpin);
    if (proto_mode) {
        parse_proto(pr);
    } else {
        for (int i = 0; i < nin; i++)
            parse_file(in[i]);
        check_names();
    }
    atexit(remove_tmp);
    if (c)
        write_tmp(tmp[0], c, emit_header);
    if (rs || md)
        write_tmp(tmp[1], rs ? rs : md, proto_mode ? emit_proto_md : emit_rust);
    if (c)
        commit(tmp[0], c);
    if (rs || md)
        commit(tmp[1], rs ? rs : md);
    return 0;
}
