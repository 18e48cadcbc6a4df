// SPDX-License-Identifier: MIT OR Apache-2.0
// proto.h: a service protocol as abigen reads it from abi/proto/<name>.proto (proto.c) and
// writes it out (emit_proto.c): the protocol's statuses, constants and methods. A protocol
// is not part of the kernel ABI; it has its own file and its own fingerprint.
#ifndef ABIGEN_PROTO_H
#define ABIGEN_PROTO_H

#include "abigen.h"

#define MAXPROTO 256 // statuses, constants or methods of one protocol

struct proto_item {
    const char *file;
    int line;
    char name[NAMELEN];
    char spell[NAMELEN]; // const: as written
    uint64_t num;        // status number, const value, method label
    char doc[DOCLEN];
    int nargs, nres;
    char args[MAXLIST][NAMELEN], res[MAXLIST][NAMELEN];
    uint64_t statuses; // method: the statuses it may answer with, a mask (< 64)
};

struct proto {
    char name[NAMELEN]; // lower_snake: the prefix of every generated name
    char doc[DOCLEN];
    struct proto_item status[MAXPROTO], cnst[MAXPROTO], method[MAXPROTO];
    int nstatus, nconst, nmethod;
};

extern struct proto proto;

// The statuses every protocol has: a reply's label is one of them or one it declares.
// BAD_REPLY is the client stub's own: the reply had fewer words than the method's results.
#define PROTO_OK           0
#define PROTO_BAD_REQUEST  1
#define PROTO_BAD_REPLY    2
#define PROTO_FIRST_STATUS 3

void parse_proto(const char *path);
void emit_proto_c(void);
void emit_proto_md(void);
const char *status_names(uint64_t mask); // "OK, BAD_REQUEST, BAD_REPLY, NOT_FOUND", in order

#endif
