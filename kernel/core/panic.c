// SPDX-License-Identifier: MIT OR Apache-2.0
//
// panic(): the kernel found its own state impossible, or boot cannot go on.
//
// It says why on the console, then writes a crash record of at most 4 KiB to the crash
// channel (COM2 on x86_64): the message, the fault registers if a trap caused it, and a
// symbolised backtrace. The record is plain text between fixed markers so a host-side
// collector (scripts/crash-report.sh) can anonymise it; then the machine stops, without
// a reboot loop.
#include <fmt.h>
#include <kern/arch_api.h>
#include <kern/ksyms.h>
#include <kern/printk.h>

#ifndef KOZO_BUILD_ID
#define KOZO_BUILD_ID "0.0.1-dev-unknown"
#endif

#define CRASH_RECORD_MAX 4096
#define CRASH_BEGIN      "KOZO-CRASH v1\n"
#define CRASH_END        "KOZO-CRASH-END\n"
#define BACKTRACE_MAX    16

static char record[CRASH_RECORD_MAX];
static size_t record_len;

// Append to the record, always leaving room for the end marker.
static void
record_putc(void *ctx, char c)
{
    (void)ctx;
    if (record_len < CRASH_RECORD_MAX - sizeof(CRASH_END))
        record[record_len++] = c;
}

static void
record_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fmt_vformat(record_putc, NULL, fmt, ap);
    va_end(ap);
}

static void
record_backtrace(void)
{
    word_t pcs[BACKTRACE_MAX];
    unsigned n = arch_backtrace(pcs, BACKTRACE_MAX);
    record_printf("backtrace:\n");
    for (unsigned i = 0; i < n; i++) {
        const char *name;
        word_t off;
        if (ksyms_lookup(pcs[i], &name, &off))
            record_printf("  %s+%#lx\n", name, (unsigned long)off);
        else
            record_printf("  %#lx\n", (unsigned long)pcs[i]);
    }
}

void
panic(const char *fmt, ...)
{
    static bool in_panic;
    char message[256];
    va_list ap;

    if (in_panic)
        arch_halt(); // a fault while panicking: stop quietly rather than loop
    in_panic = true;
    va_start(ap, fmt);
    fmt_vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);

    record_printf(CRASH_BEGIN "build: %s\nmessage: %s\n", KOZO_BUILD_ID, message);
    arch_crash_registers(record_putc, NULL);
    record_backtrace();
    for (const char *e = CRASH_END; *e; e++)
        record[record_len++] = *e;

    printk("\n*** KOZO KERNEL PANIC: %s\n", message);
    // The console gets the record's details too (skipping the header and message lines).
    const char *details = record + sizeof(CRASH_BEGIN) - 1;
    for (int lines = 0; lines < 2 && details < record + record_len; details++)
        lines += *details == '\n';
    printk("%.*s", (int)(record + record_len - details - (sizeof(CRASH_END) - 1)), details);
    for (size_t i = 0; i < record_len; i++)
        arch_crash_putchar(record[i]);
    printk("*** crash record written to the crash channel; system halted\n");
    arch_halt();
}
