// SPDX-License-Identifier: MIT OR Apache-2.0
//
// cpio.c - newc cpio archive parser (see cpio.h for the format and contract).
//
// Every bounds check is written as "length <= size - offset" after checking
// "offset <= size", never as "offset + length <= size", so a hostile length
// field cannot wrap the addition around and pass the check.

#include <stddef.h>
#include <stdint.h>

#include "cpio.h"

#define FIELD_LEN 8u // hex digits per header field
#define MAGIC_LEN 6u

// Index of each field in the header, after the magic.
enum {
    F_INO,
    F_MODE,
    F_UID,
    F_GID,
    F_NLINK,
    F_MTIME,
    F_FILESIZE,
    F_DEVMAJOR,
    F_DEVMINOR,
    F_RDEVMAJOR,
    F_RDEVMINOR,
    F_NAMESIZE,
    F_CHECK,
    F_COUNT
};

static const char newc_magic[MAGIC_LEN] = { '0', '7', '0', '7', '0', '1' };
static const char trailer_name[] = "TRAILER!!!";

// Parse exactly eight hex digits (either case). Anything else - a sign, a
// space, a "0x" prefix - is a malformed header, not a number.
static int
parse_hex8(const unsigned char *p, uint32_t *out)
{
    uint32_t v = 0;

    for (unsigned i = 0; i < FIELD_LEN; i++) {
        unsigned char c = p[i];
        uint32_t d;

        if (c >= '0' && c <= '9')
            d = (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = (uint32_t)(c - 'A' + 10);
        else
            return CPIO_EBADHDR;
        v = (v << 4) | d;
    }
    *out = v;
    return CPIO_OK;
}

// Padding that brings off up to a multiple of 4. Offsets are relative to the
// archive start, as cpio writes them, so the archive itself need not be
// aligned in memory.
static size_t
pad4(size_t off)
{
    return (4u - (off & 3u)) & 3u;
}

void
cpio_iter_init(struct cpio_iter *it, const void *archive, size_t size)
{
    if (it == NULL)
        return;
    it->base = archive;
    it->size = size;
    it->off = 0;
    // A NULL archive is only acceptable as an empty one (which then
    // reports CPIO_ETRUNC: an archive without a trailer).
    it->state = (archive == NULL && size != 0) ? CPIO_EINVAL : 0;
}

static int
iter_fail(struct cpio_iter *it, int err)
{
    it->state = err;
    return err;
}

int
cpio_next(struct cpio_iter *it, struct cpio_entry *out)
{
    if (it == NULL || out == NULL)
        return CPIO_EINVAL;
    if (it->state != 0)
        return it->state < 0 ? it->state : 0;

    const unsigned char *base = it->base;
    size_t size = it->size;
    size_t off = it->off;

    // Invariant: off <= size (it only ever advances to checked positions).
    if (CPIO_NEWC_HDR_SIZE > size - off)
        return iter_fail(it, CPIO_ETRUNC);

    const unsigned char *hdr = base + off;
    for (unsigned i = 0; i < MAGIC_LEN; i++) {
        if (hdr[i] != (unsigned char)newc_magic[i])
            return iter_fail(it, CPIO_EBADMAGIC);
    }

    uint32_t field[F_COUNT];
    for (unsigned i = 0; i < F_COUNT; i++) {
        if (parse_hex8(hdr + MAGIC_LEN + i * FIELD_LEN, &field[i]) != CPIO_OK)
            return iter_fail(it, CPIO_EBADHDR);
    }

    // The name: namesize counts the terminating NUL, so it is at least 1,
    // and the NUL must be exactly at the end - an early NUL would make the
    // C string disagree with name_len.
    size_t name_off = off + CPIO_NEWC_HDR_SIZE;
    size_t namesize = field[F_NAMESIZE];
    if (namesize == 0)
        return iter_fail(it, CPIO_EBADHDR);
    if (namesize > size - name_off)
        return iter_fail(it, CPIO_ETRUNC);
    const char *name = (const char *)(base + name_off);
    size_t name_len = namesize - 1;
    if (name[name_len] != '\0')
        return iter_fail(it, CPIO_EBADHDR);
    for (size_t i = 0; i < name_len; i++) {
        if (name[i] == '\0')
            return iter_fail(it, CPIO_EBADHDR);
    }

    if (name_len == sizeof(trailer_name) - 1) {
        size_t i = 0;
        while (i < name_len && name[i] == trailer_name[i])
            i++;
        if (i == name_len) {
            // Nothing after the trailer is looked at: archives are
            // often padded out to a block size with zeros.
            it->state = 1;
            return 0;
        }
    }

    // File data starts after the name, padded to 4.
    size_t name_end = name_off + namesize; // <= size, checked above
    size_t pad = pad4(name_end);
    if (pad > size - name_end)
        return iter_fail(it, CPIO_ETRUNC);
    size_t data_off = name_end + pad;
    size_t filesize = field[F_FILESIZE];
    if (filesize > size - data_off)
        return iter_fail(it, CPIO_ETRUNC);

    // The next header starts after the data, padded to 4. If the padding
    // itself is cut off, park at the end: the next call then reports the
    // missing header (and trailer) as CPIO_ETRUNC.
    size_t data_end = data_off + filesize;
    pad = pad4(data_end);
    it->off = pad > size - data_end ? size : data_end + pad;

    out->name = name;
    out->name_len = name_len;
    out->data = base + data_off;
    out->size = filesize;
    out->mode = field[F_MODE];
    return 1;
}

// Skip leading "./" and "/" components so that "./init", "/init" and "init"
// all compare equal. "." alone and "../x" are left untouched.
static const char *
skip_prefix(const char *s, size_t *len)
{
    for (;;) {
        if (*len >= 2 && s[0] == '.' && s[1] == '/') {
            s += 2;
            *len -= 2;
        } else if (*len >= 1 && s[0] == '/') {
            s += 1;
            *len -= 1;
        } else {
            return s;
        }
    }
}

int
cpio_find(const void *archive, size_t size, const char *name, const void **data, size_t *len)
{
    if (name == NULL)
        return CPIO_EINVAL;

    size_t want_len = 0;
    while (name[want_len] != '\0')
        want_len++;
    const char *want = skip_prefix(name, &want_len);
    if (want_len == 0)
        return CPIO_ENOENT; // "" or "./" never names a file

    struct cpio_iter it;
    struct cpio_entry e;
    int rc;

    cpio_iter_init(&it, archive, size);
    while ((rc = cpio_next(&it, &e)) == 1) {
        if ((e.mode & CPIO_MODE_TYPE_MASK) != CPIO_MODE_REG)
            continue;

        size_t have_len = e.name_len;
        const char *have = skip_prefix(e.name, &have_len);
        if (have_len != want_len)
            continue;

        size_t i = 0;
        while (i < want_len && have[i] == want[i])
            i++;
        if (i != want_len)
            continue;

        if (data != NULL)
            *data = e.data;
        if (len != NULL)
            *len = e.size;
        return CPIO_OK;
    }
    return rc == 0 ? CPIO_ENOENT : rc;
}

const char *
cpio_strerror(int err)
{
    switch (err) {
    case CPIO_OK: return "success";
    case CPIO_ENOENT: return "no such file in archive";
    case CPIO_EBADMAGIC: return "bad cpio magic (not a newc archive)";
    case CPIO_ETRUNC: return "cpio archive truncated";
    case CPIO_EBADHDR: return "malformed cpio header";
    case CPIO_EINVAL: return "invalid argument";
    default: return "unknown cpio error";
    }
}
