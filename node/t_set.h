/*
 * t_set.h — the set value: Redis 7.0's two encodings behind one interface.
 *
 * "intset" (node/ds_intset.h) while every member is the canonical decimal
 * text of an int64 and there are at most set-max-intset-entries of them;
 * otherwise "hashtable": a ds_hash table whose entries are one allocation
 * each (chain link, length, member bytes). A set never converts back, as in
 * Redis. Commands (cmd_set.c) go through these functions only.
 */
#ifndef SHOAL_NODE_T_SET_H
#define SHOAL_NODE_T_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/ds_hash.h"
#include "node/ks.h"

struct node_tset {
    uint8_t *is;        /* the intset, or NULL once the set is a hashtable */
    struct ds_hash ht;  /* used when is == NULL */
    size_t ht_bytes;    /* the hashtable's entries, for the mem hook in O(1) */
};

/* An empty set encoded as the first member would make it: an intset when
 * member is a canonical integer, else a hashtable (Redis's setTypeCreate). */
struct node_tset *node_tset_new(const char *member, size_t len);
void node_tset_free(struct node_tset *s);
struct node_tset *node_tset_dup(const struct node_tset *s);

size_t node_tset_len(const struct node_tset *s);
bool node_tset_is_intset(const struct node_tset *s);
/* Adds member (converting to a hashtable when it is not an integer or the
 * intset would exceed max_intset_entries). True if it was absent. */
bool node_tset_add(struct node_tset *s, const char *m, size_t len, long long max_intset_entries);
/* True if it was present. */
bool node_tset_remove(struct node_tset *s, const char *m, size_t len);
bool node_tset_has(const struct node_tset *s, const char *m, size_t len);
/* Turns an intset into a hashtable (no-op for a hashtable). */
void node_tset_to_hashtable(struct node_tset *s);

/* Iteration in storage order; the set must not change meanwhile. An intset
 * member's text lives in it->buf until the next call. */
struct node_tset_iter {
    const struct node_tset *s;
    size_t index;
    struct ds_hash_iter hi;
    char buf[NODE_KS_INTBUF];
};
void node_tset_iter_init(struct node_tset_iter *it, const struct node_tset *s);
bool node_tset_iter_next(struct node_tset_iter *it, const char **m, size_t *len);

/* A random member of a non-empty set (rng: any 64-bit random value); an
 * intset member's text is written to buf. */
void node_tset_random(const struct node_tset *s, uint64_t rng, char buf[NODE_KS_INTBUF], const char **m,
                      size_t *len);

/* One SSCAN step: a hashtable visits one bucket and returns the next
 * cursor (0 when done); an intset returns every member and 0, as Redis. */
typedef void (*node_tset_scan_cb)(void *ud, const char *m, size_t len);
uint64_t node_tset_scan(const struct node_tset *s, uint64_t cursor, node_tset_scan_cb cb, void *ud);

#endif
