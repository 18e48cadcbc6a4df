// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Output through the console driver (svc/console.h): the calling thread's TLS block names
// the writer below, which packs the text into console Writes.
#include <proto/console.h>
#include <svc/console.h>

static kozo_handle_t console_ep; // one console per process

void
svc_console_write(kozo_handle_t ep, const char *s, size_t n)
{
    while (n) {
        uint64_t w[15] = { 0 }, status;
        size_t k = n < CONSOLE_CHUNK ? n : CONSOLE_CHUNK;
        svc_pack_bytes(s, k, w);
        if (console_write(ep, k, w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11],
                          w[12], w[13], w[14], &status))
            for (size_t i = 0; i < k; i++)
                kozo_debug_putchar(KOZO_SERVICE_DEBUG_CONSOLE_SLOT, s[i]);
        s += k;
        n -= k;
    }
}

static void
console_output(const char *s, size_t n)
{
    svc_console_write(console_ep, s, n);
}

void
svc_console_attach(kozo_handle_t ep)
{
    console_ep = ep;
    kozo_tls_self()->output = ep ? console_output : NULL;
}
