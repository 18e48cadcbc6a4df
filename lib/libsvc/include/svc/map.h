// SPDX-License-Identifier: MIT OR Apache-2.0
//
// A map from 64-bit keys to 64-bit values in storage the caller gives: open addressing
// with linear probing, deletion by shifting the run back (no tombstones, so a map that
// sees many inserts and deletes never slows down). Key 0 marks an empty entry and cannot
// be stored. Capacity is a power of two; keep the map at most three quarters full (the
// insert refuses beyond). The VMM keeps its clients' pages in one (vaddr -> frame cap).
#ifndef SVC_MAP_H
#define SVC_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct svc_map_entry {
    uint64_t key, value;
};

struct svc_map {
    struct svc_map_entry *e;
    size_t capacity; // a power of two
    size_t count;
};

void svc_map_init(struct svc_map *m, struct svc_map_entry *storage, size_t capacity);
void svc_map_clear(struct svc_map *m);
// Set key's value (replacing any); false if the map is full or the key is 0.
bool svc_map_put(struct svc_map *m, uint64_t key, uint64_t value);
// The value of key in *value; false if it is not there.
bool svc_map_get(const struct svc_map *m, uint64_t key, uint64_t *value);
// Remove key; false if it was not there.
bool svc_map_remove(struct svc_map *m, uint64_t key);
// Remove the entry at index i (a visit's). Another entry may move into i: visit i again.
void svc_map_remove_at(struct svc_map *m, size_t i);

#endif
