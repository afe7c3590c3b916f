/*
 * ks_int.h — private to the keyspace (ks.c, ks_dict.c, ks_expire.c): the
 * entry layout, the per-dict hash tables and the keyspace struct.
 *
 * ENTRY LAYOUT. Every key is ONE allocation. Multi-byte fields are read and
 * written with memcpy because they are not aligned (the header is packed to
 * land a 16-byte key + 16-byte value in jemalloc's 48-byte class).
 *
 *   OFFSET  SIZE  DESCRIPTION
 *   0       8     next: the chain link of the hash bucket (intrusive chaining)
 *   8       1     hdr: bits 0-3 type (enum node_ks_type)
 *                      bit 4 KS_HDR_TTL   the TTL block is present
 *                      bit 5 KS_HDR_WIDE  lengths are 4 bytes each, not 1
 *                      bit 6 KS_HDR_INT   string value is an int64 ("int")
 *                      bit 7 KS_HDR_RAW   string was edited in place by
 *                                         APPEND/SETRANGE ("raw", as Redis)
 *   9       3     access: 24 bits, little-endian, as Redis's robj lru field:
 *                 the LRU clock in seconds (mod 2^24) of the last access,
 *                 or with an LFU policy 16-bit minutes (mod 2^16) << 8 |
 *                 8-bit logarithmic access counter
 *   12      1|4   klen: key length (4 bytes when WIDE)
 *   13|16   1|4   vlen: bytes of the value area (8 for INT and pointer values)
 *   F       12    only with TTL: int64 expire (absolute unix ms), then
 *                 uint32 index of this entry in the expire vector
 *                 (F = 14, or 20 when WIDE)
 *   F(+12)  klen  key bytes
 *   ...     vlen  value: string bytes, or an int64 (INT), or an owned pointer
 *                 (type != NODE_KS_STRING), freed by the type's free_fn
 *
 * WIDE is set when klen >= 256 or vlen >= 256. A 16-byte key and a 16-byte
 * value take 14 + 16 + 16 = 46 bytes: jemalloc class 48; with a TTL 58 -> 64
 * (the access bytes cost the TTL case one size class, not the common one).
 *
 * TABLES. A dict is two power-of-two arrays of entry pointers. table[1] is
 * non-NULL only during an incremental resize (grow at load 1, shrink below
 * 1/8); buckets of table[0] below rehash_idx have been moved. Bucket index =
 * hash & (size - 1). Entries never move in memory when rehashed, only their
 * links, so borrowed entry pointers survive rehash steps (but slot pointers,
 * struct node_ks_entry **, do not).
 */
#ifndef SHOAL_NODE_KS_INT_H
#define SHOAL_NODE_KS_INT_H

#include "node/core/core.h"
#include "node/ks.h"

#include <string.h>

struct node_ks_entry {
    struct node_ks_entry *next;
    uint8_t hdr;
    uint8_t access[3];    /* LRU clock or LFU time+counter, see the layout */
    unsigned char body[]; /* lengths, optional TTL block, key, value */
};

#define KS_HDR_TYPE_MASK 0x0fu
#define KS_HDR_TTL 0x10u
#define KS_HDR_WIDE 0x20u
#define KS_HDR_INT 0x40u
#define KS_HDR_RAW 0x80u

#define KS_ENTRY_HEAD 12u      /* offsetof(body): next + hdr + access */
#define KS_NARROW_LEN_MAX 255u /* longest key or value with 1-byte lengths */
#define KS_TTL_BLOCK 12u       /* int64 expire + uint32 vector index */
#define KS_PTR_SIZE 8u         /* value area of INT and pointer values */

/* Smallest table (Redis's too); shrinking never goes below it. */
#define KS_TABLE_BITS_MIN 2u
/* Keys sampled per active-expire round, and the expired share (1/N) above
 * which another round runs. */
#define KS_EXPIRE_SAMPLE 20u
#define KS_EXPIRE_AGAIN_DIV 4u
/* Entries per expire-vector chunk (32 KiB of pointers). */
#define KS_EXP_CHUNK_BITS 12u
#define KS_EXP_CHUNK ((size_t)1 << KS_EXP_CHUNK_BITS)
/* Empty buckets one rehash step may skip per bucket it is asked to move. */
#define KS_REHASH_EMPTY_VISITS 10u

