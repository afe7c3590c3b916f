/*
 * ks_dict.c — the keyspace's hash tables: the seeded key hash, lookup,
 * linking, incremental resizing (grow at load 1, shrink below 1/8), SCAN's
 * cursor walk, random bucket picking, the Fenwick tree of dict sizes (a
 * random key among 16384 mostly-empty per-slot dicts in O(log n)) and the
 * table invariant checker.
 *
 * Does not own the entry layout (ks_int.h, ks.c) nor TTLs (ks_expire.c).
 *
 * Work bound: no call here touches more than a fixed number of buckets,
 * except node_ks__dict_clear (FLUSHALL is O(n) by nature) and the checker.
 * Allocating a table is calloc, which maps zero pages for big sizes.
 */
#include "node/ks_int.h"

__extension__ typedef unsigned __int128 ks_u128;

/* ---- hash ---- */

#define HASH_K1 0x9e3779b97f4a7c15ull
#define HASH_K2 0xd6e8feb86659fd93ull
#define HASH_K3 0xc2b2ae3d27d4eb4full

/* 64x64->128 multiply folded to 64 bits: every input bit reaches the low
 * output bits, which pick the bucket. */
static inline uint64_t fold(uint64_t a, uint64_t b)
{
    ks_u128 r = (ks_u128)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t rd64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline uint64_t rd32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

uint64_t node_ks__hash(const struct node_ks *ks, const void *key, size_t len)
{
    const unsigned char *p = key;
    size_t n = len;
    uint64_t h = ks->seed[0] ^ ((uint64_t)len * HASH_K1);
    while (n > 16) {
        h = fold(rd64(p) ^ ks->seed[1], rd64(p + 8) ^ h);
        p += 16;
        n -= 16;
    }
    /* 0..16 tail bytes, read as two possibly overlapping words. */
    uint64_t a = 0, b = 0;
    if (n >= 8) {
        a = rd64(p);
        b = rd64(p + n - 8);
    } else if (n >= 4) {
        a = rd32(p);
        b = rd32(p + n - 4);
    } else if (n > 0) {
        a = ((uint64_t)p[0] << 16) | ((uint64_t)p[n >> 1] << 8) | p[n - 1];
    }
    h = fold(a ^ ks->seed[1] ^ HASH_K2, b ^ h ^ HASH_K3);
    return fold(h ^ HASH_K1, ks->seed[0] ^ HASH_K2);
}

uint64_t node_ks__rand(struct node_ks *ks)
{
    /* xorshift64*: sampling quality only, not secrecy. */
    uint64_t x = ks->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    ks->rng = x;
    return x * 0x2545f4914f6cdd1dull;
}

/* ---- tables ---- */

static inline size_t tsize(const struct ks_dict *d, int t)
{
    return (size_t)1 << d->bits[t];
}

static inline bool is_rehashing(const struct ks_dict *d)
{
    return d->table[1] != NULL;
}

/* ---- dict sizes (Fenwick tree, several dicts only) ---- */

static void fen_add(struct node_ks *ks, const struct ks_dict *d, size_t delta, bool add)
{
    if (!ks->fen)
        return;
    for (size_t i = (size_t)(d - ks->dicts) + 1; i <= ks->ndicts; i += i & (~i + 1)) {
        if (add)
            ks->fen[i] += delta;
        else
            ks->fen[i] -= delta;
    }
}

struct ks_dict *node_ks__dict_nth(const struct node_ks *ks, size_t r)
{
    core_assert(r < ks->count);
    if (!ks->fen)
        return &ks->dicts[0];
    /* Descend by powers of two: pos ends as the last index whose prefix
     * sum is <= r, so the dict at pos (0-based) holds the r-th key. */
    size_t pos = 0, step = 1;
    while (step * 2 <= ks->ndicts)
        step *= 2;
    for (; step > 0; step /= 2) {
        if (pos + step <= ks->ndicts && ks->fen[pos + step] <= r) {
            pos += step;
            r -= ks->fen[pos];
        }
    }
    core_assert(pos < ks->ndicts && r < ks->dicts[pos].used);
    return &ks->dicts[pos];
}

struct ks_dict *node_ks__dict_for(const struct node_ks *ks, const char *key, size_t klen)
{
    if (ks->ndicts == 1 || !ks->dict_index)
        return &ks->dicts[0];
    unsigned i = ks->dict_index(key, klen);
    core_assert(i < ks->ndicts);
    return &ks->dicts[i];
}

static uint64_t entry_hash(const struct node_ks *ks, const struct node_ks_entry *e)
{
    return node_ks__hash(ks, ks_ent_key(e), ks_ent_klen(e));
}

static void move_bucket(struct ks_dict *d, const struct node_ks *ks, size_t idx)
{
    struct node_ks_entry *e = d->table[0][idx];
    size_t mask = tsize(d, 1) - 1;
    while (e) {
        struct node_ks_entry *next = e->next;
        struct node_ks_entry **dst = &d->table[1][entry_hash(ks, e) & mask];
        e->next = *dst;
        *dst = e;
        e = next;
    }
    d->table[0][idx] = NULL;
}

static void finish_rehash(struct ks_dict *d)
{
    core_free(d->table[0]);
    d->table[0] = d->table[1];
    d->bits[0] = d->bits[1];
    d->table[1] = NULL;
    d->rehash_idx = 0;
}

bool node_ks__dict_rehash(struct ks_dict *d, const struct node_ks *ks, unsigned n)
{
    if (!is_rehashing(d))
        return false;
    size_t size0 = tsize(d, 0);
    size_t empty_budget = (size_t)n * KS_REHASH_EMPTY_VISITS;
    while (n > 0 && d->rehash_idx < size0) {
        if (!d->table[0][d->rehash_idx]) {
            d->rehash_idx++;
            if (--empty_budget == 0)
                break;
            continue;
        }
        move_bucket(d, ks, d->rehash_idx++);
        n--;
    }
    if (d->rehash_idx < size0)
        return true;
    finish_rehash(d);
    return false;
}

static unsigned bits_for(size_t n)
{
    unsigned b = KS_TABLE_BITS_MIN;
    while (((size_t)1 << b) < n)
        b++;
    return b;
}

/* Starts a resize to 2^bits buckets (or creates the first table). */
static void start_resize(struct ks_dict *d, unsigned bits)
{
    struct node_ks_entry **t = core_calloc((size_t)1 << bits, sizeof(*t));
    if (!d->table[0]) {
        d->table[0] = t;
        d->bits[0] = (uint8_t)bits;
        return;
    }
    d->table[1] = t;
    d->bits[1] = (uint8_t)bits;
    d->rehash_idx = 0;
}

static void maybe_grow(struct ks_dict *d, const struct node_ks *ks)
{
    if (!d->table[0]) {
        start_resize(d, KS_TABLE_BITS_MIN);
        return;
    }
    if (is_rehashing(d) || d->used < tsize(d, 0) || d->bits[0] >= ks->table_bits_max)
        return;
    start_resize(d, d->bits[0] + 1u);
}

void node_ks__dict_maybe_shrink(struct ks_dict *d, const struct node_ks *ks)
{
    if (!d->table[0] || is_rehashing(d) || d->bits[0] <= KS_TABLE_BITS_MIN)
        return;
    if (d->used * 8 >= tsize(d, 0))
        return;
    unsigned bits = bits_for(d->used);
    if (bits < d->bits[0])
        start_resize(d, bits);
}

static struct node_ks_entry **chain_find(struct node_ks_entry **pp, const char *key, size_t klen)
{
    for (; *pp; pp = &(*pp)->next) {
        const struct node_ks_entry *e = *pp;
        if (ks_ent_klen(e) == klen && (klen == 0 || memcmp(ks_ent_key(e), key, klen) == 0))
            return pp;
    }
    return NULL;
}

void node_ks__dict_find(struct node_ks *ks, const char *key, size_t klen, struct ks_loc *loc)
{
    struct ks_dict *d = node_ks__dict_for(ks, key, klen);
    loc->d = d;
    loc->hash = node_ks__hash(ks, key, klen);
    loc->slot = NULL;
    if (!d->table[0])
        return;
    if (is_rehashing(d))
        node_ks__dict_rehash(d, ks, 1);
    for (int t = 0; t < 2 && d->table[t]; t++) {
        size_t idx = loc->hash & (tsize(d, t) - 1);
        if (t == 0 && is_rehashing(d) && idx < d->rehash_idx)
            continue;
        loc->slot = chain_find(&d->table[t][idx], key, klen);
        if (loc->slot)
            return;
    }
}

struct node_ks_entry **node_ks__dict_slot_of(struct node_ks *ks, const struct node_ks_entry *e)
{
    size_t klen;
    const char *key = node_ks_entry_key(e, &klen);
    struct ks_dict *d = node_ks__dict_for(ks, key, klen);
    uint64_t h = node_ks__hash(ks, key, klen);
    for (int t = 0; t < 2 && d->table[t]; t++) {
        for (struct node_ks_entry **pp = &d->table[t][h & (tsize(d, t) - 1)]; *pp; pp = &(*pp)->next)
            if (*pp == e)
                return pp;
    }
    core_assert(!"entry not in the keyspace");
    return NULL;
}

void node_ks__dict_link(struct node_ks *ks, struct node_ks_entry *e)
{
    size_t klen;
    const char *key = node_ks_entry_key(e, &klen);
    struct ks_dict *d = node_ks__dict_for(ks, key, klen);
    node_ks__dict_rehash(d, ks, 1);
    maybe_grow(d, ks);
    int t = is_rehashing(d) ? 1 : 0;
    struct node_ks_entry **head = &d->table[t][node_ks__hash(ks, key, klen) & (tsize(d, t) - 1)];
    e->next = *head;
    *head = e;
    d->used++;
    fen_add(ks, d, 1, true);
}

void node_ks__dict_unlink(struct node_ks *ks, struct ks_dict *d, struct node_ks_entry **slot)
{
    core_assert(d->used > 0);
    *slot = (*slot)->next;
    d->used--;
    fen_add(ks, d, 1, false);
    node_ks__dict_maybe_shrink(d, ks);
}

void node_ks__dict_clear(struct node_ks *ks, struct ks_dict *d)
{
    for (int t = 0; t < 2; t++) {
        if (!d->table[t])
            continue;
        size_t size = tsize(d, t);
        for (size_t i = 0; i < size; i++) {
            struct node_ks_entry *e = d->table[t][i];
            while (e) {
                struct node_ks_entry *next = e->next;
                node_ks__free_entry(ks, e);
                e = next;
            }
        }
        core_free(d->table[t]);
        d->table[t] = NULL;
    }
    fen_add(ks, d, d->used, false);
    d->used = 0;
    d->rehash_idx = 0;
}

/* ---- SCAN ----
 *
 * The cursor walks bucket indexes with the bits reversed: incrementing from
 * the top bit of the mask down means that the buckets already visited, seen
 * through a table twice as big (or half as big), are exactly those whose
 * reversed index is below the cursor. So growing or shrinking between calls
 * never skips a bucket that was not visited (a shrink may revisit some).
 * During a resize both tables are walked: the small one's bucket v, then
 * every bucket of the big one that v expands to.
 */

static uint64_t rev64(uint64_t v)
{
    v = ((v >> 1) & 0x5555555555555555ull) | ((v & 0x5555555555555555ull) << 1);
    v = ((v >> 2) & 0x3333333333333333ull) | ((v & 0x3333333333333333ull) << 2);
    v = ((v >> 4) & 0x0f0f0f0f0f0f0f0full) | ((v & 0x0f0f0f0f0f0f0f0full) << 4);
    return __builtin_bswap64(v);
}

/* The next cursor over mask's bits, counting from the top bit down. */
static uint64_t cursor_next(uint64_t v, uint64_t mask)
{
    v |= ~mask; /* the carry runs through the bits outside the mask */
    return rev64(rev64(v) + 1);
}

static void scan_bucket(struct node_ks_entry *e, node_ks_scan_cb cb, void *ud)
{
    for (; e; e = e->next)
        cb(ud, e);
}

/* Visits about `count` buckets of d from cursor v; returns the new cursor. */
static uint64_t dict_scan(const struct ks_dict *d, uint64_t v, size_t *count, node_ks_scan_cb cb, void *ud)
{
    do {
        if (!is_rehashing(d)) {
            uint64_t m = tsize(d, 0) - 1;
            scan_bucket(d->table[0][v & m], cb, ud);
            v = cursor_next(v, m);
        } else {
            int s = d->bits[0] <= d->bits[1] ? 0 : 1; /* the smaller table */
            uint64_t ms = tsize(d, s) - 1, ml = tsize(d, !s) - 1;
            scan_bucket(d->table[s][v & ms], cb, ud);
            do {
                scan_bucket(d->table[!s][v & ml], cb, ud);
                v = cursor_next(v, ml);
            } while (v & (ml ^ ms));
        }
        (*count)--;
    } while (v != 0 && *count > 0);
    return v;
}

uint64_t node_ks_scan(struct node_ks *ks, uint64_t cursor, size_t count, node_ks_scan_cb cb, void *ud)
{
    uint64_t dmask = ((uint64_t)1 << ks->dict_bits) - 1;
    uint64_t di = cursor & dmask;
    uint64_t v = cursor >> ks->dict_bits;
    if (count == 0)
        count = 1;
    while (di < ks->ndicts) {
        const struct ks_dict *d = &ks->dicts[di];
        if (d->table[0] && d->used > 0) {
            v = dict_scan(d, v, &count, cb, ud);
            if (v != 0)
                return (v << ks->dict_bits) | di;
            if (count == 0)
                return di + 1 < ks->ndicts ? di + 1 : 0;
        }
        /* An empty dict is skipped without spending count (bounded by ndicts). */
        v = 0;
        di++;
    }
    return 0;
}

uint64_t node_ks_dict_scan(struct node_ks *ks, unsigned dict_index, uint64_t cursor, size_t count, node_ks_scan_cb cb,
                           void *ud)
{
    core_assert(dict_index < ks->ndicts);
    const struct ks_dict *d = &ks->dicts[dict_index];
    if (!d->table[0] || d->used == 0)
        return 0;
    if (count == 0)
        count = 1;
    return dict_scan(d, cursor, &count, cb, ud);
}

/* ---- random ---- */

/* Probes before falling back to a walk: a table is at least 1/8 full unless
 * it is at its minimum size, so ~8 probes find a key on average. */
#define RANDOM_PROBES_MAX 256u

static struct node_ks_entry *pick_in_chain(struct node_ks *ks, struct node_ks_entry *e)
{
    size_t n = 0;
    for (struct node_ks_entry *p = e; p; p = p->next)
        n++;
    for (size_t k = node_ks__rand(ks) % n; k > 0; k--)
        e = e->next;
    return e;
}

/* Bucket i of the live index space: table[0] from rehash_idx, then table[1]. */
static struct node_ks_entry *bucket_at(const struct ks_dict *d, size_t i)
{
    size_t live0 = tsize(d, 0) - (is_rehashing(d) ? d->rehash_idx : 0);
    if (i < live0)
        return d->table[0][(is_rehashing(d) ? d->rehash_idx : 0) + i];
    return d->table[1][i - live0];
}

struct node_ks_entry *node_ks__dict_random(struct node_ks *ks, struct ks_dict *d)
{
    if (d->used == 0)
        return NULL;
    size_t live = tsize(d, 0) - (is_rehashing(d) ? d->rehash_idx : 0);
    if (is_rehashing(d))
        live += tsize(d, 1);
    for (unsigned probe = 0; probe < RANDOM_PROBES_MAX; probe++) {
        struct node_ks_entry *e = bucket_at(d, node_ks__rand(ks) % live);
        if (e)
            return pick_in_chain(ks, e);
    }
    size_t start = node_ks__rand(ks) % live;
    for (size_t k = 0; k < live; k++) {
        struct node_ks_entry *e = bucket_at(d, (start + k) % live);
        if (e)
            return pick_in_chain(ks, e);
    }
    core_assert(!"dict used > 0 but no entry");
    return NULL;
}

/* ---- invariants ---- */

static int check_entry(const struct node_ks *ks, const struct ks_dict *d, int t, size_t idx,
                       const struct node_ks_entry *e, size_t *ttl_keys)
{
    size_t klen = ks_ent_klen(e), vlen = ks_ent_vlen(e);
    bool wide = klen > KS_NARROW_LEN_MAX || vlen > KS_NARROW_LEN_MAX;
    if (wide != !!(e->hdr & KS_HDR_WIDE))
        return -EINVAL;
    if ((e->hdr & KS_HDR_TYPE_MASK) > NODE_KS_HASH)
        return -EINVAL;
    if ((e->hdr & KS_HDR_INT) && vlen != KS_PTR_SIZE)
        return -EINVAL;
    if (node_ks__dict_for(ks, (const char *)ks_ent_key(e), klen) != d)
        return -EINVAL;
    if ((entry_hash(ks, e) & (tsize(d, t) - 1)) != idx)
        return -EINVAL;
    if (e->hdr & KS_HDR_TTL) {
        uint32_t xi = ks_ent_exp_index(e);
        if (xi >= ks->exp_count || *ks_exp_at(ks, xi) != e)
            return -EINVAL;
        (*ttl_keys)++;
    }
    return 0;
}

int node_ks__dict_check(const struct node_ks *ks, unsigned dict_index, size_t *ttl_keys)
{
    const struct ks_dict *d = &ks->dicts[dict_index];
    if (!d->table[0])
        return d->used == 0 && !d->table[1] ? 0 : -EINVAL;
    size_t seen = 0;
    for (int t = 0; t < 2 && d->table[t]; t++) {
        for (size_t i = 0; i < tsize(d, t); i++) {
            if (t == 0 && is_rehashing(d) && i < d->rehash_idx && d->table[0][i])
                return -EINVAL; /* moved buckets must be empty */
            for (const struct node_ks_entry *e = d->table[t][i]; e; e = e->next) {
                if (++seen > d->used)
                    return -EINVAL; /* also stops a cycle */
                int rc = check_entry(ks, d, t, i, e, ttl_keys);
                if (rc < 0)
                    return rc;
            }
        }
    }
    return seen == d->used ? 0 : -EINVAL;
}
