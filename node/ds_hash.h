/*
 * ds_hash.h — an intrusive chained hash table of byte-string-keyed entries,
 * the "hashtable" encoding of hashes, sets and sorted sets. Pure.
 *
 * The caller lays out its entries: each is one allocation whose first
 * member is the chain link (void *next), and the table reads an entry's key
 * through the key_of callback. The table never allocates or frees entries
 * (clear takes a free callback). Size is a power of two, grown at load 1 and
 * shrunk below 1/8 (never below 4 buckets), all at once (no incremental
 * rehash: the cost is a pointer copy per entry).
 *
 * SCAN uses Redis's reverse-binary cursor over the bucket index: every
 * entry present for the whole scan is returned at least once even if the
 * table grows or shrinks between calls.
 */
#ifndef SHOAL_NODE_DS_HASH_H
#define SHOAL_NODE_DS_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef const void *(*ds_hash_key_fn)(const void *entry, size_t *len);

struct ds_hash {
    void **table;      /* buckets; NULL while empty */
    uint8_t bits;      /* log2 of the bucket count */
    size_t used;
    ds_hash_key_fn key_of;
};

void ds_hash_init(struct ds_hash *h, ds_hash_key_fn key_of);
/* Frees the buckets; each entry is passed to free_entry (may be NULL). */
void ds_hash_clear(struct ds_hash *h, void (*free_entry)(void *entry));
size_t ds_hash_size(const struct ds_hash *h);
void *ds_hash_find(const struct ds_hash *h, const void *key, size_t len);
/* Adds entry; its key must be absent. */
void ds_hash_add(struct ds_hash *h, void *entry);
/* Unlinks and returns the entry with key (the caller frees it), or NULL. */
void *ds_hash_remove(struct ds_hash *h, const void *key, size_t len);
/* Puts nw in old's place (same key; e.g. after a realloc of old). old is
 * only compared, never read; nw's link (first member) must already hold
 * old's (a realloc copies it; a fresh entry must copy it). */
void ds_hash_replace(struct ds_hash *h, void *old, void *nw);
/* A random entry (rng: any 64-bit random value), NULL when empty; fair
 * enough for SRANDMEMBER/SPOP (a random bucket, then a random chain item). */
void *ds_hash_random(const struct ds_hash *h, uint64_t rng);
/* One SCAN step: calls cb for every entry of one bucket (with its chain)
 * and returns the next cursor, 0 when the scan is complete. */
uint64_t ds_hash_scan(const struct ds_hash *h, uint64_t cursor, void (*cb)(void *ud, const void *entry), void *ud);

/* Iteration in bucket order (reverse-binary, as SCAN); the table must not
 * change meanwhile, except removing the entry just returned
 * (ds_hash_remove of its key, even when that shrinks the table). Every
 * entry is returned exactly once. */
struct ds_hash_iter {
    const struct ds_hash *h;
    size_t bucket;
    void *next;
    uint8_t bits; /* the table's bits when last seen: a change is a shrink */
    bool done;
};
void ds_hash_iter_init(struct ds_hash_iter *it, const struct ds_hash *h);
void *ds_hash_iter_next(struct ds_hash_iter *it);

/* The hash of a key (seeded per process), exposed for tests. */
uint64_t ds_hash_bytes(const void *key, size_t len);
/* Bytes of the bucket array. */
size_t ds_hash_mem(const struct ds_hash *h);

#endif