struct ks_dict {
    struct node_ks_entry **table[2];
    uint8_t bits[2];   /* log2 of each table's size; valid when the table is */
    size_t used;       /* entries in both tables */
    size_t rehash_idx; /* next bucket of table[0] to move, when table[1] */
};

struct ks_type_ops {
    node_ks_free_cb free_fn;
    node_ks_dup_cb dup_fn;
};

struct node_ks {
    struct ks_dict *dicts;
    unsigned ndicts;
    unsigned dict_bits;  /* low cursor bits that carry the dict index in SCAN */
    unsigned table_bits_max;
    node_ks_dict_index_cb dict_index;
    size_t count;        /* keys in all dicts */
    uint64_t seed[2];    /* hash seed, random per process */
    uint64_t rng;        /* xorshift state for sampling */
    int64_t now_ms;
    int64_t avg_ttl;
    /* The expire vector: keys with a TTL, each knowing its index. Chunked so
     * that growing it never copies more than the chunk directory. */
    struct node_ks_entry ***exp_chunks;
    size_t exp_count;
    size_t exp_nchunks; /* chunks allocated */
    size_t exp_dir_cap; /* room in exp_chunks */
    struct node_ks_stats stats;
    struct ks_type_ops ops[KS_HDR_TYPE_MASK + 1];
    enum node_ks_expire_mode expire_mode;
    node_ks_expired_cb on_expired;
    void *on_expired_ud;
    /* Access tracking (OBJECT IDLETIME/FREQ, eviction). */
    enum node_ks_access access_mode;
    bool touch_paused;
    int lfu_log_factor;
    int lfu_decay_min;
    /* With several dicts: a Fenwick tree of their sizes (1-based), so a
     * random key is found in O(log ndicts) however many dicts are empty. */
    size_t *fen;
};

/* ---- entry field access (ks.c owns construction; these are shared) ---- */

static inline unsigned ks_ent_fixed(uint8_t hdr)
{
    return (hdr & KS_HDR_WIDE) ? KS_ENTRY_HEAD + 8u : KS_ENTRY_HEAD + 2u;
}

static inline size_t ks_ent_klen(const struct node_ks_entry *e)
{
    if (!(e->hdr & KS_HDR_WIDE))
        return e->body[0];
    uint32_t v;
    memcpy(&v, e->body, 4);
    return v;
}

static inline size_t ks_ent_vlen(const struct node_ks_entry *e)
{
    if (!(e->hdr & KS_HDR_WIDE))
        return e->body[1];
    uint32_t v;
    memcpy(&v, e->body + 4, 4);
    return v;
}

static inline unsigned char *ks_ent_ttl(const struct node_ks_entry *e)
{
    return (unsigned char *)e + ks_ent_fixed(e->hdr);
}

static inline unsigned char *ks_ent_key(const struct node_ks_entry *e)
{
    return ks_ent_ttl(e) + ((e->hdr & KS_HDR_TTL) ? KS_TTL_BLOCK : 0u);
}

static inline unsigned char *ks_ent_val(const struct node_ks_entry *e)
{
    return ks_ent_key(e) + ks_ent_klen(e);
}

static inline int64_t ks_ent_when(const struct node_ks_entry *e)
{
    int64_t v;
    memcpy(&v, ks_ent_ttl(e), 8);
    return v;
}

static inline uint32_t ks_ent_exp_index(const struct node_ks_entry *e)
{
    uint32_t v;
    memcpy(&v, ks_ent_ttl(e) + 8, 4);
    return v;
}

static inline void ks_ent_set_exp_index(struct node_ks_entry *e, uint32_t index)
{
    memcpy(ks_ent_ttl(e) + 8, &index, 4);
}

static inline bool ks_ent_is_expired(const struct node_ks *ks, const struct node_ks_entry *e)
{
    /* Redis: a key is expired once now > when (equal is still alive). */
    return (e->hdr & KS_HDR_TTL) && ks->now_ms > ks_ent_when(e) && ks->expire_mode != NODE_KS_EXPIRE_NONE;
}

