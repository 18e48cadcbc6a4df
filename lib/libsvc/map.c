// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The map (svc/map.h). An entry lives in the run of full entries that starts at its home
// (the key's hash) or after it; removing one shifts back every later entry of the run that
// may move (whose home is not between the hole and itself), so lookups stop at the first
// empty entry and stay right.
#include <string.h>
#include <svc/map.h>

// Fibonacci hashing: page addresses differ in their middle bits, and the multiply spreads
// them over the top bits, which the shift keeps.
static size_t
home(const struct svc_map *m, uint64_t key)
{
    unsigned bits = 0;
    while ((1ULL << bits) < m->capacity)
        bits++;
    return bits ? (size_t)((key * 0x9e3779b97f4a7c15ULL) >> (64 - bits)) : 0;
}

void
svc_map_init(struct svc_map *m, struct svc_map_entry *storage, size_t capacity)
{
    m->e = storage;
    m->capacity = capacity;
    svc_map_clear(m);
}

void
svc_map_clear(struct svc_map *m)
{
    memset(m->e, 0, m->capacity * sizeof(*m->e));
    m->count = 0;
}

// The index holding key, or of the empty entry where it would go.
static size_t
probe(const struct svc_map *m, uint64_t key)
{
    size_t mask = m->capacity - 1, i = home(m, key);
    while (m->e[i].key && m->e[i].key != key)
        i = (i + 1) & mask;
    return i;
}

bool
svc_map_put(struct svc_map *m, uint64_t key, uint64_t value)
{
    if (!key || !m->capacity)
        return false;
    size_t i = probe(m, key);
    if (!m->e[i].key) {
        if ((m->count + 1) * 4 > m->capacity * 3)
            return false;
        m->e[i].key = key;
        m->count++;
    }
    m->e[i].value = value;
    return true;
}

bool
svc_map_get(const struct svc_map *m, uint64_t key, uint64_t *value)
{
    if (!key || !m->capacity)
        return false;
    size_t i = probe(m, key);
    if (!m->e[i].key)
        return false;
    *value = m->e[i].value;
    return true;
}

void
svc_map_remove_at(struct svc_map *m, size_t hole)
{
    size_t mask = m->capacity - 1;
    for (size_t j = (hole + 1) & mask; m->e[j].key; j = (j + 1) & mask) {
        size_t h = home(m, m->e[j].key);
        // The entry at j may fill the hole unless its home lies in (hole, j], cyclically.
        bool stays = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j);
        if (!stays) {
            m->e[hole] = m->e[j];
            hole = j;
        }
    }
    m->e[hole].key = 0;
    m->e[hole].value = 0;
    m->count--;
}

bool
svc_map_remove(struct svc_map *m, uint64_t key)
{
    if (!key || !m->capacity)
        return false;
    size_t i = probe(m, key);
    if (!m->e[i].key)
        return false;
    svc_map_remove_at(m, i);
    return true;
}
