/*
 * t_hash.h — the hash value: Redis 7.0's two encodings behind one interface.
 *
 * "listpack" (node/ds_lp.h: field, value, field, value ...) while there are
 * at most hash-max-listpack-entries fields and no field or value is longer
 * than hash-max-listpack-value bytes; otherwise "hashtable": a ds_hash table
 * whose entries are ONE allocation each (chain link, varint field length,
 * varint value length, field bytes, value bytes), about 32 bytes for a
 * 10-byte field with a 10-byte value where Redis spends ~70-80. A hash never
 * converts back, as in Redis. Commands (cmd_hash.c) go through these
 * functions only.
 */
#ifndef SHOAL_NODE_T_HASH_H
#define SHOAL_NODE_T_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/ds_hash.h"
#include "node/ds_lp.h"

struct node_config;

struct node_thash {
    unsigned char *lp;  /* the listpack, or NULL once the hash is a hashtable */
    struct ds_hash ht;  /* used when lp == NULL */
    size_t ht_bytes;    /* allocation sizes of the hashtable's entries (mem hook) */
};

/* One field and its value, borrowed: valid until the hash changes (or, for
 * a listpack integer entry, until the buffers they were decoded into are
 * reused). */
struct node_thash_kv {
    const char *f, *v;
    size_t flen, vlen;
};

/* An empty listpack hash (Redis's createHashObject). */
struct node_thash *node_thash_new(void);
void node_thash_free(struct node_thash *h);
struct node_thash *node_thash_dup(const struct node_thash *h);

size_t node_thash_len(const struct node_thash *h);
bool node_thash_is_listpack(const struct node_thash *h);
/* Turns a listpack into a hashtable (no-op for a hashtable). */
void node_thash_to_hashtable(struct node_thash *h);
/* Converts when a field or value of len bytes may not live in the listpack
 * (Redis's hashTypeTryConversion for one argument). */
void node_thash_fit(struct node_thash *h, const struct node_config *cfg, size_t len);

/* The value of field f; false if absent. A listpack integer value is
 * written as text into buf. */
bool node_thash_get(const struct node_thash *h, const char *f, size_t flen, char buf[DS_LP_INTBUF],
                    const char **v, size_t *vlen);
bool node_thash_exists(const struct node_thash *h, const char *f, size_t flen);
/* Sets f to v, converting to a hashtable before the write when f or v is
 * too long and after it when there are too many fields. True if f was new. */
bool node_thash_set(struct node_thash *h, const struct node_config *cfg, const char *f, size_t flen, const char *v,
                    size_t vlen);
/* True if f was present (and is now removed). */
bool node_thash_del(struct node_thash *h, const char *f, size_t flen);

/* Iteration in storage order; the hash must not change meanwhile. */
struct node_thash_iter {
    const struct node_thash *h;
    unsigned char *p;            /* listpack: the next field */
    struct ds_hash_iter hi;
    char fbuf[DS_LP_INTBUF], vbuf[DS_LP_INTBUF];
};
void node_thash_iter_init(struct node_thash_iter *it, const struct node_thash *h);
/* kv valid until the next call. */
bool node_thash_iter_next(struct node_thash_iter *it, struct node_thash_kv *kv);

/* A pick is an opaque handle on one field of an unchanging hash (a listpack
 * position or a hashtable entry), for HRANDFIELD. */
typedef const void *node_thash_pick;
/* Fills out[0..count) with random fields of a non-empty hash: distinct
 * when uniq (then count <= len). rng returns any 64-bit random value. */
void node_thash_random(const struct node_thash *h, size_t count, bool uniq, uint64_t (*rng)(void *ud), void *ud,
                       node_thash_pick *out);
/* The field and value of a pick; integers are decoded into fbuf/vbuf. */
void node_thash_pick_kv(const struct node_thash *h, node_thash_pick p, char fbuf[DS_LP_INTBUF],
                        char vbuf[DS_LP_INTBUF], struct node_thash_kv *kv);

/* One HSCAN step of a hashtable: visits one bucket and returns the next
 * cursor (0 when done). A listpack is returned whole by iteration. */
typedef void (*node_thash_scan_cb)(void *ud, const struct node_thash_kv *kv);
uint64_t node_thash_scan(const struct node_thash *h, uint64_t cursor, node_thash_scan_cb cb, void *ud);

#endif