static inline uint32_t ks_ent_access(const struct node_ks_entry *e)
{
    return (uint32_t)e->access[0] | ((uint32_t)e->access[1] << 8) | ((uint32_t)e->access[2] << 16);
}

static inline void ks_ent_set_access(struct node_ks_entry *e, uint32_t v)
{
    e->access[0] = (uint8_t)v;
    e->access[1] = (uint8_t)(v >> 8);
    e->access[2] = (uint8_t)(v >> 16);
}

static inline struct node_ks_entry **ks_exp_at(const struct node_ks *ks, size_t index)
{
    return &ks->exp_chunks[index >> KS_EXP_CHUNK_BITS][index & (KS_EXP_CHUNK - 1)];
}

/* ---- ks_dict.c ---- */

/* Where a key lives: its dict, hash, and the link that points at it. */
struct ks_loc {
    struct ks_dict *d;
    uint64_t hash;
    struct node_ks_entry **slot; /* NULL when absent */
};

uint64_t node_ks__hash(const struct node_ks *ks, const void *key, size_t len);
struct ks_dict *node_ks__dict_for(const struct node_ks *ks, const char *key, size_t klen);
/* Finds key (doing one rehash step first). loc->slot is NULL when absent;
 * it stays valid until the next call that changes the dict. */
void node_ks__dict_find(struct node_ks *ks, const char *key, size_t klen, struct ks_loc *loc);
/* The link pointing at e, which must be in the keyspace. No rehashing. */
struct node_ks_entry **node_ks__dict_slot_of(struct node_ks *ks, const struct node_ks_entry *e);
/* Adds e (whose key must be absent) to its dict; may grow the table. */
void node_ks__dict_link(struct node_ks *ks, struct node_ks_entry *e);
/* Unlinks the entry *slot of dict d; may start a shrink. */
void node_ks__dict_unlink(struct node_ks *ks, struct ks_dict *d, struct node_ks_entry **slot);
/* Moves up to n buckets of d's resize; false when d is not resizing. */
bool node_ks__dict_rehash(struct ks_dict *d, const struct node_ks *ks, unsigned n);
void node_ks__dict_maybe_shrink(struct ks_dict *d, const struct node_ks *ks);
/* Frees every entry (and owned values) and the tables of d. */
void node_ks__dict_clear(struct node_ks *ks, struct ks_dict *d);
/* A random entry of d (expired or not), or NULL when d is empty. */
struct node_ks_entry *node_ks__dict_random(struct node_ks *ks, struct ks_dict *d);
int node_ks__dict_check(const struct node_ks *ks, unsigned dict_index, size_t *ttl_keys);
uint64_t node_ks__rand(struct node_ks *ks);
/* The dict holding the r-th key (r < ks->count) in dict order. O(log ndicts). */
struct ks_dict *node_ks__dict_nth(const struct node_ks *ks, size_t r);

/* ---- ks_expire.c ---- */

void node_ks__exp_add(struct node_ks *ks, struct node_ks_entry *e);
void node_ks__exp_remove(struct node_ks *ks, struct node_ks_entry *e);
/* nw took the place of old (same TTL block and index). */
void node_ks__exp_replace(struct node_ks *ks, struct node_ks_entry *nw);
/* Forgets every TTL key and frees the vector (flush). */
void node_ks__exp_clear(struct node_ks *ks);

/* ---- ks.c ---- */

/* Unlinks and frees *slot (value included), keeping the TTL vector right. */
void node_ks__remove(struct node_ks *ks, struct ks_dict *d, struct node_ks_entry **slot);
/* Tells the expired hook that e is about to be removed because it expired. */
static inline void node_ks__expired(struct node_ks *ks, const struct node_ks_entry *e)
{
    if (ks->on_expired)
        ks->on_expired(ks->on_expired_ud, (const char *)ks_ent_key(e), ks_ent_klen(e));
}
void node_ks__free_entry(struct node_ks *ks, struct node_ks_entry *e);
/* The access field a newly created value starts with (Redis's createObject). */
uint32_t node_ks__access_new(const struct node_ks *ks);

#endif
