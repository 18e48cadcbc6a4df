// SPDX-License-Identifier: MIT OR Apache-2.0
// sysgen: turn a system description (system/<name>.sys: the services init starts, with
// their priorities, CNodes and capabilities, and who may call whom) into what the build
// needs: init's boot table, one header per service saying what it was given, and a
// Graphviz picture. The whole description is checked before anything is written, and the
// outputs depend only on it. Host tool: C11 + libc only.
//
//   sysgen --in system/default.sys [--boot boot_table.h] [--headers DIR] [--dot system.dot]
//
// --headers writes DIR/<service>/system.h for every service.
#include <sys/stat.h>
#include "sysgen.h"

const char *src_name = "?";
char src_names[LINELEN];
int lineno;
FILE *out;

static void
write_file(const char *path, void (*emit)(const struct service *), const struct service *s)
{
    char tmp[LINELEN];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if (!(out = fopen(tmp, "w")))
        die("cannot create %s: %s", tmp, strerror(errno));
    emit(s);
    int bad = ferror(out);
    if (fclose(out) || bad)
        die("cannot write %s", tmp);
    if (rename(tmp, path))
        die("cannot rename %s to %s: %s", tmp, path, strerror(errno));
}

static void
boot(const struct service *s)
{
    (void)s;
    emit_boot_table();
}
static void
dot(const struct service *s)
{
    (void)s;
    emit_dot();
}

static _Noreturn void
usage(void)
{
    fprintf(stderr, "usage: sysgen --in FILE.sys [--boot OUT.h] [--headers DIR] [--dot OUT.dot]\n");
    exit(2);
}

int
main(int argc, char **argv)
{
    const char *in = NULL, *boot_out = NULL, *headers = NULL, *dot_out = NULL;
    tool_name = "sysgen";
    for (int i = 1; i < argc; i++) {
        const char **opt = !strcmp(argv[i], "--in")        ? &in
                           : !strcmp(argv[i], "--boot")    ? &boot_out
                           : !strcmp(argv[i], "--headers") ? &headers
                           : !strcmp(argv[i], "--dot")     ? &dot_out
                                                           : NULL;
        if (!opt || i + 1 >= argc)
            usage();
        *opt = argv[++i];
    }
    if (!in || (!boot_out && !headers && !dot_out))
        usage();
    parse_system(in);
    check_system();
    strcpy(src_names, strrchr(in, '/') ? strrchr(in, '/') + 1 : in);
    if (boot_out)
        write_file(boot_out, boot, NULL);
    if (dot_out)
        write_file(dot_out, dot, NULL);
    for (int i = 0; headers && i < nservices; i++) {
        char dir[LINELEN], path[LINELEN + 16];
        snprintf(dir, sizeof dir, "%s/%s", headers, services[i].name);
        if (mkdir(dir, 0777) && errno != EEXIST)
            die("cannot create %s: %s", dir, strerror(errno));
        snprintf(path, sizeof path, "%s/system.h", dir);
        write_file(path, emit_service_header, &services[i]);
    }
    return 0;
}
