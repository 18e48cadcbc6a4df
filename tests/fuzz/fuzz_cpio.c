// SPDX-License-Identifier: MIT OR Apache-2.0
//
// libFuzzer target: the newc cpio parser init and the kernel use on the initrd. Any
// archive must be walked without reading outside it, and every entry it reports must lie
// inside the input.
#include <stdint.h>
#include <stdlib.h>
#include "cpio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_inside(const uint8_t *data, size_t size, const void *p, size_t len)
{
    const uint8_t *q = p;
    if (len && (q < data || q > data + size || len > (size_t)(data + size - q)))
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const void *file;
    size_t len;
    if (cpio_find(data, size, "init", &file, &len) == 0)
        check_inside(data, size, file, len);

    struct cpio_iter it;
    struct cpio_entry e;
    int r;
    cpio_iter_init(&it, data, size);
    while ((r = cpio_next(&it, &e)) == 1) {
        check_inside(data, size, e.name, e.name_len);
        check_inside(data, size, e.data, e.size);
    }
    (void)cpio_strerror(r);
    return 0;
}
