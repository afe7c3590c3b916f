/*
 * ds_hash.c — the intrusive chained hash table of ds_hash.h: seeded hashing,
 * power-of-two bucket arrays resized all at once, the reverse-binary SCAN
 * cursor, random picks and removal-tolerant iteration. Owns no entries.
 *
 * Iteration and resizing share one order: buckets are visited in
 * reverse-binary order (the SCAN order), and a shrink rebuilds each new
 * chain by concatenating the old chains in that same order. Old buckets
 * that fold into one new bucket are consecutive in that order, so an
 * iterator that sees the table shrink under it (a remove of the entry it
 * just returned) can continue inside the new chain without repeating or
 * missing anything.
 */
#include "node/ds_hash.h"

#include <string.h>

#include "node/core/core.h"

#define MIN_BITS 2
/* A 64-bit size_t cannot index more; keeps shifts defined. */
#define MAX_BITS 62

/* The hash: 8-byte words folded through 64x64->128 multiplies, seeded
 * once per process so bucket collisions cannot be planned from outside. */

__extension__ typedef unsigned __int128 u128;

static uint64_t hash_seed[2];

__attribute__((constructor)) static void seed_init(void)
{
    core_random_bytes(hash_seed, sizeof(hash_seed));
}

static uint64_t mum(uint64_t a, uint64_t b)
{
    u128 r = (u128)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static uint64_t rd64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* 1 to 7 trailing bytes packed so that different lengths differ. */
static uint64_t rd_tail(const unsigned char *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

#define K0 0x9e3779b97f4a7c15ull
#define K1 0xc2b2ae3d27d4eb4full
#define K2 0x165667b19e3779f9ull

uint64_t ds_hash_bytes(const void *key, size_t len)
{
    const unsigned char *p = key;
    uint64_t a = hash_seed[0] ^ mum(len ^ K0, hash_seed[1] ^ K1);
    uint64_t b = hash_seed[1];
    size_t n = len;
    while (n >= 16) {
        a = mum(rd64(p) ^ a ^ K1, rd64(p + 8) ^ b ^ K2);
        b ^= a + K0;
        p += 16;
        n -= 16;
    }
    if (n >= 8) {
        a ^= mum(rd64(p) ^ K2, b ^ K1);
        p += 8;
        n -= 8;
    }
    uint64_t t = rd_tail(p, n);
    a = mum(a ^ t ^ K0, b ^ ((uint64_t)n << 56) ^ K1);
    return mum(a ^ K2, a ^ hash_seed[0] ^ K0);
}

static void **link_of(void *entry)
{
    return (void **)entry;
}

static size_t nbuckets(const struct ds_hash *h)
{
    return h->table ? (size_t)1 << h->bits : 0;
}

static uint64_t key_hash(const struct ds_hash *h, const void *entry)
{
    size_t len;
    const void *k = h->key_of(entry, &len);
    return ds_hash_bytes(k, len);
}

static uint64_t rev64(uint64_t v)
{
    v = ((v >> 1) & 0x5555555555555555ull) | ((v & 0x5555555555555555ull) << 1);
    v = ((v >> 2) & 0x3333333333333333ull) | ((v & 0x3333333333333333ull) << 2);
    v = ((v >> 4) & 0x0f0f0f0f0f0f0f0full) | ((v & 0x0f0f0f0f0f0f0f0full) << 4);
    v = ((v >> 8) & 0x00ff00ff00ff00ffull) | ((v & 0x00ff00ff00ff00ffull) << 8);
    v = ((v >> 16) & 0x0000ffff0000ffffull) | ((v & 0x0000ffff0000ffffull) << 16);
    return (v >> 32) | (v << 32);
}

/* The bucket after v in reverse-binary order under mask (0 = wrapped). */
static uint64_t rev_next(uint64_t v, uint64_t mask)
{
    v |= ~mask;
    v = rev64(v);
    v++;
    return rev64(v);
}

/* Rebuilds into 2^bits buckets. Old buckets are walked in reverse-binary
 * order and each chain appended (order kept) to its new bucket: see the
 * head comment for why iteration relies on this. */
static void resize(struct ds_hash *h, uint8_t bits)
{
    size_t n = (size_t)1 << bits;
    void **nt = core_calloc(n, sizeof(void *));
    void **tails = core_calloc(n, sizeof(void *));
    if (h->table) {
        uint64_t mask = ((uint64_t)1 << h->bits) - 1;
        uint64_t c = 0;
        do {
            void *e = h->table[c & mask];
            while (e) {
                void *nx = *link_of(e);
                size_t b = (size_t)(key_hash(h, e) & (n - 1));
                *link_of(e) = NULL;
                if (tails[b])
                    *link_of(tails[b]) = e;
                else
                    nt[b] = e;
                tails[b] = e;
                e = nx;
            }
            c = rev_next(c, mask);
        } while (c != 0);
        core_free(h->table);
    }
    core_free(tails);
    h->table = nt;
    h->bits = bits;
}

void ds_hash_init(struct ds_hash *h, ds_hash_key_fn key_of)
{
    h->table = NULL;
    h->bits = 0;
    h->used = 0;
    h->key_of = key_of;
}

void ds_hash_clear(struct ds_hash *h, void (*free_entry)(void *entry))
{
    size_t n = nbuckets(h);
    for (size_t i = 0; i < n && free_entry; i++) {
        void *e = h->table[i];
        while (e) {
            void *nx = *link_of(e);
            free_entry(e);
            e = nx;
        }
    }
    core_free(h->table);
    h->table = NULL;
    h->bits = 0;
    h->used = 0;
}

size_t ds_hash_size(const struct ds_hash *h)
{
    return h->used;
}

static bool key_eq(const struct ds_hash *h, const void *e, const void *key, size_t len)
{
    size_t el;
    const void *ek = h->key_of(e, &el);
    return el == len && (len == 0 || memcmp(ek, key, len) == 0);
}

void *ds_hash_find(const struct ds_hash *h, const void *key, size_t len)
{
    if (!h->table)
        return NULL;
    size_t b = (size_t)(ds_hash_bytes(key, len) & (nbuckets(h) - 1));
    for (void *e = h->table[b]; e; e = *link_of(e))
        if (key_eq(h, e, key, len))
            return e;
    return NULL;
}

void ds_hash_add(struct ds_hash *h, void *entry)
{
    if (!h->table)
        resize(h, MIN_BITS);
    else if (h->used + 1 > nbuckets(h) && h->bits < MAX_BITS)
        resize(h, (uint8_t)(h->bits + 1));
    size_t b = (size_t)(key_hash(h, entry) & (nbuckets(h) - 1));
    *link_of(entry) = h->table[b];
    h->table[b] = entry;
    h->used++;
}

/* The smallest table that holds used at load <= 1/2 (so a shrink is not
 * undone by the next few adds). */
static uint8_t shrink_bits(size_t used)
{
    uint8_t bits = MIN_BITS;
    while (((size_t)1 << bits) < used * 2)
        bits++;
    return bits;
}

void *ds_hash_remove(struct ds_hash *h, const void *key, size_t len)
{
    if (!h->table)
        return NULL;
    size_t b = (size_t)(ds_hash_bytes(key, len) & (nbuckets(h) - 1));
    void **pp = &h->table[b];
    while (*pp && !key_eq(h, *pp, key, len))
        pp = link_of(*pp);
    void *e = *pp;
    if (!e)
        return NULL;
    *pp = *link_of(e);
    h->used--;
    if (h->bits > MIN_BITS && h->used < nbuckets(h) / 8)
        resize(h, shrink_bits(h->used));
    return e;
}

void ds_hash_replace(struct ds_hash *h, void *old, void *nw)
{
    core_assert(h->table);
    size_t b = (size_t)(key_hash(h, nw) & (nbuckets(h) - 1));
    void **pp = &h->table[b];
    while (*pp && *pp != old)
        pp = link_of(*pp);
    core_assert(*pp == old);
    *pp = nw;
}

void *ds_hash_random(const struct ds_hash *h, uint64_t rng)
{
    if (h->used == 0)
        return NULL;
    size_t mask = nbuckets(h) - 1;
    uint64_t r = rng;
    void *e;
    /* Load is >= 1/8 except in tiny tables, so few rounds are expected;
     * the walk after the bound makes termination certain. */
    for (unsigned round = 0; round < 64; round++) {
        r = mum(r ^ K0, K1 + round);
        e = h->table[r & mask];
        if (e)
            goto chain;
    }
    for (size_t i = 0;; i++) {
        e = h->table[(r + i) & mask];
        if (e)
            break;
    }
chain:;
    size_t len = 0;
    for (void *x = e; x; x = *link_of(x))
        len++;
    size_t pick = (size_t)(mum(r ^ K2, rng) % len);
    while (pick--)
        e = *link_of(e);
    return e;
}

uint64_t ds_hash_scan(const struct ds_hash *h, uint64_t cursor, void (*cb)(void *ud, const void *entry), void *ud)
{
    if (!h->table)
        return 0;
    uint64_t mask = nbuckets(h) - 1;
    for (void *e = h->table[cursor & mask]; e;) {
        /* Read the link first: cb may not change the table, but keeping the
         * pattern of the iterator costs nothing. */
        void *nx = *link_of(e);
        cb(ud, e);
        e = nx;
    }
    return rev_next(cursor, mask);
}

void ds_hash_iter_init(struct ds_hash_iter *it, const struct ds_hash *h)
{
    it->h = h;
    it->bucket = 0;
    it->next = h->table ? h->table[0] : NULL;
    it->bits = h->bits;
    it->done = h->table == NULL;
}

/* The table shrank since the last call (the remove of the entry just
 * returned). it->bucket is the old-size bucket the iterator is in, and
 * next == NULL means that bucket was returned entirely; re-express the
 * position in the new table, where old chains were concatenated in
 * visiting order. */
static void iter_rebase(struct ds_hash_iter *it)
{
    const struct ds_hash *h = it->h;
    uint64_t old_mask = ((uint64_t)1 << it->bits) - 1;
    uint64_t mask = nbuckets(h) - 1;
    it->bits = h->bits;
    if (it->next) {
        it->bucket = it->bucket & mask;
        return;
    }
    if (it->done)
        return;
    /* Skip the entries of old buckets before it->bucket in visiting order:
     * they share the new bucket but were returned already. */
    uint64_t ob = it->bucket;
    uint64_t nb = ob & mask;
    it->bucket = nb;
    uint64_t pos = rev64(ob | ~old_mask);
    void *e = h->table[nb];
    while (e && rev64((key_hash(h, e) & old_mask) | ~old_mask) <= pos)
        e = *link_of(e);
    it->next = e;
}

void *ds_hash_iter_next(struct ds_hash_iter *it)
{
    const struct ds_hash *h = it->h;
    if (it->done)
        return NULL;
    if (h->bits != it->bits)
        iter_rebase(it);
    uint64_t mask = nbuckets(h) - 1;
    while (!it->next) {
        it->bucket = rev_next(it->bucket, mask);
        if (it->bucket == 0) {
            it->done = true;
            return NULL;
        }
        it->next = h->table[it->bucket];
    }
    void *e = it->next;
    it->next = *link_of(e);
    return e;
}

size_t ds_hash_mem(const struct ds_hash *h)
{
    return nbuckets(h) * sizeof(void *);
}
