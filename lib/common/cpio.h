// SPDX-License-Identifier: MIT OR Apache-2.0
//
// cpio.h - read-only parser for "newc" cpio archives held in memory.
//
// The boot image carries the initial services as a newc cpio archive (what
// `cpio -o -H newc` writes). The kernel and the root task look files up in it
// before any file system exists, so the parser works on a plain byte range,
// allocates nothing and treats every byte of the archive as untrusted: all
// header fields are validated and every offset is bounds-checked without
// integer overflow. Returned pointers point into the archive itself.
//
// Format (all offsets relative to the start of the archive):
//   110-byte header: "070701" then 13 fields of 8 ASCII hex digits
//     (ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor
//      rdevminor namesize check);
//   the name, namesize bytes including its NUL, padded to a multiple of 4;
//   the file data, filesize bytes, padded to a multiple of 4;
//   ... and a last entry named "TRAILER!!!".
//
// Only "070701" is accepted ("070702", newc with checksums, is rejected as
// CPIO_EBADMAGIC). Hard links are not resolved: newc stores the data of a
// hard-linked file only with the last link, so earlier links read as empty.

#ifndef KOZO_LIB_COMMON_CPIO_H
#define KOZO_LIB_COMMON_CPIO_H

#include <stddef.h>
#include <stdint.h>

enum cpio_error {
    CPIO_OK = 0,
    CPIO_ENOENT = -1,    // no regular file of that name before the trailer
    CPIO_EBADMAGIC = -2, // a header does not start with "070701"
    CPIO_ETRUNC = -3,    // a header, name or file data runs past the end (or no trailer)
    CPIO_EBADHDR = -4,   // a field is not 8 hex digits, or the name is malformed
    CPIO_EINVAL = -5,    // a NULL argument where one is required
};

// Size of a newc header, before the name.
#define CPIO_NEWC_HDR_SIZE 110u

// File type bits of cpio_entry.mode (same values as POSIX st_mode).
#define CPIO_MODE_TYPE_MASK 0170000u
#define CPIO_MODE_REG       0100000u
#define CPIO_MODE_DIR       0040000u

struct cpio_entry {
    const char *name; // as stored (may start with "./"); NUL-terminated
    size_t name_len;  // strlen(name)
    const void *data; // file contents, inside the archive
    size_t size;      // bytes at data
    uint32_t mode;    // type and permission bits
};

// Iteration state. Treat as opaque; it holds no pointers other than the archive.
struct cpio_iter {
    const unsigned char *base;
    size_t size;
    size_t off; // offset of the next header
    int state;  // 0 = more entries, 1 = trailer seen, < 0 = sticky error
};

// Start iterating over size bytes at archive. Never fails; problems are
// reported by the first cpio_next().
void cpio_iter_init(struct cpio_iter *it, const void *archive, size_t size);

// Read the next entry into *out. Returns 1 with an entry, 0 once the trailer
// has been reached (and on every later call), or a negative CPIO_E* error,
// which is sticky: later calls return it again. *out is written only when 1
// is returned. The trailer itself is never returned as an entry.
int cpio_next(struct cpio_iter *it, struct cpio_entry *out);

// Find the regular file called name. A leading "./" or "/" (repeated or not)
// is ignored on both sides, so "init" matches an entry stored as "./init" or
// "init". The first match wins. On success returns 0 and stores the file's
// contents in *data and *len (either may be NULL if not wanted). Errors: any
// error of cpio_next() found while scanning up to the match, CPIO_ENOENT if
// the trailer comes first, CPIO_EINVAL for a NULL archive (with size > 0) or
// NULL name.
int cpio_find(const void *archive, size_t size, const char *name, const void **data, size_t *len);

// A constant, human-readable description of a CPIO_* code.
const char *cpio_strerror(int err);

#endif // KOZO_LIB_COMMON_CPIO_H
