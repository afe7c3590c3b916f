/*
 * obj.h — what the rest of the node knows about a collection value (list,
 * set, sorted set, hash) without knowing its layout: one table of hooks per
 * type, defined by the type's own file (t_list.c, t_set.c, t_zset.c,
 * t_hash.c). Persistence, DUMP/RESTORE, OBJECT ENCODING, DEBUG DIGEST,
 * COPY and freeing go through these hooks; commands use the type's own
 * header (t_list.h ...).
 *
 * A hook left NULL means "not supported yet": the caller refuses the value
 * with an error naming the type, never crashes.
 */
#ifndef SHOAL_NODE_OBJ_H
#define SHOAL_NODE_OBJ_H

#include <stddef.h>
#include <stdint.h>

#include "node/ks.h"

struct rdb_enc;
struct rdb_value;
struct node_config;

/* Result of rdb_load. */
enum node_obj_load {
    NODE_OBJ_LOAD_OK = 0,
    NODE_OBJ_LOAD_EMPTY = 1,   /* a collection with no elements: the key is skipped, as Redis does */
    NODE_OBJ_LOAD_ERROR = -1,  /* *why says what is wrong ("duplicate hash field", ...) */
};

struct node_obj_type {
    enum node_ks_type type;
    const char *name; /* TYPE's reply: "list", "set", "zset", "hash" */
    /* OBJECT ENCODING, Redis 7.0's names: "quicklist" (every list in 7.0),
     * "listpack", "intset", "hashtable", "skiplist". */
    const char *(*encoding)(const void *v);
    /* Elements (hash: fields). */
    size_t (*length)(const void *v);
    void (*free)(void *v);
    void *(*dup)(const void *v);
    /* The RDB type byte (enum rdb_type) this value is written with, and the
     * body after the type byte and key (Redis 7.0's own choice of encoding:
     * QUICKLIST_2, HASH_LISTPACK or HASH, SET_INTSET or SET, ZSET_LISTPACK
     * or ZSET_2). */
    int (*rdb_type)(const void *v);
    int (*rdb_write)(struct rdb_enc *enc, const void *v);
    /* Builds a value from a validated RDB value of one of this type's RDB
     * types (any encoding 7.0 reads), choosing the encoding by cfg's limits
     * as Redis does when loading. *out is owned by the caller on OK. */
    enum node_obj_load (*rdb_load)(const struct rdb_value *rv, const struct node_config *cfg, void **out,
                                   const char **why);
    /* DEBUG DIGEST: the value's steps on the key's 20-byte digest state d,
     * after the type number was mixed in (Redis's xorObjectDigest; see
     * node/digest.h). */
    void (*digest)(const void *v, uint8_t d[20]);
    /* Approximate bytes held (MEMORY USAGE, eviction estimates); may be NULL. */
    size_t (*mem)(const void *v);
};

extern const struct node_obj_type node_list_type, node_set_type, node_zset_type, node_hash_type;

/* The hooks of a collection type, NULL for NODE_KS_STRING. */
const struct node_obj_type *node_obj_type(enum node_ks_type type);
/* The collection type an RDB type byte loads into, NULL for strings,
 * streams, modules and unknown bytes. */
const struct node_obj_type *node_obj_type_for_rdb(int rdb_type);
/* Registers free/dup of every collection type with the keyspace. */
void node_obj_register(struct node_ks *ks);

#endif
